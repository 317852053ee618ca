import { createHash } from 'node:crypto';
import type { StateStore } from '@aauth-gate/core';
import { stateKey, ttlOf } from './keys.js';
import type { Send } from './run-command.js';
import type { StoreContext } from './store-context.js';

/** Compare and set in one step: Redis runs a script without interleaving other commands. */
const COMPARE_AND_SET = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`;
const COMPARE_AND_SET_SHA1 = createHash('sha1').update(COMPARE_AND_SET).digest('hex');

/** `EVALSHA`, and `EVAL` once when the server does not hold the script yet (`NOSCRIPT`). */
async function evalScript(send: Send, keysAndArgs: readonly string[]): Promise<unknown> {
  try {
    return await send(['EVALSHA', COMPARE_AND_SET_SHA1, '1', ...keysAndArgs]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return send(['EVAL', COMPARE_AND_SET, '1', ...keysAndArgs]);
  }
}

/** Atomic key-value state; failures always throw (there is no safe default for state). */
export function createStateStore(ctx: StoreContext): StateStore {
  const { run, prefix } = ctx;
  return {
    async add(key, value, ttlSeconds) {
      const ttl = String(ttlOf(ttlSeconds));
      const reply = await run('state.add', (send) =>
        send(['SET', stateKey(prefix, key), value, 'NX', 'PX', ttl]),
      );
      return reply === 'OK';
    },
    async get(key) {
      const reply = await run('state.get', (send) => send(['GET', stateKey(prefix, key)]));
      return typeof reply === 'string' ? reply : undefined;
    },
    async compareAndSet(key, expected, value, ttlSeconds) {
      const ttl = String(ttlOf(ttlSeconds));
      const reply = await run('state.compareAndSet', (send) =>
        evalScript(send, [stateKey(prefix, key), expected, value, ttl]),
      );
      return reply === 1;
    },
    async set(key, value, ttlSeconds) {
      const ttl = String(ttlOf(ttlSeconds));
      await run('state.set', (send) => send(['SET', stateKey(prefix, key), value, 'PX', ttl]));
    },
    async delete(key) {
      await run('state.delete', (send) => send(['DEL', stateKey(prefix, key)]));
    },
  };
}
