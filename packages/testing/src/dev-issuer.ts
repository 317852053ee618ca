import { SignJWT } from 'jose';
import { type DevKey, generateDevKey } from './agent-key.js';

/** An issuer's signing key and a way to mint its JWTs. */
export interface DevIssuerKeys {
  readonly key: DevKey;
  readonly jwks: { readonly keys: readonly Readonly<Record<string, unknown>>[] };
  /** Sign a JWT with `typ` and these claims (header `alg` = the key's, `kid` = its kid). */
  sign(typ: string, claims: Record<string, unknown>): Promise<string>;
}

/** Keys for one development issuer: `given` when passed (e.g. kept across runs), else fresh. */
export async function createIssuerKeys(
  alg: 'Ed25519' | 'ES256' = 'Ed25519',
  given?: DevKey,
): Promise<DevIssuerKeys> {
  const key = given ?? (await generateDevKey(alg));
  return {
    key,
    jwks: { keys: [{ ...key.publicJwk, kid: key.kid }] },
    sign: (typ, claims) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, typ, kid: key.kid })
        .sign(key.privateKey),
  };
}

let counter = 0;
/** A unique `jti`. */
export function newJti(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
