import type { InnerList } from 'structured-headers';
import { checkContentDigest } from '../httpsig/content-digest.js';
import { buildSignatureBase } from '../httpsig/signature-base.js';
import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import {
  importPublicJwk,
  type PublicKey,
  type SignatureAlgorithm,
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
import { selectSignature } from './select-signature.js';
import { problemFailure, sigFailure, type VerifyFailure } from './verify-failure.js';

const MANDATED = ['@method', '@authority', '@path', 'signature-key'] as const;
const JWT_ONLY: ReadonlySet<string> = new Set(['jwt']);
const DECIMAL_TIME = /;\s*(?:created|expires)=-?\d+\./;

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

  constructor(config: SignedRequestConfig) {
    this.#c = config;
  }

  async verify(
    request: AAuthRequest,
    fields: HeaderFields,
    headers: { input: string; signature: string; key: string },
    routeComponents: readonly string[],
  ): Promise<SignedRequestResult> {
    const c = this.#c;
    if (
      headers.input.length > c.maxHeaderBytes ||
      headers.signature.length > c.maxHeaderBytes ||
      headers.key.length > c.maxHeaderBytes
    ) {
      return sigFailure('invalid_signature', 'a signature header is too large');
    }
    const selection = selectSignature(headers.input, headers.signature, headers.key, JWT_ONLY);
    if (!selection.ok) return selection;
    const sel = selection.selected;

    // Step 2: required coverage.
    const covered = coveredNames(sel.input);
    if (!covered) return sigFailure('invalid_signature', 'a covered component is not a string');
    const required: string[] = [...MANDATED];
    const authorization = fieldValue(fields, 'authorization');
    if (authorization !== undefined && /^aauth(?:\s|$)/i.test(authorization))
      required.push('authorization');
    for (const extra of [...c.additionalComponents, ...routeComponents])
      if (!required.includes(extra)) required.push(extra);
    const missing = required.filter((r) => !covered.plain.has(r));
    if (missing.length > 0) {
      return sigFailure(
        'invalid_input',
        `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not covered`,
        { requiredInput: required },
      );
    }

    // Step 3: freshness.
    const params = sel.input[1];
    const created = params.get('created');
    const rawMember = headers.input;
    if (typeof created !== 'number' || !Number.isInteger(created) || DECIMAL_TIME.test(rawMember)) {
      return sigFailure('invalid_signature', 'created is missing or not an integer');
    }
    const expires = params.get('expires');
    if (expires !== undefined && (typeof expires !== 'number' || !Number.isInteger(expires))) {
      return sigFailure('invalid_signature', 'expires is not an integer');
    }
    const now = c.now();
    if (now - created > c.window)
      return sigFailure('invalid_signature', 'the signature is too old');
    if (created - now > c.window)
      return sigFailure('clock_skew', 'created is ahead of the resource clock', {
        date: new Date(now * 1000),
      });
    if (expires !== undefined && expires < now)
      return sigFailure('invalid_signature', 'the signature has expired');

    // Step 4: scheme.
    if (sel.scheme !== 'jwt') {
      return sigFailure('unsupported_scheme', 'agents must sign with the jwt scheme', {
        acceptSchemes: ['jwt'],
      });
    }
    const jwt = sel.keyParams.get('jwt');
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
      return {
        ...sigFailure(
          keyCheck.code,
          keyCheck.detail,
          keyCheck.code === 'unsupported_algorithm'
            ? { acceptAlgorithms: c.acceptAlgorithms }
            : undefined,
        ),
        token,
      };
    }
    let confirmation: ConfirmationKey;
    try {
      confirmation = await this.#confirmationKey(cnf as Record<string, unknown>, keyCheck.alg);
    } catch {
      return { ...sigFailure('invalid_key', 'cnf.jwk is not usable key material'), token };
    }

    // Step 7: the signature over the base.
    const authority = request.authority ?? c.defaultAuthority;
    if (!c.authorities.has(authority.toLowerCase())) {
      return {
        ...sigFailure(
          'invalid_signature',
          'the request was not addressed to an accepted authority',
        ),
        token,
      };
    }
    const base = buildSignatureBase(
      {
        method: request.method,
        scheme: request.scheme ?? c.defaultScheme,
        authority,
        target: request.target,
        fields,
      },
      sel.input,
    );
    if (!base.ok)
      return { ...sigFailure('invalid_signature', `no signature base: ${base.reason}`), token };
    if (!(await verifyBytes(confirmation.key, utf8Encode(base.base), sel.signature))) {
      return { ...sigFailure('invalid_signature', 'the signature does not verify'), token };
    }

    // Content-Digest is checked against the bytes received whenever it is covered.
    if (covered.plain.has('content-digest')) {
      const body = typeof request.body === 'function' ? await request.body() : request.body;
      if (body === undefined) {
        return {
          ...sigFailure(
            'invalid_signature',
            'the server could not read the raw body to check content-digest',
          ),
          token,
        };
      }
      const digest = await checkContentDigest(fieldValue(fields, 'content-digest') ?? '', body);
      if (digest !== 'match')
        return { ...sigFailure('invalid_signature', `content-digest ${digest}`), token };
    }

    // Replay and revocation state may live in a shared store that is down: answer 503
    // (fail closed) rather than guess, and never a 500.
    try {
      const replayed =
        c.replay !== undefined &&
        (c.replayMethods === 'all' || c.replayMethods.has(request.method.toUpperCase())) &&
        !(await c.replay.remember(
          `${confirmation.thumbprint}.${encodeBase64Url(sel.signature)}`,
          created + c.window,
        ));
      if (replayed)
        return { ...sigFailure('invalid_signature', 'the signature was already used'), token };
      if (await c.revocation.isRevoked(token.iss, token.jti)) {
        const extras = token.kind === 'auth' ? { requirePersonToken: true } : undefined;
        return { ...sigFailure('revoked_jwt', 'the token was revoked', extras), token };
      }
    } catch {
      const headers = { 'retry-after': '1' };
      return {
        ...problemFailure(
          503,
          'temporarily_unavailable',
          'replay or revocation state is unavailable',
          headers,
        ),
        token,
      };
    }
    return {
      ok: true,
      verified: {
        token,
        keyThumbprint: confirmation.thumbprint,
        signature: { label: sel.label, created, expires, coveredComponents: covered.list },
      },
    };
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
