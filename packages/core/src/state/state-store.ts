import { Lru } from '../internal/lru.js';

/**
 * Small atomic key-value operations for protocol state that must be shared by every instance
 * of a resource: pending requests, deferred results, interaction codes, session records and the
 * shared issuer-key cache. Values are strings (JSON); every entry has a time to live.
 * Implementations must make `add` and `compareAndSet` atomic (no check-then-set races).
 */
export interface StateStore {
  /** Store `value` only if `key` is absent. `true` when stored. */
  add(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  get(key: string): Promise<string | undefined>;
  /** Store `value` (with a new TTL) only if the current value equals `expected`. */
  compareAndSet(key: string, expected: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Store unconditionally. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
}

/** Options for the in-memory state store. */
export interface MemoryStateStoreOptions {
  /** Entries kept at most (LRU). Default 100 000. */
  readonly maxEntries?: number;
  /** Clock in unix seconds. Default `Date.now() / 1000`. */
  readonly now?: () => number;
}

/** In-memory `StateStore` for a single instance. */
export function createMemoryStateStore(options: MemoryStateStoreOptions = {}): StateStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError('maxEntries must be a positive integer');
  const now = options.now ?? (() => Date.now() / 1000);
  const map = new Lru<string, { value: string; until: number }>(max);
  const live = (key: string): string | undefined => {
    const e = map.get(key);
    if (!e) return undefined;
    if (e.until <= now()) {
      map.delete(key);
      return undefined;
    }
    return e.value;
  };
  return {
    async add(key, value, ttl) {
      if (live(key) !== undefined) return false;
      map.set(key, { value, until: now() + ttl });
      return true;
    },
    async get(key) {
      return live(key);
    },
    async compareAndSet(key, expected, value, ttl) {
      if (live(key) !== expected) return false;
      map.set(key, { value, until: now() + ttl });
      return true;
    },
    async set(key, value, ttl) {
      map.set(key, { value, until: now() + ttl });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
