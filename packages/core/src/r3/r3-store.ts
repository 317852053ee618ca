import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import { sha256 } from '../internal/crypto.js';
import type { StateStore } from '../state/state-store.js';

/** Where R3 documents are served, under the resource identifier. */
export const R3_PATH_PREFIX = '/aauth/r3/';

/** A document to keep: its exact bytes, hash, and what it is (R12). */
export interface R3StoredDocument {
  /** The JSON text exactly as served (hashed as UTF-8). */
  readonly bytes: string;
  readonly s256: string;
  readonly kind: 'class' | 'proposal';
  /** For a proposal: the call it describes, parameters as written in the document. */
  readonly proposal?: {
    readonly vocabulary: string;
    readonly id: string;
    readonly parameters: Readonly<Record<string, unknown>>;
  };
}

/** R3 documents by hash, with the servers entitled to fetch each (R3 §4.3–§4.4). */
export interface R3Store {
  /**
   * Keep `doc` for at least `ttlSeconds` and entitle `entitled` (the resource token's `aud` and
   * `ps`) to fetch it. Content addressed: a second put of the same hash never changes the
   * bytes, only extends the time kept and adds entitlements (R6). Rejects with a `TypeError`
   * when `s256` is not the hash of `bytes`.
   */
  put(doc: R3StoredDocument, entitled: readonly string[], ttlSeconds: number): Promise<void>;
  /** The document, or `undefined` when unknown, expired, or no longer matching its hash. */
  get(s256: string): Promise<R3StoredDocument | undefined>;
  /** Whether `issuer` was entitled to fetch the document and still is. */
  isEntitled(s256: string, issuer: string): Promise<boolean>;
}

/** Options of `createR3Store`. */
export interface R3StoreOptions {
  /** Clock in unix seconds. Default `Date.now() / 1000`. */
  readonly now?: () => number;
}

const S256 = /^[A-Za-z0-9_-]{43}$/;
// Concurrent puts of one record settle within a few rounds.
const ATTEMPTS = 5;

/** The document's URI: `${resource}/aauth/r3/${s256}`. */
export function r3Uri(resource: string, s256: string): string {
  return `${resource}${R3_PATH_PREFIX}${s256}`;
}

/** An `R3Store` over core's `StateStore` (memory, Redis, …). */
export function createR3Store(state: StateStore, options: R3StoreOptions = {}): R3Store {
  if (typeof state !== 'object' || state === null || typeof state.add !== 'function')
    throw new TypeError('state must be a StateStore');
  const now = options.now ?? (() => Date.now() / 1000);
  if (typeof now !== 'function') throw new TypeError('options.now must be a function');

  // Store `record` until `until`, or keep the stored one and only push its end later.
  const keep = async (key: string, record: Record<string, unknown>, until: number) => {
    const ttl = Math.max(1, Math.ceil(until - now()));
    for (let i = 0; i < ATTEMPTS; i++) {
      if (await state.add(key, JSON.stringify({ ...record, until }), ttl)) return;
      const current = await state.get(key);
      if (current === undefined) continue;
      const stored = parse(current);
      // Same hash means same bytes: a record holding other bytes was altered, so replace it.
      const intact =
        stored !== undefined && (record.bytes === undefined || stored.bytes === record.bytes);
      if (intact && typeof stored.until === 'number' && stored.until >= until) return;
      const next = JSON.stringify({ ...(intact ? stored : record), until });
      if (await state.compareAndSet(key, current, next, ttl)) return;
    }
    throw new Error('the R3 store could not settle concurrent writes');
  };

  return Object.freeze({
    async put(doc: R3StoredDocument, entitled: readonly string[], ttlSeconds: number) {
      if (typeof doc !== 'object' || doc === null || typeof doc.bytes !== 'string')
        throw new TypeError('doc.bytes must be a string');
      if (doc.kind !== 'class' && doc.kind !== 'proposal')
        throw new TypeError("doc.kind must be 'class' or 'proposal'");
      if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0)
        throw new TypeError('ttlSeconds must be a positive number');
      if (!Array.isArray(entitled) || entitled.some((e) => typeof e !== 'string' || e === ''))
        throw new TypeError('entitled must be a list of server identifiers');
      if (doc.s256 !== (await hashOf(doc.bytes)))
        throw new TypeError('doc.s256 is not the SHA-256 of doc.bytes');
      const until = now() + ttlSeconds;
      const record: Record<string, unknown> = { bytes: doc.bytes, kind: doc.kind };
      if (doc.proposal !== undefined) record.proposal = doc.proposal;
      await keep(docKey(doc.s256), record, until);
      for (const issuer of new Set(entitled)) await keep(entKey(doc.s256, issuer), {}, until);
    },
    async get(s256: string) {
      if (typeof s256 !== 'string' || !S256.test(s256)) return undefined;
      const raw = await state.get(docKey(s256));
      const stored = raw === undefined ? undefined : parse(raw);
      if (stored === undefined || typeof stored.bytes !== 'string') return undefined;
      if (stored.kind !== 'class' && stored.kind !== 'proposal') return undefined;
      // A record altered in the store must not be served under the old hash.
      if ((await hashOf(stored.bytes)) !== s256) return undefined;
      const doc: R3StoredDocument = {
        bytes: stored.bytes,
        s256,
        kind: stored.kind,
        ...(stored.proposal !== undefined
          ? { proposal: stored.proposal as NonNullable<R3StoredDocument['proposal']> }
          : {}),
      };
      return doc;
    },
    async isEntitled(s256: string, issuer: string) {
      if (typeof s256 !== 'string' || !S256.test(s256) || typeof issuer !== 'string') return false;
      const raw = await state.get(entKey(s256, issuer));
      const stored = raw === undefined ? undefined : parse(raw);
      return stored !== undefined && typeof stored.until === 'number' && stored.until > now();
    },
  });
}

function docKey(s256: string): string {
  return `r3:doc:${s256}`;
}

function entKey(s256: string, issuer: string): string {
  return `r3:ent:${s256}:${issuer}`;
}

async function hashOf(bytes: string): Promise<string> {
  return encodeBase64Url(await sha256(utf8Encode(bytes)));
}

function parse(raw: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
