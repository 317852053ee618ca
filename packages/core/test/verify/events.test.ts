import { describe, expect, it } from 'vitest';
import { generateDevKey } from '../../../testing/src/index.ts';
import type { AAuthEvent } from '../../src/index.ts';
import { createWorld } from '../support/issuers.ts';

describe('onEvent: one event per decision, never a credential', () => {
  it('reports verified, challenged, denied and error outcomes with codes and identifiers', async () => {
    const w = await createWorld();
    const events: AAuthEvent[] = [];
    const aauth = w.aauth({ onEvent: (e) => events.push(e) });
    const agent = await w.agentToken();
    const person = await w.personToken();
    await aauth.verify(await w.request(agent, { path: '/ok?x=1' }), 'agent');
    await aauth.verify({ method: 'GET', target: '/unsigned', headers: {} }, 'agent');
    await aauth.verify(await w.request(person, { path: '/notes' }), { auth: 'notes:read' });
    await aauth.verify(await w.request(agent, { path: '/denied' }), {
      policy: () => ({ deny: 'no' }),
    });
    await aauth.verify(
      await w.request(await w.agentToken({ exp: w.clock.now - 1 }), { path: '/old' }),
      'agent',
    );
    expect(events.map((e) => [e.outcome, e.code, e.status, e.path])).toEqual([
      ['verified', undefined, 200, '/ok'],
      ['challenged', 'agent-token', 401, '/unsigned'],
      ['challenged', 'auth-token', 401, '/notes'],
      ['denied', 'denied', 403, '/denied'],
      ['error', 'expired_jwt', 401, '/old'],
    ]);
    const ok = events[0] as AAuthEvent;
    expect(ok).toMatchObject({
      method: 'GET',
      requirement: 'agent',
      tokenType: 'agent',
      iss: w.ap.iss,
      sub: 'aauth:assistant@agents.example',
      keyThumbprint: w.agentKey.thumbprint,
    });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    const text = JSON.stringify(events);
    for (const secret of [agent, person, agent.split('.')[2] as string])
      expect(text).not.toContain(secret);
  });

  it('reports deferred delivery: the hold, each poll at the pending URL and the replay, without the pending id', async () => {
    const w = await createWorld();
    const events: AAuthEvent[] = [];
    const aauth = w.aauth({
      onEvent: (e) => events.push(e),
      metadata: { scopeDescriptions: { 'notes:write': 'Write' } },
    });
    const route = { auth: ['notes:write'], defer: true } as const;
    const held = await aauth.verify(
      await w.request(await w.personToken(), { method: 'POST', path: '/notes', body: '{}' }),
      route,
    );
    const location = (held as { answer: { headers: Record<string, string> } }).answer.headers
      .location as string;
    await aauth.handle(await w.request(await w.personToken(), { path: location }));
    const stranger = await generateDevKey('Ed25519');
    await aauth.handle(
      await w.request(await w.authToken('notes:write', { cnf: { jwk: stranger.publicJwk } }), {
        path: location,
        key: stranger,
      }),
    );
    await aauth.handle(await w.request(await w.authToken('notes:write'), { path: location }));
    expect(
      events.map((e) => [e.endpoint ?? e.requirement, e.outcome, e.code, e.status, e.path]),
    ).toEqual([
      ['auth', 'challenged', 'auth-token', 202, '/notes'],
      ['pending', 'challenged', 'auth-token', 202, '/aauth/pending/'],
      ['pending', 'denied', 'denied', 403, '/aauth/pending/'],
      ['pending', 'verified', undefined, 200, '/aauth/pending/'],
    ]);
    const id = location.slice('/aauth/pending/'.length);
    expect(JSON.stringify(events)).not.toContain(id);
  });

  it('an observer that throws never changes the answer', async () => {
    const w = await createWorld();
    const aauth = w.aauth({
      onEvent: () => {
        throw new Error('observer bug');
      },
    });
    const r = await aauth.verify(await w.request(await w.agentToken()), 'agent');
    expect(r.ok).toBe(true);
  });
});
