import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentExchange,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '../src/index.ts';
import { startResource } from './support.ts';

describe('the test agent climbs the AAuth ladder over real HTTP', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let resource: Awaited<ReturnType<typeof startResource>>;

  beforeAll(async () => {
    ps = await createDevPersonServer({
      consent: (r) => (r.scope.includes('notes:write') ? { grant: ['notes:read'] } : 'grant'),
    });
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    resource = await startResource({ agentProviders: [ap.issuer], personServers: [ps.issuer] });
  });
  afterAll(async () => {
    await resource.close();
    await ap.close();
    await ps.close();
  });

  it('agent token → person token → resource token → auth token, recording every exchange', async () => {
    const log: AgentExchange[] = [];
    const agent = await createTestAgent({
      agentProvider: ap,
      personServer: ps,
      onExchange: (e) => log.push(e),
    });
    const res = await agent.fetch(`${resource.url}/notes`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tokenType: 'auth', scope: ['notes:read'] });
    expect(
      log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.presented} ${e.status}`),
    ).toEqual([
      'GET /notes agent 401',
      'POST /person agent 200',
      'GET /notes person 401',
      'POST /token agent 200',
      'GET /notes auth 200',
    ]);
    expect(decodeJwt(agent.held(resource.url).auth as string)).toMatchObject({
      iss: ps.issuer,
      aud: resource.url,
      scope: 'notes:read',
    });
  });

  it('gives up when consent is narrower than the route needs, returning the last challenge', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const res = await agent.fetch(`${resource.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toMatch(/^requirement=auth-token;resource-token=/);
  });

  it('a denied grant and a deferred grant that is settled later', async () => {
    const deferred = await createDevPersonServer({ consent: () => 'defer' });
    const ap2 = await createDevAgentProvider({ personServer: deferred.issuer });
    const r2 = await startResource({
      agentProviders: [ap2.issuer],
      personServers: [deferred.issuer],
    });
    try {
      const agent = await createTestAgent({ agentProvider: ap2, personServer: deferred });
      const pending = agent.fetch(`${r2.url}/notes`);
      for (let i = 0; i < 100 && deferred.pending().length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      const [grant] = deferred.pending();
      expect(grant?.request.scope).toEqual(['notes:read']);
      deferred.settle(grant?.id as string, 'grant');
      expect((await pending).status).toBe(200);
      const refusing = await createDevPersonServer({ consent: () => 'deny' });
      const ap3 = await createDevAgentProvider({ personServer: refusing.issuer });
      const r3 = await startResource({
        agentProviders: [ap3.issuer],
        personServers: [refusing.issuer],
      });
      const denied = await (
        await createTestAgent({ agentProvider: ap3, personServer: refusing })
      ).fetch(`${r3.url}/notes`);
      expect(denied.status).toBe(401);
      await Promise.all([r3.close(), ap3.close(), refusing.close()]);
    } finally {
      await Promise.all([r2.close(), ap2.close(), deferred.close()]);
    }
  });

  it('lets a negative test tamper with any part after signing', async () => {
    const agent = await createTestAgent({
      agentProvider: ap,
      tamper: (r) => {
        r.headers.signature = (r.headers.signature as string).replace(
          /:(.)/,
          (_m, ch: string) => `:${ch === 'A' ? 'B' : 'A'}`,
        );
      },
    });
    const res = await agent.fetch(`${resource.url}/agent`);
    expect(res.status).toBe(401);
    expect(res.headers.get('signature-error')).toBe('error=invalid_signature');
  });

  it('signs each request differently (nonce), so identical requests in one second are not replays', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const bodies = await Promise.all(
      [1, 2, 3].map(() =>
        agent.fetch(`${resource.url}/agent`, { method: 'GET' }).then((r) => r.status),
      ),
    );
    expect(bodies).toEqual([200, 200, 200]);
  });

  it('the person server revokes at the resource’s revocation endpoint', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    await agent.fetch(`${resource.url}/person`);
    const token = agent.held(resource.url).person as string;
    expect(await ps.revoke(token)).toBe(200);
    const res = await agent.fetch(`${resource.url}/person`, { followChallenges: false });
    expect(res.headers.get('signature-error')).toBe('error=revoked_jwt');
  });
});
