import type { TokenKind } from '../tokens/token-kind.js';

/** What the verified signature covered. */
export interface SignatureInfo {
  readonly label: string;
  readonly created: number;
  readonly expires: number | undefined;
  /** Component identifiers in signed order (plain names when unparameterised). */
  readonly coveredComponents: readonly string[];
}

/**
 * The verified caller: the token it presented and the signature that bound it.
 * Identity is `(iss, sub)` of the token; for person and auth tokens the person is keyed by
 * `(ps, sub)` (digest §20 A5). Only agent tokens reveal the agent identifier.
 */
export interface AAuthPrincipal {
  readonly tokenType: TokenKind;
  readonly iss: string;
  readonly sub: string;
  readonly jti: string;
  /** Agent tokens: the `ps` hint; person tokens: their `iss`; auth tokens: their `ps`. */
  readonly ps: string | undefined;
  readonly aud: string | undefined;
  /** Granted scopes (auth tokens); empty otherwise. */
  readonly scope: readonly string[];
  readonly missionS256: string | undefined;
  readonly tenant: string | undefined;
  readonly account: string | undefined;
  /** Set for agent tokens: the agent identifier and its provider. */
  readonly agent:
    | { readonly iss: string; readonly sub: string; readonly parentAgent: string | undefined }
    | undefined;
  /** Set for person and auth tokens: the person, keyed by `(ps, sub)`. */
  readonly person: { readonly iss: string; readonly sub: string } | undefined;
  /** RFC 7638 SHA-256 thumbprint of the signing key (`cnf.jwk`). */
  readonly keyThumbprint: string;
  readonly signature: SignatureInfo;
  /**
   * Resource-managed access (AAuth-11 §6.3): the session this resource issued to this key, when
   * the request carried a valid `Authorization: AAuth` session token.
   */
  readonly session?: { readonly user: string; readonly id: string; readonly expiresAt: number };
  /** Every claim of the presented token, for application policy. */
  readonly claims: Readonly<Record<string, unknown>>;
}
