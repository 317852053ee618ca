import { type AAuthPrincipal, createAAuth, type IssuerTrust } from '@aauth-gate/core';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { DevKey } from './agent-key.js';
import { createIssuerKeys, newJti, nowSeconds } from './dev-issuer.js';
import { type DevRequest, type DevResponse, json, startDevServer } from './dev-server.js';
import { signRequest } from './sign-request.js';

/** What the person is asked to consent to. */
export interface ConsentRequest {
  readonly resource: string;
  /** Scopes the resource token asks for. */
  readonly scope: readonly string[];
  /** The person's directed identifier at that resource. */
  readonly sub: string;
  /** The requesting agent (its provider and identifier). */
  readonly agent: { readonly iss: string; readonly sub: string };
}

/** Grant every scope, some scopes, refuse, or hold the request for a later decision. */
export type ConsentDecision = 'grant' | { readonly grant: readonly string[] } | 'deny' | 'defer';

/** Options for the development person server. */
export interface DevPersonServerOptions {
  readonly alg?: 'Ed25519' | 'ES256';
  readonly port?: number;
  /** The issuer's own signing key (keep it across runs so verifiers' caches stay valid). Default: generated. */
  readonly key?: DevKey;
  /** The person every agent acts for. Default `alice`. */
  readonly person?: string;
  /** Consent policy. Default: grant everything asked. */
  readonly consent?: (request: ConsentRequest) => ConsentDecision | Promise<ConsentDecision>;
  /** Agent providers whose agents may call. Default `'any'`. */
  readonly agentProviders?: IssuerTrust;
  /** Fetch used to read resource metadata and JWKS (e.g. to reach a resource behind a proxy). Default global `fetch`. */
  readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /** Lifetime of issued person and auth tokens in seconds (≤ 3600). Default 3600. */
  readonly lifetime?: number;
}

/** A token request held for a decision (`defer`). */
export interface PendingGrant {
  readonly id: string;
  readonly request: ConsentRequest;
}

/**
 * A development person server on loopback: serves `aauth-person.json` and JWKS, issues person
 * tokens at `person_token_endpoint` and exchanges resource tokens for auth tokens at
 * `auth_token_endpoint`, under a configurable consent policy. Requests to both endpoints must
 * be signed by an agent with its agent token; both are verified with `@aauth-gate/core`.
 */
export interface DevPersonServer {
  readonly issuer: string;
  /** Issue a person token directly (in-process tests). */
  issuePersonToken(request: {
    resource: string;
    agentKey: DevKey;
    claims?: Record<string, unknown>;
  }): Promise<string>;
  /** Issue a three-party auth token directly (in-process tests). */
  issueAuthToken(request: {
    resource: string;
    agentKey: DevKey;
    scope: readonly string[];
    claims?: Record<string, unknown>;
  }): Promise<string>;
  /**
   * Revoke a person or auth token this server issued at the resource it names (`aud`), through
   * the resource's `revocation_endpoint` (AAuth-11 §11.12), signed with the `jwks_uri` scheme.
   * Resolves to the HTTP status the resource answered.
   */
  revoke(token: string): Promise<number>;
  /** Requests held by a `defer` decision. */
  pending(): readonly PendingGrant[];
  /** Decide a held request; the agent's next poll gets the answer. */
  settle(id: string, decision: Exclude<ConsentDecision, 'defer'>): void;
  close(): Promise<void>;
}

interface Issued {
  readonly sub: string;
  readonly resource: string;
  readonly missionS256: string | undefined;
}

async function directedSub(person: string, resource: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${person}|${resource}`)),
  );
  return Array.from(digest.slice(0, 16), (b) => b.toString(16).padStart(2, '0')).join('');
}

function parseBody(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(body));
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function createDevPersonServer(
  options: DevPersonServerOptions = {},
): Promise<DevPersonServer> {
  const keys = await createIssuerKeys(options.alg, options.key);
  const person = options.person ?? 'alice';
  const lifetime = Math.min(options.lifetime ?? 3600, 3600);
  const consent = options.consent ?? (() => 'grant' as const);
  const get = options.fetch ?? ((url: string) => fetch(url));
  const issued = new Map<string, Issued>();
  const held = new Map<
    string,
    { grant: PendingGrant; cnf: unknown; decision?: Exclude<ConsentDecision, 'defer'> }
  >();
  let issuer = '';
  let verifier: ReturnType<typeof createAAuth> | undefined;

  const personToken = async (
    resource: string,
    cnf: unknown,
    extra: Record<string, unknown> = {},
  ): Promise<string> => {
    const iat = nowSeconds();
    const sub = await directedSub(person, resource);
    const jti = newJti('pt');
    const claims: Record<string, unknown> = {
      iss: issuer,
      dwk: 'aauth-person.json',
      aud: resource,
      sub,
      jti,
      iat,
      exp: iat + lifetime,
      cnf: { jwk: cnf },
      ...extra,
    };
    issued.set(claims.jti as string, {
      sub,
      resource,
      missionS256: claims.mission_s256 as string | undefined,
    });
    return keys.sign('aa-person+jwt', claims);
  };
  const authToken = async (
    resource: string,
    cnf: unknown,
    scope: readonly string[],
    extra: Record<string, unknown> = {},
  ): Promise<string> => {
    const iat = nowSeconds();
    const sub = await directedSub(person, resource);
    const jti = newJti('ak');
    const claims: Record<string, unknown> = {
      iss: issuer,
      dwk: 'aauth-person.json',
      aud: resource,
      jti,
      ps: issuer,
      sub,
      cnf: { jwk: cnf },
      iat,
      exp: iat + lifetime,
    };
    if (scope.length > 0) claims.scope = scope.join(' ');
    Object.assign(claims, extra);
    issued.set(claims.jti as string, {
      sub,
      resource,
      missionS256: claims.mission_s256 as string | undefined,
    });
    return keys.sign('aa-auth+jwt', claims);
  };

  const verifyAgent = async (
    req: DevRequest,
    components: string[],
  ): Promise<AAuthPrincipal | DevResponse> => {
    const result = await (verifier as ReturnType<typeof createAAuth>).verify(
      { method: req.method, target: req.target, headers: req.headers, body: req.body },
      { components },
    );
    if (!result.ok)
      return {
        status: result.answer.status,
        headers: { ...result.answer.headers },
        body: result.answer.body,
      };
    return result.principal as AAuthPrincipal;
  };

  const decide = async (
    decision: Exclude<ConsentDecision, 'defer'>,
    grant: ConsentRequest,
    cnf: unknown,
    mission: unknown,
  ): Promise<DevResponse> => {
    if (decision === 'deny') return json(403, { error: 'denied', detail: 'the person declined' });
    const scope =
      decision === 'grant' ? grant.scope : grant.scope.filter((s) => decision.grant.includes(s));
    const extra = typeof mission === 'string' ? { mission_s256: mission } : {};
    return json(
      200,
      { auth_token: await authToken(grant.resource, cnf, scope, extra), expires_in: lifetime },
      { 'cache-control': 'no-store' },
    );
  };

  const exchange = async (req: DevRequest): Promise<DevResponse> => {
    const caller = await verifyAgent(req, ['content-type', 'content-digest']);
    if (!('tokenType' in caller)) return caller;
    const body = parseBody(req.body);
    const rt = body?.resource_token;
    if (typeof rt !== 'string')
      return json(400, { error: 'invalid_request', detail: 'resource_token is required' });
    let claims: Record<string, unknown>;
    try {
      const iss = decodeJwt(rt).iss;
      if (typeof iss !== 'string') throw new Error('no iss');
      const meta = (await (await get(`${iss}/.well-known/aauth-resource.json`)).json()) as Record<
        string,
        unknown
      >;
      if (meta.issuer !== iss) throw new Error('issuer mismatch');
      const jwks = (await (await get(String(meta.jwks_uri))).json()) as { keys: [] };
      ({ payload: claims } = await jwtVerify(rt, createLocalJWKSet(jwks), {
        typ: 'aa-resource+jwt',
        audience: issuer,
        issuer: iss,
        algorithms: ['Ed25519', 'ES256'],
      }));
    } catch {
      return json(400, {
        error: 'invalid_resource_token',
        detail: 'the resource token does not verify',
      });
    }
    const record = issued.get(String(claims.presented_jti));
    const bound = claims.agent_jkt === caller.keyThumbprint && claims.ps === issuer;
    if (
      !record ||
      !bound ||
      record.sub !== claims.sub ||
      record.missionS256 !== claims.mission_s256
    ) {
      return json(400, {
        error: 'invalid_resource_token',
        detail: 'the resource token does not match what this server issued',
      });
    }
    const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    const grant: ConsentRequest = {
      resource: String(claims.iss),
      scope,
      sub: record.sub,
      agent: { iss: caller.iss, sub: caller.sub },
    };
    const cnf = (caller.claims.cnf as { jwk: unknown }).jwk;
    const decision = await consent(grant);
    if (decision !== 'defer') return decide(decision, grant, cnf, claims.mission_s256);
    const id = newJti('pending');
    held.set(id, { grant: { id, request: grant }, cnf });
    return pendingAnswer(id);
  };

  const pendingAnswer = (id: string): DevResponse =>
    json(
      202,
      { status: 'pending' },
      {
        location: `/pending/${id}`,
        'retry-after': '0',
        'cache-control': 'no-store',
        'aauth-requirement': 'requirement=approval',
      },
    );

  const poll = async (req: DevRequest, id: string): Promise<DevResponse> => {
    const caller = await verifyAgent(req, []);
    if (!('tokenType' in caller)) return caller;
    const entry = held.get(id);
    if (!entry) return json(410, { error: 'invalid_code' });
    if ((entry.cnf as { x?: unknown }).x !== (caller.claims.cnf as { jwk: { x?: unknown } }).jwk.x)
      return json(403, { error: 'denied' });
    if (!entry.decision) return pendingAnswer(id);
    held.delete(id);
    return decide(entry.decision, entry.grant.request, entry.cnf, undefined);
  };

  const server = await startDevServer(async (req) => {
    const path = req.target.split('?')[0] as string;
    if (req.method === 'GET' && path === '/.well-known/aauth-person.json') {
      return json(
        200,
        {
          issuer,
          jwks_uri: `${issuer}/.well-known/jwks.json`,
          person_token_endpoint: `${issuer}/person`,
          auth_token_endpoint: `${issuer}/token`,
          name: 'aauth-gate development person server',
        },
        { 'cache-control': 'max-age=300' },
      );
    }
    if (req.method === 'GET' && path === '/.well-known/jwks.json')
      return json(200, keys.jwks, { 'cache-control': 'max-age=300' });
    if (req.method === 'POST' && path === '/person') {
      const caller = await verifyAgent(req, ['content-type', 'content-digest']);
      if (!('tokenType' in caller)) return caller;
      const body = parseBody(req.body);
      if (typeof body?.resource !== 'string')
        return json(400, { error: 'invalid_request', detail: 'resource is required' });
      const cnf = (caller.claims.cnf as { jwk: unknown }).jwk;
      const extra =
        typeof body.mission_s256 === 'string' ? { mission_s256: body.mission_s256 } : {};
      return json(
        200,
        { person_token: await personToken(body.resource, cnf, extra), expires_in: lifetime },
        { 'cache-control': 'no-store' },
      );
    }
    if (req.method === 'POST' && path === '/token') return exchange(req);
    if (req.method === 'GET' && path.startsWith('/pending/'))
      return poll(req, path.slice('/pending/'.length));
    return undefined;
  }, options.port);
  issuer = server.origin;
  verifier = createAAuth({
    resource: issuer,
    dev: true,
    trust: { agentProviders: options.agentProviders ?? 'any', personServers: [issuer] },
  });

  return {
    issuer,
    issuePersonToken: (r) => personToken(r.resource, r.agentKey.publicJwk, r.claims),
    issueAuthToken: (r) => authToken(r.resource, r.agentKey.publicJwk, r.scope, r.claims),
    async revoke(token) {
      const claims = decodeJwt(token);
      const meta = (await (
        await get(`${String(claims.aud)}/.well-known/aauth-resource.json`)
      ).json()) as { revocation_endpoint?: string };
      if (!meta.revocation_endpoint)
        throw new Error('the resource publishes no revocation_endpoint');
      const url = meta.revocation_endpoint;
      const body = JSON.stringify({ jti: claims.jti, exp: claims.exp });
      const headers = await signRequest({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json' },
        body,
        key: keys.key,
        jwksUri: { id: issuer, dwk: 'aauth-person.json', kid: keys.key.kid },
      });
      const res = await (options.fetch
        ? options.fetch(url, { method: 'POST', headers, body })
        : fetch(url, { method: 'POST', headers, body }));
      return res.status;
    },
    pending: () => [...held.values()].filter((h) => !h.decision).map((h) => h.grant),
    settle(id, decision) {
      const entry = held.get(id);
      if (!entry) throw new RangeError(`no pending grant ${id}`);
      entry.decision = decision;
    },
    close: () => server.close(),
  };
}
