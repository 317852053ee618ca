import type { DeferredRun } from '../pending/deferred-run.js';

/** Header input accepted by core: a Fetch `Headers`, a Node-style record, or ordered field lines. */
export type HeaderInput =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | ReadonlyArray<readonly [string, string]>;

/**
 * A framework-neutral view of one HTTP request, exactly as it arrived on the wire.
 * Adapters fill it; core never guesses bytes or origins.
 */
export interface AAuthRequest {
  /** Request method as sent (no case change). */
  readonly method: string;
  /**
   * The request target in origin form, exactly as on the request line: path and query,
   * percent-encoding untouched (e.g. `/a%2Fb/c?x=1`). An absolute-form target is accepted too.
   */
  readonly target: string;
  /** Header fields. Repeated lines are joined with `, ` per RFC 9421 §2.1. */
  readonly headers: HeaderInput;
  /**
   * `host[:port]` the request was addressed to. Adapters pass the configured public authority
   * (or their framework's trust-proxy decision); when absent the verifier's configured
   * authority is used. Never taken from `X-Forwarded-Host`.
   */
  readonly authority?: string | undefined;
  /** `https` or `http`; defaults to the verifier's configured scheme. */
  readonly scheme?: string | undefined;
  /**
   * Raw body bytes when the request has content; `undefined` when the adapter has none. May be
   * a function that reads them: core calls it only when the signature covers `content-digest`,
   * so unsigned and digest-less requests are never buffered.
   */
  readonly body?: Uint8Array | (() => Promise<Uint8Array | undefined>) | undefined;
  /**
   * Set by an adapter when it replays a held invocation (`handle()` returned a dispatch): core
   * then skips the signature, which it verified on the poll, and applies the route requirement
   * to the poll's principal.
   */
  readonly deferred?: DeferredRun | undefined;
}
