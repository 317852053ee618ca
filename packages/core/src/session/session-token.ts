// Session tokens for resource-managed access (AAuth-11 §6.3): opaque to the agent, so the
// resource seals its own state with AES-256-GCM and needs no server-side lookup to read it.
// Sealing binds the establishing key's thumbprint; the caller still compares it with the key
// that signed the request, since a session token must never work as a bearer token.
import { decodeBase64Url, encodeBase64Url, utf8Decode, utf8Encode } from '../internal/base64.js';

/** What a session token carries. */
export interface SessionPayload {
  /** JWK thumbprint (RFC 7638) of the key that established the session. */
  readonly jkt: string;
  /** Agent identifier (`sub` of the agent token). */
  readonly agent: string;
  /** Issuer of the agent token. */
  readonly agentIssuer: string;
  /** The resource's own user id. */
  readonly user: string;
  /** Issued at, unix seconds. */
  readonly iat: number;
  /** Expires at, unix seconds. */
  readonly exp: number;
  /** Session id, so a resource can revoke or rotate one session. */
  readonly sid: string;
}

/** Seals and opens session tokens with one secret. */
export interface SessionSealer {
  /** A token68 (base64url) for `AAuth-Access`. Rejects with `TypeError` for a malformed payload. */
  seal(payload: SessionPayload): Promise<string>;
  /**
   * The payload, or `undefined` for anything unusable: not base64url, too long, unknown
   * version, tampered, sealed with another secret, malformed payload or expired. Never rejects.
   */
  open(token: string): Promise<SessionPayload | undefined>;
}

/** Options for `createSessionSealer`. */
export interface SessionSealerOptions {
  /** Clock in unix seconds, for the expiry check in `open`. Default `Date.now() / 1000`. */
  readonly now?: () => number;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES;
const MIN_SECRET_BYTES = 32;
/** Longest token `open` reads; `seal` refuses payloads that would exceed it. */
const MAX_SESSION_TOKEN_LENGTH = 4096;

const HKDF_INFO = utf8Encode('aauth-gate session v1');
const STRING_FIELDS = ['jkt', 'agent', 'agentIssuer', 'user', 'sid'] as const;

// Web Crypto's BufferSource wants an ArrayBuffer-backed view.
function view(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

function secretBytes(secret: unknown): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (secret instanceof Uint8Array) bytes = secret;
  else if (typeof secret === 'string') {
    bytes = decodeBase64Url(secret);
    if (!bytes) throw new TypeError('session secret string must be unpadded base64url');
  } else {
    throw new TypeError('session secret must be a Uint8Array or a base64url string');
  }
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new RangeError(`session secret must hold at least ${MIN_SECRET_BYTES} random bytes`);
  }
  // A private copy: a caller reusing its buffer must not change the key afterwards.
  return Uint8Array.from(bytes);
}

function isPayload(value: unknown): value is SessionPayload {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  for (const f of STRING_FIELDS) {
    if (typeof v[f] !== 'string' || v[f] === '') return false;
  }
  return (
    Number.isSafeInteger(v.iat) &&
    Number.isSafeInteger(v.exp) &&
    (v.iat as number) <= (v.exp as number)
  );
}

// Only the known members, in a fixed order, so nothing extra is sealed or handed back.
function pick(p: SessionPayload): SessionPayload {
  return {
    jkt: p.jkt,
    agent: p.agent,
    agentIssuer: p.agentIssuer,
    user: p.user,
    iat: p.iat,
    exp: p.exp,
    sid: p.sid,
  };
}

/**
 * Session token sealer. `secret` is at least 32 random bytes, as bytes or unpadded base64url;
 * the AES-256-GCM key is derived from it with HKDF-SHA-256 (info `aauth-gate session v1`),
 * so the secret itself never keys the cipher. Throws `TypeError`/`RangeError` for a bad secret.
 *
 * Token: base64url(version `0x01` ‖ 12-byte random IV ‖ ciphertext ‖ 16-byte tag), the
 * version byte being the additional authenticated data.
 */
export function createSessionSealer(
  secret: Uint8Array | string,
  options: SessionSealerOptions = {},
): SessionSealer {
  const ikm = secretBytes(secret);
  const now = options.now ?? (() => Date.now() / 1000);
  if (typeof now !== 'function') throw new TypeError('now must be a function');
  const aad = new Uint8Array([VERSION]);

  // Derived on first use: a factory cannot await, and a rejection here must surface per call.
  let keyPromise: Promise<CryptoKey> | undefined;
  const key = (): Promise<CryptoKey> => {
    keyPromise ??= (async () => {
      const subtle = globalThis.crypto.subtle;
      const base = await subtle.importKey('raw', view(ikm), 'HKDF', false, ['deriveKey']);
      return subtle.deriveKey(
        { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: view(HKDF_INFO) },
        base,
        { name: 'AES-GCM', length: 256 },
        false,
        ['encrypt', 'decrypt'],
      );
    })();
    return keyPromise;
  };

  return {
    async seal(payload) {
      if (!isPayload(payload)) {
        throw new TypeError(
          'session payload needs non-empty jkt, agent, agentIssuer, user, sid and integer iat <= exp',
        );
      }
      const plain = utf8Encode(JSON.stringify(pick(payload)));
      const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
      const sealed = new Uint8Array(
        await globalThis.crypto.subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData: aad, tagLength: TAG_BYTES * 8 },
          await key(),
          view(plain),
        ),
      );
      const bytes = new Uint8Array(HEADER_BYTES + sealed.length);
      bytes[0] = VERSION;
      bytes.set(iv, 1);
      bytes.set(sealed, HEADER_BYTES);
      const token = encodeBase64Url(bytes);
      if (token.length > MAX_SESSION_TOKEN_LENGTH) {
        throw new RangeError(`session token would exceed ${MAX_SESSION_TOKEN_LENGTH} characters`);
      }
      return token;
    },

    async open(token) {
      if (typeof token !== 'string' || token.length > MAX_SESSION_TOKEN_LENGTH) return undefined;
      const bytes = decodeBase64Url(token);
      if (!bytes || bytes.length < HEADER_BYTES + TAG_BYTES || bytes[0] !== VERSION) {
        return undefined;
      }
      let payload: unknown;
      try {
        const plain = await globalThis.crypto.subtle.decrypt(
          {
            name: 'AES-GCM',
            iv: view(bytes.subarray(1, HEADER_BYTES)),
            additionalData: aad,
            tagLength: TAG_BYTES * 8,
          },
          await key(),
          view(bytes.subarray(HEADER_BYTES)),
        );
        payload = JSON.parse(utf8Decode(new Uint8Array(plain)));
      } catch {
        return undefined;
      }
      if (!isPayload(payload)) return undefined;
      const t = now();
      if (!(payload.exp > t)) return undefined;
      return pick(payload);
    },
  };
}
