import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../src/index.js';
import { arrayReply, integerReply, nowSeconds, sleep } from './support/helpers.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let redis: TestRedis;
let a: RedisStores;
let b: RedisStores;

beforeAll(async () => {
  redis = await startTestRedis();
  // Two resource instances sharing one Redis.
  a = createRedisStores({ url: redis.url, clockToleranceSeconds: 0 });
  b = createRedisStores({ url: redis.url, clockToleranceSeconds: 0 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const SIG_KEY = 'kY8w0Xw3qB4yPq7cQ1sHn9XaZ2mK5vR8tL0pD6eF3gA.c2lnbmF0dXJlLWJ5dGVz';

describe('replay store', () => {
  it('remembers a key: true the first time, false for a repeat', async () => {
    const key = `${SIG_KEY}-first`;
    expect(await a.replay.remember(key, nowSeconds() + 60)).toBe(true);
    expect(await a.replay.remember(key, nowSeconds() + 60)).toBe(false);
    expect(await a.replay.remember(`${key}x`, nowSeconds() + 60)).toBe(true);
  });

  it('sees the replays of another instance sharing the Redis', async () => {
    const key = `${SIG_KEY}-shared`;
    expect(await a.replay.remember(key, nowSeconds() + 60)).toBe(true);
    expect(await b.replay.remember(key, nowSeconds() + 60)).toBe(false);
    expect(await a.replay.remember(key, nowSeconds() + 60)).toBe(false);
  });

  it('forgets a key once expiresAt has passed (clamped to at least 1 s)', async () => {
    const key = `${SIG_KEY}-expiry`;
    // expiresAt in the past: still kept for 1 s, so an immediate repeat is refused.
    expect(await a.replay.remember(key, nowSeconds() - 10)).toBe(true);
    expect(await b.replay.remember(key, nowSeconds() - 10)).toBe(false);
    await sleep(1100);
    expect(await b.replay.remember(key, nowSeconds() + 60)).toBe(true);
  });

  it('sets the TTL from expiresAt with ms precision, plus the clock tolerance', async () => {
    const exact = createRedisStores({ url: redis.url, prefix: 'exact:', clockToleranceSeconds: 0 });
    const tolerant = createRedisStores({ url: redis.url, prefix: 'tolerant:' });
    try {
      await exact.replay.remember(SIG_KEY, nowSeconds() + 30.5);
      await tolerant.replay.remember(SIG_KEY, nowSeconds() + 30.5);
      const pttl = async (pattern: string): Promise<number> => {
        const [key] = arrayReply(await redis.command('KEYS', pattern));
        return integerReply(await redis.command('PTTL', key as string));
      };
      const exactTtl = await pttl('exact:replay:*');
      expect(exactTtl).toBeGreaterThan(30_000);
      expect(exactTtl).toBeLessThanOrEqual(30_500);
      const tolerantTtl = await pttl('tolerant:replay:*');
      expect(tolerantTtl).toBeGreaterThan(35_000); // default tolerance: 5 s
      expect(tolerantTtl).toBeLessThanOrEqual(35_500);
    } finally {
      await exact.close();
      await tolerant.close();
    }
  });

  it('stores a fixed-length SHA-256 key under {prefix}replay:, never the key itself', async () => {
    const long = 'x'.repeat(5000);
    expect(await a.replay.remember(long, nowSeconds() + 60)).toBe(true);
    const keys = arrayReply(await redis.command('KEYS', 'aauth:replay:*'));
    expect(keys.length).toBeGreaterThan(1);
    for (const k of keys) expect(k).toMatch(/^aauth:replay:[A-Za-z0-9_-]{43}$/);
    expect(arrayReply(await redis.command('KEYS', '*c2lnbmF0dXJl*'))).toEqual([]);
  });

  it('isolates prefixes', async () => {
    const other = createRedisStores({ url: redis.url, prefix: 'tenant-b:' });
    try {
      const key = `${SIG_KEY}-prefix`;
      expect(await a.replay.remember(key, nowSeconds() + 60)).toBe(true);
      expect(await other.replay.remember(key, nowSeconds() + 60)).toBe(true);
      expect(await other.replay.remember(key, nowSeconds() + 60)).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('lets exactly one of many concurrent first uses through', async () => {
    const key = `${SIG_KEY}-race`;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).replay.remember(key, nowSeconds() + 60)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('rejects a non-finite expiresAt as a programmer error', async () => {
    await expect(a.replay.remember(SIG_KEY, Number.NaN)).rejects.toThrow(RangeError);
  });
});
