import type { ResourceTokenInput } from '../resource/mint-resource-token.js';

/** The request a `202` holds: replayed through the application once the agent qualifies. */
export interface HeldInvocation {
  readonly method: string;
  readonly target: string;
  /** Field lines in arrival order, without the signature fields and hop-by-hop fields. */
  readonly headers: readonly (readonly [string, string])[];
  /** Body bytes, base64; absent when the request had none. */
  readonly body?: string;
}

/** The stored answer of a completed invocation (AAuth-11 §6.5.1: repeats are answered from it). */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Resource-token claims kept so a later poll can carry a fresh token (AAuth-11 §6.5.1). */
export type MintClaims = Omit<ResourceTokenInput, 'now' | 'lifetime' | 'jti'>;

/**
 * One pending request, stored as JSON in the `StateStore` under `aauth:pending:<id>`.
 * `state` moves pending → running (claimed by exactly one poll) → done.
 */
export interface PendingRecord {
  readonly v: 1;
  readonly id: string;
  /** Deferred auth-token delivery, or the resource's own interaction (two-party). */
  readonly kind: 'auth-token' | 'interaction';
  readonly state: 'pending' | 'running' | 'done';
  /** Thumbprint of the key that made the request: every poll must be signed by it (§20 A32). */
  readonly jkt: string;
  /** Unix seconds after which a pending record answers `408 expired`. */
  readonly expires: number;
  readonly held: HeldInvocation;
  /** auth-token: scopes the auth token must grant. */
  readonly scopes?: readonly string[];
  /** auth-token: the R3 operation the auth token must grant. */
  readonly operation?: { readonly vocabulary: string; readonly id: string };
  /** auth-token, per-call: the proposal's `r3_s256` the auth token must carry. */
  readonly proposal?: string;
  /** auth-token: what the resource token was minted from, and the current token. */
  readonly mint?: MintClaims;
  readonly resourceToken?: string;
  readonly resourceTokenExp?: number;
  /** interaction: the `AAuth-Requirement` sent (`url`, `code`). */
  readonly requirement?: string;
  /** interaction: the normalised code, the consent form nonce and the decision. */
  readonly code?: string;
  readonly nonce?: string;
  readonly interacting?: boolean;
  readonly attempts?: number;
  readonly decision?: 'approved' | 'denied';
  readonly user?: string;
  readonly agent?: { readonly iss: string; readonly sub: string };
  /** running/done: the auth token (`jti`, `exp`) that completed it. */
  readonly jti?: string;
  readonly tokenExp?: number;
  /** done: the result; `null` when it could not be kept (binary or too large). */
  readonly result?: StoredResponse | null;
}

/** Seconds a pending record is stored: until it expires, plus room to answer its result. */
export function recordTtl(record: PendingRecord, now: number): number {
  return Math.max(1, Math.ceil(record.expires - now) + 60);
}

/** Store key of a pending record. */
export const pendingKey = (id: string): string => `aauth:pending:${id}`;

/** Store key naming the pending record an auth token completed (by issuer and `jti`). */
export const completedByKey = (iss: string, jti: string): string =>
  `aauth:completed-by:${iss}:${jti}`;

/** Parse a stored record; `undefined` for anything that is not one. */
export function parsePendingRecord(json: string | undefined): PendingRecord | undefined {
  if (json === undefined) return undefined;
  try {
    const r = JSON.parse(json) as PendingRecord;
    return typeof r === 'object' && r !== null && r.v === 1 && typeof r.id === 'string'
      ? r
      : undefined;
  } catch {
    return undefined;
  }
}
