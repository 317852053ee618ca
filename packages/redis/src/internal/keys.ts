import { createHash } from 'node:crypto';

/** The longest time to live given to any entry: 366 days, in ms. */
export const MAX_TTL_MS: number = 366 * 86_400_000;

/** `{prefix}replay:` + base64url SHA-256 of core's key: fixed length, no signature bytes stored. */
export function replayKey(prefix: string, key: string): string {
  return `${prefix}replay:${createHash('sha256').update(key).digest('base64url')}`;
}

/**
 * `{prefix}revoked:` + the JSON array `[iss, jti]`. JSON quotes and escapes both strings
 * (lone surrogates included), so no choice of `iss` can reach another pair's key.
 */
export function revokedKey(prefix: string, iss: string, jti: string): string {
  return `${prefix}revoked:${JSON.stringify([iss, jti])}`;
}

/** `{prefix}state:` + the caller's key (one key per entry, nothing to separate). */
export function stateKey(prefix: string, key: string): string {
  return `${prefix}state:${key}`;
}

/**
 * Milliseconds until `expiresAt` (unix seconds) plus the clock tolerance, at least 1 s and at
 * most `MAX_TTL_MS`. Computed on this host's clock and sent as `PX`, so Redis's own clock
 * does not matter.
 */
export function ttlUntil(expiresAt: number, toleranceMs: number, nowMs: number): number {
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt))
    throw new RangeError('expiresAt must be a finite number of unix seconds');
  const ms = Math.ceil(expiresAt * 1000 + toleranceMs - nowMs);
  return Math.min(Math.max(ms, 1000), MAX_TTL_MS);
}

/** A state entry's time to live in ms: `ttlSeconds` must be a positive finite number. */
export function ttlOf(ttlSeconds: number): number {
  if (typeof ttlSeconds !== 'number' || !Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
    throw new RangeError('ttlSeconds must be a positive number');
  return Math.min(Math.max(Math.ceil(ttlSeconds * 1000), 1), MAX_TTL_MS);
}
