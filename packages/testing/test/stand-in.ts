import {
  type CryptoKey,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  importJWK,
  type JWTPayload,
} from 'jose';
import { parseDictionary } from 'structured-headers';
import { createIssuerKeys, newJti, nowSeconds } from '../src/dev-issuer.ts';
import { type DevRequest, type DevResponse, json, startDevServer } from '../src/dev-server.ts';

// Stand-in resources for the kit's own tests: plain node:http through the dev server, reading
// signatures by hand, so these tests do not depend on the resource side of core.

/** What a stand-in saw of a request's signature. */
export interface SeenSignature {
  readonly components: readonly string[];
  /** `Signature-Key` scheme: `jwt`, `jwks_uri`, … */
  readonly scheme: string;
  readonly keyParams: Readonly<Record<string, string>>;
  /** JWT `typ` and claims (`jwt` scheme). */
  readonly typ: string | undefined;
  readonly claims: JWTPayload | undefined;
  /** The signing key's RFC 7638 thumbprint. */
  readonly jkt: string | undefined;
  /** The signature verifies over the rebuilt signature base with the resolved key. */
  readonly verified: boolean;
}

export function header(req: DevRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

async function resolveKey(
  scheme: string,
  params: Record<string, string>,
): Promise<Record<string, unknown> | undefined> {
  if (scheme === 'jwt' && params.jwt)
    return (decodeJwt(params.jwt).cnf as { jwk?: Record<string, unknown> } | undefined)?.jwk;
  if (scheme === 'jwks_uri' && params.id && params.dwk && params.kid) {
    const meta = (await (await fetch(`${params.id}/.well-known/${params.dwk}`)).json()) as {
      issuer?: string;
      jwks_uri?: string;
    };
    if (meta.issuer !== params.id || !meta.jwks_uri) return undefined;
    const jwks = (await (await fetch(meta.jwks_uri)).json()) as {
      keys: Record<string, unknown>[];
    };
    return jwks.keys.find((k) => k.kid === params.kid);
  }
  return undefined;
}

async function verifyWith(
  jwk: Record<string, unknown>,
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  const { kty, crv, x, y } = jwk as Record<string, string>;
  if (!kty || !crv || !x) return false;
  const ed = crv === 'Ed25519';
  const key = (await importJWK(
    ed || !y ? { kty, crv, x } : { kty, crv, x, y },
    ed ? 'Ed25519' : 'ES256',
  )) as CryptoKey;
  return crypto.subtle.verify(
    ed ? 'Ed25519' : { name: 'ECDSA', hash: 'SHA-256' },
    key,
    signature,
    data,
  );
}

/** Read and check the request's RFC 9421 signature (one label), as a resource would. */
export async function readSignature(req: DevRequest): Promise<SeenSignature | undefined> {
  const input = header(req, 'signature-input');
  const signature = header(req, 'signature');
  const signatureKey = header(req, 'signature-key');
  if (!input || !signature || !signatureKey) return undefined;
  const label = input.slice(0, input.indexOf('='));
  const member = parseDictionary(input).get(label);
  const keyMember = parseDictionary(signatureKey).get(label);
  if (!member || !Array.isArray(member[0]) || !keyMember || Array.isArray(keyMember[0]))
    return undefined;
  const components = member[0].map(([c]) => String(c));
  const scheme = String(keyMember[0]);
  const keyParams = Object.fromEntries([...keyMember[1]].map(([k, v]) => [k, String(v)]));
  const jwt = scheme === 'jwt' ? keyParams.jwt : undefined;
  const jwk = await resolveKey(scheme, keyParams);
  const url = new URL(req.target, 'http://stand-in');
  const value = (c: string) =>
    c === '@method'
      ? req.method
      : c === '@authority'
        ? header(req, 'host')
        : c === '@path'
          ? url.pathname
          : header(req, c);
  const base = [
    ...components.map((c) => `"${c}": ${value(c)}`),
    `"@signature-params": ${input.slice(label.length + 1)}`,
  ].join('\n');
  const bytes = Uint8Array.from(
    atob(new RegExp(`^${label}=:([^:]*):$`).exec(signature)?.[1] ?? ''),
    (ch) => ch.charCodeAt(0),
  );
  return {
    components,
    scheme,
    keyParams,
    typ: jwt ? decodeProtectedHeader(jwt).typ : undefined,
    claims: jwt ? decodeJwt(jwt) : undefined,
    jkt: jwk
      ? await calculateJwkThumbprint(jwk as Parameters<typeof calculateJwkThumbprint>[0])
      : undefined,
    verified: jwk ? await verifyWith(jwk, bytes, new TextEncoder().encode(base)) : false,
  };
}

export interface StandIn {
  readonly origin: string;
  /** A resource token answering the presented person (or auth) token, plus `extra` claims. */
  resourceToken(presented: JWTPayload, extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export type StandInRoute = (
  req: DevRequest,
  self: StandIn,
) => Promise<DevResponse | undefined> | DevResponse | undefined;

/** A resource on 127.0.0.1 that serves its metadata and JWKS and leaves the rest to `route`. */
export async function startStandIn(route: StandInRoute): Promise<StandIn> {
  const keys = await createIssuerKeys('Ed25519');
  let self: StandIn | undefined;
  const server = await startDevServer((req) => {
    const path = req.target.split('?')[0];
    const origin = (self as StandIn).origin;
    if (req.method === 'GET' && path === '/.well-known/aauth-resource.json')
      return json(200, { issuer: origin, jwks_uri: `${origin}/.well-known/jwks.json` });
    if (req.method === 'GET' && path === '/.well-known/jwks.json') return json(200, keys.jwks);
    return route(req, self as StandIn);
  });
  self = {
    origin: server.origin,
    async resourceToken(presented, extra = {}) {
      const ps = String(presented.ps ?? presented.iss);
      const iat = nowSeconds();
      const jwk = (presented.cnf as { jwk: Parameters<typeof calculateJwkThumbprint>[0] }).jwk;
      return keys.sign('aa-resource+jwt', {
        iss: server.origin,
        dwk: 'aauth-resource.json',
        aud: ps,
        jti: newJti('rt'),
        ps,
        sub: presented.sub,
        presented_jti: presented.jti,
        agent_jkt: await calculateJwkThumbprint(jwk),
        iat,
        exp: iat + 300,
        ...(presented.mission_s256 ? { mission_s256: presented.mission_s256 } : {}),
        ...extra,
      });
    },
    close: () => server.close(),
  };
  return self;
}

/** `AAuth-Requirement` asking for an auth token with this resource token. */
export const authTokenRequirement = (rt: string): string =>
  `requirement=auth-token; resource-token="${rt}"`;

/** A `202` pending answer (AAuth-11 §11.8). */
export function pending(
  location: string,
  retryAfter: string,
  requirement?: string,
  status = 'pending',
): DevResponse {
  return json(
    202,
    { status },
    {
      location,
      'retry-after': retryAfter,
      'cache-control': 'no-store',
      ...(requirement ? { 'aauth-requirement': requirement } : {}),
    },
  );
}
