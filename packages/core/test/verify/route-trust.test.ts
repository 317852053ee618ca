import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/index.ts';
import { createWorld, type World } from '../support/issuers.ts';

const status = (r: VerifyResult) => (r.ok ? 200 : r.answer.status);

describe('per-route issuer trust narrows the instance trust', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });

  it('agent providers per route', async () => {
    const aauth = w.aauth();
    const token = await w.agentToken();
    expect(
      status(
        await aauth.verify(await w.request(token, { path: '/a' }), {
          trust: { agentProviders: [w.ap.iss] },
        }),
      ),
    ).toBe(200);
    const denied = await aauth.verify(await w.request(token, { path: '/b' }), {
      trust: { agentProviders: ['https://other.example'] },
    });
    expect(status(denied)).toBe(403);
    if (!denied.ok) {
      expect(JSON.parse(denied.answer.body).error).toBe('denied');
      expect(denied.answer.headers).not.toHaveProperty('signature-error');
    }
  });

  it('person servers per route, for person and auth tokens, before any resource token is minted', async () => {
    const aauth = w.aauth();
    const onlyOther = { trust: { personServers: ['https://other-ps.example'] } } as const;
    expect(
      status(
        await aauth.verify(await w.request(await w.personToken(), { path: '/c' }), {
          person: true,
          ...onlyOther,
        }),
      ),
    ).toBe(403);
    expect(
      status(
        await aauth.verify(await w.request(await w.personToken(), { path: '/d' }), {
          auth: 'notes:read',
          ...onlyOther,
        }),
      ),
    ).toBe(403);
    expect(
      status(
        await aauth.verify(await w.request(await w.authToken('notes:read'), { path: '/e' }), {
          auth: 'notes:read',
          trust: { personServers: (iss) => iss === w.ps.iss },
        }),
      ),
    ).toBe(200);
  });

  it('access servers per route for four-party auth tokens', async () => {
    const aauth = w.aauth({
      trust: { agentProviders: [w.ap.iss], personServers: [w.ps.iss], accessServer: w.as.iss },
    });
    const token = await w.asAuthToken('notes:read');
    expect(
      status(
        await aauth.verify(await w.request(token, { path: '/f' }), {
          auth: 'notes:read',
          trust: { accessServers: [w.as.iss] },
        }),
      ),
    ).toBe(200);
    expect(
      status(
        await aauth.verify(await w.request(token, { path: '/g' }), {
          auth: 'notes:read',
          trust: { accessServers: [] },
        }),
      ),
    ).toBe(403);
  });

  it('validates the trust lists at set-up', () => {
    const aauth = w.aauth();
    expect(() => aauth.requirement({ trust: { personServers: 'any' as never } })).toThrow(
      /requirement.trust.personServers/,
    );
  });
});
