import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import { sha256 } from '../internal/crypto.js';

/** A parameter value a proposal replaced by its hash (R3 §7). */
export interface ParameterDigest {
  /** `BASE64URL(SHA-256(value-bytes))`, see `parameterDigest`. */
  readonly s256: string;
  readonly excerpt?: string;
  readonly media_type?: string;
}

const DIGEST_MEMBERS: ReadonlySet<string> = new Set(['s256', 'excerpt', 'media_type']);
const S256 = /^[A-Za-z0-9_-]{43}$/;

/**
 * `BASE64URL(SHA-256(value-bytes))` of a parameter value (R3 §7). The value bytes of a string
 * are its UTF-8 bytes; R3 leaves other values undefined (R16), so here they are the UTF-8 bytes
 * of `JSON.stringify(value)` of the parsed value — the agent must resend it so that it parses to
 * the same JSON. Digest strings where you can.
 */
export async function parameterDigest(value: unknown): Promise<string> {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError('the value is not JSON');
  return encodeBase64Url(await sha256(utf8Encode(text)));
}

/**
 * Whether a proposed value is a digest object: a `s256` of 43 base64url characters, and no
 * members but `excerpt` and `media_type`.
 */
export function isParameterDigest(value: unknown): value is ParameterDigest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.s256 !== 'string' || !S256.test(v.s256)) return false;
  return Object.keys(v).every((k) => DIGEST_MEMBERS.has(k));
}

/**
 * Whether a retried call's parameters are the ones a proposal approved (R3 §7 step 3, R17):
 * the same member names (no defaults filled in); each value equal as JSON (member order
 * irrelevant, numbers by value, arrays by order), except a top-level proposed value that is a
 * digest object, which matches only a presented value whose `parameterDigest` equals its
 * `s256` (never the digest object itself). Resolves `false` for anything malformed; never
 * rejects.
 */
export async function sameParameters(
  proposed: Readonly<Record<string, unknown>>,
  presented: Readonly<Record<string, unknown>>,
): Promise<boolean> {
  try {
    if (!isRecord(proposed) || !isRecord(presented)) return false;
    const names = Object.keys(proposed);
    if (names.length !== Object.keys(presented).length) return false;
    for (const name of names) {
      if (!Object.hasOwn(presented, name)) return false;
      const want = proposed[name];
      const got = presented[name];
      if (isParameterDigest(want)) {
        if (got === undefined || (await parameterDigest(got)) !== want.s256) return false;
      } else if (!jsonEqual(want, got)) return false;
    }
    return true;
  } catch {
    // Cyclic or absurdly deep values: not the approved call.
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  switch (typeof a) {
    case 'string':
    case 'boolean':
      return a === b;
    case 'number':
      return Number.isFinite(a) && a === b;
    case 'object': {
      if (Array.isArray(a)) {
        if (!Array.isArray(b) || a.length !== b.length) return false;
        return a.every((item, i) => jsonEqual(item, b[i]));
      }
      if (Array.isArray(b)) return false;
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const keys = Object.keys(x);
      if (keys.length !== Object.keys(y).length) return false;
      return keys.every((k) => Object.hasOwn(y, k) && jsonEqual(x[k], y[k]));
    }
    default:
      // undefined, functions, bigint, symbols are not JSON values.
      return false;
  }
}
