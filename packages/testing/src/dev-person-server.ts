import { type AAuthPrincipal, createAAuth, type IssuerTrust } from '@aauth-gate/core';
import { base64url, createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import type { DevKey } from './agent-key.js';
import { createIssuerKeys, newJti, nowSeconds } from './dev-issuer.js';
import { type DevRequest, type DevResponse, json, startDevServer } from './dev-server.js';
import { signRequest } from './sign-request.js';

/** One operation in its vocabulary's shape, e.g. `{ tool: 'read_file' }` or `{ operationId: 'listFiles' }`. */
export type R3Operation = Readonly<Record<string, unknown>>;

/** What an R3 document tells the person (R3 §4.1): `summary`, `implications`, `data_accessed`, … */
export type R3Display = Readonly<Record<string, unknown>>;

/** An R3 document as the resource served it (R3 §4); a per-call proposal also has `parameters` (R3 §7). */
export interface R3Document {
  readonly vocabulary: string;
  readonly operations: readonly R3Operation[];
  readonly account?: string;
  readonly display?: R3Display;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** The R3 document a resource token names, fetched and checked against its hash. */
export interface ConsentR3 {
  /** `r3_uri` of the resource token. */
  readonly uri: string;
  /** `r3_s256` of the resource token, which the fetched bytes matched. */
  readonly s256: string;
  readonly document: R3Document;
  /** The document's `display`, for the consent screen. */
  readonly display?: R3Display;
  /** A per-call proposal (has `parameters`): approved as that one call, in `r3_granted`. */
  readonly proposal: boolean;
}

/** What the person is asked to consent to. */
export interface ConsentRequest {
  readonly resource: string;
  /** Scopes the resource token asks for. */
  readonly scope: readonly string[];
  /** The person's directed identifier at that resource. */
  readonly sub: string;
  /** The requesting agent (its provider and identifier). */
  readonly agent: { readonly iss: string; readonly sub: string };
  /** The R3 document, when the resource token carries `r3_uri` and `r3_s256`. */
  readonly r3?: ConsentR3;
}

/**
 * How to grant an R3 document's operations (R3 §6.2). Entries are matched against the document's
 * operations by JSON value; ones the document does not list are ignored. A proposal ignores this.
 */
export interface R3Decision {
  /** Operations granted outright (`r3_granted`). Default: every operation not in `perCall`. */
  readonly granted?: readonly R3Operation[];
  /** Operations granted in principle, each call challenged (`r3_per_call`). Default: none. */
  readonly perCall?: readonly R3Operation[];
}

/**
 * Grant everything asked, grant some scopes and/or R3 operations (`grant` defaults to every
 * scope, `r3` to every operation), refuse, or hold the request for a later decision.
 */
export type ConsentDecision =
  | 'grant'
  | { readonly grant?: readonly string[]; readonly r3?: R3Decision }
  | 'deny'
  | 'defer';

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
 * A resource token carrying `r3_uri`/`r3_s256` makes it fetch that R3 document signed as
 * itself, check the hash, show it to `consent` and write `r3_granted`/`r3_per_call` (R3 §6.2).
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

// Operations are compared as JSON values: member order does not matter.
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The R3 claims of an auth token for a consented document (R3 §6.2). */
function r3Claims(
  r3: ConsentR3 | undefined,
  choice: R3Decision | undefined,
): Record<string, unknown> {
  if (!r3) return {};
  const { vocabulary, operations } = r3.document;
  const pick = (chosen: readonly R3Operation[] | undefined) =>
    chosen && operations.filter((op) => chosen.some((c) => sameJson(c, op)));
  // A proposal is one call: approving it grants that call outright.
  const perCall = r3.proposal ? [] : (pick(choice?.perCall) ?? []);
  const granted = (r3.proposal ? operations : (pick(choice?.granted) ?? operations)).filter(
    (op) => !perCall.includes(op),
  );
  return {
    r3_uri: r3.uri,
    r3_s256: r3.s256,
    r3_granted: { vocabulary, operations: granted },
    ...(perCall.length > 0 ? { r3_per_call: { vocabulary, operations: perCall } } : {}),
  };
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
    {
      grant: PendingGrant;
      cnf: unknown;
      mission: unknown;
      decision?: Exclude<ConsentDecision, 'defer'>;
    }
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
    const chosen = decision === 'grant' ? undefined : decision.grant;
    const scope = chosen ? grant.scope.filter((s) => chosen.includes(s)) : grant.scope;
    const extra = {
      ...(typeof mission === 'string' ? { mission_s256: mission } : {}),
      ...r3Claims(grant.r3, decision === 'grant' ? undefined : decision.r3),
    };
    return json(
      200,
      { auth_token: await authToken(grant.resource, cnf, scope, extra), expires_in: lifetime },
      { 'cache-control': 'no-store' },
    );
  };

  // As itself, not for an agent: the `jwks_uri` scheme names this server's own key (AAuth-11 §11.3.2).
  const signedFetch = async (method: 'GET' | 'POST', url: string, body?: string) => {
    const headers = await signRequest({
      method,
      url,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      key: keys.key,
      jwksUri: { id: issuer, dwk: 'aauth-person.json', kid: keys.key.kid },
    });
    const init: RequestInit = { method, headers, ...(body === undefined ? {} : { body }) };
    return options.fetch ? options.fetch(url, init) : fetch(url, init);
  };

  /** Fetch the document a resource token names and check it against `r3_s256` (R3 §4.3, §4.4). */
  const fetchR3 = async (
    uri: string,
    s256: string,
  ): Promise<{ ok: true; r3: ConsentR3 } | { ok: false; detail: string }> => {
    let res: Response;
    try {
      const { protocol } = new URL(uri);
      if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError('not http(s)');
      res = await signedFetch('GET', uri);
    } catch {
      return { ok: false, detail: 'the R3 document at r3_uri could not be fetched' };
    }
    if (res.status !== 200)
      return { ok: false, detail: `fetching the R3 document at r3_uri answered ${res.status}` };
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)));
    if (digest !== s256)
      return {
        ok: false,
        detail: `r3_s256 does not match the SHA-256 of the R3 document served at r3_uri (${digest})`,
      };
    const doc = parseBody(bytes);
    if (
      !doc ||
      typeof doc.vocabulary !== 'string' ||
      !Array.isArray(doc.operations) ||
      !doc.operations.every(isObject)
    )
      return { ok: false, detail: 'the document at r3_uri is not an R3 document' };
    const document = doc as unknown as R3Document;
    return {
      ok: true,
      r3: {
        uri,
        s256,
        document,
        ...(isObject(doc.display) ? { display: doc.display } : {}),
        proposal: isObject(doc.parameters),
      },
    };
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
    let r3: ConsentR3 | undefined;
    if (claims.r3_uri !== undefined || claims.r3_s256 !== undefined) {
      if (typeof claims.r3_uri !== 'string' || typeof claims.r3_s256 !== 'string')
        return json(400, {
          error: 'invalid_resource_token',
          detail: 'r3_uri and r3_s256 must come together',
        });
      const fetched = await fetchR3(claims.r3_uri, claims.r3_s256);
      if (!fetched.ok)
        return json(400, { error: 'invalid_resource_token', detail: fetched.detail });
      r3 = fetched.r3;
    }
    const scope = typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
    const grant: ConsentRequest = {
      resource: String(claims.iss),
      scope,
      sub: record.sub,
      agent: { iss: caller.iss, sub: caller.sub },
      ...(r3 ? { r3 } : {}),
    };
    const cnf = (caller.claims.cnf as { jwk: unknown }).jwk;
    const decision = await consent(grant);
    if (decision !== 'defer') return decide(decision, grant, cnf, claims.mission_s256);
    const id = newJti('pending');
    held.set(id, { grant: { id, request: grant }, cnf, mission: claims.mission_s256 });
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
    return decide(entry.decision, entry.grant.request, entry.cnf, entry.mission);
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
      const body = JSON.stringify({ jti: claims.jti, exp: claims.exp });
      return (await signedFetch('POST', meta.revocation_endpoint, body)).status;
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
