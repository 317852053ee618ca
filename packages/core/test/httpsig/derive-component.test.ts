import { parseItem } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import { parseComponentIdentifier } from '../../src/httpsig/component-identifier.js';
import { deriveComponent, type RequestComponents } from '../../src/httpsig/derive-component.js';

function ctx(target: string, over: Partial<RequestComponents> = {}): RequestComponents {
  return {
    method: 'GET',
    scheme: 'https',
    authority: 'example.com',
    target,
    fields: new Map(),
    ...over,
  };
}

function derive(c: RequestComponents, identifier: string) {
  const parsed = parseComponentIdentifier(parseItem(identifier));
  if (!parsed.ok) throw new Error(parsed.reason);
  return deriveComponent(c, parsed.id);
}

const value = (c: RequestComponents, identifier: string) => {
  const r = derive(c, identifier);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};

describe('deriveComponent (RFC 9421 §2.2)', () => {
  it('keeps the method as sent', () => {
    expect(value(ctx('/', { method: 'patch' }), '"@method"')).toBe('patch');
  });

  it('lowercases the scheme', () => {
    expect(value(ctx('/', { scheme: 'HTTPS' }), '"@scheme"')).toBe('https');
  });

  describe('@authority', () => {
    it.each([
      ['Example.COM', 'https', 'example.com'],
      ['example.com:443', 'https', 'example.com'],
      ['example.com:443', 'http', 'example.com:443'],
      ['example.com:80', 'http', 'example.com'],
      ['example.com:80', 'https', 'example.com:80'],
      ['example.com:8443', 'https', 'example.com:8443'],
      ['[::1]:443', 'https', '[::1]'],
      ['example.com:', 'https', 'example.com'],
    ])('%s over %s → %s', (authority, scheme, expected) => {
      expect(value(ctx('/', { authority, scheme }), '"@authority"')).toBe(expected);
    });
  });

  describe('request-target forms', () => {
    it('origin-form', () => {
      const c = ctx('/a%2Fb/c?x=1&y=');
      expect(value(c, '"@path"')).toBe('/a%2Fb/c');
      expect(value(c, '"@query"')).toBe('?x=1&y=');
      expect(value(c, '"@request-target"')).toBe('/a%2Fb/c?x=1&y=');
      expect(value(c, '"@target-uri"')).toBe('https://example.com/a%2Fb/c?x=1&y=');
    });

    it('origin-form with an empty query keeps the bare "?"', () => {
      expect(value(ctx('/p?'), '"@query"')).toBe('?');
    });

    it('absolute-form', () => {
      const c = ctx('http://proxy.example:8080/a/b?q=1');
      expect(value(c, '"@path"')).toBe('/a/b');
      expect(value(c, '"@query"')).toBe('?q=1');
      expect(value(c, '"@target-uri"')).toBe('http://proxy.example:8080/a/b?q=1');
      expect(value(ctx('https://example.com?q=1'), '"@path"')).toBe('/');
      expect(value(ctx('https://example.com?q=1'), '"@query"')).toBe('?q=1');
    });

    it('authority-form (CONNECT)', () => {
      const c = ctx('example.com:443', { method: 'CONNECT' });
      expect(value(c, '"@path"')).toBe('/');
      expect(value(c, '"@query"')).toBe('?');
      expect(value(c, '"@target-uri"')).toBe('https://example.com:443');
    });

    it('asterisk-form (OPTIONS *)', () => {
      const c = ctx('*', { method: 'OPTIONS' });
      expect(value(c, '"@path"')).toBe('/');
      expect(value(c, '"@target-uri"')).toBe('https://example.com');
      expect(value(c, '"@request-target"')).toBe('*');
    });
  });

  describe('@query-param (RFC 9421 §2.2.8)', () => {
    it('re-encodes with the form-urlencoded set', () => {
      const c = ctx("/p?a='()!~*-._&b=x+y%2Bz&c=%zz&d=%FF&e&f=%C3%A9");
      expect(value(c, '"@query-param";name="a"')).toBe('%27%28%29%21%7E*-._');
      expect(value(c, '"@query-param";name="b"')).toBe('x%20y%2Bz');
      expect(value(c, '"@query-param";name="c"')).toBe('%25zz');
      expect(value(c, '"@query-param";name="d"')).toBe('%EF%BF%BD');
      expect(value(c, '"@query-param";name="e"')).toBe('');
      expect(value(c, '"@query-param";name="f"')).toBe('%C3%A9');
    });

    it('matches the re-encoded name and skips empty sequences', () => {
      const c = ctx('/p?&&a+b=1&%61%2A=2&');
      expect(value(c, '"@query-param";name="a%20b"')).toBe('1');
      expect(value(c, '"@query-param";name="a*"')).toBe('2');
    });

    it('fails for a name repeated under another spelling', () => {
      expect(derive(ctx('/p?a=1&%61=2'), '"@query-param";name="a"')).toEqual({
        ok: false,
        reason: '@query-param: the parameter occurs more than once',
      });
    });

    it('fails without a query', () => {
      expect(derive(ctx('/p'), '"@query-param";name="a"')).toEqual({
        ok: false,
        reason: '@query-param: the request has no query',
      });
    });

    it('fails without a name parameter', () => {
      expect(derive(ctx('/p?a=1'), '"@query-param"')).toEqual({
        ok: false,
        reason: '@query-param needs a name parameter',
      });
    });

    it('fails with a field parameter', () => {
      expect(derive(ctx('/p?a=1'), '"@query-param";name="a";sf')).toEqual({
        ok: false,
        reason: 'parameter not valid here',
      });
    });
  });

  it('rejects field parameters on derived components', () => {
    for (const id of [
      '"@method";sf',
      '"@path";bs',
      '"@query";key="a"',
      '"@scheme";tr',
      '"@path";name="a"',
    ]) {
      expect(derive(ctx('/'), id)).toEqual({
        ok: false,
        reason: 'parameter not valid on a derived component',
      });
    }
  });

  it('rejects ;req on a request', () => {
    expect(derive(ctx('/'), '"@path";req')).toEqual({
      ok: false,
      reason: ';req is only valid in a response signature',
    });
  });

  it('rejects @status and unknown components', () => {
    expect(derive(ctx('/'), '"@status"')).toEqual({
      ok: false,
      reason: '@status is only valid in a response signature',
    });
    expect(derive(ctx('/'), '"@foo"')).toEqual({ ok: false, reason: 'unknown derived component' });
  });
});
