import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint, loadResourceKey, mintResourceToken } from '../../src/index.ts';
import { group, type Json, vectors } from '../support/vectors.ts';

const resourceJwks = JSON.parse(
  vectors.fetchProfiles.standard['https://resource.example/.well-known/jwks.json'].body,
);

describe('resource-token vectors', () => {
  for (const c of group('resource-token').filter((x: Json) => x.input.presentedToken)) {
    it(`${c.id}: ${c.title}`, async () => {
      const input = c.input;
      const key = await loadResourceKey(vectors.keys[input.resource.resourceTokenKey].privateJwk);
      const claims = input.presentedTokenClaims;
      const ps = input.presentedTokenKind === 'auth' ? claims.ps : claims.iss;
      const held =
        input.presentedTokenKind === 'auth' && claims.scope ? claims.scope.split(' ') : [];
      const { token } = await mintResourceToken(key, {
        iss: input.resource.identifier,
        aud: input.resource.accessServer ?? ps,
        ps,
        sub: claims.sub,
        presentedJti: claims.jti,
        agentJkt: await jwkThumbprint(input.signingKeyJwk),
        scope: [...new Set([...held, ...input.requestedScope.split(' ')])],
        missionS256: claims.mission_s256,
        tenant: claims.tenant,
        now: c.now,
        lifetime: 300,
      });
      const e = c.expected;
      expect(decodeProtectedHeader(token)).toEqual(e.header);
      const got = decodeJwt(token);
      for (const [k, v] of Object.entries(e.claims)) expect(got[k], k).toEqual(v);
      for (const k of e.absentClaims) expect(got).not.toHaveProperty(k);
      expect(got.iat).toBeGreaterThanOrEqual(e.rules.iat.min);
      expect(got.iat).toBeLessThanOrEqual(e.rules.iat.max);
      expect((got.exp as number) - (got.iat as number)).toBeLessThanOrEqual(
        e.rules.exp.maxLifetime,
      );
      for (const s of e.rules.scopeIncludes) expect(String(got.scope).split(' ')).toContain(s);
      await jwtVerify(token, createLocalJWKSet(resourceJwks), {
        typ: 'aa-resource+jwt',
        currentDate: new Date(c.now * 1000),
      });
    });
  }

  it('rt-sample-signed: minting the same header and claims reproduces the exact token', async () => {
    const c = group('resource-token').find((x: Json) => x.id === 'rt-sample-signed');
    const key = await loadResourceKey(vectors.keys['resource-ed25519'].privateJwk);
    const e = c.expected.claims;
    const { token } = await mintResourceToken(key, {
      iss: e.iss,
      aud: e.aud,
      ps: e.ps,
      sub: e.sub,
      presentedJti: e.presented_jti,
      agentJkt: e.agent_jkt,
      scope: e.scope.split(' '),
      missionS256: e.mission_s256,
      tenant: e.tenant,
      now: e.iat,
      lifetime: e.exp - e.iat,
      jti: e.jti,
    });
    expect(token).toBe(c.input.token);
    const { payload } = await jwtVerify(token, createLocalJWKSet(resourceJwks), {
      currentDate: new Date(c.now * 1000),
    });
    expect(payload).toEqual(e);
  });

  it('each token gets a fresh 128-bit jti', async () => {
    const key = await loadResourceKey(vectors.keys['resource-ed25519'].privateJwk);
    const base = {
      iss: 'https://resource.example',
      aud: 'https://ps.example',
      ps: 'https://ps.example',
      sub: 's',
      presentedJti: 'p',
      agentJkt: 'k',
      scope: ['a'],
      now: 1790000000,
      lifetime: 300,
    };
    const a = decodeJwt((await mintResourceToken(key, base)).token);
    const b = decodeJwt((await mintResourceToken(key, base)).token);
    expect(a.jti).not.toBe(b.jti);
    expect(String(a.jti).length).toBeGreaterThanOrEqual(22);
  });
});
