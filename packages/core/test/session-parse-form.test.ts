import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseForm } from '../src/session/parse-form.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const plain = (r: Record<string, string>) => ({ ...r });

describe('parseForm', () => {
  it('reads the consent form', () => {
    expect(
      plain(
        parseForm(
          enc(
            'code=ABCDE-FGHJK&nonce=abc_123&callback=https%3A%2F%2Fps.example%2Fcb%3Fa%3D1&decision=approve',
          ),
        ),
      ),
    ).toEqual({
      code: 'ABCDE-FGHJK',
      nonce: 'abc_123',
      callback: 'https://ps.example/cb?a=1',
      decision: 'approve',
    });
  });

  it('decodes + as space and UTF-8 escapes', () => {
    expect(plain(parseForm(enc('a=x+y%2Bz&b=%C3%A9%E2%82%AC&c=%20')))).toEqual({
      a: 'x y+z',
      b: 'é€',
      c: ' ',
    });
  });

  it('agrees with URLSearchParams on ordinary input', () => {
    const fields = {
      code: 'A1B2C-3D4E5',
      nonce: 'n/+=?&',
      callback: 'https://x.example/?q=1&r=é ü',
    };
    const wire = new URLSearchParams(fields).toString();
    expect(plain(parseForm(enc(wire)))).toEqual(fields);
  });

  it('gives a field without = an empty value and skips empty pairs', () => {
    expect(plain(parseForm(enc('a&&b=1&')))).toEqual({ a: '', b: '1' });
    expect(plain(parseForm(enc('a=')))).toEqual({ a: '' });
    expect(plain(parseForm(enc('a=b=c')))).toEqual({ a: 'b=c' });
  });

  it('is empty for no body or an empty body', () => {
    expect(plain(parseForm(undefined))).toEqual({});
    expect(plain(parseForm(new Uint8Array(0)))).toEqual({});
  });

  it('has no prototype, so __proto__ and constructor are plain fields', () => {
    const r = parseForm(enc('__proto__=x&constructor=y&toString=z'));
    expect(Object.getPrototypeOf(r)).toBeNull();
    expect(Object.entries(r)).toEqual([
      ['__proto__', 'x'],
      ['constructor', 'y'],
      ['toString', 'z'],
    ]);
    expect(parseForm(enc('a=1')).toString).toBeUndefined();
  });

  it.each([
    ['a repeated name', 'decision=deny&decision=approve'],
    ['a repeated name spelled differently', 'decision=deny&decisio%6E=approve'],
    ['an empty name', '=x&a=1'],
    ['a malformed escape', 'a=%zz'],
    ['a truncated escape', 'a=%E'],
    ['an escape that is not UTF-8', 'a=%FF'],
    ['a lone surrogate escape', 'a=%ED%A0%80'],
  ])('is empty for %s', (_label, body) => {
    expect(plain(parseForm(enc(body)))).toEqual({});
  });

  it('is empty for raw bytes that are not UTF-8', () => {
    expect(plain(parseForm(Uint8Array.of(0x61, 0x3d, 0xff)))).toEqual({});
  });

  it('allows 20 fields and refuses 21', () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i}=${i}`).join('&');
    expect(Object.keys(parseForm(enc(fields(20))))).toHaveLength(20);
    expect(plain(parseForm(enc(fields(21))))).toEqual({});
  });

  it('allows 16 KiB and refuses one byte more', () => {
    const at = `a=${'x'.repeat(16 * 1024 - 2)}`;
    expect(parseForm(enc(at)).a).toHaveLength(16 * 1024 - 2);
    expect(plain(parseForm(enc(`${at}x`)))).toEqual({});
  });

  it('refuses non-bytes from an untyped caller', () => {
    expect(plain(parseForm('a=1' as unknown as Uint8Array))).toEqual({});
  });

  test.prop([fc.uint8Array({ maxLength: 300 })])('never throws on arbitrary bytes', (bytes) => {
    const r = parseForm(bytes);
    expect(Object.keys(r).length).toBeLessThanOrEqual(20);
  });

  test.prop([
    // Grapheme units keep strings well-formed UTF-16 (a lone surrogate has no UTF-8 form).
    fc.dictionary(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      { maxKeys: 20 },
    ),
  ])('round-trips whatever URLSearchParams writes', (fields) => {
    const wire = new URLSearchParams(fields).toString();
    expect(plain(parseForm(enc(wire)))).toEqual({ ...fields });
  });
});
