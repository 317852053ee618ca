import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  isParameterDigest,
  parameterDigest,
  sameParameters,
} from '../../src/r3/compare-parameters.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

describe('sameParameters (R3 §7 step 3, R17)', () => {
  it('compares inline values as JSON: member order irrelevant, arrays by order, numbers by value', async () => {
    const proposed = { to: 'a@b.example', cc: ['x', 'y'], opts: { a: 1, b: { c: null } }, n: 1 };
    expect(
      await sameParameters(proposed, {
        n: 1.0,
        opts: { b: { c: null }, a: 1 },
        cc: ['x', 'y'],
        to: 'a@b.example',
      }),
    ).toBe(true);
    const differs: Record<string, unknown>[] = [
      { ...proposed, cc: ['y', 'x'] },
      { ...proposed, cc: ['x', 'y', 'z'] },
      { ...proposed, to: 'A@b.example' },
      { ...proposed, n: '1' },
      { ...proposed, n: 2 },
      { ...proposed, opts: { a: 1 } },
      { ...proposed, opts: { a: 1, b: { c: null }, d: 0 } },
      { ...proposed, opts: { a: 1, b: { c: false } } },
      { ...proposed, opts: [1] },
      { ...proposed, extra: true },
      { to: 'a@b.example', cc: ['x', 'y'], opts: { a: 1, b: { c: null } } },
      { ...proposed, n: null },
    ];
    for (const presented of differs)
      expect(await sameParameters(proposed, presented), JSON.stringify(presented)).toBe(false);
    expect(await sameParameters({}, {})).toBe(true);
    expect(await sameParameters({ a: [] }, { a: {} })).toBe(false);
    expect(await sameParameters({ a: {} }, { a: [] })).toBe(false);
  });

  it('a digest object matches only the value whose SHA-256 it names (strings by UTF-8 bytes)', async () => {
    const body = 'Grüße — a long letter';
    const proposed = {
      to: 'x',
      body: { s256: sha(body), excerpt: 'Grüße', media_type: 'text/plain' },
    };
    expect(await sameParameters(proposed, { to: 'x', body })).toBe(true);
    expect(await sameParameters(proposed, { to: 'x', body: `${body}.` })).toBe(false);
    expect(await sameParameters(proposed, { to: 'x', body: body.normalize('NFD') })).toBe(false);
    // Presenting the digest object itself is not presenting the value.
    expect(await sameParameters(proposed, { to: 'x', body: proposed.body })).toBe(false);
    expect(await sameParameters(proposed, { to: 'x' })).toBe(false);
    expect(await sameParameters(proposed, { to: 'x', body: undefined })).toBe(false);
  });

  it('non-string values are digested as the UTF-8 bytes of their JSON.stringify', async () => {
    const value = { b: [1, 2], a: 'x' };
    const proposed = { v: { s256: sha('{"b":[1,2],"a":"x"}') } };
    expect(await parameterDigest(value)).toBe(proposed.v.s256);
    expect(await sameParameters(proposed, { v: JSON.parse('{ "b": [1, 2], "a": "x" }') })).toBe(
      true,
    );
    // Another member order is another byte string.
    expect(await sameParameters(proposed, { v: { a: 'x', b: [1, 2] } })).toBe(false);
    expect(await parameterDigest(42)).toBe(sha('42'));
    expect(await parameterDigest('42')).toBe(sha('42'));
    await expect(parameterDigest(undefined)).rejects.toThrow(TypeError);
  });

  it('resolves false for malformed input and never rejects', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await sameParameters({ a: { s256: sha('x') } }, { a: cyclic })).toBe(false);
    expect(await sameParameters({ a: cyclic }, { a: cyclic })).toBe(false);
    expect(await sameParameters(null as never, {})).toBe(false);
    expect(await sameParameters({}, [] as never)).toBe(false);
    expect(await sameParameters({ a: 1 }, { b: 1 })).toBe(false);
    expect(await sameParameters({ a: undefined }, { a: undefined })).toBe(false);
    expect(await sameParameters({ a: Number.NaN }, { a: Number.NaN })).toBe(false);
    expect(await sameParameters({ a: 1n } as never, { a: 1n } as never)).toBe(false);
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(await sameParameters({ a: deep }, { a: deep })).toBe(false);
  });
});

describe('isParameterDigest', () => {
  it('needs a 43-character base64url s256 and nothing but excerpt and media_type', () => {
    const s256 = sha('x');
    expect(isParameterDigest({ s256 })).toBe(true);
    expect(isParameterDigest({ s256, excerpt: 'e', media_type: 'text/plain' })).toBe(true);
    expect(isParameterDigest({ s256, other: 1 })).toBe(false);
    expect(isParameterDigest({ s256: `${s256}=` })).toBe(false);
    expect(isParameterDigest({ s256: 'short' })).toBe(false);
    expect(isParameterDigest([s256])).toBe(false);
    expect(isParameterDigest(s256)).toBe(false);
    expect(isParameterDigest(null)).toBe(false);
  });
});
