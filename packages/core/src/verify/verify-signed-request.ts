import type { InnerList } from 'structured-headers';
import { checkContentDigest } from '../httpsig/content-digest.js';
import { buildSignatureBase } from '../httpsig/signature-base.js';
import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import {
  importPublicJwk,
  type PublicKey,
  type SignatureAlgorithm,
  sha256,
  verifyBytes,
} from '../internal/crypto.js';
import { Lru } from '../internal/lru.js';
import { checkSigningJwk, publicJwk } from '../jwk/check-signing-jwk.js';
import { canonicalJwk, jwkThumbprint } from '../jwk/jwk-thumbprint.js';
import type { ReplayStore } from '../replay/replay-store.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import type { RevocationStore } from '../revocation/revocation-store.js';
import type { VerifiedToken } from '../tokens/verified-token.js';
import type { TokenVerifier } from '../tokens/verify-aauth-jwt.js';
import type { SignatureInfo } from './principal.js';
import { type SelectedSignature, selectSignature } from './select-signature.js';
import { problemFailure, sigFailure, type VerifyFailure } from './verify-failure.js';

const MANDATED = ['@method', '@authority', '@path', 'signature-key'] as const;
const JWT_ONLY: ReadonlySet<string> = new Set(['jwt']);
const JWKS_URI_ONLY: ReadonlySet<string> = new Set(['jwks_uri']);

/** Configuration the request verifier needs, fixed at construction. */
export interface SignedRequestConfig {
  readonly now: () => number;
  readonly window: number;
  readonly algorithms: ReadonlySet<string>;
  readonly acceptAlgorithms: readonly string[];
  readonly additionalComponents: readonly string[];
  readonly authorities: ReadonlySet<string>;
  readonly defaultAuthority: string;
  readonly defaultScheme: string;
  readonly maxHeaderBytes: number;
  readonly tokens: TokenVerifier;
  readonly replay: ReplayStore | undefined;
  readonly replayMethods: ReadonlySet<string> | 'all';
  readonly revocation: RevocationStore;
  /** Server callers (`jwks_uri` scheme); `undefined` refuses them. */
  readonly serverKeys?: ServerKeyResolver | undefined;
}

/** A request whose signature and token verified. */
export interface VerifiedRequest {
  readonly token: VerifiedToken;
  readonly keyThumbprint: string;
  readonly signature: SignatureInfo;
}

export type SignedRequestResult =
  | { readonly ok: true; readonly verified: VerifiedRequest }
  | { readonly ok: false; readonly failure: VerifyFailure; readonly token?: VerifiedToken };

interface Precheck {
  readonly sel: SelectedSignature;
  readonly covered: { plain: Set<string>; list: string[] };
  readonly created: number;
  readonly expires: number | undefined;
}

/** A server caller whose `jwks_uri`-scheme signature verified. */
export interface VerifiedServer {
  readonly iss: string;
  readonly dwk: string;
  readonly keyThumbprint: string;
}

/** Resolves a server caller's key: trust, discovery, `kid`, algorithm. */
export type ServerKeyResolver = (
  id: string,
  dwk: string,
  kid: string,
) => Promise<
  { ok: true; key: PublicKey; thumbprint: string } | { ok: false; failure: VerifyFailure }
>;

/** `host[:port]` lowercased, without the scheme's default port (RFC 9421 §2.2.3). */
export function normalizeAuthority(authority: string, scheme: string): string {
  const a = authority.toLowerCase();
  const port = scheme === 'http' ? ':80' : ':443';
  return a.endsWith(port) ? a.slice(0, -port.length) : a;
}

function storeDown(): { ok: false; failure: VerifyFailure } {
  return problemFailure(
    503,
    'temporarily_unavailable',
    'replay or revocation state is unavailable',
    { 'retry-after': '1' },
  );
}

interface ConfirmationKey {
  readonly thumbprint: string;
  readonly key: PublicKey;
}

/**
 * The signature layer of AAuth-11 §11.3.4, steps 2–7, for a request that carries all three
 * signature headers: select, coverage, freshness, scheme, token, key algorithm, signature,
 * content digest, replay and revocation.
 */
export class SignedRequestVerifier {
  readonly #c: SignedRequestConfig;
  // Confirmation keys by canonical JWK: importing costs far more than verifying (PERF §7).
  readonly #cnfKeys = new Lru<string, Promise<ConfirmationKey>>(10_000);

  /** Confirmation keys currently imported. */
  get cachedKeys(): number {
    return this.#cnfKeys.size;
  }

  constructor(config: SignedRequestConfig) {
    this.#c = config;
  }

  /** Steps 1–3: size, selection, coverage and freshness; shared by agent and server callers. */
  #precheck(
    fields: HeaderFields,
    headers: { input: string; signature: string; key: string },
    routeComponents: readonly string[],
    preferred: ReadonlySet<string>,
  ): { ok: true; pre: Precheck } | { ok: false; failure: VerifyFailure } {
    const c = this.#c;
    if (
      headers.input.length > c.maxHeaderBytes ||
      headers.signature.length > c.maxHeaderBytes ||
      headers.key.length > c.maxHeaderBytes
    ) {
      return sigFailure('invalid_signature', 'a signature header is too large');
    }
    const selection = selectSignature(headers.input, headers.signature, headers.key, preferred);
    if (!selection.ok) return selection;
    const sel = selection.selected;

    // Step 2: required coverage.
    const covered = coveredNames(sel.input);
    if (!covered) return sigFailure('invalid_signature', 'a covered component is not a string');
    const required: string[] = [...MANDATED];
    const authorization = fields.get('authorization');
    if (authorization?.some((line) => /^\s*aauth(?:\s|$)/i.test(line)))
      required.push('authorization');
    // `additional_signature_components` is what agents read in the metadata; servers signing in
    // their own right (revocations, R3 document fetches) cover what each endpoint names.
    const additional = preferred === JWT_ONLY ? c.additionalComponents : [];
    for (const extra of [...additional, ...routeComponents])
      if (!required.includes(extra)) required.push(extra);
    const missing = required.filter((r) => !covered.plain.has(r));
    if (missing.length > 0) {
      return sigFailure(
        'invalid_input',
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not covered`,
        {
          requiredInput: required,
        },
      );
    }

    // Step 3: freshness.
    const params = sel.input[1];
    const created = params.get('created');
    // A Decimal such as 1.5 is no Integer; `1.0` parses as one, but then the re-serialised
    // @signature-params differs from what was signed and the signature fails.
    if (typeof created !== 'number' || !Number.isInteger(created)) {
      return sigFailure('invalid_signature', 'created is missing or not an integer');
    }
    const expires = params.get('expires');
    if (expires !== undefined && (typeof expires !== 'number' || !Number.isInteger(expires))) {
      return sigFailure('invalid_signature', 'expires is not an integer');
    }
    const now = c.now();
    if (now - created > c.window)
      return sigFailure('invalid_signature', 'the signature is too old');
    if (created - now > c.window) {
      return sigFailure('clock_skew', 'created is ahead of the resource clock', {
        date: new Date(now * 1000),
      });
    }
    if (expires !== undefined && expires < now)
      return sigFailure('invalid_signature', 'the signature has expired');
    return { ok: true, pre: { sel, covered, created, expires } };
  }

  /** Step 7 and the content digest: the signature over the base, with the key resolved. */
  async #checkSignature(
    request: AAuthRequest,
    fields: HeaderFields,
    pre: Precheck,
    key: PublicKey,
  ): Promise<VerifyFailure | { readonly base: string }> {
    const c = this.#c;
    const scheme = request.scheme ?? c.defaultScheme;
    const authority = normalizeAuthority(request.authority ?? c.defaultAuthority, scheme);
    if (!c.authorities.has(authority)) {
      return {
        kind: 'signature',
        code: 'invalid_signature',
        detail: 'the request was not addressed to an accepted authority',
      };
    }
    const base = buildSignatureBase(
      {
        method: request.method,
        scheme,
        authority,
        target: request.target,
        fields,
      },
      pre.sel.input,
    );
    if (!base.ok)
      return {
        kind: 'signature',
        code: 'invalid_signature',
        detail: `no signature base: ${base.reason}`,
      };
    if (!(await verifyBytes(key, utf8Encode(base.base), pre.sel.signature))) {
      return {
        kind: 'signature',
        code: 'invalid_signature',
        detail: 'the signature does not verify',
      };
    }
    // Content-Digest is checked against the bytes received whenever it is covered.
    if (pre.covered.plain.has('content-digest')) {
      const body = typeof request.body === 'function' ? await request.body() : request.body;
      if (body === undefined) {
        return {
          kind: 'signature',
          code: 'invalid_signature',
          detail: 'the server could not read the raw body to check content-digest',
        };
      }
      const digest = await checkContentDigest(fieldValue(fields, 'content-digest') ?? '', body);
      if (digest !== 'match')
        return { kind: 'signature', code: 'invalid_signature', detail: `content-digest ${digest}` };
    }
    return { base: base.base };
  }

  /** Replay: the same signature by the same key inside the window (unsafe methods by default). */
  async #replayed(
    method: string,
    thumbprint: string,
    pre: Precheck,
    base: string,
  ): Promise<boolean> {
    const c = this.#c;
    if (
      c.replay === undefined ||
      (c.replayMethods !== 'all' && !c.replayMethods.has(method.toUpperCase()))
    )
      return false;
    // Keyed by what was signed, not by the signature bytes: an ECDSA signature (r, s) is also
    // valid as (r, n − s), so the bytes alone would let a replay through.
    const what = encodeBase64Url(await sha256(utf8Encode(base)));
    return !(await c.replay.remember(`${thumbprint}.${what}`, pre.created + c.window));
  }

  /** An agent's request: the `jwt` scheme with an agent, person or auth token (steps 1–7). */
  async verify(
    request: AAuthRequest,
    fields: HeaderFields,
    headers: { input: string; signature: string; key: string },
    routeComponents: readonly string[],
  ): Promise<SignedRequestResult> {
    const c = this.#c;
    const checked = this.#precheck(fields, headers, routeComponents, JWT_ONLY);
    if (!checked.ok) return checked;
    const pre = checked.pre;

    // Step 4: scheme.
    if (pre.sel.scheme !== 'jwt') {
      return sigFailure('unsupported_scheme', 'agents must sign with the jwt scheme', {
        acceptSchemes: ['jwt'],
      });
    }
    const jwt = pre.sel.keyParams.get('jwt');
    if (typeof jwt !== 'string')
      return sigFailure('invalid_signature', 'the jwt scheme carries no jwt parameter');

    // Step 5: the token and its confirmation key.
    const tokenResult = await c.tokens.verify(jwt);
    if (!tokenResult.ok) return tokenResult;
    const token = tokenResult.token;
    const cnf = token.cnfJwk;
    if (cnf === undefined)
      return { ...sigFailure('invalid_key', 'the token has no cnf.jwk'), token };
    // Step 6: the algorithm is the key's own alg.
    const keyCheck = checkSigningJwk(cnf, c.algorithms);
    if (!keyCheck.ok) {
      const extras =
        keyCheck.code === 'unsupported_algorithm'
          ? { acceptAlgorithms: c.acceptAlgorithms }
          : undefined;
      return { ...sigFailure(keyCheck.code, keyCheck.detail, extras), token };
    }
    let confirmation: ConfirmationKey;
    try {
      confirmation = await this.#confirmationKey(cnf as Record<string, unknown>, keyCheck.alg);
    } catch {
      return { ...sigFailure('invalid_key', 'cnf.jwk is not usable key material'), token };
    }

    // Step 7.
    const signed = await this.#checkSignature(request, fields, pre, confirmation.key);
    if (!('base' in signed)) return { ok: false, failure: signed, token };

    // Replay and revocation state may live in a shared store that is down: answer 503
    // (fail closed) rather than guess, and never a 500.
    try {
      if (await this.#replayed(request.method, confirmation.thumbprint, pre, signed.base)) {
        return { ...sigFailure('invalid_signature', 'the signature was already used'), token };
      }
      if (await c.revocation.isRevoked(token.iss, token.jti)) {
        const extras = token.kind === 'auth' ? { requirePersonToken: true } : undefined;
        return { ...sigFailure('revoked_jwt', 'the token was revoked', extras), token };
      }
    } catch {
      return { ...storeDown(), token };
    }
    return {
      ok: true,
      verified: {
        token,
        keyThumbprint: confirmation.thumbprint,
        signature: {
          label: pre.sel.label,
          created: pre.created,
          expires: pre.expires,
          coveredComponents: pre.covered.list,
        },
      },
    };
  }

  /**
   * A server signing in its own right with the `jwks_uri` scheme (a person or access server at
   * the revocation endpoint, AAuth-11 §11.12.1): `id` is its issuer, `dwk` its document.
   */
  async verifyServer(
    request: AAuthRequest,
    fields: HeaderFields,
    headers: { input: string; signature: string; key: string },
    routeComponents: readonly string[],
  ): Promise<{ ok: true; server: VerifiedServer } | { ok: false; failure: VerifyFailure }> {
    const c = this.#c;
    const checked = this.#precheck(fields, headers, routeComponents, JWKS_URI_ONLY);
    if (!checked.ok) return checked;
    const pre = checked.pre;
    if (pre.sel.scheme !== 'jwks_uri') {
      return sigFailure('unsupported_scheme', 'servers must sign with the jwks_uri scheme here', {
        acceptSchemes: ['jwks_uri'],
      });
    }
    const id = pre.sel.keyParams.get('id');
    const dwk = pre.sel.keyParams.get('dwk');
    const kid = pre.sel.keyParams.get('kid');
    if (typeof id !== 'string' || typeof dwk !== 'string' || typeof kid !== 'string') {
      return sigFailure('invalid_signature', 'the jwks_uri scheme needs id, dwk and kid');
    }
    if (!c.serverKeys)
      return sigFailure('unsupported_scheme', 'server callers are not accepted', {
        acceptSchemes: ['jwt'],
      });
    const resolved = await c.serverKeys(id, dwk, kid);
    if (!resolved.ok) return resolved;
    const signed = await this.#checkSignature(request, fields, pre, resolved.key);
    if (!('base' in signed)) return { ok: false, failure: signed };
    try {
      if (await this.#replayed(request.method, resolved.thumbprint, pre, signed.base)) {
        return sigFailure('invalid_signature', 'the signature was already used');
      }
    } catch {
      return storeDown();
    }
    return { ok: true, server: { iss: id, dwk, keyThumbprint: resolved.thumbprint } };
  }

  #confirmationKey(
    jwk: Record<string, unknown>,
    alg: SignatureAlgorithm,
  ): Promise<ConfirmationKey> {
    const id = `${alg}${canonicalJwk(jwk)}`;
    let entry = this.#cnfKeys.get(id);
    if (!entry) {
      entry = Promise.all([jwkThumbprint(jwk), importPublicJwk(publicJwk(jwk), alg)]).then(
        ([thumbprint, key]) => ({ thumbprint, key }),
      );
      // A failed import is not cached: the entry is dropped and the caller answers invalid_key.
      entry.catch(() => this.#cnfKeys.delete(id));
      this.#cnfKeys.set(id, entry);
    }
    return entry;
  }
}

function coveredNames(input: InnerList): { plain: Set<string>; list: string[] } | undefined {
  const plain = new Set<string>();
  const list: string[] = [];
  for (const [name, params] of input[0]) {
    if (typeof name !== 'string') return undefined;
    list.push(name);
    if (!params.has('key') && !params.has('name')) plain.add(name);
  }
  return { plain, list };
}
