import { Lru } from '../internal/lru.js';
import type { StateStore } from '../state/state-store.js';
import type { FetchLike } from './fetch-like.js';
import { readJsonDocument } from './read-json-document.js';

/** One key from an issuer's JWKS, kept with its imported form once used. */
export interface IssuerKey {
  readonly kid: string;
  readonly jwk: Readonly<Record<string, unknown>>;
  /** Filled lazily by the token verifier; cached with the key so it is imported once. */
  imported?: Promise<unknown>;
}

/** Why a key could not be had. */
export type KeyLookupFailure = {
  readonly ok: false;
  readonly code:
    | 'issuer_missing'
    | 'issuer_mismatch'
    | 'unknown_key'
    | 'invalid_jwt'
    | 'unavailable';
  readonly detail: string;
  /** Seconds until the next fetch is allowed (for `Retry-After`). */
  readonly retryAfter?: number;
};

export type KeyLookup = { readonly ok: true; readonly key: IssuerKey } | KeyLookupFailure;

/** Options for the issuer key cache; every number has a protocol-derived default. */
export interface IssuerKeyCacheOptions {
  readonly fetch: FetchLike;
  /** Clock in unix seconds. */
  readonly now: () => number;
  /** Development mode: plain-http loopback issuers and `jwks_uri`s are allowed. */
  readonly dev: boolean;
  /** Issuers kept at most (LRU). Default 1000. */
  readonly maxIssuers: number;
  /** Minimum seconds between two fetches for one issuer (AAuth-11 §11.4: once a minute). */
  readonly minRefreshSeconds: number;
  /** Seconds after which an entry is discarded whatever its headers say (SHOULD 24 h). */
  readonly maxAgeSeconds: number;
  /** Freshness when the JWKS response names none. Default 300. */
  readonly defaultTtlSeconds: number;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  /**
   * Shared across instances (e.g. Redis): key sets fetched by one instance are used by all, and
   * a lock keeps to one fetch per issuer per interval for the whole fleet. Default: none.
   */
  readonly shared?: StateStore | undefined;
}

interface KeySet {
  readonly keys: ReadonlyMap<string, IssuerKey>;
  readonly fetchedAt: number;
  readonly freshUntil: number;
}

interface Entry {
  set: KeySet | undefined;
  nextFetchAt: number;
  failures: number;
  lastError: KeyLookupFailure | undefined;
  inflight: Promise<void> | undefined;
}

const MAX_KEYS_PER_ISSUER = 64;

/**
 * Discovers and caches issuer keys: `{iss}/.well-known/{dwk}` → `issuer` check → `jwks_uri`
 * → key by `kid` (AAuth-11 §11.4, digest §6). At most one fetch per issuer per
 * `minRefreshSeconds`, single-flight, stale keys served with exponential backoff while the
 * issuer is down, entries dropped after `maxAgeSeconds`, bounded whatever callers send.
 */
export class IssuerKeyCache {
  readonly #o: IssuerKeyCacheOptions;
  readonly #entries: Lru<string, Entry>;

  constructor(options: IssuerKeyCacheOptions) {
    this.#o = options;
    this.#entries = new Lru(options.maxIssuers);
  }

  /** Issuers currently cached (bounded by `maxIssuers`). */
  get entriesSize(): number {
    return this.#entries.size;
  }

  /** The key for `kid`, fetching when absent, stale, or unknown (once per interval). */
  async lookup(iss: string, dwk: string, kid: string): Promise<KeyLookup> {
    const entry = this.#entry(iss, dwk);
    const now = this.#o.now();
    let set = this.#usable(entry, now);
    const fresh = set !== undefined && now < set.freshUntil;
    if (!fresh || !set?.keys.has(kid)) {
      if (now >= entry.nextFetchAt || entry.inflight) await this.#refresh(entry, iss, dwk);
      set = this.#usable(entry, this.#o.now());
    }
    const key = set?.keys.get(kid);
    if (key) return { ok: true, key };
    if (set)
      return { ok: false, code: 'unknown_key', detail: 'no key with that kid at the issuer' };
    return (
      entry.lastError ?? {
        ok: false,
        code: 'unavailable',
        detail: 'issuer keys not yet available',
        retryAfter: Math.max(1, entry.nextFetchAt - now),
      }
    );
  }

  /**
   * A cached key failed to verify: refresh once if the interval allows and return the key
   * now published under that `kid` when it differs from the one that failed.
   */
  async refreshAfterFailure(
    iss: string,
    dwk: string,
    failed: IssuerKey,
  ): Promise<IssuerKey | undefined> {
    const entry = this.#entry(iss, dwk);
    if (this.#o.now() < entry.nextFetchAt && !entry.inflight) return undefined;
    await this.#refresh(entry, iss, dwk);
    const key = this.#usable(entry, this.#o.now())?.keys.get(failed.kid);
    return key && key !== failed ? key : undefined;
  }

  /** Whether `key` is still what the cache holds for its issuer (verified-token cache check). */
  isCurrent(iss: string, dwk: string, key: IssuerKey): boolean {
    const set = this.#entries.get(`${iss}\n${dwk}`)?.set;
    return (
      set !== undefined &&
      set.keys.get(key.kid) === key &&
      this.#o.now() - set.fetchedAt < this.#o.maxAgeSeconds
    );
  }

  #entry(iss: string, dwk: string): Entry {
    const id = `${iss}\n${dwk}`;
    let entry = this.#entries.get(id);
    if (!entry) {
      entry = {
        set: undefined,
        nextFetchAt: 0,
        failures: 0,
        lastError: undefined,
        inflight: undefined,
      };
      this.#entries.set(id, entry);
    }
    return entry;
  }

  #usable(entry: Entry, now: number): KeySet | undefined {
    if (entry.set && now - entry.set.fetchedAt >= this.#o.maxAgeSeconds) entry.set = undefined;
    return entry.set;
  }

  #refresh(entry: Entry, iss: string, dwk: string): Promise<void> {
    if (!entry.inflight) {
      const now = this.#o.now();
      // Claim the interval before the first await so concurrent callers share one fetch.
      entry.nextFetchAt = now + this.#o.minRefreshSeconds;
      entry.inflight = this.#fetchShared(iss, dwk).then(
        (result) => {
          const done = this.#o.now();
          if (result.ok) {
            entry.set = result.set;
            entry.failures = 0;
            entry.lastError = undefined;
            entry.nextFetchAt = done + this.#o.minRefreshSeconds;
          } else {
            entry.failures += 1;
            const backoff = Math.min(this.#o.minRefreshSeconds * 2 ** (entry.failures - 1), 3600);
            entry.nextFetchAt = done + backoff;
            entry.lastError =
              result.code === 'unavailable' ? { ...result, retryAfter: backoff } : result;
          }
          entry.inflight = undefined;
        },
        () => {
          entry.inflight = undefined;
        },
      );
    }
    return entry.inflight;
  }

  /** Through the shared store when there is one: reuse a fleet-wide key set, or fetch under a lock. */
  async #fetchShared(
    iss: string,
    dwk: string,
  ): Promise<{ ok: true; set: KeySet } | KeyLookupFailure> {
    const shared = this.#o.shared;
    if (!shared) return this.#fetch(iss, dwk);
    const id = `${iss}\n${dwk}`;
    try {
      const stored = fromShared(
        await shared.get(`keys:${id}`),
        this.#o.now(),
        this.#o.maxAgeSeconds,
      );
      if (stored && stored.freshUntil > this.#o.now()) return { ok: true, set: stored };
      if (!(await shared.add(`keylock:${id}`, '1', this.#o.minRefreshSeconds))) {
        // Another instance fetched (or is fetching) within the interval: use what it stored.
        await new Promise((r) => setTimeout(r, 250));
        const after = fromShared(
          await shared.get(`keys:${id}`),
          this.#o.now(),
          this.#o.maxAgeSeconds,
        );
        if (after) return { ok: true, set: after };
        if (stored) return { ok: true, set: stored };
        return {
          ok: false,
          code: 'unavailable',
          detail: 'issuer keys are being fetched by another instance',
        };
      }
    } catch {
      return this.#fetch(iss, dwk); // the shared store is down: behave as a single instance
    }
    const result = await this.#fetch(iss, dwk);
    if (result.ok) {
      const doc = JSON.stringify({
        fetchedAt: result.set.fetchedAt,
        freshUntil: result.set.freshUntil,
        keys: [...result.set.keys.values()].map((k) => k.jwk),
      });
      await shared.set(`keys:${id}`, doc, this.#o.maxAgeSeconds).catch(() => undefined);
    }
    return result;
  }

  async #fetch(iss: string, dwk: string): Promise<{ ok: true; set: KeySet } | KeyLookupFailure> {
    const limits = { timeoutMs: this.#o.timeoutMs, maxBytes: this.#o.maxBytes, dev: this.#o.dev };
    const meta = await readJsonDocument(this.#o.fetch, `${iss}/.well-known/${dwk}`, limits);
    if (!meta.ok)
      return { ok: false, code: 'unavailable', detail: `issuer metadata: ${meta.detail}` };
    const issuer = meta.json.issuer;
    if (issuer === undefined)
      return { ok: false, code: 'issuer_missing', detail: 'issuer metadata has no issuer' };
    if (issuer !== iss)
      return { ok: false, code: 'issuer_mismatch', detail: 'issuer metadata names another issuer' };
    const jwksUri = meta.json.jwks_uri;
    if (typeof jwksUri !== 'string')
      return { ok: false, code: 'invalid_jwt', detail: 'issuer metadata has no jwks_uri' };
    const jwks = await readJsonDocument(this.#o.fetch, jwksUri, limits);
    if (!jwks.ok) return { ok: false, code: 'unavailable', detail: `issuer JWKS: ${jwks.detail}` };
    const list = Array.isArray(jwks.json.keys) ? (jwks.json.keys as unknown[]) : [];
    const keys = new Map<string, IssuerKey>();
    for (const item of list.slice(0, MAX_KEYS_PER_ISSUER)) {
      // Unselected keys may be of types we do not implement (e.g. ML-DSA): never choke on them.
      if (typeof item !== 'object' || item === null) continue;
      const jwk = item as Record<string, unknown>;
      if (typeof jwk.kid === 'string' && !keys.has(jwk.kid))
        keys.set(jwk.kid, { kid: jwk.kid, jwk });
    }
    const now = this.#o.now();
    const ttl = Math.min(
      Math.max(jwks.maxAge ?? this.#o.defaultTtlSeconds, this.#o.minRefreshSeconds),
      this.#o.maxAgeSeconds,
    );
    return { ok: true, set: { keys, fetchedAt: now, freshUntil: now + ttl } };
  }
}

/** A key set stored by another instance, if it is well-formed and not past the 24-hour bound. */
function fromShared(raw: string | undefined, now: number, maxAge: number): KeySet | undefined {
  if (raw === undefined) return undefined;
  try {
    const doc = JSON.parse(raw) as { fetchedAt?: unknown; freshUntil?: unknown; keys?: unknown };
    if (
      typeof doc.fetchedAt !== 'number' ||
      typeof doc.freshUntil !== 'number' ||
      !Array.isArray(doc.keys)
    )
      return undefined;
    if (now - doc.fetchedAt >= maxAge) return undefined;
    const keys = new Map<string, IssuerKey>();
    for (const jwk of doc.keys.slice(0, MAX_KEYS_PER_ISSUER) as Record<string, unknown>[]) {
      if (typeof jwk?.kid === 'string' && !keys.has(jwk.kid))
        keys.set(jwk.kid, { kid: jwk.kid, jwk });
    }
    return { keys, fetchedAt: doc.fetchedAt, freshUntil: doc.freshUntil };
  } catch {
    return undefined;
  }
}
