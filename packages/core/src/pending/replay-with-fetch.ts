import type { Answer } from '../answers/answer.js';
import { buildProblem } from '../answers/build-answer.js';
import type { CapturedResponse, DeferredRun, HeldDispatch } from './deferred-run.js';

/** An application reachable as a Fetch handler (Hono's `app.fetch`, a Worker's `fetch`, …). */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

// Replayed requests, by identity: nothing from the wire can put a Request in here.
const replayed = new WeakMap<Request, { readonly run: DeferredRun; readonly target: string }>();

/** The held run and original target a replayed `Request` carries, for `verify()`. */
export function heldRunOf(request: Request): { run: DeferredRun; target: string } | undefined {
  return replayed.get(request);
}

/**
 * Run a held invocation (AAuth-11 §6.5.1) through a Fetch-style application once: rebuild the
 * request on `base`'s origin with the run attached, add core's response headers (e.g.
 * `AAuth-Access`), keep the response in core for repeats, and return it to answer the poll.
 * Without an application the poll is answered `500 server_error`.
 */
export async function replayWithFetch(
  dispatch: HeldDispatch,
  base: string,
  app: FetchHandler | undefined,
): Promise<Response> {
  if (!app) {
    const a = buildProblem(500, 'server_error', 'the held request cannot run: no application');
    await dispatch.complete({ status: a.status, headers: a.headers, body: undefined });
    return answerToResponse(a);
  }
  const request = new Request(new URL(dispatch.target, base), {
    method: dispatch.method,
    headers: dispatch.headers as [string, string][],
    body: (dispatch.body ?? null) as BodyInit | null,
  });
  replayed.set(request, { run: dispatch.run, target: dispatch.target });
  const response = await app(request);
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(dispatch.responseHeaders)) headers.set(name, value);
  await dispatch.complete({ status: response.status, headers: Object.fromEntries(headers), body });
  return new Response(body.length === 0 ? null : body, { status: response.status, headers });
}

/** Hand a copy of a Fetch response to `keep` (`VerifyResult.keep`), reading it off the hot path. */
export function keepFetchResponse(
  response: Response,
  keep: (response: CapturedResponse) => Promise<void>,
): void {
  const copy = response.clone();
  void copy
    .arrayBuffer()
    .then((bytes) =>
      keep({
        status: copy.status,
        headers: Object.fromEntries(copy.headers),
        body: new Uint8Array(bytes),
      }),
    )
    .catch(() => undefined);
}

/** Core's answer as a Fetch `Response`, unchanged: status, every header, body (`''` = none). */
export function answerToResponse(answer: Answer): Response {
  return new Response(answer.body === '' ? null : answer.body, {
    status: answer.status,
    headers: answer.headers,
  });
}
