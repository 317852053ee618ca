import { createAAuth } from '@aauth-gate/core';
import { SignJWT } from 'jose';
import { parseDictionary } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { generateDevKey, signRequest } from '../src/index.ts';

const NOW = 1_790_000_000;

async function fixture(alg: 'Ed25519' | 'ES256') {
  const ap = await generateDevKey('Ed25519', 'ap-1');
  const agent = await generateDevKey(alg);
  const token = await new SignJWT({
    iss: 'https://agents.example',
    dwk: 'aauth-agent.json',
    sub: 'aauth:a@agents.example',
    jti: 'j',
    iat: NOW,
    exp: NOW + 60,
    cnf: { jwk: agent.publicJwk },
  })
    .setProtectedHeader({ alg: 'Ed25519', typ: 'aa-agent+jwt', kid: 'ap-1' })
    .sign(ap.privateKey);
  const docs: Record<string, string> = {
    'https://agents.example/.well-known/aauth-agent.json': JSON.stringify({
      issuer: 'https://agents.example',
      jwks_uri: 'https://agents.example/jwks',
    }),
    'https://agents.example/jwks': JSON.stringify({ keys: [{ ...ap.publicJwk, kid: 'ap-1' }] }),
  };
  const aauth = createAAuth({
    resource: 'https://api.example',
    trust: { agentProviders: 'any', personServers: 'any' },
    now: () => NOW,
    fetch: async (url) => new Response(docs[url] ?? '', { status: docs[url] ? 200 : 404 }),
  });
  return { agent, token, aauth };
}

describe('signRequest', () => {
  for (const alg of ['Ed25519', 'ES256'] as const) {
    it(`produces requests core verifies (${alg}), with a body digest and a nonce`, async () => {
      const { agent, token, aauth } = await fixture(alg);
      const headers = await signRequest({
        method: 'POST',
        url: 'https://api.example/notes?x=1',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
        key: agent,
        token,
        created: NOW,
        components: ['@query'],
      });
      const input = parseDictionary(headers['signature-input'] as string).get('sig') as [
        [string, Map<string, unknown>][],
        Map<string, unknown>,
      ];
      expect(input[0].map(([c]) => c)).toEqual([
        '@method',
        '@authority',
        '@path',
        'content-type',
        'content-digest',
        '@query',
        'signature-key',
      ]);
      expect(typeof input[1].get('nonce')).toBe('string');
      const result = await aauth.verify(
        {
          method: 'POST',
          target: '/notes?x=1',
          headers,
          body: new TextEncoder().encode('{"a":1}'),
        },
        { components: ['content-digest'] },
      );
      expect(result.ok).toBe(true);
    });
  }

  it('covers authorization when sent, and signs for another authority when asked', async () => {
    const { agent, token, aauth } = await fixture('Ed25519');
    const headers = await signRequest({
      method: 'GET',
      url: 'http://127.0.0.1:9/x',
      headers: { authorization: 'AAuth abc' },
      key: agent,
      token,
      created: NOW,
      authority: 'api.example',
    });
    expect(headers['signature-input']).toContain('"authorization"');
    expect((await aauth.verify({ method: 'GET', target: '/x', headers })).ok).toBe(true);
  });

  it('signs as a server with the jwks_uri scheme, and refuses to sign without a key source', async () => {
    const { agent } = await fixture('Ed25519');
    const headers = await signRequest({
      method: 'POST',
      url: 'https://api.example/revoke',
      body: '{}',
      key: agent,
      jwksUri: { id: 'https://ps.example', dwk: 'aauth-person.json', kid: 'k1' },
    });
    expect(headers['signature-key']).toBe(
      'sig=jwks_uri;id="https://ps.example";dwk="aauth-person.json";kid="k1"',
    );
    await expect(
      signRequest({ method: 'GET', url: 'https://api.example/', key: agent }),
    ).rejects.toThrow(TypeError);
  });
});
