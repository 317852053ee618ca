import { fc, test } from '@fast-check/vitest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  formatInteractionCode,
  newInteractionCode,
  normalizeInteractionCode,
} from '../src/session/interaction-code.ts';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('newInteractionCode', () => {
  it('is ten Crockford symbols shown as XXXXX-XXXXX', () => {
    for (let i = 0; i < 200; i++) {
      expect(newInteractionCode()).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    }
  });

  it('never emits I, L, O or U', () => {
    const all = Array.from({ length: 500 }, newInteractionCode).join('');
    expect(all).not.toMatch(/[ILOU]/);
  });

  it('draws 10 bytes from crypto.getRandomValues and uses the low 5 bits of each', () => {
    const spy = vi
      .spyOn(globalThis.crypto, 'getRandomValues')
      .mockImplementation(<T extends ArrayBufferView | null>(array: T): T => {
        const a = array as unknown as Uint8Array;
        for (let i = 0; i < a.length; i++) a[i] = [0, 31, 32, 255, 1, 10, 18, 20, 27, 224][i] ?? 0;
        return array;
      });
    // 0→0, 31→Z, 32→0, 255→Z, 1→1, 10→A, 18→J, 20→M, 27→V, 224→0
    expect(newInteractionCode()).toBe('0Z0Z1-AJMV0');
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]).toEqual([
      new Uint8Array(10)
        .fill(0)
        .map((_, i) => [0, 31, 32, 255, 1, 10, 18, 20, 27, 224][i] as number),
    ]);
  });

  it('maps every byte value onto the alphabet uniformly (8 bytes per symbol)', () => {
    let n = 0;
    vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation(
      <T extends ArrayBufferView | null>(array: T): T => {
        const a = array as unknown as Uint8Array;
        for (let i = 0; i < a.length; i++) a[i] = n++ & 255;
        return array;
      },
    );
    const counts = new Map<string, number>();
    // 256 bytes = 25.6 codes; 128 codes cover every byte value exactly five times.
    for (let i = 0; i < 128; i++) {
      for (const c of newInteractionCode().replace('-', ''))
        counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect([...counts.keys()].sort().join('')).toBe(ALPHABET);
    for (const v of counts.values()) expect(v).toBe(40);
  });

  it('spreads real randomness over all 32 symbols in every position', () => {
    const N = 3200;
    const perPosition = Array.from({ length: 10 }, () => new Map<string, number>());
    const seen = new Set<string>();
    for (let i = 0; i < N; i++) {
      const code = newInteractionCode().replace('-', '');
      seen.add(code);
      [...code].forEach((c, p) => {
        const m = perPosition[p] as Map<string, number>;
        m.set(c, (m.get(c) ?? 0) + 1);
      });
    }
    expect(seen.size).toBe(N); // 50 bits: a collision here would be astronomically unlikely
    for (const m of perPosition) {
      expect(m.size).toBe(32);
      // Expected 100 per symbol; chi-square with 31 degrees of freedom, p ≈ 1e-6 cut-off.
      const chi = [...m.values()].reduce((s, v) => s + (v - 100) ** 2 / 100, 0);
      expect(chi).toBeLessThan(80);
    }
  });
});

describe('normalizeInteractionCode', () => {
  it('strips hyphens and uppercases', () => {
    expect(normalizeInteractionCode('abcde-fghjk')).toBe('ABCDEFGHJK');
    expect(normalizeInteractionCode('ABCDEFGHJK')).toBe('ABCDEFGHJK');
    expect(normalizeInteractionCode('AB-CD-EF-GH-JK')).toBe('ABCDEFGHJK');
    expect(normalizeInteractionCode('-ABCDE--FGHJK-')).toBe('ABCDEFGHJK');
  });

  it('folds I and L to 1 and O to 0, in either case', () => {
    expect(normalizeInteractionCode('IiLlO-oABCD')).toBe('11110' + '0ABCD');
    expect(normalizeInteractionCode('OOOOO-00000')).toBe('0000000000');
  });

  it('round-trips every generated code', () => {
    for (let i = 0; i < 200; i++) {
      const code = newInteractionCode();
      expect(normalizeInteractionCode(code)).toBe(code.replace('-', ''));
      expect(normalizeInteractionCode(code.toLowerCase())).toBe(code.replace('-', ''));
    }
  });

  it.each([
    ['too short', 'ABCDE-FGHJ'],
    ['too long', 'ABCDE-FGHJKM'],
    ['U is not a symbol', 'ABCDE-FGHJU'],
    ['space', 'ABCDE FGHJK'],
    ['surrounding space', ' ABCDEFGHJK'],
    ['tab', 'ABCDE\tFGHJK'],
    ['underscore', 'ABCDE_FGHJK'],
    ['en dash', 'ABCDE\u2013FGHJK'],
    ['dotless i (uppercases to I)', 'ABCDE-FGHJ\u0131'],
    ['long s (uppercases to S)', 'ABCDE-FGHJ\u017f'],
    ['fullwidth A', 'ABCDE-FGHJ\uff21'],
    ['Kelvin sign', 'ABCDE-FGHJ\u212a'],
    ['NUL', 'ABCDE-FGHJ\u0000'],
    ['empty', ''],
    ['only hyphens', '----------'],
  ])('rejects %s', (_label, input) => {
    expect(normalizeInteractionCode(input)).toBeUndefined();
  });

  it('rejects non-strings', () => {
    for (const v of [
      undefined,
      null,
      1234567890,
      ['ABCDEFGHJK'],
      { toString: () => 'ABCDEFGHJK' },
    ]) {
      expect(normalizeInteractionCode(v)).toBeUndefined();
    }
  });

  it('bounds the input length, hyphens included', () => {
    const padded = `${'-'.repeat(27)}ABCDEFGHJK${'-'.repeat(27)}`; // 64 characters
    expect(normalizeInteractionCode(padded)).toBe('ABCDEFGHJK');
    expect(normalizeInteractionCode(`-${padded}`)).toBeUndefined();
    expect(normalizeInteractionCode('A'.repeat(1_000_000))).toBeUndefined();
  });

  test.prop([fc.anything()])('never throws and only yields canonical codes', (v) => {
    const out = normalizeInteractionCode(v);
    expect(out === undefined || /^[0-9A-HJKMNP-TV-Z]{10}$/.test(out)).toBe(true);
  });

  test.prop([fc.string({ maxLength: 40 })])('is idempotent', (s) => {
    const once = normalizeInteractionCode(s);
    if (once !== undefined) expect(normalizeInteractionCode(once)).toBe(once);
  });
});

describe('formatInteractionCode', () => {
  it('groups the normalised code as XXXXX-XXXXX', () => {
    expect(formatInteractionCode('abcdefghjk')).toBe('ABCDE-FGHJK');
    expect(formatInteractionCode('AB-CD-EF-GH-iO')).toBe('ABCDE-FGH10');
  });

  it('is undefined for anything that is not a code', () => {
    expect(formatInteractionCode('nope')).toBeUndefined();
    expect(formatInteractionCode(42)).toBeUndefined();
  });
});
