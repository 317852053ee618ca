import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parseAuthorizationAAuth } from '../src/session/parse-authorization.ts';
import { createSessionSealer } from '../src/session/session-token.ts';

const malformed = { error: 'malformed' };
const absent = { error: 'absent' };

describe('parseAuthorizationAAuth (AAuth-11 §6.3, RFC 9110 §11.2)', () => {
  it.each([
    ['AAuth abc', 'abc'],
    ['aauth abc', 'abc'],
    ['AAUTH abc', 'abc'],
    ['aAuTh abc', 'abc'],
    ['AAuth eyJhbGc.iOi-_~+/', 'eyJhbGc.iOi-_~+/'],
    ['AAuth abc=', 'abc='],
    ['AAuth abc==', 'abc=='],
    ['AAuth 0', '0'],
  ])('reads %j', (value, token) => {
    expect(parseAuthorizationAAuth(value)).toEqual({ token });
  });

  it('reads a sealed session token unchanged', async () => {
    const s = createSessionSealer(new Uint8Array(32));
    const token = await s.seal({
      jkt: 'j',
      agent: 'aauth:a@agent.example',
      agentIssuer: 'https://agent.example',
      user: 'u',
      iat: 1,
      exp: 2,
      sid: 's',
    });
    expect(parseAuthorizationAAuth(`AAuth ${token}`)).toEqual({ token });
  });

  it('is absent without a field', () => {
    expect(parseAuthorizationAAuth(undefined)).toEqual(absent);
  });

  it.each([
    ['Bearer x'],
    ['Basic dXNlcjpwYXNz'],
    ['DPoP eyJ.x.y'],
    ['Bearer'],
    ['AAuthx abc'],
    ['AAuth-v2 abc'],
    ['Bearer a b'],
  ])('is absent for another scheme: %j', (value) => {
    expect(parseAuthorizationAAuth(value)).toEqual(absent);
  });

  it.each([
    ['empty field', ''],
    ['scheme only', 'AAuth'],
    ['empty token', 'AAuth '],
    ['two spaces', 'AAuth  abc'],
    ['token with a space', 'AAuth a b'],
    ['trailing space', 'AAuth abc '],
    ['leading space', ' AAuth abc'],
    ['tab separator', 'AAuth\tabc'],
    ['tab in token', 'AAuth a\tb'],
    ['two AAuth credentials', 'AAuth x, AAuth y'],
    ['two credentials without space', 'AAuth x,AAuth y'],
    ['AAuth after another credential', 'Bearer x, AAuth y'],
    ['another credential after AAuth', 'AAuth y, Bearer x'],
    ['a lone comma', ','],
    ['trailing comma', 'AAuth abc,'],
    ['NUL', 'AAuth a\u0000b'],
    ['CR LF (header injection)', 'AAuth abc\r\nX-Evil: 1'],
    ['LF', 'AAuth abc\n'],
    ['DEL', 'AAuth abc\u007f'],
    ['NUL in another scheme', 'Bearer a\u0000'],
    ['auth-params instead of token68', 'AAuth token="abc"'],
    ['padding in the middle', 'AAuth ab=c'],
    ['only padding', 'AAuth ='],
    ['quote', 'AAuth "abc"'],
    ['non-ASCII', 'AAuth abcé'],
    ['non-breaking space', 'AAuth\u00a0abc'],
    ['invalid scheme characters', 'AA(uth abc'],
    ['non-token scheme', 'Åauth abc'],
    ['too long', `AAuth ${'a'.repeat(5000)}`],
  ])('is malformed: %s', (_label, value) => {
    expect(parseAuthorizationAAuth(value)).toEqual(malformed);
  });

  test.prop([fc.string({ unit: 'binary', maxLength: 80 })])('never throws', (s) => {
    const r = parseAuthorizationAAuth(`AAuth ${s}`);
    if ('token' in r) expect(r.token).toMatch(/^[A-Za-z0-9\-._~+/]+=*$/);
    parseAuthorizationAAuth(s);
  });

  it('is malformed for a non-string from an untyped caller', () => {
    expect(parseAuthorizationAAuth(['AAuth a'] as unknown as string)).toEqual(malformed);
  });
});
