import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../src/index.js';
import { integerReply, sleep } from './support/helpers.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let redis: TestRedis;
let a: RedisStores;
let b: RedisStores;

beforeAll(async () => {
  redis = await startTestRedis();
  a = createRedisStores({ url: redis.url });
  b = createRedisStores({ url: redis.url });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

describe('state store', () => {
  it('adds only when absent, gets, sets and deletes', async () => {
    expect(await a.state.get('pending:1')).toBeUndefined();
    expect(await a.state.add('pending:1', '{"status":"pending"}', 60)).toBe(true);
    expect(await b.state.add('pending:1', '{"status":"other"}', 60)).toBe(false);
    expect(await b.state.get('pending:1')).toBe('{"status":"pending"}');
    await b.state.set('pending:1', '{"status":"done"}', 60);
    expect(await a.state.get('pending:1')).toBe('{"status":"done"}');
    await a.state.delete('pending:1');
    expect(await b.state.get('pending:1')).toBeUndefined();
    await a.state.delete('pending:1'); // deleting an absent key is fine
    expect(await a.state.add('pending:1', 'again', 60)).toBe(true);
  });

  it('compares and sets: only from the expected value, with a new TTL', async () => {
    expect(await a.state.compareAndSet('cas:absent', '', 'x', 60)).toBe(false);
    expect(await a.state.get('cas:absent')).toBeUndefined();
    await a.state.set('cas:1', 'v1', 1);
    expect(await b.state.compareAndSet('cas:1', 'v0', 'v2', 60)).toBe(false);
    expect(await b.state.compareAndSet('cas:1', 'v1', 'v2', 60)).toBe(true);
    expect(await a.state.get('cas:1')).toBe('v2');
    const pttl = integerReply(await redis.command('PTTL', 'aauth:state:cas:1'));
    expect(pttl).toBeGreaterThan(59_000);
  });

  it('lets exactly one of 50 concurrent compareAndSet calls win', async () => {
    await a.state.set('cas:race', 'pending', 60);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        (i % 2 ? a : b).state.compareAndSet('cas:race', 'pending', `winner-${i}`, 60),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await a.state.get('cas:race')).toBe(`winner-${winner}`);
  });

  it('lets exactly one of 50 concurrent adds win', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).state.add('add:race', `v${i}`, 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.state.get('add:race')).toBe(`v${results.indexOf(true)}`);
  });

  it('expires entries after ttlSeconds (ms precision)', async () => {
    await a.state.set('ttl:short', 'v', 0.3);
    expect(await a.state.add('ttl:add', 'v', 0.3)).toBe(true);
    expect(await b.state.get('ttl:short')).toBe('v');
    await sleep(400);
    expect(await b.state.get('ttl:short')).toBeUndefined();
    expect(await b.state.add('ttl:add', 'w', 60)).toBe(true);
  });

  it('loads the compareAndSet script again after SCRIPT FLUSH', async () => {
    await a.state.set('cas:flush', 'one', 60);
    expect(await a.state.compareAndSet('cas:flush', 'one', 'two', 60)).toBe(true);
    expect(await redis.command('SCRIPT', 'FLUSH')).toMatch(/^\+OK/);
    expect(await a.state.compareAndSet('cas:flush', 'two', 'three', 60)).toBe(true);
    expect(await b.state.get('cas:flush')).toBe('three');
  });

  it('isolates prefixes', async () => {
    const other = createRedisStores({ url: redis.url, prefix: 'tenant-b:' });
    try {
      await a.state.set('shared-name', 'a', 60);
      expect(await other.state.get('shared-name')).toBeUndefined();
      expect(await other.state.add('shared-name', 'b', 60)).toBe(true);
      expect(await a.state.get('shared-name')).toBe('a');
    } finally {
      await other.close();
    }
  });

  it('rejects a non-positive TTL as a programmer error', async () => {
    await expect(a.state.set('bad', 'v', 0)).rejects.toThrow(RangeError);
    await expect(a.state.add('bad', 'v', -1)).rejects.toThrow(RangeError);
    await expect(a.state.compareAndSet('bad', 'v', 'w', Number.NaN)).rejects.toThrow(RangeError);
  });

  it('works with a client that maps replies to Buffers (RESP3, typeMapping)', async () => {
    const client = createClient({
      url: redis.url,
      RESP: 3,
      commandOptions: { typeMapping: { 36: Buffer } },
    });
    client.on('error', () => {});
    await client.connect();
    try {
      const stores = createRedisStores({ client });
      await stores.state.set('typed', 'value', 60);
      expect(await stores.state.get('typed')).toBe('value');
      expect(await stores.state.compareAndSet('typed', 'value', 'next', 60)).toBe(true);
      expect(await stores.state.add('typed', 'x', 60)).toBe(false);
      await stores.close();
      expect(client.isOpen).toBe(true); // a client you pass stays yours
    } finally {
      await client.close();
    }
  });
});
