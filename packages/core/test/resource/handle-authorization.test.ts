import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../testing/src/index.ts';
import type { Answer } from '../../src/index.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';

const PATH = '/authorize';

describe('the authorization endpoint (AAuth-11 §6.6)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });

  const aauthWith = (extra: Record<string, unknown> = {}) =>
    w.aauth({
      metadata: {
        authorizationEndpoint: `${RESOURCE}${PATH}`,
        scopeDescriptions: { 'notes:read': 'Read notes', 'notes:write': 'Write notes' },
      },
      ...extra,
    });

  async function post(
    token: string,
    body: unknown,
    opts: { contentType?: string; cover?: boolean } = {},
  ) {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const headers = await signRequest({
      method: 'POST',
      url: `${RESOURCE}${PATH}`,
      headers: { 'content-type': opts.contentType ?? 'application/json' },
      body: opts.cover === false ? undefined : text,
      key: w.agentKey,
      token,
      created: w.clock.now,
    });
    return { method: 'POST', target: PATH, headers, body: new TextEncoder().encode(text) };
  }

  it('answers a person token with a resource token for the requested scopes', async () => {
    const aauth = aauthWith();
    expect(aauth.metadata.authorization_endpoint).toBe(`${RESOURCE}${PATH}`);
    const person = await w.personToken({ mission_s256: 'm', tenant: 't' });
    const a = (await aauth.handle(
      await post(person, { scope: 'notes:read notes:write notes:read' }),
    )) as Answer;
    expect(a.status).toBe(200);
    expect(a.headers).toMatchObject({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    const rt = JSON.parse(a.body).resource_token as string;
    const { payload } = await jwtVerify(rt, createLocalJWKSet(aauth.jwks as never), {
      typ: 'aa-resource+jwt',
      audience: w.ps.iss,
      currentDate: new Date(w.clock.now * 1000),
    });
    expect(payload).toMatchObject({
      scope: 'notes:read notes:write',
      presented_jti: decodeJwt(person).jti,
      agent_jkt: w.agentKey.thumbprint,
      mission_s256: 'm',
      tenant: 't',
      ps: w.ps.iss,
    });
  });

  it('asks for a person token when none is presented', async () => {
    const aauth = aauthWith();
    const unsigned = (await aauth.handle({
      method: 'POST',
      target: PATH,
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode('{}'),
    })) as Answer;
    expect(unsigned).toMatchObject({
      status: 401,
      headers: { 'aauth-requirement': 'requirement=person-token' },
    });
    const agent = (await aauth.handle(
      await post(await w.agentToken(), { scope: 'notes:read' }),
    )) as Answer;
    expect(agent).toMatchObject({
      status: 401,
      headers: { 'aauth-requirement': 'requirement=person-token' },
    });
    expect(agent.headers).not.toHaveProperty('signature-error');
  });

  it('refuses a failing person token with a Signature-Error, and uncovered bodies with invalid_input', async () => {
    const aauth = aauthWith();
    const expired = (await aauth.handle(
      await post(await w.personToken({ exp: w.clock.now - 1 }), { scope: 'notes:read' }),
    )) as Answer;
    expect(expired.headers['signature-error']).toBe('error=expired_jwt');
    const uncovered = (await aauth.handle(
      await post(await w.personToken(), { scope: 'notes:read' }, { cover: false }),
    )) as Answer;
    expect(uncovered.status).toBe(401);
    expect(uncovered.headers['signature-error']).toMatch(/^error=invalid_input/);
  });

  it('answers invalid_request, invalid_scope and invalid_account with 400 problem bodies', async () => {
    const aauth = aauthWith({
      accountHolder: (_p: unknown, account: string) => account === 'acct-1',
    });
    const cases: [unknown, string][] = [
      [{}, 'invalid_request'],
      [{ scope: '' }, 'invalid_request'],
      [{ scope: 5 }, 'invalid_request'],
      ['not json', 'invalid_request'],
      [{ scope: 'notes:admin' }, 'invalid_scope'],
      [{ scope: 'notes:read', account: 'acct-2' }, 'invalid_account'],
    ];
    for (const [body, error] of cases) {
      const a = (await aauth.handle(await post(await w.personToken(), body))) as Answer;
      expect(a.status, JSON.stringify(body)).toBe(400);
      expect(JSON.parse(a.body).error).toBe(error);
      expect(a.headers['content-type']).toBe('application/problem+json');
    }
    const ok = (await aauth.handle(
      await post(await w.personToken(), { scope: 'notes:read', account: 'acct-1' }),
    )) as Answer;
    expect(decodeJwt(JSON.parse(ok.body).resource_token).account).toBe('acct-1');
    const noHolder = aauthWith();
    const refused = (await noHolder.handle(
      await post(await w.personToken(), { scope: 'notes:read', account: 'acct-1' }),
    )) as Answer;
    expect(JSON.parse(refused.body).error).toBe('invalid_account');
  });

  it('addresses four-party resource tokens to the access server', async () => {
    const aauth = aauthWith({
      trust: { agentProviders: [w.ap.iss], personServers: [w.ps.iss], accessServer: w.as.iss },
    });
    const a = (await aauth.handle(
      await post(await w.personToken(), { scope: 'notes:read' }),
    )) as Answer;
    expect(decodeJwt(JSON.parse(a.body).resource_token).aud).toBe(w.as.iss);
  });

  it('needs scope descriptions and a signing key to be configured', () => {
    expect(() => w.aauth({ metadata: { authorizationEndpoint: `${RESOURCE}${PATH}` } })).toThrow(
      /scopeDescriptions/,
    );
  });
});
