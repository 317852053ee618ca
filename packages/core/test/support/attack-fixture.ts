// Shared fixture for the attack corpus and the property tests: fixed clock, fixed identities,
// fresh keys per test file, an in-memory fetch map that records every URL core asks for, an
// independent JWS minter and an independent RFC 9421 signer (so core is never tested with
// its own signature-base code).
import { createHmac } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import { type DevKey, generateDevKey } from '../../../testing/src/agent-key.ts';
import {
  type AAuth,
  type AAuthEvent,
  type AAuthOptions,
  type AAuthRequest,
  createAAuth,
  type FetchLike,
  generateResourceKey,
  type ResourceSigningKey,
} from '../../src/index.ts';

/** The fixed clock of every attack case (2026-09-21T14:13:20Z), as in the vector file. */
export const NOW = 1_790_000_000;
export const RESOURCE = 'https://resource.example';
export const AUTHORITY = 'resource.example';
/** A second authority the resource also answers on (for @authority swaps between them). */
export const ALT_AUTHORITY = 'api.resource.example';
export const AP = 'https://agents.example';
export const PS = 'https://ps.example';
export const AS = 'https://as.example';
export const OTHER_RESOURCE = 'https://other-resource.example';
export const AGENT_ID = 'aauth:assistant@agents.example';
export const PERSON_SUB = '8f14e45fceea167a5a36dedd4bea2543';
export const MANDATED = ['@method', '@authority', '@path', 'signature-key'] as const;

export const DWK = {
  agent: 'aauth-agent.json',
  person: 'aauth-person.json',
  access: 'aauth-access.json',
} as const;

export const TYP = {
  agent: 'aa-agent+jwt',
  person: 'aa-person+jwt',
  auth: 'aa-auth+jwt',
  resource: 'aa-resource+jwt',
} as const;

// ---------------------------------------------------------------------------------------------
// Encoding helpers (test side only; Buffer is fine here).

export function b64url(data: Uint8Array | string): string {
  return Buffer.from(typeof data === 'string' ? new TextEncoder().encode(data) : data).toString(
    'base64url',
  );
}

export function b64(data: Uint8Array): string {
  return Buffer.from(data).toString('base64');
}

export function fromB64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export async function sha(alg: 'SHA-256' | 'SHA-512', data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest(alg, data as Uint8Array<ArrayBuffer>));
}

/** `sha-256=:…:` (or sha-512) over `body`. */
export async function digestOf(
  body: Uint8Array,
  alg: 'sha-256' | 'sha-512' = 'sha-256',
): Promise<string> {
  return `${alg}=:${b64(await sha(alg === 'sha-256' ? 'SHA-256' : 'SHA-512', body))}:`;
}

// ---------------------------------------------------------------------------------------------
// Keys.

/** A signing key the tests hold privately (Web Crypto key + its JWKs). */
export interface TestKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly privateJwk: Readonly<Record<string, unknown>>;
}

export interface AttackKeys {
  /** The agent's Ed25519 key (the `cnf.jwk` of nearly every token). */
  readonly agent: DevKey;
  /** An ES256 agent key (ECDSA: randomized and malleable signatures). */
  readonly agentEs256: DevKey;
  /** Another agent's key (stolen-token and wrong-cnf cases). */
  readonly otherAgent: DevKey;
  /** Agent provider key, kid `ap-key-1`. */
  readonly ap: DevKey;
  /** Person server key, kid `ps-key-1`. */
  readonly ps: DevKey;
  /** Access server key (ES256), kid `as-key-1`. */
  readonly as: DevKey;
  /** Attacker key that reuses the agent provider's kid. */
  readonly evil: DevKey;
  /** An ES384 key (alg confusion between JWT header and JWKS). */
  readonly es384: TestKey;
  /** An RSA-2048 key (RS256 confusion). */
  readonly rsa: TestKey;
  /** The resource's own key (resource tokens). */
  readonly resource: ResourceSigningKey;
}

async function otherKey(
  alg: 'ES384' | 'RS256',
  kid: string,
  options: Parameters<typeof generateKeyPair>[1] = {},
): Promise<TestKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jwk = (await exportJWK(privateKey)) as Record<string, unknown>;
  const pub: Record<string, unknown> =
    jwk.kty === 'RSA'
      ? { kty: 'RSA', n: jwk.n, e: jwk.e }
      : { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
  return {
    alg,
    kid,
    privateKey: privateKey as CryptoKey,
    publicJwk: Object.freeze({ ...pub, alg, kid }),
    privateJwk: Object.freeze({ ...jwk, alg, kid }),
  };
}

/** Fresh keys for one test file. */
export async function createAttackKeys(): Promise<AttackKeys> {
  const [agent, agentEs256, otherAgent, ap, ps, as, evil, es384, rsa, resource] = await Promise.all(
    [
      generateDevKey('Ed25519'),
      generateDevKey('ES256'),
      generateDevKey('Ed25519'),
      generateDevKey('Ed25519', 'ap-key-1'),
      generateDevKey('Ed25519', 'ps-key-1'),
      generateDevKey('ES256', 'as-key-1'),
      generateDevKey('Ed25519', 'ap-key-1'),
      otherKey('ES384', 'es384-key-1'),
      otherKey('RS256', 'rsa-key-1', { modulusLength: 2048 }),
      generateResourceKey('Ed25519'),
    ],
  );
  return { agent, agentEs256, otherAgent, ap, ps, as, evil, es384, rsa, resource: resource.key };
}

/** Every private scalar and private-key public coordinate the fixture holds. */
export function keyMaterial(keys: AttackKeys): string[] {
  const out: string[] = [];
  for (const k of [
    keys.agent,
    keys.agentEs256,
    keys.otherAgent,
    keys.ap,
    keys.ps,
    keys.as,
    keys.evil,
    keys.es384,
    keys.rsa,
  ]) {
    for (const m of ['d', 'x', 'y', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
      const v = k.privateJwk[m];
      if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// JWS minting with full control of the header (so alg confusion can be expressed).

/** How to produce the JWS signature segment. */
export type JwsSigner =
  | { readonly key: CryptoKey }
  | { readonly hmac: Uint8Array | string }
  | { readonly none: true }
  | { readonly raw: string };

async function signWith(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  const a = key.algorithm as { name: string; namedCurve?: string };
  const params =
    a.name === 'ECDSA'
      ? { name: 'ECDSA', hash: a.namedCurve === 'P-384' ? 'SHA-384' : 'SHA-256' }
      : a.name === 'RSASSA-PKCS1-v1_5'
        ? { name: 'RSASSA-PKCS1-v1_5' }
        : { name: a.name };
  return new Uint8Array(await crypto.subtle.sign(params, key, data as Uint8Array<ArrayBuffer>));
}

/** A compact JWS over exactly this header and payload (JSON-serialised in member order). */
export async function mintJws(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>> | string,
  signer: JwsSigner,
): Promise<string> {
  const input = `${b64url(JSON.stringify(header))}.${b64url(
    typeof payload === 'string' ? payload : JSON.stringify(payload),
  )}`;
  if ('none' in signer) return `${input}.`;
  if ('raw' in signer) return `${input}.${signer.raw}`;
  if ('hmac' in signer) {
    return `${input}.${createHmac('sha256', signer.hmac).update(input).digest('base64url')}`;
  }
  return `${input}.${b64url(await signWith(signer.key, utf8(input)))}`;
}

/** Claim/header overrides: a value of `undefined` removes the member. */
export type Overrides = Readonly<Record<string, unknown>>;

function merge(
  base: Record<string, unknown>,
  over: Overrides | undefined,
): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

export type TokenKindName = 'agent' | 'person' | 'auth';

export interface TokenOptions {
  readonly claims?: Overrides;
  readonly header?: Overrides;
  /** The issuer key that signs it (default: AP for agent tokens, PS otherwise). */
  readonly issuerKey?: {
    readonly kid: string;
    readonly alg: string;
    readonly privateKey: CryptoKey;
  };
  /** Replace the signature step entirely. */
  readonly signer?: JwsSigner;
  /** The key bound in `cnf.jwk` (default: the agent's Ed25519 key). */
  readonly cnf?: { readonly publicJwk: Readonly<Record<string, unknown>> };
}

// ---------------------------------------------------------------------------------------------
// The in-memory fetch map.

/** A stored document, or a handler for anything special (slow, redirecting, streaming). */
export type FetchEntry =
  | {
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body?: string | Readonly<Record<string, unknown>>;
    }
  | ((url: string, init?: { signal?: AbortSignal }) => Promise<Response>);

export type FetchMap = Readonly<Record<string, FetchEntry>>;

/** Fetch-map overrides: `null` removes an entry. */
export type FetchOverrides = Readonly<Record<string, FetchEntry | null>>;

export function metadataUrl(iss: string, dwk: string): string {
  return `${iss}/.well-known/${dwk}`;
}

/** Metadata + JWKS for one issuer role, serving `keys` at `jwksUri`. */
export function issuerDocuments(
  iss: string,
  dwk: string,
  keys: readonly Readonly<Record<string, unknown>>[],
  jwksUri = `${iss}/jwks/${dwk.replace('.json', '')}.json`,
  issuer: unknown = iss,
): Record<string, FetchEntry> {
  const meta: Record<string, unknown> = { jwks_uri: jwksUri };
  if (issuer !== undefined) meta.issuer = issuer;
  return {
    [metadataUrl(iss, dwk)]: { body: meta },
    [jwksUri]: { body: { keys } },
  };
}

function respond(entry: FetchEntry, url: string, init?: { signal?: AbortSignal }) {
  if (typeof entry === 'function') return entry(url, init);
  const body = entry.body === undefined ? '' : entry.body;
  return Promise.resolve(
    new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status: entry.status ?? 200,
      headers: {
        'content-type': 'application/json',
        'cache-control': 'max-age=300',
        ...entry.headers,
      },
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// An independent RFC 9421 signer (AAuth profile) with every knob the attacks need.

export interface SignOptions {
  readonly method?: string;
  /** Origin-form target exactly as on the wire. Default `/notes`. */
  readonly target?: string;
  /** The `@authority` value that is signed. Default `resource.example`. */
  readonly authority?: string;
  /** `AAuthRequest.authority` handed to core (default: none, so core uses its own). */
  readonly requestAuthority?: string;
  /** Extra header lines, in order, before the signature headers. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
  /** `Content-Digest` value: computed sha-256 by default when there is a body; `false` = none. */
  readonly digest?: string | false;
  /** The signing key (default: the agent's Ed25519 key). */
  readonly key?: { readonly alg: string; readonly privateKey: CryptoKey };
  /** The JWT carried in `Signature-Key` (ignored when `signatureKey` is given). */
  readonly token?: string;
  /** The raw `Signature-Key` field value (covered as is). */
  readonly signatureKey?: string;
  /** Extra `Signature-Key` field lines sent after the first (covered as the joined value). */
  readonly extraSignatureKeyLines?: readonly string[];
  readonly label?: string;
  /**
   * Covered components in order. Plain names, or serialized identifiers starting with `"`
   * whose value comes from `values`. Default: the mandated four, plus `content-type` and
   * `content-digest` when there is a body.
   */
  readonly components?: readonly string[];
  /** Values for serialized identifiers or to override derived values. */
  readonly values?: Readonly<Record<string, string>>;
  /** Canonical signature parameters after the inner list. Default `;created=<created>`. */
  readonly params?: string;
  readonly created?: number;
  /** Re-format the `Signature-Input` field value (harmless whitespace, duplicates…). */
  readonly formatInput?: (member: string, label: string) => string;
  /** Re-format the `Signature` field value. */
  readonly formatSignature?: (b64sig: string, label: string) => string;
  /** Tamper with the signature bytes before encoding. */
  readonly mutateSignature?: (sig: Uint8Array) => Uint8Array;
}

export interface SignedRequest {
  readonly request: AAuthRequest;
  /** The JWT presented, if any. */
  readonly jwt: string | undefined;
  /** Base64 of the HTTP signature. */
  readonly signature: string;
  readonly signatureInput: string;
  readonly signatureKey: string;
  /** The exact signature base that was signed. */
  readonly base: string;
}

function splitTarget(target: string): { path: string; query: string | undefined } {
  const q = target.indexOf('?');
  return q === -1
    ? { path: target, query: undefined }
    : { path: target.slice(0, q), query: target.slice(q + 1) };
}

function quoteComponent(c: string): string {
  return c.startsWith('"') ? c : `"${c}"`;
}

/** Sign a request the way an AAuth agent does, independently of core. */
export async function signAttackRequest(fx: AttackFixture, o: SignOptions): Promise<SignedRequest> {
  const method = o.method ?? 'GET';
  const target = o.target ?? '/notes';
  const authority = o.authority ?? AUTHORITY;
  const label = o.label ?? 'sig';
  const created = o.created ?? NOW;
  const body = typeof o.body === 'string' ? utf8(o.body) : o.body;
  const lines: [string, string][] = (o.headers ?? []).map(([n, v]) => [n, v]);
  if (body !== undefined && o.digest !== false) {
    lines.push(['content-digest', o.digest ?? (await digestOf(body))]);
  } else if (typeof o.digest === 'string') {
    lines.push(['content-digest', o.digest]);
  }
  const jwt = o.signatureKey === undefined ? (o.token ?? (await fx.token('agent'))) : o.token;
  const signatureKey = o.signatureKey ?? `${label}=jwt;jwt="${jwt}"`;
  lines.push(['signature-key', signatureKey]);
  for (const extra of o.extraSignatureKeyLines ?? []) lines.push(['signature-key', extra]);
  const hasContentType = lines.some(([n]) => n.toLowerCase() === 'content-type');
  const components = o.components ?? [
    '@method',
    '@authority',
    '@path',
    ...(body !== undefined && hasContentType ? ['content-type'] : []),
    ...(body !== undefined && o.digest !== false ? ['content-digest'] : []),
    'signature-key',
  ];
  const { path, query } = splitTarget(target);
  const componentValue = (c: string): string => {
    const override = o.values?.[c];
    if (override !== undefined) return override;
    switch (c) {
      case '@method':
        return method;
      case '@authority':
        return authority.toLowerCase();
      case '@path':
        return path === '' ? '/' : path;
      case '@query':
        return query === undefined ? '?' : `?${query}`;
      case '@scheme':
        return 'https';
      case '@target-uri':
        return `https://${authority}${target}`;
      case '@request-target':
        return target;
    }
    const field = lines.filter(([n]) => n.toLowerCase() === c).map(([, v]) => v.trim());
    if (field.length === 0) throw new TypeError(`cannot cover ${c}: not on the request`);
    return field.join(', ');
  };
  const inner = `(${components.map(quoteComponent).join(' ')})`;
  const params = o.params ?? `;created=${created}`;
  const baseLines = components.map((c) => `${quoteComponent(c)}: ${componentValue(c)}`);
  baseLines.push(`"@signature-params": ${inner}${params}`);
  const base = baseLines.join('\n');
  let sig = await signWith((o.key ?? fx.keys.agent).privateKey, utf8(base));
  if (o.mutateSignature) sig = o.mutateSignature(sig);
  const signature = b64(sig);
  const member = `${inner}${params}`;
  const signatureInput = o.formatInput ? o.formatInput(member, label) : `${label}=${member}`;
  lines.push(['signature-input', signatureInput]);
  lines.push([
    'signature',
    o.formatSignature ? o.formatSignature(signature, label) : `${label}=:${signature}:`,
  ]);
  const request: AAuthRequest = {
    method,
    target,
    headers: lines,
    body,
    ...(o.requestAuthority === undefined ? {} : { authority: o.requestAuthority }),
  };
  return { request, jwt, signature, signatureInput, signatureKey, base };
}

// ---------------------------------------------------------------------------------------------
// The verifier harness.

/** Options of a verifier under test; loosely typed so cases can restore defaults with `undefined`. */
export type AttackOptions = { readonly [K in keyof AAuthOptions]?: AAuthOptions[K] | undefined };

export interface Harness {
  readonly aauth: AAuth;
  /** Every `onEvent` event, in order. */
  readonly events: AAuthEvent[];
  /** Every URL core fetched, in order. */
  readonly fetched: string[];
  readonly clock: { now: number };
}

let jtiCounter = 0;

/** Keys, documents and helpers for one test file. */
export class AttackFixture {
  readonly keys: AttackKeys;
  readonly fetchMap: FetchMap;

  constructor(keys: AttackKeys) {
    this.keys = keys;
    const pub = (k: DevKey) => ({ ...k.publicJwk, kid: k.kid });
    this.fetchMap = {
      ...issuerDocuments(AP, DWK.agent, [
        pub(keys.ap),
        // A key type no verifier implements must not break selection by kid (VECTORS.md).
        { kty: 'AKP', alg: 'ML-DSA-44', kid: 'ap-pq-1', pub: 'AAAA' },
      ]),
      ...issuerDocuments(PS, DWK.person, [pub(keys.ps)]),
      ...issuerDocuments(AS, DWK.access, [pub(keys.as)]),
    };
  }

  static async create(): Promise<AttackFixture> {
    return new AttackFixture(await createAttackKeys());
  }

  /** Default claims of each token kind (fresh `jti` each time). */
  claims(kind: TokenKindName, cnf = this.keys.agent.publicJwk): Record<string, unknown> {
    jtiCounter += 1;
    const common = { jti: `${kind}-${jtiCounter}`, iat: NOW - 60, cnf: { jwk: { ...cnf } } };
    if (kind === 'agent') {
      return {
        iss: AP,
        dwk: DWK.agent,
        sub: AGENT_ID,
        ...common,
        exp: NOW + 3600,
        ps: PS,
      };
    }
    if (kind === 'person') {
      return {
        iss: PS,
        dwk: DWK.person,
        aud: RESOURCE,
        sub: PERSON_SUB,
        ...common,
        exp: NOW + 1800,
      };
    }
    return {
      iss: PS,
      dwk: DWK.person,
      aud: RESOURCE,
      ps: PS,
      sub: PERSON_SUB,
      ...common,
      exp: NOW + 1800,
      scope: 'notes:read notes:write',
    };
  }

  /** Mint an AAuth token of `kind`, by default valid and bound to the agent's key. */
  async token(kind: TokenKindName, o: TokenOptions = {}): Promise<string> {
    const issuerKey = o.issuerKey ?? (kind === 'agent' ? this.keys.ap : this.keys.ps);
    const header = merge({ alg: issuerKey.alg, typ: TYP[kind], kid: issuerKey.kid }, o.header);
    const payload = merge(this.claims(kind, o.cnf?.publicJwk), o.claims);
    return mintJws(header, payload, o.signer ?? { key: issuerKey.privateKey });
  }

  /** Sign a request (see `SignOptions`). */
  sign(o: SignOptions = {}): Promise<SignedRequest> {
    return signAttackRequest(this, o);
  }

  /** A fresh verifier with the fixed clock and the in-memory fetch map. */
  harness(options: AttackOptions = {}, fetch: FetchOverrides = {}): Harness {
    const events: AAuthEvent[] = [];
    const fetched: string[] = [];
    const clock = { now: NOW };
    const map: Record<string, FetchEntry> = { ...this.fetchMap };
    for (const [u, e] of Object.entries(fetch)) {
      if (e === null) delete map[u];
      else map[u] = e;
    }
    const fetchLike: FetchLike = (url, init) => {
      fetched.push(url);
      const entry = map[url];
      return entry === undefined
        ? Promise.resolve(new Response('', { status: 404 }))
        : respond(entry, url, init);
    };
    const defaults: AttackOptions = {
      resource: RESOURCE,
      authorities: [AUTHORITY, ALT_AUTHORITY],
      trust: { agentProviders: [AP], personServers: [PS] },
      signingKey: this.keys.resource,
      // Every method is replay-checked so a follow-up with the same signature detects a
      // poisoned replay store; the default (unsafe methods only) has its own cases.
      replayMethods: 'all',
      now: () => clock.now,
      fetch: fetchLike,
      onEvent: (e) => {
        events.push(e);
      },
    };
    const merged: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(options)) {
      if (v === undefined) delete merged[k];
      else merged[k] = v;
    }
    return { aauth: createAAuth(merged as unknown as AAuthOptions), events, fetched, clock };
  }
}

/** Every `jwt="…"` value and `:…:` byte sequence in the signature headers of a request. */
export function credentialStrings(request: AAuthRequest): string[] {
  const out: string[] = [];
  const lines = Array.isArray(request.headers)
    ? (request.headers as readonly (readonly [string, string])[])
    : [];
  for (const [name, value] of lines) {
    const n = name.toLowerCase();
    if (n === 'signature-key') {
      for (const m of value.matchAll(/jwt="([^"]*)"/g)) {
        const jwt = m[1] ?? '';
        out.push(jwt);
        // The payload and signature segments on their own, too.
        for (const seg of jwt.split('.').slice(1)) out.push(seg);
      }
    }
    if (n === 'signature') for (const m of value.matchAll(/:([^:]*):/g)) out.push(m[1] ?? '');
    if (n === 'authorization') out.push(value);
  }
  // Short strings could occur by chance; only distinctive values are checked.
  return out.filter((s) => s.length >= 16);
}
