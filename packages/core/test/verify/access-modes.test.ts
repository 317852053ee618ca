import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { VerifyResult } from '../../src/index.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';

function challenge(r: VerifyResult): {
  status: number;
  requirement: string | undefined;
  error: string | undefined;
} {
  if (r.ok) return { status: 200, requirement: undefined, error: undefined };
  return {
    status: r.answer.status,
    requirement: r.answer.headers['aauth-requirement'],
    error: r.answer.headers['signature-error'],
  };
}

function resourceToken(r: VerifyResult): string {
  if (r.ok) throw new Error('expected a challenge');
  const m = /resource-token="([^"]+)"/.exec(r.answer.headers['aauth-requirement'] ?? '');
  if (!m) throw new Error('no resource token');
  return m[1] as string;
}

describe('the access-mode ladder, resource side (digest §2, §2.1)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });

  it('unsigned → agent-token on agent routes, person-token on person and auth routes', async () => {
    const aauth = w.aauth();
    const unsigned = { method: 'GET', target: '/r', headers: {} };
    expect(challenge(await aauth.verify(unsigned, 'agent'))).toEqual({
      status: 401,
      requirement: 'requirement=agent-token',
      error: undefined,
    });
    expect(challenge(await aauth.verify(unsigned, 'person')).requirement).toBe(
      'requirement=person-token',
    );
    expect(challenge(await aauth.verify(unsigned, { auth: 'notes:read' })).requirement).toBe(
      'requirement=person-token',
    );
  });

  it('agent identity: an agent token is the principal; person and auth routes ask for a person token', async () => {
    const aauth = w.aauth();
    const token = await w.agentToken();
    const ok = await aauth.verify(await w.request(token), 'agent');
    expect(ok.ok && ok.principal?.agent).toEqual({
      iss: w.ap.iss,
      sub: 'aauth:assistant@agents.example',
      parentAgent: undefined,
    });
    expect(
      challenge(await aauth.verify(await w.request(token, { path: '/p' }), 'person')).requirement,
    ).toBe('requirement=person-token');
    expect(
      challenge(await aauth.verify(await w.request(token, { path: '/a' }), { auth: 'notes:read' }))
        .requirement,
    ).toBe('requirement=person-token');
  });

  it('person identity: a person token satisfies person and agent routes, keyed by (iss, sub)', async () => {
    const aauth = w.aauth();
    const token = await w.personToken({ mission_s256: 'm-hash', tenant: 'org-1' });
    for (const req of ['person', 'agent'] as const) {
      const r = await aauth.verify(await w.request(token, { path: `/${req}` }), req);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.principal?.person).toEqual({ iss: w.ps.iss, sub: 'person-1' });
    }
  });

  it('three-party: a person token on an auth route gets a resource token that verifies with the published JWKS', async () => {
    const aauth = w.aauth();
    const token = await w.personToken({ mission_s256: 'm-hash', tenant: 'org-1' });
    const r = await aauth.verify(await w.request(token), { auth: ['notes:read', 'notes:write'] });
    expect(r.ok).toBe(false);
    const rt = resourceToken(r);
    const { payload, protectedHeader } = await jwtVerify(
      rt,
      createLocalJWKSet(aauth.jwks as never),
      {
        typ: 'aa-resource+jwt',
        issuer: RESOURCE,
        audience: w.ps.iss,
        currentDate: new Date(w.clock.now * 1000),
      },
    );
    expect(protectedHeader).toEqual({
      typ: 'aa-resource+jwt',
      alg: 'Ed25519',
      kid: w.signingKey.kid,
    });
    expect(payload).toMatchObject({
      iss: RESOURCE,
      dwk: 'aauth-resource.json',
      aud: w.ps.iss,
      ps: w.ps.iss,
      sub: 'person-1',
      presented_jti: decodeJwt(token).jti,
      agent_jkt: w.agentKey.thumbprint,
      scope: 'notes:read notes:write',
      mission_s256: 'm-hash',
      tenant: 'org-1',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
    for (const absent of ['cnf', 'act', 'agent', 'person_token_jti'])
      expect(payload).not.toHaveProperty(absent);
  });

  it('three-party: the auth token from the named person server grants access; the ladder holds', async () => {
    const aauth = w.aauth();
    const token = await w.authToken('notes:read notes:write');
    for (const req of [{ auth: 'notes:read' }, 'person', 'agent'] as const) {
      const r = await aauth.verify(
        await w.request(token, { path: `/x${JSON.stringify(req).length}` }),
        req,
      );
      expect(r.ok).toBe(true);
      if (r.ok)
        expect(r.principal).toMatchObject({
          tokenType: 'auth',
          ps: w.ps.iss,
          scope: ['notes:read', 'notes:write'],
        });
    }
  });

  it('step-up: a narrower auth token is answered with the union of scopes, naming the auth token', async () => {
    const aauth = w.aauth();
    const token = await w.authToken('notes:read');
    const r = await aauth.verify(await w.request(token), { auth: 'notes:write' });
    const claims = decodeJwt(resourceToken(r));
    expect(claims.presented_jti).toBe(decodeJwt(token).jti);
    expect(claims.scope).toBe('notes:read notes:write');
  });

  it('four-party: auth tokens only from the own access server; resource tokens addressed to it', async () => {
    const aauth = w.aauth({
      trust: { agentProviders: [w.ap.iss], personServers: [w.ps.iss], accessServer: w.as.iss },
    });
    const ok = await aauth.verify(await w.request(await w.asAuthToken('notes:read')), {
      auth: 'notes:read',
    });
    expect(ok.ok && ok.principal?.person).toEqual({ iss: w.ps.iss, sub: 'person-1' });
    const psIssued = await aauth.verify(
      await w.request(await w.authToken('notes:read'), { path: '/b' }),
      { auth: 'notes:read' },
    );
    expect(challenge(psIssued).status).toBe(403);
    const rt = resourceToken(
      await aauth.verify(await w.request(await w.personToken(), { path: '/c' }), {
        auth: 'notes:read',
      }),
    );
    expect(decodeJwt(rt).aud).toBe(w.as.iss);
  });

  it('rejects wrong aud, foreign issuer, cnf mismatch, expiry, replay, revocation', async () => {
    const aauth = w.aauth();
    const route = { auth: 'notes:read' } as const;
    const cases: [Promise<VerifyResult>, number, string | undefined][] = [
      [
        aauth.verify(
          await w.request(await w.authToken('notes:read', { aud: 'https://other.example' })),
          route,
        ),
        401,
        'error=invalid_jwt',
      ],
      [
        aauth.verify(
          await w.request(await w.authToken('notes:read', { exp: w.clock.now - 1 })),
          route,
        ),
        401,
        'error=expired_jwt',
      ],
    ];
    for (const [p, status, error] of cases) {
      const c = challenge(await p);
      expect(c.status).toBe(status);
      expect(c.error).toBe(error);
    }
    const foreign = w.aauth({
      trust: { agentProviders: [w.ap.iss], personServers: ['https://other-ps.example'] },
    });
    const f = await foreign.verify(await w.request(await w.authToken('notes:read')), route);
    expect(challenge(f)).toEqual({ status: 403, requirement: undefined, error: undefined });
    expect(w.calls.some((u) => u.includes('other-ps'))).toBe(false);
    const other = await (await import('../../../testing/src/index.ts')).generateDevKey();
    const mismatch = await aauth.verify(
      await w.request(await w.authToken('notes:read'), { key: other }),
      route,
    );
    expect(challenge(mismatch).error).toBe('error=invalid_signature');
    const post = await w.request(await w.authToken('notes:read'), { method: 'POST', body: '{}' });
    expect((await aauth.verify(post, route)).ok).toBe(true);
    expect(challenge(await aauth.verify(post, route)).error).toBe('error=invalid_signature');
  });

  it('revoked auth token → revoked_jwt plus requirement=person-token, never a resource token', async () => {
    const { createMemoryRevocationStore } = await import('../../src/index.ts');
    const revocation = createMemoryRevocationStore({ now: () => w.clock.now });
    const aauth = w.aauth({ revocation });
    const token = await w.authToken('notes:read');
    revocation.revoke(w.ps.iss, String(decodeJwt(token).jti), w.clock.now + 3600);
    const r = await aauth.verify(await w.request(token), { auth: 'notes:write' });
    expect(challenge(r)).toEqual({
      status: 401,
      requirement: 'requirement=person-token',
      error: 'error=revoked_jwt',
    });
  });

  it('a person token never authorizes an auth route, even with a scope claim', async () => {
    const aauth = w.aauth();
    const r = await aauth.verify(await w.request(await w.personToken({ scope: 'notes:read' })), {
      auth: 'notes:read',
    });
    expect(challenge(r).requirement).toMatch(/^requirement=auth-token;resource-token=/);
  });

  it('a policy can deny (403, no signature headers) or ask for more scope', async () => {
    const aauth = w.aauth();
    const token = await w.authToken('notes:read');
    const denied = await aauth.verify(await w.request(token), {
      auth: 'notes:read',
      policy: () => ({ deny: 'not your note' }),
    });
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.answer.status).toBe(403);
      expect(JSON.parse(denied.answer.body)).toMatchObject({
        error: 'denied',
        detail: 'not your note',
      });
      for (const h of [
        'signature-error',
        'accept-signature-alg',
        'accept-signature-scheme',
        'aauth-requirement',
        'www-authenticate',
      ]) {
        expect(denied.answer.headers).not.toHaveProperty(h);
      }
    }
    const more = await aauth.verify(await w.request(token, { path: '/more' }), {
      auth: 'notes:read',
      policy: () => ({ needScopes: ['notes:admin'] }),
    });
    expect(decodeJwt(resourceToken(more)).scope).toBe('notes:read notes:admin');
  });
});
