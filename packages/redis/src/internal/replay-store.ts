import type { RedisReplayStore } from '../create-redis-stores.js';
import { replayKey, ttlUntil } from './keys.js';
import type { StoreContext } from './store-context.js';

/** `SET key 1 NX PX ttl`: one atomic command, so two instances can never both see a first use. */
export function createReplayStore(ctx: StoreContext): RedisReplayStore {
  return {
    async remember(key: string, expiresAt: number): Promise<boolean> {
      const ttl = ttlUntil(expiresAt, ctx.toleranceMs, Date.now());
      const redisKey = replayKey(ctx.prefix, key);
      try {
        const reply = await ctx.run('replay.remember', (send) =>
          send(['SET', redisKey, '1', 'NX', 'PX', String(ttl)]),
        );
        return reply === 'OK';
      } catch (error) {
        if (ctx.failOpen) return true;
        throw error;
      }
    },
  };
}
