import { parseItem, Token } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { parseComponentIdentifier } from '../../src/httpsig/component-identifier.js';

const parse = (text: string) => parseComponentIdentifier(parseItem(text));

describe('parseComponentIdentifier (RFC 9421 §2, §2.5)', () => {
  it('types a plain field and a derived component', () => {
    expect(parse('"content-type"')).toEqual({
      ok: true,
      id: { name: 'content-type', params: {}, serialized: '"content-type"' },
    });
    expect(parse('"@method"')).toMatchObject({ ok: true, id: { name: '@method' } });
  });

  it('types every known parameter and keeps their order in the serialisation', () => {
    expect(parse('"x";key="a";sf;bs;req;tr;name="n"')).toEqual({
      ok: true,
      id: {
        name: 'x',
        params: { key: 'a', sf: true, bs: true, req: true, tr: true, name: 'n' },
        serialized: '"x";key="a";sf;bs;req;tr;name="n"',
      },
    });
  });

  it('escapes quotes and backslashes in string parameters', () => {
    expect(parse('"@query-param";name="a\\"b\\\\c"')).toMatchObject({
      ok: true,
      id: { params: { name: 'a"b\\c' }, serialized: '"@query-param";name="a\\"b\\\\c"' },
    });
  });

  it('rejects items that are not strings', () => {
    expect(parseComponentIdentifier([new Token('host'), new Map()])).toEqual({
      ok: false,
      reason: 'component identifier is not a string',
    });
    expect(parse('1')).toMatchObject({ ok: false, reason: 'component identifier is not a string' });
  });

  it('rejects names that are empty, uppercase or not tokens', () => {
    for (const text of ['""', '"Host"', '"@Method"', '"a b"', '"@"']) {
      expect(parse(text)).toEqual({ ok: false, reason: 'invalid component name' });
    }
  });

  it('rejects a flag parameter that is not Boolean true', () => {
    expect(parse('"x";sf=?0')).toEqual({ ok: false, reason: 'parameter sf must be true' });
    expect(parse('"x";bs=1')).toEqual({ ok: false, reason: 'parameter bs must be true' });
  });

  it('rejects key and name parameters that are not strings', () => {
    expect(parse('"x";key=a')).toEqual({ ok: false, reason: 'parameter key must be a string' });
    expect(parse('"@query-param";name=?1')).toEqual({
      ok: false,
      reason: 'parameter name must be a string',
    });
  });

  it('rejects parameters it does not understand', () => {
    expect(parse('"x";foo="bar"')).toEqual({ ok: false, reason: 'unknown component parameter' });
  });
});
