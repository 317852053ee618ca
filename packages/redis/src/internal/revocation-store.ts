import type { RedisRevocationStore } from '../create-redis-stores.js';
import { revokedKey, ttlUntil } from './keys.js';
import type { StoreContext } from './store-context.js';

/**
 * One key per revoked (iss, jti), living until the token's `exp` (plus the clock tolerance).
 * `revoke` always throws on failure, even fail-open: a revocation endpoint must not answer
 * 200 for a revocation it did not record.
 */
export function createRevocationStore(ctx: StoreContext): RedisRevocationStore {
  return {
    async revoke(iss: string, jti: string, expiresAt: number): Promise<void> {
      const ttl = ttlUntil(expiresAt, ctx.toleranceMs, Date.now());
      const redisKey = revokedKey(ctx.prefix, iss, jti);
      await ctx.run('revocation.revoke', (send) => send(['SET', redisKey, '1', 'PX', String(ttl)]));
    },
    async isRevoked(iss: string, jti: string): Promise<boolean> {
      const redisKey = revokedKey(ctx.prefix, iss, jti);
      try {
        const reply = await ctx.run('revocation.isRevoked', (send) => send(['EXISTS', redisKey]));
        return reply === 1;
      } catch (error) {
        if (ctx.failOpen) return false;
        throw error;
      }
    },
  };
}
