import type { AAuthPrincipal } from '../verify/principal.js';

/**
 * Proof, for `verify()`, that a request is the replay of a held invocation whose poll core has
 * already verified. Only core creates one; adapters pass it through unchanged.
 */
export interface DeferredRun {
  /** The pending request it completes. */
  readonly pendingId: string;
}

/** A response as the application produced it, for the pending record. */
export interface CapturedResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | number | readonly string[] | undefined>>;
  /** `undefined` when it was not captured (too large). */
  readonly body: Uint8Array | undefined;
}

/**
 * What `handle()` returns when a poll completes a held invocation: the adapter replays the
 * request through the application with `run` attached, adds `responseHeaders` to its answer,
 * and reports the response with `complete()` so repeats are answered from it.
 */
export interface HeldDispatch {
  readonly kind: 'dispatch';
  readonly method: string;
  readonly target: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Uint8Array | undefined;
  /** Headers core adds to the replayed response, e.g. `AAuth-Access`. */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** Attach to the replayed request (`AAuthRequest.deferred`). */
  readonly run: DeferredRun;
  complete(response: CapturedResponse): Promise<void>;
}

// Runs are matched by identity: nothing from the wire can produce one of these objects.
const runs = new WeakMap<DeferredRun, AAuthPrincipal>();

export function newRun(pendingId: string, principal: AAuthPrincipal): DeferredRun {
  const run = Object.freeze({ pendingId });
  runs.set(run, principal);
  return run;
}

/** The principal of a genuine run, or `undefined` for anything else. */
export function runPrincipal(value: unknown): AAuthPrincipal | undefined {
  return typeof value === 'object' && value !== null ? runs.get(value as DeferredRun) : undefined;
}
