import { describe, expect, it } from 'vitest';
import { generateDevKey, signRequest } from '../../../testing/src/index.ts';
import { createWorld } from '../support/issuers.ts';

// Unauthenticated callers choose issuers, labels and keys: every cache they can grow is bounded.
describe('caches stay within their bounds whatever callers send', () => {
  it('distinct unknown issuers, agent keys and labels', async () => {
    const w = await createWorld();
    const aauth = w.aauth({
      trust: { agentProviders: 'any', personServers: 'any' },
      maxIssuers: 100,
      tokenCacheSize: 50,
    });
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400; i++) {
      // An agent token naming an issuer nobody serves: one discovery attempt, then a bounded entry.
      const token = await w.ap.sign('aa-agent+jwt', {
        iss: `https://issuer-${i}.example`,
        dwk: 'aauth-agent.json',
        sub: 'aauth:a@x.example',
        jti: `j${i}`,
        iat: w.clock.now,
        exp: w.clock.now + 60,
        cnf: { jwk: w.agentKey.publicJwk },
      });
      const r = await aauth.verify(await w.request(token, { path: `/i${i}` }), 'agent');
      expect(r.ok).toBe(false);
    }
    for (let i = 0; i < 300; i++) {
      // Valid tokens for fresh agent keys under changing labels: each verifies, caches stay capped.
      const key = await generateDevKey('Ed25519');
      const token = await w.agentToken({ cnf: { jwk: key.publicJwk }, jti: `k${i}` });
      const headers = await signRequest({
        method: 'GET',
        url: `https://resource.example/k${i}`,
        key,
        token,
        created: w.clock.now,
        label: `l${i}`,
      });
      const r = await aauth.verify({ method: 'GET', target: `/k${i}`, headers }, 'agent');
      expect(r.ok).toBe(true);
    }
    const stats = aauth.stats();
    expect(stats.issuers).toBeLessThanOrEqual(100);
    expect(stats.tokens).toBeLessThanOrEqual(50);
    expect(stats.confirmationKeys).toBeLessThanOrEqual(10_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});
