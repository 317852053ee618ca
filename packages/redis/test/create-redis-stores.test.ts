import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStoresOptions } from '../src/index.js';

const URL = 'redis://127.0.0.1:1';

describe('createRedisStores options', () => {
  it.each([
    ['neither client nor url', {}, TypeError, /exactly one of client/],
    ['both client and url', { url: URL, client: createClient() }, TypeError, /exactly one of/],
    ['a client without sendCommand', { client: {} }, TypeError, /node-redis client/],
    ['an http url', { url: 'http://127.0.0.1:6379' }, TypeError, /redis:\/\/ or rediss:\/\//],
    ['a non-string prefix', { url: URL, prefix: 1 }, TypeError, /prefix/],
    ['a zero timeout', { url: URL, timeoutMs: 0 }, RangeError, /timeoutMs/],
    ['an infinite timeout', { url: URL, timeoutMs: Infinity }, RangeError, /timeoutMs/],
    ['an unknown policy', { url: URL, onError: 'ignore' }, TypeError, /onError/],
    ['a non-function onFailure', { url: URL, onFailure: 'log' }, TypeError, /onFailure/],
    ['a negative tolerance', { url: URL, clockToleranceSeconds: -1 }, RangeError, /clockTolerance/],
  ])('throws at construction for %s', (_, options, type, message) => {
    expect(() => createRedisStores(options as unknown as RedisStoresOptions)).toThrow(type);
    expect(() => createRedisStores(options as unknown as RedisStoresOptions)).toThrow(message);
  });

  it('returns frozen stores and does not touch the caller options', async () => {
    const options = { url: URL, timeoutMs: 50 };
    const stores = createRedisStores(options);
    expect(Object.isFrozen(stores)).toBe(true);
    expect(Object.isFrozen(stores.replay)).toBe(true);
    expect(options).toEqual({ url: URL, timeoutMs: 50 });
    await stores.close();
    await stores.close(); // idempotent
  });
});
