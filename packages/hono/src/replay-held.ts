import { type HeldDispatch, replayWithFetch } from '@aauth-gate/core';
import type { Context } from 'hono';

/** What replaying a held request needs from the Hono app. */
export interface HonoApp {
  fetch(request: Request, env?: unknown, executionCtx?: never): Response | Promise<Response>;
}

/** Run the held request through the app once, with this request's env and execution context. */
export function replayHeld(
  c: Context,
  dispatch: HeldDispatch,
  app: HonoApp | undefined,
): Promise<Response> {
  let executionCtx: unknown;
  try {
    executionCtx = c.executionCtx;
  } catch {
    // Not on a runtime with an execution context (e.g. Node).
  }
  const run = app && ((r: Request) => app.fetch(r, c.env, executionCtx as never));
  return replayWithFetch(dispatch, c.req.url, run);
}
