import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, RedisStoreError, type RedisStores } from '../src/index.js';
import { nowSeconds, sleep } from './support/helpers.js';
import { freePort, startTestRedis, type TestRedis } from './support/redis-server.js';

const TIMEOUT = 200;
/** Allowed lateness beyond the timeout: timers and event-loop jitter on a busy CI machine. */
const SLACK = 150;

let redis: TestRedis;
let closed: RedisStores;
let open: RedisStores;
const failures: { error: RedisStoreError; operation: string }[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  closed = createRedisStores({
    url: redis.url,
    timeoutMs: TIMEOUT,
    onFailure: (error, operation) => failures.push({ error, operation }),
  });
  open = createRedisStores({ url: redis.url, timeoutMs: TIMEOUT, onError: 'fail-open' });
});

afterEach(async () => {
  redis.resume();
  if ((await redis.command('PING').catch(() => '')) === '') await redis.start();
  await recovered(() => closed.state.get('k'));
  await recovered(() => open.state.get('k'));
});

afterAll(async () => {
  await closed?.close();
  await open?.close();
  await redis?.stop();
});

/** Run `op`, returning how it settled and how long it took. */
async function timed<T>(op: () => Promise<T>): Promise<{ ms: number; value?: T; error?: unknown }> {
  const started = performance.now();
  try {
    const value = await op();
    return { ms: performance.now() - started, value };
  } catch (error) {
    return { ms: performance.now() - started, error };
  }
}

/** Poll until `op` succeeds again (the client reconnects within about a second). */
async function recovered(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await op();
      return performance.now() - started;
    } catch {
      if (performance.now() - started > 3000) throw new Error('did not recover within 3 s');
      await sleep(50);
    }
  }
}

const operations = (s: RedisStores): [string, () => Promise<unknown>][] => [
  ['replay.remember', () => s.replay.remember('thumb.sig-down', nowSeconds() + 60)],
  ['revocation.revoke', () => s.revocation.revoke('https://ps.example', 'j1', nowSeconds() + 60)],
  ['revocation.isRevoked', () => s.revocation.isRevoked('https://ps.example', 'j1')],
  ['state.add', () => s.state.add('k', 'v', 60)],
  ['state.get', () => s.state.get('k')],
  ['state.compareAndSet', () => s.state.compareAndSet('k', 'v', 'w', 60)],
  ['state.set', () => s.state.set('k', 'v', 60)],
  ['state.delete', () => s.state.delete('k')],
];

describe('Redis stopped mid-run', () => {
  it('fail-closed: every operation rejects at once, then works again after a restart', async () => {
    expect(await closed.replay.remember('thumb.sig-before', nowSeconds() + 60)).toBe(true);
    await redis.stop();
    failures.length = 0;
    for (const [name, op] of operations(closed)) {
      const r = await timed(op);
      expect(r.error, name).toBeInstanceOf(RedisStoreError);
      expect((r.error as RedisStoreError).operation).toBe(name);
      expect(['redis_unavailable', 'redis_timeout']).toContain((r.error as RedisStoreError).code);
      expect(r.ms, name).toBeLessThan(TIMEOUT + SLACK);
    }
    const reported = failures.filter((f) => f.operation !== 'connection');
    expect(reported.map((f) => f.operation)).toEqual(operations(closed).map(([name]) => name));
    for (const f of failures) expect(f.error.message).not.toMatch(/sig-down|ps\.example|j1/);

    await redis.start();
    await recovered(() => closed.state.get('k'));
    // The test server keeps nothing across a restart; the stores work as before.
    expect(await closed.replay.remember('thumb.sig-after', nowSeconds() + 60)).toBe(true);
    expect(await closed.replay.remember('thumb.sig-after', nowSeconds() + 60)).toBe(false);
  });

  it('fail-open: replay counts as a first use, revocation as not revoked; revoke and state still throw', async () => {
    await open.revocation.revoke('https://ps.example', 'revoked-jti', nowSeconds() + 60);
    expect(await open.replay.remember('thumb.sig-open', nowSeconds() + 60)).toBe(true);
    await redis.stop();
    const replay = await timed(() => open.replay.remember('thumb.sig-open', nowSeconds() + 60));
    expect(replay.value).toBe(true);
    expect(replay.ms).toBeLessThan(TIMEOUT + SLACK);
    const revoked = await timed(() =>
      open.revocation.isRevoked('https://ps.example', 'revoked-jti'),
    );
    expect(revoked.value).toBe(false);
    expect(revoked.ms).toBeLessThan(TIMEOUT + SLACK);
    for (const [name, op] of operations(open).filter(
      ([n]) => n !== 'replay.remember' && n !== 'revocation.isRevoked',
    )) {
      const r = await timed(op);
      expect(r.error, name).toBeInstanceOf(RedisStoreError);
      expect(r.ms, name).toBeLessThan(TIMEOUT + SLACK);
    }
    await redis.start();
    await recovered(() => open.state.get('k'));
    expect(await open.replay.remember('thumb.sig-open', nowSeconds() + 60)).toBe(true); // data was lost with the server
  });
});

describe('Redis frozen (accepts nothing, answers nothing)', () => {
  it('fail-closed: rejects with redis_timeout after timeoutMs, never later', async () => {
    await closed.state.set('k', 'v', 60); // connected
    redis.pause();
    for (const [name, op] of operations(closed)) {
      const r = await timed(op);
      expect(r.error, name).toBeInstanceOf(RedisStoreError);
      expect((r.error as RedisStoreError).code, name).toBe('redis_timeout');
      expect(r.ms, name).toBeGreaterThanOrEqual(TIMEOUT - 5);
      expect(r.ms, name).toBeLessThan(TIMEOUT + SLACK);
    }
    redis.resume();
    // A command written before its deadline still runs once Redis answers: the timed-out
    // state.delete did. A timeout means "outcome unknown", not "not applied".
    expect(await closed.state.get('k')).toBeUndefined();
  });

  it('fail-open: answers after timeoutMs with a first use and not revoked', async () => {
    await open.state.set('k', 'v', 60); // connected
    redis.pause();
    const [replay, revoked] = await Promise.all([
      timed(() => open.replay.remember('thumb.sig-frozen', nowSeconds() + 60)),
      timed(() => open.revocation.isRevoked('https://ps.example', 'revoked-jti')),
    ]);
    expect(replay.value).toBe(true);
    expect(revoked.value).toBe(false);
    for (const r of [replay, revoked]) {
      expect(r.ms).toBeGreaterThanOrEqual(TIMEOUT - 5);
      expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
    }
    redis.resume();
  });
});

describe('no Redis at start-up', () => {
  it('fails fast once the first connection attempt failed, and close() does not hang', async () => {
    const stores = createRedisStores({
      url: `redis://127.0.0.1:${await freePort()}`,
      timeoutMs: TIMEOUT,
    });
    const first = await timed(() => stores.replay.remember('thumb.sig', nowSeconds() + 60));
    expect(first.error).toBeInstanceOf(RedisStoreError);
    expect(first.ms).toBeLessThan(TIMEOUT + SLACK);
    const next = await timed(() => stores.revocation.isRevoked('https://ps.example', 'j1'));
    expect((next.error as RedisStoreError).code).toBe('redis_unavailable');
    expect(next.ms).toBeLessThan(50);
    const c = await timed(() => stores.close());
    expect(c.error).toBeUndefined();
    expect(c.ms).toBeLessThan(TIMEOUT + SLACK);
  });
});

describe('a client you pass', () => {
  it('is bounded by timeoutMs even with the offline queue on, and a timed-out command never runs later', async () => {
    const client = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
    client.on('error', () => {});
    await client.connect();
    const stores = createRedisStores({ client, timeoutMs: TIMEOUT });
    try {
      await stores.state.delete('late');
      await redis.stop();
      const r = await timed(() => stores.state.set('late', 'written after the timeout', 60));
      expect((r.error as RedisStoreError).code).toBe('redis_timeout');
      expect(r.ms).toBeLessThan(TIMEOUT + SLACK);
      await redis.start();
      await recovered(() => stores.state.get('k'));
      expect(await stores.state.get('late')).toBeUndefined();
      await stores.close();
      expect(client.isReady).toBe(true);
    } finally {
      await client.close();
    }
  });
});
