import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Answer, CapturedResponse, DeferredRun, HeldDispatch } from '@aauth-gate/core';
import { captureResponse } from './capture-response.js';
import { redispatch } from './redispatch.js';

// A symbol, not a field name: nothing from the wire can set it on a request.
const RUN = Symbol.for('aauth-gate.deferred-run');

/** The held run a replayed request carries, for the adapters' `requireAAuth()`. */
export function runOf(req: object | undefined): DeferredRun | undefined {
  return req === undefined ? undefined : (req as { [RUN]?: DeferredRun })[RUN];
}

/**
 * Run a held invocation (AAuth-11 §6.5.1) through whatever framework serves this Node server:
 * the held request is emitted as a new request on the same response, with core's run attached,
 * and its response is kept by core to answer repeated polls.
 */
export function runHeld(
  poll: IncomingMessage,
  res: ServerResponse,
  dispatch: HeldDispatch,
  maxResultBytes = 1_048_576,
): void {
  for (const [name, value] of Object.entries(dispatch.responseHeaders)) res.setHeader(name, value);
  captureResponse(res, maxResultBytes, (response) => {
    // Keeping the result is best effort: the response itself has already gone out.
    dispatch.complete(response).catch(() => undefined);
  });
  redispatch(poll, res, dispatch, (req) => {
    (req as IncomingMessage & { [RUN]?: DeferredRun })[RUN] = dispatch.run;
  });
}

/**
 * Hand the response this request gets to `keep` (core's `VerifyResult.keep`: a per-call grant
 * consumed on the `401` path), so a repeated presentation of the token is answered with it.
 */
export function keepResponse(
  res: ServerResponse,
  keep: (response: CapturedResponse) => Promise<void>,
  maxBytes = 1_048_576,
): void {
  captureResponse(res, maxBytes, (response) => {
    keep(response).catch(() => undefined);
  });
}

/** Core's answer on a Node response, unchanged: status, every header, body (`''` = none). */
export function writeAnswer(res: ServerResponse, answer: Answer): void {
  res.statusCode = answer.status;
  // setHeader, not a framework helper: Express's res.set() would add a charset.
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.end(answer.body);
}

/** What `handle()` resolved to, on the wire: an answer, or the held request run once. */
export function answerHandled(
  req: IncomingMessage,
  res: ServerResponse,
  handled: Answer | HeldDispatch,
): void {
  if ('kind' in handled) runHeld(req, res, handled);
  else writeAnswer(res, handled);
}
