import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../testing/src/index.ts';
import type { Answer } from '../../src/index.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';

const PATH = '/aauth/revoke';

describe('the revocation endpoint (AAuth-11 §11.12)', () => {
  let w: World;
  beforeAll(async () => {
    w = await createWorld();
  });

  const aauthWithEndpoint = () =>
    w.aauth({ metadata: { revocationEndpoint: `${RESOURCE}${PATH}` } });

  async function revocation(
    body: unknown,
    opts: {
      signer?: 'ps' | 'as' | 'ap';
      method?: string;
      omit?: 'content-digest';
      agent?: boolean;
    } = {},
  ) {
    const issuer = opts.signer === 'as' ? w.as : opts.signer === 'ap' ? w.ap : w.ps;
    const text = JSON.stringify(body);
    const headers = await signRequest({
      method: opts.method ?? 'POST',
      url: `${RESOURCE}${PATH}`,
      headers: { 'content-type': 'application/json' },
      body: text,
      key: opts.agent ? w.agentKey : issuer.key,
      ...(opts.agent
        ? { token: await w.agentToken() }
        : { jwksUri: { id: issuer.iss, dwk: issuer.dwk, kid: issuer.key.kid } }),
      created: w.clock.now,
    });
    return {
      method: opts.method ?? 'POST',
      target: PATH,
      headers,
      body: new TextEncoder().encode(text),
    };
  }

  it('publishes the endpoint and records (verified issuer, jti): the token is then refused with revoked_jwt', async () => {
    const aauth = aauthWithEndpoint();
    expect(aauth.metadata.revocation_endpoint).toBe(`${RESOURCE}${PATH}`);
    const token = await w.personToken();
    const { jti, exp } = decodeJwt(token);
    expect((await aauth.verify(await w.request(token), 'person')).ok).toBe(true);
    const answer = (await aauth.handle(await revocation({ jti, exp }))) as Answer;
    expect(answer).toEqual({ status: 200, headers: {}, body: '' });
    const after = await aauth.verify(await w.request(token, { path: '/again' }), 'person');
    expect(after.ok).toBe(false);
    if (!after.ok) expect(after.answer.headers['signature-error']).toBe('error=revoked_jwt');
  });

  it('keys revocations by the caller: an access server cannot revoke the person server’s tokens', async () => {
    const aauth = w.aauth({
      metadata: { revocationEndpoint: `${RESOURCE}${PATH}` },
      trust: { agentProviders: [w.ap.iss], personServers: [w.ps.iss], accessServer: w.as.iss },
    });
    const token = await w.personToken();
    const { jti, exp } = decodeJwt(token);
    expect(
      ((await aauth.handle(await revocation({ jti, exp }, { signer: 'as' }))) as Answer)?.status,
    ).toBe(200);
    expect((await aauth.verify(await w.request(token), 'person')).ok).toBe(true);
  });

  it('refuses callers it does not deal with (unsupported_iss), agents, and unsigned requests', async () => {
    const aauth = aauthWithEndpoint();
    const fromAp = (await aauth.handle(
      await revocation({ jti: 'x', exp: w.clock.now + 60 }, { signer: 'ap' }),
    )) as Answer;
    expect(fromAp.status).toBe(403); // an agent provider revokes nothing at a resource (§11.12.2)
    expect(JSON.parse(fromAp.body).error).toBe('unsupported_iss');
    const fromAgent = (await aauth.handle(
      await revocation({ jti: 'x', exp: w.clock.now + 60 }, { agent: true }),
    )) as Answer;
    expect(fromAgent.status).toBe(401);
    expect(fromAgent.headers['signature-error']).toBe('error=unsupported_scheme');
    expect(fromAgent.headers['accept-signature-scheme']).toBe('jwks_uri');
    const untrusted = w.aauth({
      metadata: { revocationEndpoint: `${RESOURCE}${PATH}` },
      trust: { agentProviders: [w.ap.iss], personServers: ['https://other.example'] },
    });
    const refused = (await untrusted.handle(
      await revocation({ jti: 'x', exp: w.clock.now + 60 }),
    )) as Answer;
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body).error).toBe('unsupported_iss');
    expect(refused.headers).not.toHaveProperty('signature-error');
    const unsigned = (await aauth.handle({
      method: 'POST',
      target: PATH,
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode('{}'),
    })) as Answer;
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['signature-error']).toBe('error=invalid_signature');
  });

  it('requires content-type and content-digest coverage and a matching digest', async () => {
    const aauth = aauthWithEndpoint();
    const req = await revocation({ jti: 'a', exp: w.clock.now + 60 });
    const tampered = (await aauth.handle({
      ...req,
      body: new TextEncoder().encode('{"jti":"b","exp":1}'),
    })) as Answer;
    expect(tampered.headers['signature-error']).toBe('error=invalid_signature');
    const headers = await signRequest({
      method: 'POST',
      url: `${RESOURCE}${PATH}`,
      key: w.ps.key,
      jwksUri: { id: w.ps.iss, dwk: w.ps.dwk, kid: w.ps.key.kid },
      created: w.clock.now,
    });
    const uncovered = (await aauth.handle({
      method: 'POST',
      target: PATH,
      headers,
      body: new TextEncoder().encode('{"jti":"a","exp":1}'),
    })) as Answer;
    expect(uncovered.status).toBe(401);
    expect(uncovered.headers['signature-error']).toMatch(
      /^error=invalid_input, required_input=\(.*"content-type" "content-digest"\)$/,
    );
  });

  it('answers body errors with 400 invalid_request, and other methods with 405', async () => {
    const aauth = aauthWithEndpoint();
    for (const body of [
      { jti: 'a' },
      { exp: 1 },
      { jti: 5, exp: 1 },
      { jti: 'a', exp: 1.5 },
      { jti: 'a', exp: w.clock.now + 10 * 86_400 },
    ]) {
      const a = (await aauth.handle(await revocation(body))) as Answer;
      expect(a.status).toBe(400);
      expect(JSON.parse(a.body).error).toBe('invalid_request');
    }
    const get = (await aauth.handle({ method: 'GET', target: PATH, headers: {} })) as Answer;
    expect(get).toMatchObject({ status: 405, headers: { allow: 'POST' } });
    expect(await aauth.handle({ method: 'GET', target: '/other', headers: {} })).toBeUndefined();
  });
});
