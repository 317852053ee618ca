import { Lru } from '../internal/lru.js';

/**
 * Remembers signatures seen within the window. `remember` must be atomic: it returns `true`
 * the first time a key is seen and `false` for every later call until `expiresAt` passes.
 * Shared stores (e.g. `@aauth-gate/redis`) let many instances refuse each other's replays.
 */
export interface ReplayStore {
  /** @param key opaque, fixed length; @param expiresAt unix seconds after which it may be forgotten */
  remember(key: string, expiresAt: number): Promise<boolean> | boolean;
}

/** Options for the in-memory replay store. */
export interface MemoryReplayStoreOptions {
  /** Entries kept at most; the oldest are dropped first. Default 100 000. */
  readonly maxEntries?: number;
  /** Clock in unix seconds. Default `Date.now() / 1000`. */
  readonly now?: () => number;
}

/**
 * Bounded in-memory replay store for a single instance. When full it drops the oldest entry;
 * size it to (requests per second × window) so nothing live is dropped.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError('maxEntries must be a positive integer');
  const now = options.now ?? (() => Date.now() / 1000);
  const seen = new Lru<string, number>(max);
  return {
    remember(key: string, expiresAt: number): boolean {
      const existing = seen.get(key);
      if (existing !== undefined && existing >= now()) return false;
      seen.set(key, expiresAt);
      return true;
    },
  };
}
