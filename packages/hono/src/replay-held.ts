import { buildProblem, type DeferredRun, type HeldDispatch } from '@aauth-gate/core';
import type { Context } from 'hono';
import { answerResponse } from './answer-response.js';

/** What replaying a held request needs from the Hono app. */
export interface HonoApp {
  fetch(request: Request, env?: unknown, executionCtx?: never): Response | Promise<Response>;
}

// Replayed requests, by identity: nothing from the wire can put a Request in here.
const held = new WeakMap<Request, { readonly run: DeferredRun; readonly target: string }>();

/** The held run a replayed request carries, for `requireAAuth()`. */
export function runOf(request: Request): { run: DeferredRun; target: string } | undefined {
  return held.get(request);
}

/**
 * Run the held request through the app once (AAuth-11 §6.5.1), answer the poll with its
 * response plus core's headers (e.g. `AAuth-Access`), and hand the response to core to keep.
 */
export async function replayHeld(
  c: Context,
  dispatch: HeldDispatch,
  app: HonoApp | undefined,
): Promise<Response> {
  if (!app) {
    const answer = buildProblem(
      500,
      'server_error',
      'the held request cannot run: pass the Hono app to wellKnown(app)',
    );
    await dispatch.complete({ status: answer.status, headers: answer.headers, body: undefined });
    return answerResponse(answer);
  }
  const request = new Request(new URL(dispatch.target, c.req.url), {
    method: dispatch.method,
    headers: dispatch.headers as [string, string][],
    body: (dispatch.body ?? null) as BodyInit | null,
  });
  held.set(request, { run: dispatch.run, target: dispatch.target });
  let executionCtx: unknown;
  try {
    executionCtx = c.executionCtx;
  } catch {
    // Not on a runtime with an execution context (e.g. Node).
  }
  const response = await app.fetch(request, c.env, executionCtx as never);
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(dispatch.responseHeaders)) headers.set(name, value);
  await dispatch.complete({
    status: response.status,
    headers: Object.fromEntries(headers),
    body,
  });
  return new Response(body.length === 0 ? null : body, { status: response.status, headers });
}
