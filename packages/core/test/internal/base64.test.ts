import { describe, expect, it } from 'vitest';
import {
  decodeBase64,
  decodeBase64Url,
  encodeBase64,
  encodeBase64Url,
  utf8Decode,
  utf8Encode,
} from '../../src/internal/base64.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('base64 (RFC 4648 §4)', () => {
  it.each([
    ['', ''],
    ['f', 'Zg=='],
    ['fo', 'Zm8='],
    ['foo', 'Zm9v'],
    ['foob', 'Zm9vYg=='],
    ['fooba', 'Zm9vYmE='],
    ['foobar', 'Zm9vYmFy'],
  ])('RFC 4648 §10 vector %j ↔ %j', (text, b64) => {
    expect(encodeBase64(utf8Encode(text))).toBe(b64);
    expect(decodeBase64(b64)).toEqual(utf8Encode(text));
  });

  it('uses + and / and round-trips every byte value', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(encodeBase64(bytes(0xfb, 0xff))).toBe('+/8=');
    expect(decodeBase64(encodeBase64(all))).toEqual(all);
  });

  it.each([
    ['missing padding', 'Zg'],
    ['too much padding', 'Zg==='],
    ['padding inside', 'Zg==Zm8='],
    ['base64url alphabet', '-_8='],
    ['whitespace', 'Zm9v Yg=='],
    ['non-zero pad bits', 'Zh=='],
    ['non-ASCII', 'Zm9\u00e9'],
    ['only padding', '===='],
    ['one char group', 'Z==='],
  ])('rejects %s', (_, input) => {
    expect(decodeBase64(input)).toBeUndefined();
  });
});

describe('base64url (RFC 4648 §5)', () => {
  it('encodes without padding using - and _', () => {
    expect(encodeBase64Url(bytes(0xfb, 0xff))).toBe('-_8');
    expect(encodeBase64Url(utf8Encode('f'))).toBe('Zg');
    expect(decodeBase64Url('-_8')).toEqual(bytes(0xfb, 0xff));
    expect(decodeBase64Url('')).toEqual(bytes());
  });

  it.each([
    ['padding', 'Zg=='],
    ['standard alphabet', '+/8'],
    ['impossible length', 'Zm9vY'],
    ['non-zero pad bits', 'Zh'],
  ])('rejects %s', (_, input) => {
    expect(decodeBase64Url(input)).toBeUndefined();
  });
});

describe('utf8', () => {
  it('round-trips text', () => {
    expect(utf8Decode(utf8Encode('façade ✓'))).toBe('façade ✓');
  });

  it('throws on malformed UTF-8 instead of substituting U+FFFD', () => {
    expect(() => utf8Decode(bytes(0xff))).toThrow(TypeError);
  });
});
