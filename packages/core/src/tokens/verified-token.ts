import type { TokenKind } from './token-kind.js';

/** A token whose signature, issuer keys and claims all checked out. */
export interface VerifiedToken {
  readonly kind: TokenKind;
  readonly iss: string;
  readonly dwk: string;
  readonly sub: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
  /** Person server: the agent token's hint, the person token's `iss`, the auth token's `ps`. */
  readonly ps: string | undefined;
  readonly aud: string | undefined;
  /** Granted scopes (auth tokens only; person tokens never carry authorization). */
  readonly scope: readonly string[];
  /** The confirmation key the request must be signed with (`cnf.jwk`), unchecked. */
  readonly cnfJwk: unknown;
  /** Every claim, for policy functions. */
  readonly claims: Readonly<Record<string, unknown>>;
}
