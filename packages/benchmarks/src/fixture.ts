import { type AAuth, createAAuth } from '@aauth-gate/core';
import { type DevKey, generateDevKey, signRequest } from '@aauth-gate/testing';
import { SignJWT } from 'jose';

export const RESOURCE = 'https://bench.example';
export const AUTHORITY = 'bench.example';
const AP = 'https://agents.bench.example';

/** What a server process needs to verify the bench agent: the agent provider's documents. */
export type IssuerDocs = Record<string, string>;

/** Core for a bench server: the agent provider's documents served from memory (no network). */
export function benchCore(docs: IssuerDocs): AAuth {
  return createAAuth({
    resource: RESOURCE,
    trust: { agentProviders: 'any', personServers: 'any' },
    fetch: async (url) =>
      new Response(docs[url] ?? '', {
        status: docs[url] ? 200 : 404,
        headers: { 'cache-control': 'max-age=86400' },
      }),
  });
}

/** An agent key, its token, and the provider documents that verify it. */
export async function benchAgent(): Promise<{ key: DevKey; token: string; docs: IssuerDocs }> {
  const ap = await generateDevKey('Ed25519', 'ap-1');
  const key = await generateDevKey('Ed25519');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    iss: AP,
    dwk: 'aauth-agent.json',
    sub: 'aauth:bench@agents.bench.example',
    jti: 'bench',
    iat: now,
    exp: now + 7200,
    cnf: { jwk: key.publicJwk },
  })
    .setProtectedHeader({ alg: 'Ed25519', typ: 'aa-agent+jwt', kid: 'ap-1' })
    .sign(ap.privateKey);
  const docs = {
    [`${AP}/.well-known/aauth-agent.json`]: JSON.stringify({ issuer: AP, jwks_uri: `${AP}/jwks` }),
    [`${AP}/jwks`]: JSON.stringify({ keys: [{ ...ap.publicJwk, kid: 'ap-1' }] }),
  };
  return { key, token, docs };
}

/** Signed GET headers for `path` on the bench resource (GETs are not replay-checked). */
export function signedGet(
  agent: { key: DevKey; token: string },
  baseUrl: string,
  path: string,
): Promise<Record<string, string>> {
  return signRequest({
    method: 'GET',
    url: `${baseUrl}${path}`,
    key: agent.key,
    token: agent.token,
    authority: AUTHORITY,
  });
}
