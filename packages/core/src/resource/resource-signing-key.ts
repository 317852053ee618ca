import { exportJWK, generateKeyPair, importPKCS8 } from 'jose';
import { createSignBytes, type ResourceAlgorithm, type SignBytes } from '../internal/sign.js';
import { jwkThumbprint } from '../jwk/jwk-thumbprint.js';

/**
 * One signing key of the resource. `sign` may call out to a KMS or HSM; `publicJwk` is what
 * the JWKS publishes (public members, `kid`, `alg`).
 */
export interface ResourceSigningKey {
  readonly kid: string;
  readonly alg: ResourceAlgorithm;
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly sign: SignBytes;
}

/** Options for loading a resource key. */
export interface LoadResourceKeyOptions {
  /** Key id published in the JWKS. Default: the JWK's `kid`, else its RFC 7638 thumbprint. */
  readonly kid?: string;
  /** Default: the JWK's `alg`, else `Ed25519` for OKP keys and `ES256` for P-256 keys. */
  readonly alg?: ResourceAlgorithm;
}

function inferAlg(jwk: Readonly<Record<string, unknown>>): ResourceAlgorithm | undefined {
  if (jwk.alg === 'Ed25519' || jwk.alg === 'ES256') return jwk.alg;
  if (jwk.alg !== undefined) return undefined;
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'Ed25519';
  if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256';
  return undefined;
}

/** Load the resource's private key from a JWK (with `d`). Throws `TypeError` when unusable. */
export async function loadResourceKey(
  privateJwk: Readonly<Record<string, unknown>>,
  options: LoadResourceKeyOptions = {},
): Promise<ResourceSigningKey> {
  if (typeof privateJwk !== 'object' || privateJwk === null || typeof privateJwk.d !== 'string') {
    throw new TypeError('signing key: expected a private JWK with d');
  }
  const alg = options.alg ?? inferAlg(privateJwk);
  if (alg === undefined) throw new TypeError('signing key: alg must be Ed25519 or ES256');
  const pub: Record<string, unknown> = {
    kty: privateJwk.kty,
    crv: privateJwk.crv,
    x: privateJwk.x,
  };
  if (privateJwk.kty === 'EC') pub.y = privateJwk.y;
  const sign = await createSignBytes(privateJwk, alg);
  const kid =
    options.kid ?? (typeof privateJwk.kid === 'string' ? privateJwk.kid : await jwkThumbprint(pub));
  return Object.freeze({ kid, alg, publicJwk: Object.freeze({ ...pub, kid, alg }), sign });
}

/** Load the resource's private key from a PKCS#8 PEM; `alg` defaults to `Ed25519`. */
export async function loadResourceKeyPem(
  pem: string,
  options: LoadResourceKeyOptions = {},
): Promise<ResourceSigningKey> {
  const alg = options.alg ?? 'Ed25519';
  let jwk: Record<string, unknown>;
  try {
    jwk = (await exportJWK(await importPKCS8(pem, alg, { extractable: true }))) as Record<
      string,
      unknown
    >;
  } catch {
    throw new TypeError(`signing key: not a PKCS#8 PEM ${alg} private key`);
  }
  return loadResourceKey(jwk, { ...options, alg });
}

/** A fresh key for development (never persist it in production code paths). */
export async function generateResourceKey(
  alg: ResourceAlgorithm = 'Ed25519',
): Promise<{ key: ResourceSigningKey; privateJwk: Record<string, unknown> }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = (await exportJWK(privateKey)) as Record<string, unknown>;
  const key = await loadResourceKey(jwk, { alg });
  return { key, privateJwk: { ...jwk, kid: key.kid, alg } };
}
