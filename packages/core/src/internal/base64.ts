// Base64 (RFC 4648 §4) and base64url (§5) without Buffer, so core stays runtime-neutral.
// Decoders are strict: one alphabet, exact padding rules and zero pad bits, so every byte
// string has exactly one accepted spelling (no malleable signatures or key material).

const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// char code → 6-bit value, 255 = not in the alphabet.
function decodeTable(alphabet: string): Uint8Array {
  const table = new Uint8Array(128).fill(255);
  for (let i = 0; i < 64; i++) table[alphabet.charCodeAt(i)] = i;
  return table;
}
const STD_TABLE = decodeTable(STD);
const URL_TABLE = decodeTable(URL_SAFE);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  const n = bytes.length;
  const whole = n - (n % 3);
  for (let i = 0; i < whole; i += 3) {
    const v =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      alphabet.charAt(v >>> 18) +
      alphabet.charAt((v >>> 12) & 63) +
      alphabet.charAt((v >>> 6) & 63) +
      alphabet.charAt(v & 63);
  }
  if (n - whole === 1) {
    const v = (bytes[whole] as number) << 16;
    out += alphabet.charAt(v >>> 18) + alphabet.charAt((v >>> 12) & 63) + (pad ? '==' : '');
  } else if (n - whole === 2) {
    const v = ((bytes[whole] as number) << 16) | ((bytes[whole + 1] as number) << 8);
    out +=
      alphabet.charAt(v >>> 18) +
      alphabet.charAt((v >>> 12) & 63) +
      alphabet.charAt((v >>> 6) & 63) +
      (pad ? '=' : '');
  }
  return out;
}

// `dataLen` characters of `input` are alphabet characters (padding already removed).
function decode(input: string, dataLen: number, table: Uint8Array): Uint8Array | undefined {
  const rem = dataLen % 4;
  if (rem === 1) return undefined;
  const out = new Uint8Array(((dataLen - rem) / 4) * 3 + (rem === 0 ? 0 : rem - 1));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < dataLen; i++) {
    const c = input.charCodeAt(i);
    const v = c < 128 ? (table[c] as number) : 255;
    if (v === 255) return undefined;
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  // Leftover bits must be zero: otherwise several spellings would decode to the same bytes.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

// Node's native encoder when the runtime has it (several times faster for JWT-sized input);
// reached without a static `node:*` import. Decoding stays here: it must be strict.
interface NodeBufferCtor {
  from(
    buffer: ArrayBufferLike,
    offset: number,
    length: number,
  ): { toString(encoding: string): string };
  from(text: string, encoding: string): Uint8Array & { toString(encoding: string): string };
}
const NodeBuffer = ((): NodeBufferCtor | undefined => {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process;
    return (proc?.getBuiltinModule?.('node:buffer') as { Buffer?: NodeBufferCtor } | undefined)
      ?.Buffer;
  } catch {
    return undefined;
  }
})();

/** Standard base64 with `=` padding. */
export function encodeBase64(bytes: Uint8Array): string {
  if (NodeBuffer)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return encode(bytes, STD, true);
}

/** Strict standard base64: padded to a multiple of 4, no whitespace; `undefined` when invalid. */
export function decodeBase64(input: string): Uint8Array | undefined {
  const len = input.length;
  if (len % 4 !== 0) return undefined;
  let dataLen = len;
  if (len > 0 && input.charCodeAt(len - 1) === 61) {
    dataLen--;
    if (input.charCodeAt(len - 2) === 61) dataLen--;
  }
  return decode(input, dataLen, STD_TABLE);
}

/** base64url without padding (JOSE). */
export function encodeBase64Url(bytes: Uint8Array): string {
  if (NodeBuffer)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  return encode(bytes, URL_SAFE, false);
}

/** Strict base64url without padding; `undefined` when invalid. */
export function decodeBase64Url(input: string): Uint8Array | undefined {
  if (NodeBuffer && input.length > 64) {
    // Native decoding is lenient; the round trip keeps it strict (one spelling per byte string).
    const bytes = NodeBuffer.from(input, 'base64url');
    if (bytes.toString('base64url') !== input) return undefined;
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  return decode(input, input.length, URL_TABLE);
}

/** base64url of a string's UTF-8 bytes, in one native step where the runtime has one. */
export function encodeBase64UrlText(text: string): string {
  if (NodeBuffer) return NodeBuffer.from(text, 'utf8').toString('base64url');
  return encode(encoder.encode(text), URL_SAFE, false);
}

/** Bytes of an ASCII-only string (e.g. a JWS signing input), natively where possible. */
export function asciiBytes(text: string): Uint8Array {
  return NodeBuffer ? NodeBuffer.from(text, 'latin1') : encoder.encode(text);
}

/** UTF-8 bytes of a string. */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Decode UTF-8; throws `TypeError` on malformed input (never substitutes U+FFFD). */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
