import { describe, expect, it } from 'vitest';
import { type AAuthOptions, createAAuth, generateResourceKey } from '../../src/index.ts';

const base: AAuthOptions = {
  resource: 'https://api.example',
  trust: { agentProviders: 'any', personServers: 'any' },
};

describe('createAAuth validates its options once, naming the bad one', () => {
  it.each<[string, Partial<AAuthOptions> | Record<string, unknown>, RegExp, ErrorConstructor]>([
    ['resource with a path', { resource: 'https://api.example/v1' }, /resource/, TypeError],
    ['plain http resource', { resource: 'http://api.example' }, /resource/, TypeError],
    ['uppercase resource', { resource: 'https://API.example' }, /resource/, TypeError],
    ['missing trust', { trust: undefined }, /trust/, TypeError],
    [
      'bad agent trust',
      { trust: { agentProviders: 'some', personServers: 'any' } },
      /trust.agentProviders/,
      TypeError,
    ],
    [
      'bad person server id',
      { trust: { agentProviders: 'any', personServers: ['https://ps.example/'] } },
      /trust.personServers/,
      TypeError,
    ],
    [
      'bad access server',
      { trust: { agentProviders: 'any', personServers: 'any', accessServer: 'as.example' } },
      /trust.accessServer/,
      TypeError,
    ],
    ['bad authority', { authorities: ['API.example'] }, /authorities/, TypeError],
    ['unsupported algorithm', { algorithms: ['RS256'] }, /algorithms/, TypeError],
    ['zero window', { signatureWindow: 0 }, /signatureWindow/, RangeError],
    ['long resource tokens', { resourceTokenLifetime: 600 }, /resourceTokenLifetime/, RangeError],
    ['bad replay methods', { replayMethods: 'some' }, /replayMethods/, TypeError],
    [
      'bad metadata endpoint',
      { metadata: { revocationEndpoint: 'http://api.example/revoke' } },
      /revocationEndpoint/,
      TypeError,
    ],
  ])('%s', (_name, override, message, type) => {
    expect(() => createAAuth({ ...base, ...override } as AAuthOptions)).toThrow(type);
    expect(() => createAAuth({ ...base, ...override } as AAuthOptions)).toThrow(message);
  });

  it('accepts development identifiers only in dev mode', () => {
    expect(() => createAAuth({ ...base, resource: 'http://127.0.0.1:3000' })).toThrow(TypeError);
    expect(createAAuth({ ...base, resource: 'http://127.0.0.1:3000', dev: true }).resource).toBe(
      'http://127.0.0.1:3000',
    );
  });

  it('validates route requirements at set-up, not per request', async () => {
    const aauth = createAAuth(base);
    expect(() => aauth.requirement({ auth: ['notes read'] })).toThrow(/invalid scope/);
    expect(() => aauth.requirement({ auth: [] })).toThrow(/at least one scope/);
    expect(() => aauth.requirement({ auth: ['notes:read'] })).toThrow(/signingKey/);
    expect(() => aauth.requirement({ components: ['Content-Digest'] })).toThrow(/components/);
    expect(() => aauth.requirement('admin' as never)).toThrow(TypeError);
    const { key } = await generateResourceKey();
    const described = createAAuth({
      ...base,
      signingKey: key,
      metadata: { scopeDescriptions: { 'notes:read': 'Read' } },
    });
    expect(described.requirement({ auth: 'notes:read' }).scopes).toEqual(['notes:read']);
    expect(() => described.requirement({ auth: 'notes:write' })).toThrow(/scopeDescriptions/);
  });

  it('never mutates the caller’s options and freezes what it keeps', () => {
    const options = { ...base, additionalSignatureComponents: ['content-type'] };
    const snapshot = JSON.stringify(options);
    const aauth = createAAuth(options);
    expect(JSON.stringify(options)).toBe(snapshot);
    expect(Object.isFrozen(aauth)).toBe(true);
    expect(Object.isFrozen(aauth.metadata)).toBe(true);
  });
});

describe('normalized requirements pass through unchanged', () => {
  it('keeps level and scopes of a requirement normalised before', async () => {
    const { normalizeRequirement } = await import('../../src/index.ts');
    const person = normalizeRequirement('person');
    expect(normalizeRequirement(person)).toBe(person);
    const auth = normalizeRequirement({ auth: ['notes:read'] });
    expect(normalizeRequirement(auth)).toMatchObject({ level: 'auth', scopes: ['notes:read'] });
    expect(() => normalizeRequirement({ level: 'auth' } as never)).toThrow(TypeError);
  });
});
