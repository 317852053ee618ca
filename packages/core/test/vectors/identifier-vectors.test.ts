import { describe, expect, it } from 'vitest';
import { isAgentIdentifier, isServerIdentifier, jwkThumbprint } from '../../src/index.ts';
import { canonicalJwk } from '../../src/jwk/jwk-thumbprint.ts';
import { group, type Json } from '../support/vectors.ts';

describe('identifiers vectors', () => {
  for (const c of group('identifiers')) {
    it(`${c.id}: ${c.title ?? c.value}`, async () => {
      if (c.kind === 'jwk-thumbprint') {
        expect(canonicalJwk(c.jwk)).toBe(c.expected.canonicalJson);
        expect(await jwkThumbprint(c.jwk)).toBe(c.expected.sha256);
      } else if (c.kind === 'server-identifier') {
        expect(isServerIdentifier(c.value)).toBe(c.expected.valid);
      } else {
        expect(isAgentIdentifier(c.value)).toBe(c.expected.valid);
      }
    });
  }
});

describe('identifier edge cases', () => {
  it.each<[Json, boolean]>([
    [undefined, false],
    [42, false],
    ['https://a.example.', false],
    ['https://-a.example', false],
    ['https://a..example', false],
  ])('server identifier %j → %s', (value, valid) => {
    expect(isServerIdentifier(value)).toBe(valid);
  });
});
