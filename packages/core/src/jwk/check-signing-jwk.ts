import { decodeBase64Url } from '../internal/base64.js';
import type { SignatureAlgorithm } from '../internal/crypto.js';

/** The key shape each fully-specified algorithm demands (digest §4.5). */
const KEY_SHAPE: Readonly<Record<string, { kty: string; crv?: string; size?: number }>> = {
  Ed25519: { kty: 'OKP', crv: 'Ed25519', size: 32 },
  ES256: { kty: 'EC', crv: 'P-256', size: 32 },
  ES384: { kty: 'EC', crv: 'P-384', size: 48 },
  PS512: { kty: 'RSA' },
};

/** Outcome of checking a JWK that will verify a signature. */
export type SigningJwkCheck =
  | { readonly ok: true; readonly alg: SignatureAlgorithm }
  | {
      readonly ok: false;
      readonly code: 'unsupported_algorithm' | 'invalid_key';
      readonly detail: string;
    };

function fail(code: 'unsupported_algorithm' | 'invalid_key', detail: string): SigningJwkCheck {
  return { ok: false, code, detail };
}

/**
 * The algorithm comes from the key's own `alg` (AAuth-11 §11.3.4 step 6): absent, polymorphic,
 * symmetric or not accepted → `unsupported_algorithm`; `kty`/`crv` disagreeing with it, or
 * structurally incomplete or unparseable key material → `invalid_key` (§9.4.3.2).
 */
export function checkSigningJwk(jwk: unknown, accepted: ReadonlySet<string>): SigningJwkCheck {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    return fail('invalid_key', 'the key is not a JWK object');
  }
  const k = jwk as Record<string, unknown>;
  if (typeof k.kty !== 'string') return fail('invalid_key', 'the key has no kty');
  const alg = k.alg;
  if (typeof alg !== 'string') return fail('unsupported_algorithm', 'the key carries no alg');
  const shape = KEY_SHAPE[alg];
  if (!accepted.has(alg) || shape === undefined) {
    return fail(
      'unsupported_algorithm',
      `algorithm ${JSON.stringify(alg).slice(0, 40)} is not accepted`,
    );
  }
  if (k.kty !== shape.kty || (shape.crv !== undefined && k.crv !== shape.crv)) {
    return fail('invalid_key', `the key type does not match ${alg}`);
  }
  const members = shape.kty === 'OKP' ? ['x'] : shape.kty === 'EC' ? ['x', 'y'] : ['n', 'e'];
  for (const m of members) {
    const v = k[m];
    if (typeof v !== 'string')
      return fail('invalid_key', `the key is structurally incomplete (${m})`);
    const bytes = decodeBase64Url(v);
    if (bytes === undefined || (shape.size !== undefined && bytes.length !== shape.size)) {
      return fail('invalid_key', `the key member ${m} is not valid key material`);
    }
  }
  return { ok: true, alg: alg as SignatureAlgorithm };
}

/** Public members only, for import and for publishing. */
export function publicJwk(jwk: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { kty: jwk.kty };
  for (const m of ['crv', 'x', 'y', 'n', 'e'] as const) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out;
}
