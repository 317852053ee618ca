import { describe, expect, it } from 'vitest';
import { EgressError } from '../src/index.js';

describe('EgressError', () => {
  it('carries a code, a name and the cause', () => {
    const cause = new Error('getaddrinfo ENOTFOUND issuer.test');
    const error = new EgressError('dns_failed', 'DNS lookup failed (ENOTFOUND)', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(EgressError);
    expect(error.name).toBe('EgressError');
    expect(error.code).toBe('dns_failed');
    expect(error.message).toBe('DNS lookup failed (ENOTFOUND)');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('EgressError: DNS lookup failed (ENOTFOUND)');
  });
});
