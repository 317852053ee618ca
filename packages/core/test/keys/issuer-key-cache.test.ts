import { describe, expect, it } from 'vitest';
import { IssuerKeyCache } from '../../src/keys/issuer-key-cache.ts';

const ISS = 'https://issuer.example';
const DWK = 'aauth-agent.json';

interface Script {
  metadata?: () => Response | Promise<Response>;
  jwks?: () => Response | Promise<Response>;
}

function setup(script: Script = {}, opts: { maxIssuers?: number } = {}) {
  const clock = { now: 1000 };
  const calls: string[] = [];
  let keys = [{ kty: 'OKP', crv: 'Ed25519', x: 'a'.repeat(43), kid: 'k1', alg: 'Ed25519' }];
  const fetch = async (url: string) => {
    calls.push(url);
    if (url.endsWith(`/.well-known/${DWK}`)) {
      if (script.metadata) return script.metadata();
      return new Response(
        JSON.stringify({ issuer: url.replace(`/.well-known/${DWK}`, ''), jwks_uri: `${url}.jwks` }),
      );
    }
    if (script.jwks) return script.jwks();
    return new Response(JSON.stringify({ keys }), { headers: { 'cache-control': 'max-age=600' } });
  };
  const cache = new IssuerKeyCache({
    fetch,
    now: () => clock.now,
    dev: false,
    maxIssuers: opts.maxIssuers ?? 1000,
    minRefreshSeconds: 60,
    maxAgeSeconds: 86_400,
    defaultTtlSeconds: 300,
    timeoutMs: 200,
    maxBytes: 10_000,
  });
  return {
    cache,
    clock,
    calls,
    setKeys: (k: typeof keys) => {
      keys = k;
    },
  };
}

describe('issuer key cache (AAuth-11 §11.4, digest §6)', () => {
  it('discovers metadata then JWKS, and serves warm lookups without fetching', async () => {
    const { cache, calls } = setup();
    expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls).toEqual([`${ISS}/.well-known/${DWK}`, `${ISS}/.well-known/${DWK}.jwks`]);
    for (let i = 0; i < 5; i++) expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('single-flights concurrent first lookups', async () => {
    const { cache, calls } = setup();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => cache.lookup(ISS, DWK, 'k1')),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(calls).toHaveLength(2);
  });

  it('refreshes once for an unknown kid, then not again within a minute', async () => {
    const { cache, calls, clock, setKeys } = setup();
    await cache.lookup(ISS, DWK, 'k1');
    clock.now += 61;
    setKeys([{ kty: 'OKP', crv: 'Ed25519', x: 'b'.repeat(43), kid: 'k2', alg: 'Ed25519' }]);
    expect((await cache.lookup(ISS, DWK, 'k2')).ok).toBe(true);
    expect(calls).toHaveLength(4);
    const unknown = await cache.lookup(ISS, DWK, 'k9');
    expect(unknown).toMatchObject({ ok: false, code: 'unknown_key' });
    for (let i = 0; i < 10; i++) await cache.lookup(ISS, DWK, `k${i + 10}`);
    expect(calls).toHaveLength(4);
    clock.now += 61;
    await cache.lookup(ISS, DWK, 'k99');
    expect(calls).toHaveLength(6);
  });

  it('serves stale keys while the issuer is down and backs off exponentially', async () => {
    let down = false;
    const { cache, calls, clock } = setup({
      metadata: () => {
        if (down) throw new Error('connection refused');
        return new Response(JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/jwks` }));
      },
    });
    await cache.lookup(ISS, DWK, 'k1');
    down = true;
    clock.now += 700; // past max-age=600
    expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true); // stale served
    const afterFirstFailure = calls.length;
    clock.now += 61;
    expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls.length).toBe(afterFirstFailure + 1); // second try after 60 s
    clock.now += 61; // backoff now 120 s: no fetch yet
    expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls.length).toBe(afterFirstFailure + 1);
    clock.now += 86_400; // past 24 h: discarded
    const gone = await cache.lookup(ISS, DWK, 'k1');
    expect(gone).toMatchObject({ ok: false, code: 'unavailable' });
  });

  it('reports an unreachable issuer with nothing cached as unavailable with a retry time', async () => {
    const { cache } = setup({ metadata: () => new Response('', { status: 500 }) });
    const r = await cache.lookup(ISS, DWK, 'k1');
    expect(r).toMatchObject({ ok: false, code: 'unavailable', retryAfter: 60 });
  });

  it('maps metadata problems to issuer_missing and issuer_mismatch', async () => {
    const missing = setup({
      metadata: () => new Response(JSON.stringify({ jwks_uri: `${ISS}/jwks` })),
    });
    expect(await missing.cache.lookup(ISS, DWK, 'k1')).toMatchObject({
      ok: false,
      code: 'issuer_missing',
    });
    const mismatch = setup({
      metadata: () =>
        new Response(JSON.stringify({ issuer: 'https://evil.example', jwks_uri: `${ISS}/jwks` })),
    });
    expect(await mismatch.cache.lookup(ISS, DWK, 'k1')).toMatchObject({
      ok: false,
      code: 'issuer_mismatch',
    });
  });

  it('refuses redirects, oversized and slow documents', async () => {
    const redirect = setup({
      metadata: () =>
        new Response('', { status: 302, headers: { location: 'https://127.0.0.1/' } }),
    });
    expect(await redirect.cache.lookup(ISS, DWK, 'k1')).toMatchObject({ code: 'unavailable' });
    const huge = setup({ jwks: () => new Response('x'.repeat(20_000)) });
    expect(await huge.cache.lookup(ISS, DWK, 'k1')).toMatchObject({ code: 'unavailable' });
    const slow = setup({ metadata: () => new Promise<Response>(() => undefined) });
    const t0 = Date.now();
    expect(await slow.cache.lookup(ISS, DWK, 'k1')).toMatchObject({ code: 'unavailable' });
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('never fetches a loopback, private, link-local or plain-http jwks_uri', async () => {
    for (const jwksUri of [
      'https://127.0.0.1/jwks',
      'https://10.1.2.3/jwks',
      'https://169.254.169.254/latest',
      'http://issuer.example/jwks',
      'https://[::1]/jwks',
      'https://192.168.0.1/jwks',
    ]) {
      const { cache, calls } = setup({
        metadata: () => new Response(JSON.stringify({ issuer: ISS, jwks_uri: jwksUri })),
      });
      expect(await cache.lookup(ISS, DWK, 'k1')).toMatchObject({ ok: false, code: 'unavailable' });
      expect(calls).toEqual([`${ISS}/.well-known/${DWK}`]);
    }
  });

  it('stays within its bound whatever issuers callers name', async () => {
    const { cache } = setup({}, { maxIssuers: 50 });
    for (let i = 0; i < 500; i++) await cache.lookup(`https://i${i}.example`, DWK, 'k1');
    expect(cache.entriesSize).toBe(50);
  });
});

describe('a key cache shared between instances', () => {
  it('fetches an issuer once for the whole fleet, and falls back to its own fetch when the store is down', async () => {
    const { createMemoryStateStore } = await import('../../src/index.ts');
    const clock = { now: 1000 };
    const shared = createMemoryStateStore({ now: () => clock.now });
    const calls: string[] = [];
    const fetch = async (url: string) => {
      calls.push(url);
      if (url.endsWith(`/.well-known/${DWK}`))
        return new Response(JSON.stringify({ issuer: ISS, jwks_uri: `${ISS}/jwks` }));
      return new Response(
        JSON.stringify({
          keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'a'.repeat(43), kid: 'k1', alg: 'Ed25519' }],
        }),
      );
    };
    const make = (store: typeof shared) =>
      new IssuerKeyCache({
        fetch,
        now: () => clock.now,
        dev: false,
        maxIssuers: 10,
        minRefreshSeconds: 60,
        maxAgeSeconds: 86_400,
        defaultTtlSeconds: 300,
        timeoutMs: 200,
        maxBytes: 10_000,
        shared: store,
      });
    const instances = [make(shared), make(shared), make(shared)];
    for (const cache of instances) expect((await cache.lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls).toHaveLength(2); // metadata + JWKS, once for three instances
    const broken = {
      add: () => Promise.reject(new Error('down')),
      get: () => Promise.reject(new Error('down')),
      compareAndSet: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      delete: () => Promise.reject(new Error('down')),
    };
    expect((await make(broken).lookup(ISS, DWK, 'k1')).ok).toBe(true);
    expect(calls).toHaveLength(4);
  });
});
