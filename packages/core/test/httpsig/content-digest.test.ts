import { describe, expect, it } from 'vitest';
import { checkContentDigest, computeContentDigest } from '../../src/httpsig/content-digest.js';
import { utf8Encode } from '../../src/internal/base64.js';

// spec-digest §19 (and §4.6) example body and its Content-Digest.
const body = utf8Encode('{"title":"Q3 plan","text":"Draft"}');
const SHA256 = 'sha-256=:8h2jzQvgt/TG1dY3KcHOofELwA5JNUzJlXvYtWe/c5s=:';
const EMPTY_SHA256 = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:';
const EMPTY_SHA512 =
  'sha-512=:z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg==:';
// RFC 9530 Appendix B: sha-256 of {"hello": "world"}; RFC 9421 test-request: its sha-512.
const hello = utf8Encode('{"hello": "world"}');
const HELLO_SHA256 = 'sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:';
const HELLO_SHA512 =
  'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:';

describe('computeContentDigest (RFC 9530)', () => {
  it('computes the sha-256 header value by default', async () => {
    expect(await computeContentDigest(body)).toBe(SHA256);
    expect(await computeContentDigest(hello)).toBe(HELLO_SHA256);
  });

  it('computes sha-512', async () => {
    expect(await computeContentDigest(hello, 'sha-512')).toBe(HELLO_SHA512);
  });

  it('handles an empty body', async () => {
    expect(await computeContentDigest(new Uint8Array(0))).toBe(EMPTY_SHA256);
    expect(await computeContentDigest(new Uint8Array(0), 'sha-512')).toBe(EMPTY_SHA512);
  });

  it('throws for an algorithm it does not implement', async () => {
    await expect(computeContentDigest(body, 'md5' as never)).rejects.toThrow(TypeError);
    await expect(computeContentDigest(body, 'constructor' as never)).rejects.toThrow(TypeError);
  });
});

describe('checkContentDigest (RFC 9530, RFC 9421 §7.2.8)', () => {
  it('matches sha-256 (spec-digest §19 example)', async () => {
    expect(await checkContentDigest(SHA256, body)).toBe('match');
  });

  it('matches sha-512 (RFC 9421 test-request)', async () => {
    expect(await checkContentDigest(HELLO_SHA512, hello)).toBe('match');
  });

  it('matches when both supported entries match, in any order, with parameters', async () => {
    expect(await checkContentDigest(`${HELLO_SHA512}, ${HELLO_SHA256};x=1`, hello)).toBe('match');
  });

  it('matches an empty body', async () => {
    expect(await checkContentDigest(EMPTY_SHA256, new Uint8Array(0))).toBe('match');
    expect(await checkContentDigest(EMPTY_SHA512, new Uint8Array(0))).toBe('match');
  });

  it('reports a mismatch for another body', async () => {
    expect(await checkContentDigest(SHA256, hello)).toBe('mismatch');
    expect(await checkContentDigest(HELLO_SHA512, body)).toBe('mismatch');
    expect(await checkContentDigest(SHA256, new Uint8Array(0))).toBe('mismatch');
  });

  it('reports a mismatch when one entry matches and another does not', async () => {
    expect(await checkContentDigest(`${HELLO_SHA256}, ${EMPTY_SHA512}`, hello)).toBe('mismatch');
    expect(await checkContentDigest(`${EMPTY_SHA256}, ${HELLO_SHA512}`, hello)).toBe('mismatch');
  });

  it('reports a mismatch for a digest of the wrong length', async () => {
    expect(
      await checkContentDigest('sha-256=:8h2jzQvgt/TG1dY3KcHOofELwA5JNUzJlXvYtWe/:', body),
    ).toBe('mismatch');
  });

  it('ignores deprecated and unknown algorithms next to a supported one', async () => {
    expect(await checkContentDigest(`md5=:AAAA:, ${SHA256}, sha3-256=:AAAA:`, body)).toBe('match');
  });

  it('is unsupported with only deprecated or unknown algorithms', async () => {
    // md5 of the body would even be right: deprecated algorithms are never accepted.
    expect(await checkContentDigest('md5=:eDcn/m+tuAQC4rr9BVQIZQ==:', body)).toBe('unsupported');
    expect(
      await checkContentDigest(
        'sha=:AAAA:, unixsum=:AAAA:, unixcksum=:AAAA:, adler=:AAAA:, crc32c=:AAAA:',
        body,
      ),
    ).toBe('unsupported');
    expect(await checkContentDigest('sha3-512=:AAAA:', body)).toBe('unsupported');
    expect(await checkContentDigest('', body)).toBe('unsupported');
  });

  it('is malformed when the field is not a Dictionary', async () => {
    expect(await checkContentDigest('sha-256=8h2jzQvgt', body)).toBe('malformed');
    expect(await checkContentDigest('sha-256=:not base64!:', body)).toBe('malformed');
    expect(await checkContentDigest('SHA-256=:AAAA:', body)).toBe('malformed');
    expect(await checkContentDigest(`${SHA256},`, body)).toBe('malformed');
  });

  it('is malformed when a supported entry is not a Byte Sequence', async () => {
    expect(
      await checkContentDigest('sha-256="8h2jzQvgt/TG1dY3KcHOofELwA5JNUzJlXvYtWe/c5s="', body),
    ).toBe('malformed');
    expect(await checkContentDigest(`sha-512=(:AAAA:), ${SHA256}`, body)).toBe('malformed');
  });
});
