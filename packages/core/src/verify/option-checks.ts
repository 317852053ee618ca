// Checks for createAAuth's options: each throws TypeError/RangeError naming the option, once.
import { isDevServerIdentifier, isServerIdentifier } from '../identifiers/is-server-identifier.js';
import type { IssuerTrust } from './aauth-options.js';

export const SUPPORTED_ALGS: ReadonlySet<string> = new Set(['Ed25519', 'ES256']);
export const SUPPORTED_TOKEN_ALGS: ReadonlySet<string> = new Set(['Ed25519', 'ES256', 'ES384']);
export const AUTHORITY: RegExp = /^[a-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-f:.]+\](?::\d{1,5})?$/;

export function positive(
  name: string,
  value: number | undefined,
  fallback: number,
  max: number = Number.MAX_SAFE_INTEGER,
  min: number = Number.MIN_VALUE,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new RangeError(
      `${name} must be a ${min === 0 ? 'non-negative' : 'positive'} number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`,
    );
  }
  return value;
}

export function trustFunction(
  name: string,
  trust: IssuerTrust | undefined,
  dev: boolean,
): (iss: string) => boolean | Promise<boolean> {
  if (trust === 'any') return () => true;
  if (typeof trust === 'function') return trust;
  if (Array.isArray(trust)) {
    for (const iss of trust) {
      if (!(dev ? isDevServerIdentifier(iss) : isServerIdentifier(iss)))
        throw new TypeError(`${name}: ${JSON.stringify(iss)} is not a server identifier`);
    }
    const set = new Set<string>(trust);
    return (iss) => set.has(iss);
  }
  throw new TypeError(`${name} must be 'any', a list of issuer identifiers, or a function`);
}

/** Which methods are replay-checked; validated once. */
export function replayMethods(
  value: readonly string[] | 'all' | undefined,
): ReadonlySet<string> | 'all' {
  if (value === 'all') return 'all';
  const list = value ?? ['POST', 'PUT', 'PATCH', 'DELETE'];
  if (!Array.isArray(list) || list.some((m) => typeof m !== 'string'))
    throw new TypeError("replayMethods must be 'all' or a list of methods");
  return new Set(list.map((m) => m.toUpperCase()));
}
