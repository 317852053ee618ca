import { Lru } from '../internal/lru.js';

/**
 * Revoked tokens, keyed by (issuer, jti) (AAuth-11 §11.12). Shared stores let a revocation
 * received by one instance be honoured by all.
 */
export interface RevocationStore {
  /** Record a revocation; it may be forgotten after `expiresAt` (unix seconds). */
  revoke(iss: string, jti: string, expiresAt: number): Promise<void> | void;
  isRevoked(iss: string, jti: string): Promise<boolean> | boolean;
}

/** Options for the in-memory revocation store. */
export interface MemoryRevocationStoreOptions {
  /** Entries kept at most. Default 100 000. */
  readonly maxEntries?: number;
  /** Clock in unix seconds. Default `Date.now() / 1000`. */
  readonly now?: () => number;
}

/** Bounded in-memory revocation list for a single instance. */
export function createMemoryRevocationStore(
  options: MemoryRevocationStoreOptions = {},
): RevocationStore {
  const max = options.maxEntries ?? 100_000;
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError('maxEntries must be a positive integer');
  const now = options.now ?? (() => Date.now() / 1000);
  const revoked = new Lru<string, number>(max);
  const id = (iss: string, jti: string): string => `${iss}\n${jti}`;
  return {
    revoke(iss, jti, expiresAt) {
      revoked.set(id(iss, jti), expiresAt);
    },
    isRevoked(iss, jti) {
      const until = revoked.get(id(iss, jti));
      return until !== undefined && until >= now();
    },
  };
}
