// Signature verification and hashing over Web Crypto, with Node's synchronous crypto used
// when the runtime has it (several times faster per request than the async subtle API).
// Node is reached through process.getBuiltinModule so core keeps no `node:*` import.
import { decodeBase64Url } from './base64.js';

/** Fully specified JOSE algorithm identifiers this module verifies. */
export type SignatureAlgorithm = 'Ed25519' | 'ES256' | 'ES384' | 'PS512';

/** An imported public key bound to one algorithm. The handle is opaque outside this module. */
export interface PublicKey {
  readonly alg: SignatureAlgorithm;
  readonly handle: KeyHandle;
}

/** Node `KeyObject` or Web Crypto `CryptoKey`, tagged so `verifyBytes` needs no probing. */
export type KeyHandle =
  | { readonly kind: 'node'; readonly key: NodeKeyObject }
  | { readonly kind: 'web'; readonly key: CryptoKey };

// The slice of node:crypto used here; typed locally because core has no Node types.
interface NodeKeyObject {
  readonly type: string;
}
interface NodeVerifyKey {
  key: NodeKeyObject;
  dsaEncoding?: 'ieee-p1363';
  padding?: number;
  saltLength?: number;
}
interface NodeHash {
  update(data: Uint8Array): NodeHash;
  digest(): Uint8Array;
}
interface NodeCrypto {
  createPublicKey(input: { key: Record<string, string>; format: 'jwk' }): NodeKeyObject;
  verify(alg: string | null, data: Uint8Array, key: NodeVerifyKey, signature: Uint8Array): boolean;
  createHash(alg: string): NodeHash;
  readonly constants: { readonly RSA_PKCS1_PSS_PADDING: number };
}

function loadNodeCrypto(): NodeCrypto | undefined {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    return mod && typeof mod.verify === 'function' ? mod : undefined;
  } catch {
    return undefined;
  }
}
const nodeCrypto = loadNodeCrypto();

interface AlgProfile {
  readonly kty: 'OKP' | 'EC' | 'RSA';
  readonly crv?: string;
  // Coordinate length in bytes for OKP/EC keys (checked before import: some importers are lenient).
  readonly size?: number;
  readonly nodeHash: string | null;
  readonly importParams: AlgorithmIdentifier | EcKeyImportParams | RsaHashedImportParams;
  readonly verifyParams: AlgorithmIdentifier | EcdsaParams | RsaPssParams;
}

const PROFILES: Readonly<Record<SignatureAlgorithm, AlgProfile>> = {
  Ed25519: {
    kty: 'OKP',
    crv: 'Ed25519',
    size: 32,
    nodeHash: null,
    importParams: { name: 'Ed25519' },
    verifyParams: { name: 'Ed25519' },
  },
  ES256: {
    kty: 'EC',
    crv: 'P-256',
    size: 32,
    nodeHash: 'sha256',
    importParams: { name: 'ECDSA', namedCurve: 'P-256' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-256' },
  },
  ES384: {
    kty: 'EC',
    crv: 'P-384',
    size: 48,
    nodeHash: 'sha384',
    importParams: { name: 'ECDSA', namedCurve: 'P-384' },
    verifyParams: { name: 'ECDSA', hash: 'SHA-384' },
  },
  PS512: {
    kty: 'RSA',
    nodeHash: 'sha512',
    importParams: { name: 'RSA-PSS', hash: 'SHA-512' },
    verifyParams: { name: 'RSA-PSS', saltLength: 64 },
  },
};

// RSA below 2048 bits is not acceptable for signatures (RFC 7518 §3.3, §3.5).
const MIN_RSA_MODULUS_BYTES = 256;

function member(jwk: Record<string, unknown>, name: string): string {
  const v = jwk[name];
  if (typeof v !== 'string') throw new TypeError(`JWK member "${name}" must be a string`);
  return v;
}

function coordinate(jwk: Record<string, unknown>, name: string, size: number): string {
  const v = member(jwk, name);
  if (decodeBase64Url(v)?.length !== size) {
    throw new TypeError(`JWK member "${name}" is not ${size} base64url-encoded bytes`);
  }
  return v;
}

// Only the public members, so private JWKs, `alg`, `kid`, `use` or `key_ops` never reach the
// importer (Web Crypto rejects `key_ops: ["sign"]` for a verify key, Node would import `d`).
function publicMembers(jwk: Record<string, unknown>, p: AlgProfile): Record<string, string> {
  if (jwk.kty !== p.kty) throw new TypeError(`JWK kty does not match the algorithm`);
  if (p.kty === 'RSA') {
    const n = member(jwk, 'n');
    const e = member(jwk, 'e');
    const nBytes = decodeBase64Url(n);
    if (!nBytes || nBytes.length < MIN_RSA_MODULUS_BYTES || !decodeBase64Url(e)) {
      throw new TypeError('JWK RSA modulus or exponent is invalid or too short');
    }
    return { kty: 'RSA', n, e };
  }
  const crv = p.crv as string;
  if (jwk.crv !== crv) throw new TypeError('JWK crv does not match the algorithm');
  const size = p.size as number;
  const x = coordinate(jwk, 'x', size);
  if (p.kty === 'OKP') return { kty: 'OKP', crv, x };
  return { kty: 'EC', crv, x, y: coordinate(jwk, 'y', size) };
}

/**
 * Import a public JWK for one algorithm. Rejects (TypeError or the importer's error) when
 * `kty`/`crv` do not fit `alg` or the key material is unusable.
 */
export async function importPublicJwk(
  jwk: Record<string, unknown>,
  alg: SignatureAlgorithm,
): Promise<PublicKey> {
  // Own properties only: an untyped caller's `alg` must not reach Object.prototype.
  if (!Object.hasOwn(PROFILES, alg)) throw new TypeError('unsupported algorithm');
  const p = PROFILES[alg];
  const pub = publicMembers(jwk, p);
  if (nodeCrypto) {
    return {
      alg,
      handle: { kind: 'node', key: nodeCrypto.createPublicKey({ key: pub, format: 'jwk' }) },
    };
  }
  const key = await globalThis.crypto.subtle.importKey('jwk', pub, p.importParams, false, [
    'verify',
  ]);
  return { alg, handle: { kind: 'web', key } };
}

// Web Crypto's BufferSource wants an ArrayBuffer-backed view.
function view(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** Verify `signature` over `data`. Resolves `false` (never rejects) for malformed signatures. */
export async function verifyBytes(
  key: PublicKey,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const p = PROFILES[key.alg];
  const h = key.handle;
  try {
    if (h.kind === 'node') {
      const nc = nodeCrypto as NodeCrypto;
      // ECDSA: raw r‖s as JOSE and RFC 9421 require; a DER signature must not verify.
      const opts: NodeVerifyKey =
        p.kty === 'EC'
          ? { key: h.key, dsaEncoding: 'ieee-p1363' }
          : p.kty === 'RSA'
            ? { key: h.key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }
            : { key: h.key };
      return nc.verify(p.nodeHash, data, opts, signature);
    }
    return await globalThis.crypto.subtle.verify(
      p.verifyParams,
      h.key,
      view(signature),
      view(data),
    );
  } catch {
    return false;
  }
}

// A fresh Uint8Array view, so callers never see Node's Buffer type.
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function digest(nodeName: string, webName: string, data: Uint8Array): Promise<Uint8Array> {
  if (nodeCrypto) return plain(nodeCrypto.createHash(nodeName).update(data).digest());
  return new Uint8Array(await globalThis.crypto.subtle.digest(webName, view(data)));
}

/** SHA-256 of `data`. */
export function sha256(data: Uint8Array): Promise<Uint8Array> {
  return digest('sha256', 'SHA-256', data);
}

/** SHA-512 of `data`. */
export function sha512(data: Uint8Array): Promise<Uint8Array> {
  return digest('sha512', 'SHA-512', data);
}

// getRandomValues fills at most 65536 bytes per call.
const RANDOM_CHUNK = 65536;

/** `n` cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += RANDOM_CHUNK) {
    globalThis.crypto.getRandomValues(out.subarray(i, Math.min(n, i + RANDOM_CHUNK)));
  }
  return out;
}
