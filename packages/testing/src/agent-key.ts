import { jwkThumbprint } from '@aauth-gate/core';
import { type CryptoKey, exportJWK, generateKeyPair, importJWK } from 'jose';

/** An agent's (or issuer's) key pair with its public JWK carrying `alg`. */
export interface DevKey {
  readonly alg: 'Ed25519' | 'ES256';
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Readonly<Record<string, unknown>>;
  readonly privateJwk: Readonly<Record<string, unknown>>;
  /** RFC 7638 SHA-256 thumbprint. */
  readonly thumbprint: string;
}

/** Generate a fresh Ed25519 (default) or ES256 key. */
export async function generateDevKey(
  alg: 'Ed25519' | 'ES256' = 'Ed25519',
  kid?: string,
): Promise<DevKey> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return importDevKey((await exportJWK(privateKey)) as Record<string, unknown>, alg, kid);
}

/** Wrap an existing private JWK (e.g. from a file) as a `DevKey`. */
export async function importDevKey(
  privateJwk: Record<string, unknown>,
  alg: 'Ed25519' | 'ES256',
  kid?: string,
): Promise<DevKey> {
  const pub: Record<string, unknown> = {
    kty: privateJwk.kty,
    crv: privateJwk.crv,
    x: privateJwk.x,
  };
  if (privateJwk.kty === 'EC') pub.y = privateJwk.y;
  const thumbprint = await jwkThumbprint(pub);
  const id = kid ?? (typeof privateJwk.kid === 'string' ? privateJwk.kid : thumbprint.slice(0, 16));
  const privateKey = (await importJWK({ ...privateJwk, alg }, alg)) as CryptoKey;
  return {
    alg,
    kid: id,
    privateKey,
    publicJwk: Object.freeze({ ...pub, alg }),
    privateJwk: Object.freeze({ ...privateJwk, kid: id, alg }),
    thumbprint,
  };
}
