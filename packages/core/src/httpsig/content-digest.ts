import { type Dictionary, parseDictionary } from 'structured-headers';
import { encodeBase64 } from '../internal/base64.js';
import { sha256, sha512 } from '../internal/crypto.js';

/** Digest algorithms a `Content-Digest` may be checked with (RFC 9530 §5, "Active"). */
export type ContentDigestAlgorithm = 'sha-256' | 'sha-512';

/**
 * `match`: every supported entry matches the body. `mismatch`: one does not.
 * `unsupported`: no `sha-256`/`sha-512` entry (e.g. only deprecated `md5`).
 * `malformed`: not a Dictionary, or a supported entry is not a Byte Sequence.
 */
export type ContentDigestCheck = 'match' | 'mismatch' | 'unsupported' | 'malformed';

const HASHES: Readonly<Record<ContentDigestAlgorithm, (data: Uint8Array) => Promise<Uint8Array>>> =
  { 'sha-256': sha256, 'sha-512': sha512 };

// Constant time over the digest length, so timing does not reveal how many bytes matched.
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * Check a `Content-Digest` field value (RFC 9530) against the body bytes as received.
 * Every `sha-256`/`sha-512` entry must match and at least one must be present; other
 * algorithms, including the deprecated `md5`, `sha`, `unixsum`, `unixcksum`, `adler` and
 * `crc32c`, are ignored.
 */
export async function checkContentDigest(
  headerValue: string,
  body: Uint8Array,
): Promise<ContentDigestCheck> {
  let dict: Dictionary;
  try {
    dict = parseDictionary(headerValue);
  } catch {
    return 'malformed';
  }
  const expected: [ContentDigestAlgorithm, Uint8Array][] = [];
  for (const alg of ['sha-256', 'sha-512'] as const) {
    const entry = dict.get(alg);
    if (entry === undefined) continue;
    const value = entry[0];
    if (!(value instanceof ArrayBuffer)) return 'malformed';
    expected.push([alg, new Uint8Array(value)]);
  }
  if (expected.length === 0) return 'unsupported';
  let allMatch = true;
  for (const [alg, digest] of expected) {
    // Check every entry (no early exit) so the work done does not depend on which one fails.
    if (!equalBytes(await HASHES[alg](body), digest)) allMatch = false;
  }
  return allMatch ? 'match' : 'mismatch';
}

/** The `Content-Digest` field value for `body`, e.g. `sha-256=:…:`. */
export async function computeContentDigest(
  body: Uint8Array,
  alg: ContentDigestAlgorithm = 'sha-256',
): Promise<string> {
  const hash = Object.hasOwn(HASHES, alg) ? HASHES[alg] : undefined;
  if (!hash) throw new TypeError(`unsupported Content-Digest algorithm: ${String(alg)}`);
  return `${alg}=:${encodeBase64(await hash(body))}:`;
}
