import { isAgentIdentifier } from '../identifiers/is-agent-identifier.js';
import { isDevServerIdentifier, isServerIdentifier } from '../identifiers/is-server-identifier.js';
import { asciiBytes } from '../internal/base64.js';
import {
  importPublicJwk,
  type PublicKey,
  type SignatureAlgorithm,
  verifyBytes,
} from '../internal/crypto.js';
import { Lru } from '../internal/lru.js';
import { checkSigningJwk, publicJwk } from '../jwk/check-signing-jwk.js';
import type { IssuerKey, IssuerKeyCache } from '../keys/issuer-key-cache.js';
import { problemFailure, sigFailure, type VerifyFailure } from '../verify/verify-failure.js';
import { decodeJwt } from './decode-jwt.js';
import { isDwkFor, KIND_BY_TYP, type TokenKind } from './token-kind.js';
import type { VerifiedToken } from './verified-token.js';

/** Everything the token verifier needs, fixed at construction. */
export interface TokenVerifierConfig {
  readonly resource: string;
  readonly now: () => number;
  readonly dev: boolean;
  readonly keys: IssuerKeyCache;
  /** JWS algorithms accepted from issuers (fully specified only). */
  readonly tokenAlgorithms: ReadonlySet<string>;
  /** Refuse an `iat` further ahead than this many seconds (`clock_skew`); `undefined` = no bound. */
  readonly iatBound: number | undefined;
  /** Trust decision before any fetch: untrusted issuers are never contacted. */
  readonly isTrustedIssuer: (
    kind: TokenKind,
    iss: string,
    claims: Readonly<Record<string, unknown>>,
  ) => boolean | Promise<boolean>;
  /** Verified tokens remembered by their exact string (0 disables). */
  readonly cacheSize: number;
}

export type TokenResult =
  | { readonly ok: true; readonly token: VerifiedToken }
  | { readonly ok: false; readonly failure: VerifyFailure };

interface CachedToken {
  readonly token: VerifiedToken;
  readonly key: IssuerKey;
}

const MAX_PERSON_LIFETIME = 3600;

function invalid(detail: string): { ok: false; failure: VerifyFailure } {
  return sigFailure('invalid_jwt', detail);
}

function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Verifies the JWT carried in `Signature-Key` (AAuth-11 §11.5.2, §5.3.3, §7.1.4, §9.4.3):
 * `typ` first, structure and claims that need no I/O, trust, then issuer discovery and the JWS,
 * then the kind's own claims. The confirmation key is checked by the request verifier.
 */
export class TokenVerifier {
  readonly #c: TokenVerifierConfig;
  readonly #cache: Lru<string, CachedToken> | undefined;

  constructor(config: TokenVerifierConfig) {
    this.#c = config;
    this.#cache = config.cacheSize > 0 ? new Lru(config.cacheSize) : undefined;
  }

  /** Verified tokens currently remembered. */
  get cachedTokens(): number {
    return this.#cache?.size ?? 0;
  }

  async verify(jwt: string): Promise<TokenResult> {
    const now = this.#c.now();
    const cached = this.#cache?.get(jwt);
    if (
      cached &&
      cached.token.exp > now &&
      this.#c.keys.isCurrent(cached.token.iss, cached.token.dwk, cached.key)
    ) {
      if (
        !(await this.#c.isTrustedIssuer(cached.token.kind, cached.token.iss, cached.token.claims))
      ) {
        return problemFailure(403, 'denied', 'the token issuer is not trusted here');
      }
      return { ok: true, token: cached.token };
    }
    const decoded = decodeJwt(jwt);
    if (!decoded) return invalid('the token is not a well-formed JWT');
    const { header, payload } = decoded;
    const kind = typeof header.typ === 'string' ? KIND_BY_TYP[header.typ] : undefined;
    if (!kind) return invalid('the token typ is not an AAuth agent, person or auth token');
    const alg = header.alg;
    if (typeof alg !== 'string' || !this.#c.tokenAlgorithms.has(alg)) {
      return invalid('the token alg is not an accepted fully-specified algorithm');
    }
    if (typeof header.kid !== 'string' || header.kid === '')
      return invalid('the token header has no kid');
    // No AAuth token uses critical extensions; one we do not understand must fail (RFC 7515 §4.1.11).
    if (header.crit !== undefined) return invalid('the token names critical header extensions');
    const validIss = this.#c.dev
      ? isDevServerIdentifier(payload.iss)
      : isServerIdentifier(payload.iss);
    if (!validIss) return invalid('the token iss is not a server identifier');
    const iss = payload.iss as string;
    if (!isDwkFor(kind, payload.dwk)) return invalid('the token dwk does not match its typ');
    const dwk = payload.dwk as string;
    if (!isNumericDate(payload.exp)) return invalid('the token has no exp');
    if (!isNumericDate(payload.iat)) return invalid('the token has no iat');
    if (payload.exp <= now) return sigFailure('expired_jwt', 'the token has expired');
    if (this.#c.iatBound !== undefined && payload.iat - now > this.#c.iatBound) {
      return sigFailure('clock_skew', 'the token iat is in the future', {
        date: new Date(now * 1000),
      });
    }
    // nbf is not an AAuth claim, but a token that says it is not yet valid is not (RFC 7519 §4.1.5).
    if (payload.nbf !== undefined && (!isNumericDate(payload.nbf) || payload.nbf > now)) {
      return invalid('the token is not yet valid (nbf)');
    }
    if (!(await this.#c.isTrustedIssuer(kind, iss, payload))) {
      return problemFailure(403, 'denied', 'the token issuer is not trusted here');
    }

    const lookup = await this.#c.keys.lookup(iss, dwk, header.kid);
    if (!lookup.ok) {
      if (lookup.code === 'unavailable') {
        return problemFailure(
          503,
          'temporarily_unavailable',
          'the token issuer keys could not be fetched',
          {
            'retry-after': String(lookup.retryAfter ?? 60),
          },
        );
      }
      return sigFailure(lookup.code, lookup.detail);
    }
    let key = lookup.key;
    let ok = await this.#checkJws(key, alg, decoded.signingInput, decoded.signature);
    if (ok === 'bad-signature') {
      // The issuer may have rotated material under the same kid: refresh once, retry.
      const fresh = await this.#c.keys.refreshAfterFailure(iss, dwk, key);
      if (fresh) {
        key = fresh;
        ok = await this.#checkJws(key, alg, decoded.signingInput, decoded.signature);
      }
    }
    if (ok !== 'ok')
      return invalid(
        ok === 'bad-key' ? 'the issuer key is unusable' : 'the token signature does not verify',
      );

    const claims = this.#checkClaims(kind, iss, dwk, payload);
    if (!claims.ok) return claims;
    this.#cache?.set(jwt, { token: claims.token, key });
    return claims;
  }

  async #checkJws(
    key: IssuerKey,
    alg: string,
    signingInput: string,
    signature: Uint8Array,
  ): Promise<'ok' | 'bad-key' | 'bad-signature'> {
    // The issuer key's own alg must equal the header alg (digest §20 A30).
    if (key.jwk.alg !== alg) return 'bad-key';
    // A key published for encryption only must not verify signatures.
    const { use, key_ops: ops } = key.jwk;
    if ((use !== undefined && use !== 'sig') || (Array.isArray(ops) && !ops.includes('verify')))
      return 'bad-key';
    if (!checkSigningJwk(key.jwk, this.#c.tokenAlgorithms).ok) return 'bad-key';
    if (!key.imported) {
      key.imported = importPublicJwk(publicJwk(key.jwk), alg as SignatureAlgorithm);
      key.imported.catch(() => undefined);
    }
    let publicKey: PublicKey;
    try {
      publicKey = (await key.imported) as PublicKey;
    } catch {
      return 'bad-key';
    }
    const data = asciiBytes(signingInput); // a JWS signing input is base64url and '.' only
    return (await verifyBytes(publicKey, data, signature)) ? 'ok' : 'bad-signature';
  }

  #checkClaims(
    kind: TokenKind,
    iss: string,
    dwk: string,
    p: Readonly<Record<string, unknown>>,
  ): TokenResult {
    if (typeof p.jti !== 'string' || p.jti === '') return invalid('the token has no jti');
    if (typeof p.sub !== 'string' || p.sub === '') return invalid('the token has no sub');
    const exp = p.exp as number;
    const iat = p.iat as number;
    let ps: string | undefined;
    let aud: string | undefined;
    let scope: readonly string[] = [];
    if (kind === 'agent') {
      if (!isAgentIdentifier(p.sub))
        return invalid('the agent token sub is not an agent identifier');
      if (
        p.ps !== undefined &&
        !isServerIdentifier(p.ps) &&
        !(this.#c.dev && isDevServerIdentifier(p.ps))
      ) {
        return invalid('the agent token ps is not a server identifier');
      }
      if (p.parent_agent !== undefined && !isAgentIdentifier(p.parent_agent)) {
        return invalid('the agent token parent_agent is not an agent identifier');
      }
      ps = p.ps as string | undefined;
    } else {
      // Arrays are refused: aud must name this resource exactly (digest §20 A22).
      if (p.aud !== this.#c.resource) return invalid('the token aud is not this resource');
      aud = p.aud;
      if (exp - iat > MAX_PERSON_LIFETIME) return invalid('the token lifetime exceeds one hour');
      if (kind === 'person') {
        ps = iss;
      } else {
        if (
          typeof p.ps !== 'string' ||
          !(isServerIdentifier(p.ps) || (this.#c.dev && isDevServerIdentifier(p.ps)))
        ) {
          return invalid('the auth token has no valid ps');
        }
        // A PS-issued (three-party) auth token names itself as ps.
        if (dwk === 'aauth-person.json' && p.ps !== iss)
          return invalid('the auth token ps is not its issuer');
        ps = p.ps;
        if (p.scope !== undefined) {
          if (typeof p.scope !== 'string') return invalid('the auth token scope is not a string');
          scope = p.scope.split(' ').filter((s) => s !== '');
        }
      }
    }
    return {
      ok: true,
      token: {
        kind,
        iss,
        dwk,
        sub: p.sub,
        jti: p.jti,
        iat,
        exp,
        ps,
        aud,
        scope,
        cnfJwk: (p.cnf as { jwk?: unknown } | undefined)?.jwk,
        claims: p,
      },
    };
  }
}
