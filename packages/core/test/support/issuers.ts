import { SignJWT } from 'jose';
import { type DevKey, generateDevKey, signRequest } from '../../../testing/src/index.ts';
import {
  type AAuthOptions,
  createAAuth,
  loadResourceKey,
  type ResourceSigningKey,
} from '../../src/index.ts';

/** An in-memory issuer: keys, metadata and JWKS served from a fetch map, tokens minted locally. */
export interface MemoryIssuer {
  readonly iss: string;
  readonly dwk: string;
  readonly key: DevKey;
  sign(typ: string, claims: Record<string, unknown>): Promise<string>;
}

export const NOW = 1_790_000_000;
export const RESOURCE = 'https://resource.example';

export async function memoryIssuer(
  iss: string,
  dwk: string,
  alg: 'Ed25519' | 'ES256' = 'Ed25519',
): Promise<MemoryIssuer> {
  const key = await generateDevKey(alg, `${dwk}-key`);
  return {
    iss,
    dwk,
    key,
    sign: (typ, claims) =>
      new SignJWT(claims).setProtectedHeader({ alg, typ, kid: key.kid }).sign(key.privateKey),
  };
}

/** A fetch answering metadata and JWKS for the given issuers; counts every call by URL. */
export function issuerFetch(
  issuers: MemoryIssuer[],
  calls: string[] = [],
): (url: string) => Promise<Response> {
  const docs = new Map<string, string>();
  for (const i of issuers) {
    docs.set(
      `${i.iss}/.well-known/${i.dwk}`,
      JSON.stringify({ issuer: i.iss, jwks_uri: `${i.iss}/jwks/${i.dwk}` }),
    );
    docs.set(
      `${i.iss}/jwks/${i.dwk}`,
      JSON.stringify({ keys: [{ ...i.key.publicJwk, kid: i.key.kid }] }),
    );
  }
  return async (url) => {
    calls.push(url);
    const body = docs.get(url);
    return body
      ? new Response(body, {
          status: 200,
          headers: { 'content-type': 'application/json', 'cache-control': 'max-age=300' },
        })
      : new Response('', { status: 404 });
  };
}

export interface World {
  readonly ap: MemoryIssuer;
  readonly ps: MemoryIssuer;
  readonly as: MemoryIssuer;
  readonly agentKey: DevKey;
  readonly signingKey: ResourceSigningKey;
  readonly clock: { now: number };
  readonly calls: string[];
  agentToken(claims?: Record<string, unknown>): Promise<string>;
  personToken(claims?: Record<string, unknown>): Promise<string>;
  authToken(scope: string, claims?: Record<string, unknown>): Promise<string>;
  asAuthToken(scope: string, claims?: Record<string, unknown>): Promise<string>;
  request(
    token: string,
    init?: { method?: string; path?: string; body?: string; created?: number; key?: DevKey },
  ): Promise<{
    method: string;
    target: string;
    headers: Record<string, string>;
    body?: Uint8Array;
  }>;
  aauth(overrides?: Partial<AAuthOptions>): ReturnType<typeof createAAuth>;
}

/** Agent provider, person server, access server and a resource, all in memory with a fixed clock. */
export async function createWorld(): Promise<World> {
  const ap = await memoryIssuer('https://agents.example', 'aauth-agent.json');
  const ps = await memoryIssuer('https://ps.example', 'aauth-person.json');
  const as = await memoryIssuer('https://as.example', 'aauth-access.json', 'ES256');
  const agentKey = await generateDevKey('Ed25519');
  const signingKey = await loadResourceKey((await generateDevKey('Ed25519', 'rs-1')).privateJwk);
  const clock = { now: NOW };
  const calls: string[] = [];
  let n = 0;
  const base = (iss: string, dwk: string) => ({
    iss,
    dwk,
    jti: `j-${++n}`,
    iat: clock.now - 10,
    exp: clock.now + 1800,
    cnf: { jwk: agentKey.publicJwk },
  });
  return {
    ap,
    ps,
    as,
    agentKey,
    signingKey,
    clock,
    calls,
    agentToken: (c = {}) =>
      ap.sign('aa-agent+jwt', {
        ...base(ap.iss, ap.dwk),
        sub: 'aauth:assistant@agents.example',
        ps: ps.iss,
        ...c,
      }),
    personToken: (c = {}) =>
      ps.sign('aa-person+jwt', { ...base(ps.iss, ps.dwk), aud: RESOURCE, sub: 'person-1', ...c }),
    authToken: (scope, c = {}) =>
      ps.sign('aa-auth+jwt', {
        ...base(ps.iss, ps.dwk),
        aud: RESOURCE,
        sub: 'person-1',
        ps: ps.iss,
        scope,
        ...c,
      }),
    asAuthToken: (scope, c = {}) =>
      as.sign('aa-auth+jwt', {
        ...base(as.iss, as.dwk),
        aud: RESOURCE,
        sub: 'person-1',
        ps: ps.iss,
        scope,
        ...c,
      }),
    async request(token, init = {}) {
      const method = init.method ?? 'GET';
      const path = init.path ?? '/r';
      const body = init.body === undefined ? undefined : new TextEncoder().encode(init.body);
      const headers = await signRequest({
        method,
        url: `https://resource.example${path}`,
        headers: body ? { 'content-type': 'application/json' } : {},
        body,
        key: init.key ?? agentKey,
        token,
        created: init.created ?? clock.now,
      });
      return { method, target: path, headers, ...(body ? { body } : {}) };
    },
    aauth: (overrides = {}) =>
      createAAuth({
        resource: RESOURCE,
        trust: { agentProviders: [ap.iss], personServers: [ps.iss] },
        signingKey,
        now: () => clock.now,
        fetch: issuerFetch([ap, ps, as], calls),
        ...overrides,
      }),
  };
}
