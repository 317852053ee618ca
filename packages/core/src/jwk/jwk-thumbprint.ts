import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import { sha256 } from '../internal/crypto.js';

/** The RFC 7638 canonical JSON: required members only, in lexicographic order. */
export function canonicalJwk(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const s = (v: unknown): string | undefined =>
    typeof v === 'string' ? JSON.stringify(v) : undefined;
  const parts: (string | undefined)[] =
    jwk.kty === 'OKP'
      ? [`"crv":${s(jwk.crv)}`, `"kty":"OKP"`, `"x":${s(jwk.x)}`]
      : jwk.kty === 'EC'
        ? [`"crv":${s(jwk.crv)}`, `"kty":"EC"`, `"x":${s(jwk.x)}`, `"y":${s(jwk.y)}`]
        : jwk.kty === 'RSA'
          ? [`"e":${s(jwk.e)}`, `"kty":"RSA"`, `"n":${s(jwk.n)}`]
          : [undefined];
  if (parts.some((p) => p === undefined || p.endsWith(':undefined'))) return undefined;
  return `{${parts.join(',')}}`;
}

/** RFC 7638 JWK thumbprint, SHA-256, base64url (digest §20 A15). */
export async function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): Promise<string> {
  const canonical = canonicalJwk(jwk);
  if (canonical === undefined) throw new TypeError('JWK lacks the members its thumbprint needs');
  return encodeBase64Url(await sha256(utf8Encode(canonical)));
}
