import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  createAAuth,
  generateResourceKey,
  loadResourceKey,
  loadResourceKeyPem,
  mintResourceToken,
} from '../../src/index.ts';

const trust = { agentProviders: 'any', personServers: 'any' } as const;
const input = {
  iss: 'https://resource.example',
  aud: 'https://ps.example',
  ps: 'https://ps.example',
  sub: 's',
  presentedJti: 'p',
  agentJkt: 'k',
  scope: ['a'],
  now: Math.floor(Date.now() / 1000),
  lifetime: 300,
};

describe('the resource’s own keys (AAuth-11 §11.4, digest §8)', () => {
  it('generates Ed25519 by default and ES256 on request; tokens verify against the published JWKS', async () => {
    for (const alg of ['Ed25519', 'ES256'] as const) {
      const { key } = await generateResourceKey(alg);
      const aauth = createAAuth({ resource: 'https://resource.example', trust, signingKey: key });
      const { token } = await mintResourceToken(key, input);
      expect(decodeProtectedHeader(token)).toEqual({ typ: 'aa-resource+jwt', alg, kid: key.kid });
      await jwtVerify(token, createLocalJWKSet(aauth.jwks as never), { typ: 'aa-resource+jwt' });
      const [published] = aauth.jwks.keys;
      expect(published).toMatchObject({ kid: key.kid, alg });
      expect(published).not.toHaveProperty('d');
    }
  });

  it('loads JWK and PKCS#8 PEM private keys, and refuses unusable material', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const fromPem = await loadResourceKeyPem(pem, { kid: 'pem-1' });
    const fromJwk = await loadResourceKey({
      ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>),
      kid: 'jwk-1',
    });
    expect(fromPem.publicJwk.x).toBe(fromJwk.publicJwk.x);
    expect(fromPem.kid).toBe('pem-1');
    await expect(loadResourceKeyPem('not a pem')).rejects.toThrow(TypeError);
    await expect(loadResourceKey({ kty: 'OKP', crv: 'Ed25519', x: 'abc' })).rejects.toThrow(
      /private JWK/,
    );
    await expect(loadResourceKey({ kty: 'oct', k: 'abc', d: 'x' })).rejects.toThrow(/alg/);
  });

  it('rotates without downtime: the new key signs, the previous key stays published', async () => {
    const { key: old } = await generateResourceKey();
    const { key: next } = await generateResourceKey();
    const before = createAAuth({ resource: 'https://resource.example', trust, signingKey: old });
    const issuedBefore = (await mintResourceToken(old, input)).token;
    const after = createAAuth({
      resource: 'https://resource.example',
      trust,
      signingKey: next,
      previousKeys: [old.publicJwk],
    });
    expect(after.jwks.keys.map((k) => k.kid)).toEqual([next.kid, old.kid]);
    const jwks = createLocalJWKSet(after.jwks as never);
    await jwtVerify(issuedBefore, jwks);
    await jwtVerify((await mintResourceToken(next, input)).token, jwks);
    expect(before.jwks.keys).toHaveLength(1);
    expect(() =>
      createAAuth({
        resource: 'https://resource.example',
        trust,
        signingKey: next,
        previousKeys: [next.publicJwk],
      }),
    ).toThrow(/published twice/);
    expect(() =>
      createAAuth({
        resource: 'https://resource.example',
        trust,
        signingKey: next,
        previousKeys: [{ kty: 'OKP', crv: 'Ed25519', x: old.publicJwk.x }],
      }),
    ).toThrow(/kid/);
  });
});
