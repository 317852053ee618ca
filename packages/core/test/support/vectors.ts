import { readFileSync } from 'node:fs';
import {
  type AAuth,
  type AAuthRequest,
  createAAuth,
  createMemoryRevocationStore,
  loadResourceKey,
  type RequirementInput,
} from '../../src/index.ts';

// biome-ignore lint/suspicious/noExplicitAny: the vector file is untyped JSON
export type Json = any;

export const vectors: Json = JSON.parse(
  readFileSync(new URL('../vectors/test-vectors-aauth-11.json', import.meta.url), 'utf8'),
);

export function group(name: string): Json[] {
  const g = vectors.groups.find((x: Json) => x.name === name);
  if (!g) throw new Error(`no group ${name}`);
  return g.cases;
}

/** A fetch that answers from the case's fetch profile (VECTORS.md "Injecting fetch"). */
export function fetchFor(fetch: Json, log: string[] = []): (url: string) => Promise<Response> {
  const map: Record<string, Json> = { ...vectors.fetchProfiles[fetch.profile] };
  for (const [u, r] of Object.entries(fetch.overrides ?? {})) {
    if (r === null) delete map[u];
    else map[u] = r;
  }
  return async (url: string) => {
    log.push(url);
    const r = map[url];
    return r
      ? new Response(r.body, { status: r.status, headers: r.headers })
      : new Response('', { status: 404 });
  };
}

export function bodyBytes(body: Json): Uint8Array | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body.utf8 === 'string') return new TextEncoder().encode(body.utf8);
  return new Uint8Array(Buffer.from(body.base64, 'base64'));
}

/** Origin-form target exactly as in the URL (no normalisation by WHATWG URL). */
export function targetOf(url: string): string {
  const afterScheme = url.indexOf('//') + 2;
  const slash = url.indexOf('/', afterScheme);
  const q = url.indexOf('?', afterScheme);
  if (slash === -1 || (q !== -1 && q < slash)) return `/${q === -1 ? '' : url.slice(q)}`;
  return url.slice(slash);
}

export function toRequest(r: Json): AAuthRequest {
  return {
    method: r.method,
    target: r.requestTarget ?? targetOf(r.url),
    headers: r.headers,
    body: bodyBytes(r.body),
  };
}

export function requirementFor(route: Json): RequirementInput {
  const policy = route.denyAgents
    ? {
        policy: (p: { agent?: { sub: string } | undefined }) =>
          (p.agent && route.denyAgents.includes(p.agent.sub) ? 'deny' : 'allow') as
            | 'deny'
            | 'allow',
      }
    : {};
  if (route.requires === 'person') return { person: true, ...policy };
  if (route.requires === 'auth') return { auth: route.scope, ...policy };
  return { ...policy };
}

/** A fresh verifier for one case, with the case clock (mutable for sequences). */
export async function verifierFor(
  c: Json,
  clock: { now: number },
  fetchLog: string[] = [],
): Promise<AAuth> {
  const r = c.resource;
  const revocation = createMemoryRevocationStore({ now: () => clock.now });
  for (const rev of r.revocations ?? []) revocation.revoke(rev.iss, rev.jti, clock.now + 3600);
  return createAAuth({
    resource: r.identifier,
    authorities: [r.authority],
    algorithms: r.acceptedAlgorithms,
    signatureWindow: r.signatureWindow,
    additionalSignatureComponents: r.additionalSignatureComponents,
    trust: {
      agentProviders: 'any',
      personServers: 'any',
      ...(r.accessServer ? { accessServer: r.accessServer } : {}),
    },
    signingKey: await loadResourceKey(vectors.keys[r.resourceTokenKey].privateJwk),
    revocation,
    replayMethods: 'all',
    now: () => clock.now,
    fetch: fetchFor(c.fetch, fetchLog),
  });
}
