import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { type CallbackError, callbackUrl, withError } from '../src/session/callback-url.ts';

const prod = { dev: false };
const dev = { dev: true };

describe('callbackUrl', () => {
  it.each([
    'https://agent.example/callback',
    'https://agent.example/callback?flow=abc',
    'https://ps.example:8443/cb/123?x=1&y=%20',
    'https://192.0.2.1/cb',
    'https://[2001:db8::1]/cb',
    'HTTPS://Agent.Example/cb',
    'https://xn--bcher-kva.example/cb',
  ])('accepts %s', (raw) => {
    const url = callbackUrl(raw, prod);
    expect(url).toBeInstanceOf(URL);
    expect(url?.protocol).toBe('https:');
  });

  it('keeps the query exactly', () => {
    expect(callbackUrl('https://ps.example/cb?state=a%2Bb&x', prod)?.href).toBe(
      'https://ps.example/cb?state=a%2Bb&x',
    );
  });

  it.each([
    'http://localhost:8765/cb',
    'http://127.0.0.1:8765/cb',
    'http://127.1.2.3/cb',
    'http://[::1]:9000/cb',
    'http://cli.localhost/cb',
  ])('accepts loopback http only in development: %s', (raw) => {
    expect(callbackUrl(raw, dev)).toBeInstanceOf(URL);
    expect(callbackUrl(raw, prod)).toBeUndefined();
  });

  it.each([
    ['plain http', 'http://agent.example/cb'],
    ['http to a private address', 'http://10.0.0.1/cb'],
    ['http to a name that only starts with localhost', 'http://localhost.evil.example/cb'],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:text/html,<script>alert(1)</script>'],
    ['ftp', 'ftp://agent.example/cb'],
    ['relative', '/cb'],
    ['scheme-relative', '//agent.example/cb'],
    ['no slashes', 'https:agent.example/cb'],
    ['backslashes', 'https:\\\\agent.example\\cb'],
    ['fragment', 'https://agent.example/cb#frag'],
    ['empty fragment', 'https://agent.example/cb#'],
    ['credentials', 'https://user:pw@agent.example/cb'],
    ['user only', 'https://user@agent.example/cb'],
    ['leading space', ' https://agent.example/cb'],
    ['trailing newline', 'https://agent.example/cb\n'],
    ['embedded tab', 'https://agent.ex\tample/cb'],
    ['CR LF', 'https://agent.example/cb\r\nx: y'],
    ['semicolon in host', 'https://a;b.example/cb'],
    ['comma in host', 'https://a,b.example/cb'],
    ['quote in host', "https://a'b.example/cb"],
    ['empty', ''],
    ['too long', `https://agent.example/${'a'.repeat(2048)}`],
    ['not a URL', 'https://'],
  ])('refuses %s', (_label, raw) => {
    expect(callbackUrl(raw, dev)).toBeUndefined();
    expect(callbackUrl(raw, prod)).toBeUndefined();
  });

  it('refuses a callback that grows past 2048 characters when encoded', () => {
    const raw = `https://agent.example/${'é'.repeat(1000)}`;
    expect(raw.length).toBeLessThanOrEqual(2048);
    expect(callbackUrl(raw, prod)).toBeUndefined();
  });

  it('accepts exactly 2048 characters', () => {
    const head = 'https://agent.example/';
    expect(callbackUrl(head + 'a'.repeat(2048 - head.length), prod)).toBeInstanceOf(URL);
  });

  it('refuses non-strings', () => {
    for (const v of [undefined, null, 1, ['https://a.example/'], new URL('https://a.example/')]) {
      expect(callbackUrl(v, prod)).toBeUndefined();
    }
  });

  test.prop([fc.oneof(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.string())])(
    'never throws; what it accepts is https, fragment-free and credential-free',
    (raw) => {
      const url = callbackUrl(raw, prod);
      if (url) {
        expect(url.protocol).toBe('https:');
        expect(url.href).not.toContain('#');
        expect(url.username + url.password).toBe('');
      }
    },
  );
});

describe('withError', () => {
  const errors: CallbackError[] = [
    'access_denied',
    'user_abandoned',
    'server_error',
    'temporarily_unavailable',
    'interaction_expired',
  ];

  it.each(errors)('adds ?error=%s', (error) => {
    const cb = new URL('https://agent.example/cb');
    expect(withError(cb, error).href).toBe(`https://agent.example/cb?error=${error}`);
    expect(cb.href).toBe('https://agent.example/cb'); // input untouched
  });

  it('keeps the existing query byte for byte', () => {
    const cb = new URL('https://ps.example/cb?state=a%2Bb&sp=x+y&t=%7E&flag');
    expect(withError(cb, 'access_denied').href).toBe(
      'https://ps.example/cb?state=a%2Bb&sp=x+y&t=%7E&flag&error=access_denied',
    );
  });

  it('replaces an existing error parameter rather than adding a second', () => {
    const cb = new URL('https://ps.example/cb?error=x&a=1&error&errors=2');
    expect(withError(cb, 'server_error').href).toBe(
      'https://ps.example/cb?a=1&errors=2&error=server_error',
    );
  });

  it('handles a bare ? and empty pairs', () => {
    expect(withError(new URL('https://ps.example/cb?'), 'user_abandoned').href).toBe(
      'https://ps.example/cb?error=user_abandoned',
    );
    expect(withError(new URL('https://ps.example/cb?&&a=1&'), 'user_abandoned').href).toBe(
      'https://ps.example/cb?a=1&error=user_abandoned',
    );
  });

  it('throws TypeError for an unknown error code', () => {
    expect(() => withError(new URL('https://a.example/'), 'denied' as CallbackError)).toThrow(
      TypeError,
    );
  });
});
