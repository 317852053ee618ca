import { describe, expect, it } from 'vitest';
import type { RequestComponents } from '../../src/httpsig/derive-component.js';
import { buildSignatureBase } from '../../src/httpsig/signature-base.js';
import { collectHeaderFields } from '../../src/request/header-fields.js';
import { type BaseCase, contextOf, group, memberOf } from './rfc9421-vectors.js';

const cases = group<BaseCase>('rfc9421-base');

// The reason pins which check refused the base, so removing that check fails the case.
const ERROR_REASONS: Record<string, string> = {
  'base-error-query-param-missing': '@query-param: the parameter is not in the query',
  'base-error-query-param-repeated': '@query-param: the parameter occurs more than once',
  'base-error-duplicate-component': 'a component is covered twice',
  'base-error-unknown-derived': 'unknown derived component',
  'base-error-status-in-request': '@status is only valid in a response signature',
  'base-error-field-absent': 'a covered field is absent',
  'base-error-key-member-absent': ';key names no member of the Dictionary',
  'base-error-bs-with-sf': ';bs cannot be combined with ;sf or ;key',
  'base-error-req-on-request': ';req is only valid in a response signature',
  'base-error-signature-params-listed': '@signature-params cannot be covered',
};

describe('rfc9421-base vectors (RFC 9421 §2)', () => {
  it('has every case of the group', () => {
    expect(cases).toHaveLength(43);
    const errors = cases.filter((c) => 'error' in c.expected).map((c) => c.id);
    expect(errors.sort()).toEqual(Object.keys(ERROR_REASONS).sort());
  });

  for (const c of cases) {
    it(`${c.id}: ${c.title}`, () => {
      const result = buildSignatureBase(
        contextOf(c.request),
        memberOf(c.signatureInput, c.label),
        c.fieldTypes ? { fieldTypes: c.fieldTypes } : undefined,
      );
      if ('error' in c.expected) {
        expect(result).toEqual({ ok: false, reason: ERROR_REASONS[c.id] });
        return;
      }
      expect(result).toMatchObject({
        ok: true,
        componentLines: c.expected.componentLines,
        signatureParams: c.expected.signatureParams,
        base: c.expected.signatureBase,
      });
    });
  }
});

function ctx(headers: [string, string][] = [], target = '/p?a=1'): RequestComponents {
  return {
    method: 'GET',
    scheme: 'https',
    authority: 'example.com',
    target,
    fields: collectHeaderFields(headers),
  };
}

function base(
  input: string,
  c: RequestComponents = ctx(),
  fieldTypes?: Record<string, 'dictionary' | 'list' | 'item'>,
) {
  return buildSignatureBase(c, memberOf(input, 'sig'), fieldTypes ? { fieldTypes } : undefined);
}

function reason(input: string, c?: RequestComponents): string {
  const r = base(input, c);
  expect(r.ok).toBe(false);
  return r.ok ? '' : r.reason;
}

describe('buildSignatureBase', () => {
  it('returns the covered components in signed order', () => {
    const r = base('sig=("@method" "x";sf "@query-param";name="a");created=1', ctx([['X', 'a=1']]));
    expect(r.ok && r.components.map((c) => c.serialized)).toEqual([
      '"@method"',
      '"x";sf',
      '"@query-param";name="a"',
    ]);
  });

  it('treats a parameter order swap as the same component (RFC 9421 §2)', () => {
    const c = ctx([['X', 'a=1']]);
    expect(base('sig=("x";sf;key="a" "x";sf)', c).ok).toBe(true);
    expect(reason('sig=("x";sf;key="a" "x";key="a";sf)', c)).toMatch(/twice/);
  });

  it('rejects a field covered twice with the same single parameter', () => {
    expect(reason('sig=("x";sf "x";sf)', ctx([['X', 'a=1']]))).toMatch(/twice/);
  });

  it('rejects ;tr (trailers are not supported)', () => {
    expect(reason('sig=("x";tr)', ctx([['X', '1']]))).toMatch(/trailer/);
  });

  it('rejects ;req on a field', () => {
    expect(reason('sig=("x";req)', ctx([['X', '1']]))).toMatch(/req/);
  });

  it('rejects ;name on a field', () => {
    expect(reason('sig=("x";name="a")', ctx([['X', '1']]))).toMatch(/name/);
  });

  it('rejects ;bs with ;key', () => {
    expect(reason('sig=("x";bs;key="a")', ctx([['X', 'a=1']]))).toMatch(/bs/);
  });

  it('rejects an unknown component parameter', () => {
    expect(reason('sig=("x";foo)', ctx([['X', '1']]))).toMatch(/unknown/);
  });

  it('rejects a non-string component identifier', () => {
    expect(reason('sig=(method)')).toMatch(/not a string/);
  });

  it('rejects an uppercase field name (RFC 9421 §2.1 requires lowercase)', () => {
    expect(reason('sig=("Host")', ctx([['Host', 'example.com']]))).toMatch(/name/);
  });

  it('rejects ;key on a field typed as a List', () => {
    expect(base('sig=("x";key="a")', ctx([['X', 'a=1']]), { x: 'list' }).ok).toBe(false);
    expect(base('sig=("x";key="a")', ctx([['X', 'a=1']])).ok).toBe(true);
  });

  it('rejects ;sf on a field that is not a structured field', () => {
    expect(reason('sig=("date";sf)', ctx([['Date', 'Tue, 20 Apr 2021 02:07:55 GMT']]))).toMatch(
      /sf/,
    );
  });

  it('rejects a member that is not an Inner List', () => {
    const r = buildSignatureBase(ctx(), ['@method', new Map()] as never);
    expect(r.ok).toBe(false);
  });

  it('rejects a field value with a raw line break (no forged base lines)', () => {
    const r = base('sig=("x")', ctx([['X', 'a\n"@method": POST']]));
    expect(r).toEqual({ ok: false, reason: 'a component value contains a line break' });
  });

  it('uses the built-in type of registered structured fields for ;sf', () => {
    // As a List, `a, a` keeps both members; the Dictionary guess would collapse them.
    const c = ctx([['Accept-Signature-Alg', 'Ed25519,   ES256']]);
    expect(base('sig=("accept-signature-alg";sf)', c)).toMatchObject({
      ok: true,
      componentLines: ['"accept-signature-alg";sf: Ed25519, ES256'],
    });
    const dup = ctx([['Cache-Status', 'a,  a']]);
    expect(base('sig=("cache-status";sf)', dup)).toMatchObject({
      componentLines: ['"cache-status";sf: a, a'],
    });
  });

  it('lets a fieldTypes hint override the built-in table', () => {
    const c = ctx([['Cache-Status', 'a,  a']]);
    expect(base('sig=("cache-status";sf)', c, { 'cache-status': 'dictionary' })).toMatchObject({
      componentLines: ['"cache-status";sf: a'],
    });
  });

  it('looks up field types as own properties only', () => {
    const c = ctx([['Constructor', 'a=1']]);
    const r = buildSignatureBase(c, memberOf('sig=("constructor";key="a")', 'sig'), {
      fieldTypes: {},
    });
    expect(r).toMatchObject({ ok: true, componentLines: ['"constructor";key="a": 1'] });
  });

  it('parses an unknown ;sf field as a List when it is not a Dictionary', () => {
    const c = ctx([['X', '"s",   (1  2)']]);
    expect(base('sig=("x";sf)', c)).toMatchObject({ componentLines: ['"x";sf: "s", (1 2)'] });
  });

  it('wraps field lines as latin-1 octets for ;bs', () => {
    const r = base('sig=("x";bs)', ctx([['X', '\u00e9']]));
    expect(r).toMatchObject({ componentLines: ['"x";bs: :6Q==:'] });
  });

  it('serialises an empty covered list as "()" plus parameters', () => {
    expect(base('sig=();created=1;alg="x"')).toMatchObject({
      ok: true,
      base: '"@signature-params": ();created=1;alg="x"',
    });
  });
});
