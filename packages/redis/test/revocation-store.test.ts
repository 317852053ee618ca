import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../src/index.js';
import { arrayReply, integerReply, nowSeconds, sleep } from './support/helpers.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let redis: TestRedis;
let a: RedisStores;
let b: RedisStores;

beforeAll(async () => {
  redis = await startTestRedis();
  a = createRedisStores({ url: redis.url, clockToleranceSeconds: 0 });
  b = createRedisStores({ url: redis.url, clockToleranceSeconds: 0 });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.stop();
});

const PS = 'https://ps.example';

describe('revocation store', () => {
  it('reports a revoked (iss, jti) and nothing else', async () => {
    await a.revocation.revoke(PS, 'pt-1', nowSeconds() + 60);
    expect(await a.revocation.isRevoked(PS, 'pt-1')).toBe(true);
    expect(await a.revocation.isRevoked(PS, 'pt-2')).toBe(false);
    expect(await a.revocation.isRevoked('https://other.example', 'pt-1')).toBe(false);
  });

  it('shares revocations between instances', async () => {
    expect(await b.revocation.isRevoked(PS, 'pt-shared')).toBe(false);
    await a.revocation.revoke(PS, 'pt-shared', nowSeconds() + 60);
    expect(await b.revocation.isRevoked(PS, 'pt-shared')).toBe(true);
  });

  it('keeps (iss, jti) pairs apart whatever characters they contain', async () => {
    // Each pair would collide under a naive `${iss}${sep}${jti}` key for some separator.
    const pairs: [string, string][] = [
      ['https://a.example\n', 'x'],
      ['https://a.example', '\nx'],
      ['https://a.example:', 'x'],
      ['https://a.example', ':x'],
      ['https://a.example","x', 'y'],
      ['https://a.example', 'x","y'],
      ['https://a.example', 'x'],
      ['https://a.example\u0000', 'x'],
      ['https://a.example', '\u0000x'],
      ['https://a.example\ud800', 'x'],
      ['https://a.example\ufffd', 'x'],
    ];
    for (const [i, [iss, jti]] of pairs.entries()) {
      await a.revocation.revoke(iss, jti, nowSeconds() + 60);
      for (const [j, [otherIss, otherJti]] of pairs.entries())
        expect(await b.revocation.isRevoked(otherIss, otherJti)).toBe(j <= i);
    }
    const keys = arrayReply(await redis.command('KEYS', 'aauth:revoked:*'));
    expect(keys).toContain('aauth:revoked:["https://a.example:","x"]');
  });

  it('expires a revocation at expiresAt, clamped to at least 1 s', async () => {
    await a.revocation.revoke(PS, 'pt-past', nowSeconds() - 100);
    expect(await b.revocation.isRevoked(PS, 'pt-past')).toBe(true);
    await a.revocation.revoke(PS, 'pt-timed', nowSeconds() + 20.25);
    const pttl = integerReply(
      await redis.command('PTTL', 'aauth:revoked:["https://ps.example","pt-timed"]'),
    );
    expect(pttl).toBeGreaterThan(19_900);
    expect(pttl).toBeLessThanOrEqual(20_250);
    await sleep(1100);
    expect(await b.revocation.isRevoked(PS, 'pt-past')).toBe(false);
    expect(await b.revocation.isRevoked(PS, 'pt-timed')).toBe(true);
  });

  it('caps a far-future expiresAt at 366 days', async () => {
    await a.revocation.revoke(PS, 'pt-far', nowSeconds() + 1e12);
    const pttl = integerReply(
      await redis.command('PTTL', 'aauth:revoked:["https://ps.example","pt-far"]'),
    );
    expect(pttl).toBeGreaterThan(366 * 86_400_000 - 1000);
    expect(pttl).toBeLessThanOrEqual(366 * 86_400_000);
  });

  it('isolates prefixes', async () => {
    const other = createRedisStores({ url: redis.url, prefix: 'tenant-b:' });
    try {
      await a.revocation.revoke(PS, 'pt-prefixed', nowSeconds() + 60);
      expect(await other.revocation.isRevoked(PS, 'pt-prefixed')).toBe(false);
    } finally {
      await other.close();
    }
  });
});
