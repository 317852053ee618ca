import { parseDictionary } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { buildSignatureBase } from '../../src/httpsig/signature-base.js';
import { decodeBase64, utf8Encode } from '../../src/internal/base64.js';
import { importPublicJwk, verifyBytes } from '../../src/internal/crypto.js';
import { fieldValue } from '../../src/request/header-fields.js';
import { contextOf, group, memberOf, type VerifyCase, vectors } from './rfc9421-vectors.js';

const cases = group<VerifyCase>('rfc9421-verify');

// RFC 9421 §3.2 for one label: base from the request, signature from the Signature field.
async function verifyCase(c: VerifyCase): Promise<{ verified: boolean; base: string }> {
  const jwk = vectors.keys[c.key]?.publicJwk;
  if (!jwk) throw new Error(`no key ${c.key}`);
  const key = await importPublicJwk(jwk, c.algorithm.jose);
  if (c.entryPoint === 'rfc9421-base-only') {
    const signature = decodeBase64(c.signature as string);
    if (!signature) throw new Error('bad signature encoding');
    const base = c.signatureBase as string;
    return { verified: await verifyBytes(key, utf8Encode(base), signature), base };
  }
  const request = c.request;
  const label = c.label as string;
  if (!request) throw new Error('no request');
  const ctx = contextOf(request);
  const input = fieldValue(ctx.fields, 'signature-input') as string;
  const result = buildSignatureBase(ctx, memberOf(input, label));
  if (!result.ok) throw new Error(result.reason);
  const member = parseDictionary(fieldValue(ctx.fields, 'signature') as string).get(label);
  const sig = member?.[0];
  if (!(sig instanceof ArrayBuffer)) throw new Error('Signature member is not a Byte Sequence');
  const verified = await verifyBytes(key, utf8Encode(result.base), new Uint8Array(sig));
  return { verified, base: result.base };
}

describe('rfc9421-verify vectors (RFC 9421 §3.2, Appendix B.2)', () => {
  it('has every case of the group, including the optional RSA-PSS ones', () => {
    expect(cases).toHaveLength(10);
    expect(cases.filter((c) => c.algorithm.jose === 'PS512')).toHaveLength(3);
  });

  for (const c of cases) {
    it(`${c.id}: ${c.title}`, async () => {
      const { verified, base } = await verifyCase(c);
      if (c.expected.signatureBase !== undefined) expect(base).toBe(c.expected.signatureBase);
      expect(verified).toBe(c.expected.verified);
    });
  }
});
