import type { AAuthErrorCode } from '../errors/error-codes.js';

/**
 * One decision, for logs and traces. Never carries tokens, signatures, `Authorization`
 * values or bodies.
 */
export interface AAuthEvent {
  readonly outcome: 'verified' | 'challenged' | 'denied' | 'error';
  /** Error code, or the requirement sent with a challenge (`kept_result`: a repeat answered from a kept response). */
  readonly code:
    | AAuthErrorCode
    | 'agent-token'
    | 'person-token'
    | 'auth-token'
    | 'interaction'
    | 'kept_result'
    | undefined;
  readonly status: number;
  readonly method: string;
  readonly path: string;
  /** The route's requirement level; `undefined` at an endpoint core owns (see `endpoint`). */
  readonly requirement: 'agent' | 'session' | 'person' | 'auth' | undefined;
  /** Set for a decision at an endpoint core owns. */
  readonly endpoint?: 'pending' | 'interaction' | 'r3-document' | 'revocation' | 'authorization';
  readonly tokenType: 'agent' | 'person' | 'auth' | undefined;
  readonly iss: string | undefined;
  readonly sub: string | undefined;
  readonly jti: string | undefined;
  readonly keyThumbprint: string | undefined;
  /** Milliseconds spent in core. */
  readonly durationMs: number;
  /** A short reason without secrets. */
  readonly detail: string | undefined;
}
