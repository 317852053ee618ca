import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateDevKey } from '../../../testing/src/index.ts';
import {
  type AAuth,
  type Answer,
  createMemoryStateStore,
  type HeldDispatch,
  type StateStore,
} from '../../src/index.ts';
import { createWorld, type World } from '../support/issuers.ts';

const ROUTE = { auth: ['notes:write'], defer: true } as const;

function isDispatch(x: Answer | HeldDispatch | undefined): x is HeldDispatch {
  return x !== undefined && 'kind' in x && x.kind === 'dispatch';
}

describe('deferred auth-token delivery (AAuth-11 §6.5.1, §11.8)', () => {
  let w: World;
  let aauth: AAuth;
  let state: StateStore;
  beforeEach(async () => {
    w = await createWorld();
    state = createMemoryStateStore({ now: () => w.clock.now });
    aauth = w.aauth({
      state,
      metadata: { scopeDescriptions: { 'notes:write': 'Write notes', 'notes:read': 'Read' } },
    });
  });

  /** Send the original request with a person token; returns the 202 answer. */
  async function hold(body = '{"text":"hi"}'): Promise<Answer> {
    const person = await w.personToken();
    const req = await w.request(person, { method: 'POST', path: '/notes?x=1', body });
    const result = await aauth.verify(req, ROUTE);
    expect(result.ok).toBe(false);
    return (result as { answer: Answer }).answer;
  }

  const poll = async (location: string, token: string, key = w.agentKey) =>
    aauth.handle(await w.request(token, { path: location, key }));

  it('answers 202 with Location, Retry-After, no-store and the auth-token requirement', async () => {
    const a = await hold();
    expect(a.status).toBe(202);
    expect(a.headers.location).toMatch(/^\/aauth\/pending\/[A-Za-z0-9_-]{22}$/);
    expect(a.headers['retry-after']).toBe('5');
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.headers['content-type']).toBe('application/json');
    expect(a.headers['aauth-requirement']).toMatch(/^requirement=auth-token;resource-token="/);
    expect(JSON.parse(a.body)).toEqual({ status: 'pending' });
    const rt = /resource-token="([^"]+)"/.exec(a.headers['aauth-requirement'] ?? '')?.[1] ?? '';
    expect(decodeJwt(rt)).toMatchObject({ scope: 'notes:write', agent_jkt: w.agentKey.thumbprint });
  });

  it('keeps answering 202 with the requirement until an auth token arrives', async () => {
    const a = await hold();
    const again = (await poll(a.headers.location as string, await w.personToken())) as Answer;
    expect(again.status).toBe(202);
    expect(again.headers['aauth-requirement']).toBe(a.headers['aauth-requirement']);
    // Polling again at once, with nothing new: 429 slow_down (AAuth-11 §11.9).
    const hasty = (await poll(a.headers.location as string, await w.personToken())) as Answer;
    expect(hasty.status).toBe(429);
    expect(JSON.parse(hasty.body).error).toBe('slow_down');
    expect(hasty.headers['retry-after']).toBe('10');
    w.clock.now += 3;
    const weak = (await poll(
      a.headers.location as string,
      await w.authToken('notes:read'),
    )) as Answer;
    expect(weak.status).toBe(202);
    w.clock.now += 3;
    const other = (await poll(
      a.headers.location as string,
      await w.authToken('notes:write', { sub: 'person-2' }),
    )) as Answer;
    expect(other.status).toBe(202);
  });

  it('refreshes the resource token in a later poll once the first expired', async () => {
    const a = await hold();
    w.clock.now += 400;
    const again = (await poll(a.headers.location as string, await w.personToken())) as Answer;
    expect(again.status).toBe(202);
    expect(again.headers['aauth-requirement']).not.toBe(a.headers['aauth-requirement']);
    const rt = /resource-token="([^"]+)"/.exec(again.headers['aauth-requirement'] ?? '')?.[1];
    expect(decodeJwt(rt ?? '').exp).toBeGreaterThan(w.clock.now);
  });

  it('runs the held request once, on the first poll with a valid auth token, and replays its result', async () => {
    const a = await hold('{"text":"hello"}');
    const location = a.headers.location as string;
    const auth = await w.authToken('notes:write');
    const d = await poll(location, auth);
    expect(isDispatch(d)).toBe(true);
    const dispatch = d as HeldDispatch;
    expect(dispatch.method).toBe('POST');
    expect(dispatch.target).toBe('/notes?x=1');
    expect(new TextDecoder().decode(dispatch.body)).toBe('{"text":"hello"}');
    const names = dispatch.headers.map(([n]) => n);
    expect(names).toContain('content-type');
    expect(names).not.toContain('signature');
    expect(names).not.toContain('signature-key');

    // While it runs, other polls wait.
    const meanwhile = (await poll(location, auth)) as Answer;
    expect(meanwhile.status).toBe(202);
    expect(meanwhile.headers['retry-after']).toBe('1');

    // The replayed request passes the route with the poll's principal, without a signature.
    const replay = await aauth.verify(
      { method: 'POST', target: '/notes?x=1', headers: dispatch.headers, deferred: dispatch.run },
      ROUTE,
    );
    expect(replay.ok).toBe(true);
    expect(replay.ok && replay.principal?.tokenType).toBe('auth');

    await dispatch.complete({
      status: 201,
      headers: { 'content-type': 'application/json', 'set-cookie': ['a=b'], 'x-id': 7 },
      body: new TextEncoder().encode('{"id":"n1"}'),
    });
    const repeat = (await poll(location, auth)) as Answer;
    expect(repeat).toEqual({
      status: 201,
      headers: { 'content-type': 'application/json', 'x-id': '7' },
      body: '{"id":"n1"}',
    });
    // Any other credential after the terminal answer: 410.
    const later = (await poll(location, await w.authToken('notes:write'))) as Answer;
    expect(later.status).toBe(410);
    expect(JSON.parse(later.body).error).toBe('invalid_code');
  });

  it('lets exactly one of many concurrent polls run the request', async () => {
    const a = await hold();
    const auth = await w.authToken('notes:write');
    const polls = await Promise.all(
      Array.from({ length: 8 }, () => poll(a.headers.location as string, auth)),
    );
    expect(polls.filter(isDispatch)).toHaveLength(1);
    expect(polls.filter((p) => !isDispatch(p) && p?.status === 202)).toHaveLength(7);
  });

  it('refuses polls signed by another key, unsigned polls and other methods', async () => {
    const a = await hold();
    const location = a.headers.location as string;
    const stranger = await generateDevKey('Ed25519');
    const foreign = (await poll(
      location,
      await w.authToken('notes:write', { cnf: { jwk: stranger.publicJwk } }),
      stranger,
    )) as Answer;
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error).toBe('denied');
    expect(foreign.headers['signature-error']).toBeUndefined();
    const unsigned = (await aauth.handle({
      method: 'GET',
      target: location,
      headers: {},
    })) as Answer;
    expect(unsigned).toMatchObject({
      status: 401,
      headers: { 'aauth-requirement': 'requirement=agent-token' },
    });
    const post = (await aauth.handle({ method: 'POST', target: location, headers: {} })) as Answer;
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    // The legitimate agent still completes.
    expect(isDispatch(await poll(location, await w.authToken('notes:write')))).toBe(true);
  });

  it('answers 410 for unknown or malformed pending URLs', async () => {
    const auth = await w.authToken('notes:write');
    for (const path of [
      '/aauth/pending/AAAAAAAAAAAAAAAAAAAAAA',
      '/aauth/pending/x',
      '/aauth/pending/',
    ]) {
      const a = (await poll(path, auth)) as Answer;
      expect(a.status).toBe(410);
    }
  });

  it('answers 408 once the pending request expired, then 410', async () => {
    const a = await hold();
    w.clock.now += 601;
    const expired = (await poll(
      a.headers.location as string,
      await w.authToken('notes:write'),
    )) as Answer;
    expect(expired.status).toBe(408);
    expect(JSON.parse(expired.body).error).toBe('expired');
    const after = (await poll(
      a.headers.location as string,
      await w.authToken('notes:write'),
    )) as Answer;
    expect(after.status).toBe(410);
  });

  it('answers 401 instead when the body is too large to hold or the store fails', async () => {
    const small = w.aauth({
      state,
      pending: { maxBodyBytes: 4 },
      metadata: { scopeDescriptions: { 'notes:write': 'Write notes' } },
    });
    const person = await w.personToken();
    const big = await small.verify(
      await w.request(person, { method: 'POST', path: '/notes', body: '{"text":"long"}' }),
      ROUTE,
    );
    expect(!big.ok && big.answer.status).toBe(401);
    const broken: StateStore = { ...state, set: () => Promise.reject(new Error('down')) };
    const failing = w.aauth({
      state: broken,
      metadata: { scopeDescriptions: { 'notes:write': 'Write notes' } },
    });
    const r = await failing.verify(
      await w.request(person, { method: 'POST', path: '/notes', body: '{}' }),
      ROUTE,
    );
    expect(!r.ok && r.answer.status).toBe(401);
    expect(!r.ok && r.answer.headers['aauth-requirement']).toMatch(/^requirement=auth-token;/);
  });

  it('holds at most pending.maxPerKey requests per agent key, then answers 401', async () => {
    const capped = w.aauth({
      state,
      pending: { maxPerKey: 2 },
      metadata: { scopeDescriptions: { 'notes:write': 'Write notes' } },
    });
    const person = await w.personToken();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await capped.verify(
        await w.request(person, { method: 'POST', path: '/notes', body: `{"n":${i}}` }),
        ROUTE,
      );
      statuses.push(r.ok ? 200 : r.answer.status);
    }
    expect(statuses).toEqual([202, 202, 401]);
  });

  it('ignores a forged run object: the request is verified as usual', async () => {
    const r = await aauth.verify(
      { method: 'POST', target: '/notes', headers: {}, deferred: { pendingId: 'x' } },
      ROUTE,
    );
    expect(!r.ok && r.answer.status).toBe(401);
  });

  it('keeps a route without defer on the 401 path', async () => {
    const person = await w.personToken();
    const r = await aauth.verify(
      await w.request(person, { method: 'POST', path: '/notes', body: '{}' }),
      { auth: ['notes:write'] },
    );
    expect(!r.ok && r.answer.status).toBe(401);
  });

  it('does not keep a binary result, and answers a repeat with 410 then', async () => {
    const a = await hold();
    const auth = await w.authToken('notes:write');
    const d = (await poll(a.headers.location as string, auth)) as HeldDispatch;
    await d.complete({ status: 200, headers: {}, body: new Uint8Array([0xff, 0xfe, 0x00]) });
    const repeat = (await poll(a.headers.location as string, auth)) as Answer;
    expect(repeat.status).toBe(410);
  });
});
