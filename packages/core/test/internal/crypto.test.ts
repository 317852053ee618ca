import { constants, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { utf8Encode } from '../../src/internal/base64.js';
import * as nodeBacked from '../../src/internal/crypto.js';
import { vectors } from '../httpsig/rfc9421-vectors.js';

type CryptoModule = typeof nodeBacked;

// A second instance of the module loaded while process.getBuiltinModule is unavailable, so
// the Web Crypto path runs too.
let webBacked: CryptoModule;
beforeAll(async () => {
  const spy = vi.spyOn(process, 'getBuiltinModule').mockImplementation(() => undefined as never);
  vi.resetModules();
  webBacked = await import('../../src/internal/crypto.js');
  spy.mockRestore();
});
afterAll(() => {
  vi.resetModules();
});

const key = (name: string) => {
  const k = vectors.keys[name];
  if (!k) throw new Error(`no key ${name}`);
  return k;
};
const privateKey = (name: string) =>
  createPrivateKey({ key: key(name).privateJwk as never, format: 'jwk' });

const data = utf8Encode('"@method": GET\n"@signature-params": ("@method");created=1');
const signEd = (name: string) => new Uint8Array(sign(null, data, privateKey(name)));
const signEc = (name: string, hash: string, dsaEncoding: 'ieee-p1363' | 'der') =>
  new Uint8Array(sign(hash, data, { key: privateKey(name), dsaEncoding }));
const signPss = (name: string) =>
  new Uint8Array(
    sign('sha512', data, {
      key: privateKey(name),
      padding: constants.RSA_PKCS1_PSS_PADDING,
      saltLength: 64,
    }),
  );

const flip = (sig: Uint8Array) => {
  const copy = sig.slice();
  copy[5] = (copy[5] as number) ^ 1;
  return copy;
};

describe.each([
  ['node:crypto', () => nodeBacked, 'node'],
  ['Web Crypto', () => webBacked, 'web'],
] as const)('crypto primitives over %s', (_, mod, kind) => {
  it('uses the expected backend', async () => {
    const k = await mod().importPublicJwk(key('test-key-ed25519').publicJwk, 'Ed25519');
    expect(k.handle.kind).toBe(kind);
  });

  describe('Ed25519', () => {
    for (const name of ['agent-ed25519', 'test-key-ed25519']) {
      it(`verifies a signature made with ${name}`, async () => {
        const k = await mod().importPublicJwk(key(name).publicJwk, 'Ed25519');
        const sig = signEd(name);
        expect(await mod().verifyBytes(k, data, sig)).toBe(true);
        expect(await mod().verifyBytes(k, flip(sig), sig)).toBe(false);
        expect(await mod().verifyBytes(k, data, flip(sig))).toBe(false);
      });
    }

    it('returns false, never throws, for malformed signature bytes', async () => {
      const k = await mod().importPublicJwk(key('agent-ed25519').publicJwk, 'Ed25519');
      const sig = signEd('agent-ed25519');
      expect(await mod().verifyBytes(k, data, sig.subarray(0, 63))).toBe(false);
      expect(await mod().verifyBytes(k, data, new Uint8Array(0))).toBe(false);
      expect(await mod().verifyBytes(k, data, new Uint8Array(65))).toBe(false);
    });

    it('does not verify with another key', async () => {
      const k = await mod().importPublicJwk(key('agent-other-ed25519').publicJwk, 'Ed25519');
      expect(await mod().verifyBytes(k, data, signEd('agent-ed25519'))).toBe(false);
    });

    it('imports a private JWK as its public half (alg, kid and key_ops stripped)', async () => {
      const jwk = { ...key('agent-ed25519').privateJwk, key_ops: ['sign'], use: 'sig' };
      const k = await mod().importPublicJwk(jwk, 'Ed25519');
      expect(await mod().verifyBytes(k, data, signEd('agent-ed25519'))).toBe(true);
    });
  });

  describe('ES256 / ES384', () => {
    for (const name of ['agent-es256', 'test-key-ecc-p256']) {
      it(`verifies a raw r‖s signature made with ${name}`, async () => {
        const k = await mod().importPublicJwk(key(name).publicJwk, 'ES256');
        const sig = signEc(name, 'sha256', 'ieee-p1363');
        expect(sig).toHaveLength(64);
        expect(await mod().verifyBytes(k, data, sig)).toBe(true);
        expect(await mod().verifyBytes(k, data, flip(sig))).toBe(false);
      });
    }

    it('rejects the same signature DER-encoded (RFC 9421 §3.3.4, JOSE)', async () => {
      const k = await mod().importPublicJwk(key('agent-es256').publicJwk, 'ES256');
      const der = signEc('agent-es256', 'sha256', 'der');
      expect(der[0]).toBe(0x30);
      expect(await mod().verifyBytes(k, data, der)).toBe(false);
    });

    it('verifies ES384 with agent-es384', async () => {
      const k = await mod().importPublicJwk(key('agent-es384').publicJwk, 'ES384');
      const sig = signEc('agent-es384', 'sha384', 'ieee-p1363');
      expect(sig).toHaveLength(96);
      expect(await mod().verifyBytes(k, data, sig)).toBe(true);
    });
  });

  describe('PS512', () => {
    it('verifies an RSA-PSS SHA-512 signature with a 64-byte salt', async () => {
      const k = await mod().importPublicJwk(key('test-key-rsa-pss').publicJwk, 'PS512');
      const sig = signPss('test-key-rsa-pss');
      expect(await mod().verifyBytes(k, data, sig)).toBe(true);
      expect(await mod().verifyBytes(k, data, flip(sig))).toBe(false);
    });

    it('rejects a modulus shorter than 2048 bits', async () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        format: 'jwk',
      });
      await expect(mod().importPublicJwk(small, 'PS512')).rejects.toThrow(/too short/);
    });
  });

  describe('importPublicJwk rejects unusable key material', () => {
    const ed = () => key('agent-ed25519').publicJwk;
    const ec = () => key('agent-es256').publicJwk;

    it('an algorithm it does not implement', async () => {
      for (const alg of ['EdDSA', 'RS256', 'constructor']) {
        await expect(mod().importPublicJwk(ed(), alg as never)).rejects.toThrow(
          'unsupported algorithm',
        );
      }
    });

    it('kty that does not fit the algorithm', async () => {
      await expect(mod().importPublicJwk(ed(), 'ES256')).rejects.toThrow(/kty/);
      await expect(mod().importPublicJwk(ec(), 'Ed25519')).rejects.toThrow(/kty/);
      await expect(mod().importPublicJwk(ec(), 'PS512')).rejects.toThrow(/kty/);
    });

    it('crv that does not fit the algorithm', async () => {
      await expect(mod().importPublicJwk(ec(), 'ES384')).rejects.toThrow(/crv/);
      await expect(mod().importPublicJwk({ ...ed(), crv: 'Ed448' }, 'Ed25519')).rejects.toThrow(
        /crv/,
      );
    });

    it('an x that is not 32 bytes (vector reject-cnf-unparseable)', async () => {
      const x = 'BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBw';
      await expect(
        mod().importPublicJwk({ kty: 'OKP', crv: 'Ed25519', x }, 'Ed25519'),
      ).rejects.toThrow(/"x"/);
    });

    it('a coordinate that is not strict base64url', async () => {
      const x = `${String(ed().x).slice(0, 42)}+`;
      await expect(mod().importPublicJwk({ ...ed(), x }, 'Ed25519')).rejects.toThrow(/"x"/);
    });

    it('a missing or non-string member', async () => {
      const { y: _, ...noY } = ec();
      await expect(mod().importPublicJwk(noY, 'ES256')).rejects.toThrow(/"y"/);
      await expect(mod().importPublicJwk({ ...ed(), x: 1 }, 'Ed25519')).rejects.toThrow(/"x"/);
    });

    it('a point that is not on the curve', async () => {
      const x = 'AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE';
      const y = 'AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI';
      await expect(
        mod().importPublicJwk({ kty: 'EC', crv: 'P-256', x, y }, 'ES256'),
      ).rejects.toThrow();
    });
  });

  it('hashes with SHA-256 and SHA-512 (FIPS 180-2 "abc")', async () => {
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const abc = utf8Encode('abc');
    const h256 = await mod().sha256(abc);
    expect(h256.constructor).toBe(Uint8Array);
    expect(hex(h256)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(await mod().sha512(abc))).toBe(
      'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a' +
        '2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    );
  });
});

describe('randomBytes', () => {
  it('returns n fresh bytes, also beyond the 64 KiB getRandomValues limit', () => {
    expect(nodeBacked.randomBytes(0)).toHaveLength(0);
    const a = nodeBacked.randomBytes(32);
    expect(a).toHaveLength(32);
    expect(a).not.toEqual(nodeBacked.randomBytes(32));
    const big = nodeBacked.randomBytes(70000);
    expect(big).toHaveLength(70000);
    expect(big.subarray(65536).some((b) => b !== 0)).toBe(true);
  });
});
