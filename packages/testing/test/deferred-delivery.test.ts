import { decodeJwt, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevResponse, json } from '../src/dev-server.ts';
import {
  type AgentExchange,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
  type TestAgentOptions,
} from '../src/index.ts';
import {
  authTokenRequirement,
  pending,
  readSignature,
  type SeenSignature,
  type StandIn,
  startStandIn,
} from './stand-in.ts';

interface Arrival {
  readonly path: string;
  readonly method: string;
  readonly at: number;
  readonly typ: string | undefined;
  readonly components: readonly string[];
  readonly bodyLength: number;
}

interface Held {
  readonly jkt: string;
  readonly person: JWTPayload;
  readonly results: Map<string, DevResponse>;
  polls: number;
}

/**
 * `GET /report` held behind a deferred auth-token requirement (AAuth-11 §6.5.1): a person token
 * gets a `202`; the first poll presenting an auth token runs it. `script` may answer a poll first.
 */
async function startHeldReport(
  ps: DevPersonServer,
  retryAfter: string,
  script?: (n: number, held: Held, self: StandIn) => Promise<DevResponse | undefined>,
) {
  const arrivals: Arrival[] = [];
  const records = new Map<string, Held>();
  let executed = 0;
  const run = (): DevResponse => {
    executed += 1;
    return json(200, { report: 'q3', executed });
  };
  const isOurAuthToken = (sig: SeenSignature, origin: string) =>
    sig.typ === 'aa-auth+jwt' && sig.claims?.iss === ps.issuer && sig.claims?.aud === origin;
  const resource = await startStandIn(async (req, self) => {
    const path = req.target.split('?')[0] as string;
    const sig = await readSignature(req);
    arrivals.push({
      path,
      method: req.method,
      at: Date.now(),
      typ: sig?.typ,
      components: sig?.components ?? [],
      bodyLength: req.body.length,
    });
    if (!sig?.verified || !sig.jkt || !sig.claims) return json(401, { error: 'invalid_signature' });
    if (req.method === 'GET' && path === '/report') {
      if (sig.typ === 'aa-agent+jwt')
        return json(401, { error: 'person' }, { 'aauth-requirement': 'requirement=person-token' });
      if (isOurAuthToken(sig, self.origin)) return run();
      const id = `h${records.size + 1}`;
      records.set(id, { jkt: sig.jkt, person: sig.claims, results: new Map(), polls: 0 });
      return pending(
        `/pending/${id}`,
        retryAfter,
        authTokenRequirement(await self.resourceToken(sig.claims)),
      );
    }
    const held = records.get(path.slice('/pending/'.length));
    if (req.method !== 'GET' || !held) return undefined;
    if (held.jkt !== sig.jkt) return json(403, { error: 'denied' });
    held.polls += 1;
    const scripted = await script?.(held.polls, held, self);
    if (scripted) return scripted;
    if (!isOurAuthToken(sig, self.origin)) return pending(path, retryAfter);
    // A repeated presentation of the same auth token gets the stored result, never a second run.
    const jti = String(sig.claims.jti);
    const result = held.results.get(jti) ?? run();
    held.results.set(jti, result);
    return result;
  });
  return {
    resource,
    arrivals,
    records,
    executed: () => executed,
    polls: () => arrivals.filter((a) => a.path.startsWith('/pending/')),
  };
}

const line = (e: AgentExchange) =>
  `${e.method} ${new URL(e.url).pathname} ${e.presented} ${e.status}`;

describe('the test agent follows a deferred auth-token requirement (202)', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  const agentFor = (extra: Partial<TestAgentOptions> = {}) =>
    createTestAgent({ agentProvider: ap, personServer: ps, ...extra });

  beforeAll(async () => {
    ps = await createDevPersonServer();
    ap = await createDevAgentProvider({ personServer: ps.issuer });
  });
  afterAll(async () => {
    await ap.close();
    await ps.close();
  });

  it('gets the auth token as for a 401, then polls Location and returns the held call’s answer', async () => {
    const s = await startHeldReport(ps, '0');
    try {
      const log: AgentExchange[] = [];
      const agent = await agentFor({ onExchange: (e) => log.push(e) });
      const res = await agent.fetch(`${s.resource.origin}/report`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ report: 'q3', executed: 1 });
      expect(log.map(line)).toEqual([
        'GET /report agent 401',
        'POST /person agent 200',
        'GET /report person 202',
        'POST /token agent 200',
        'GET /pending/h1 auth 200',
      ]);
      const [poll] = s.polls();
      expect(poll).toMatchObject({ method: 'GET', typ: 'aa-auth+jwt', bodyLength: 0 });
      expect(poll?.components).toEqual(['@method', '@authority', '@path', 'signature-key']);
      expect(decodeJwt(agent.held(s.resource.origin).auth as string)).toMatchObject({
        iss: ps.issuer,
        aud: s.resource.origin,
      });
    } finally {
      await s.resource.close();
    }
  });

  it('keeps polling on 202, trades a fresh resource token from a poll, and waits Retry-After up to maxPollWaitMs', async () => {
    const s = await startHeldReport(ps, '2', async (n, held, self) => {
      // The first resource token "expired": the resource puts a fresh one in a poll answer.
      if (n === 1)
        return pending(
          '/pending/h1',
          '2',
          authTokenRequirement(await self.resourceToken(held.person)),
        );
      if (n === 2) return pending('/pending/h1', '2', undefined, 'interacting');
      return undefined;
    });
    try {
      const log: AgentExchange[] = [];
      const agent = await agentFor({ maxPollWaitMs: 150, onExchange: (e) => log.push(e) });
      const res = await agent.fetch(`${s.resource.origin}/report`);
      expect(res.status).toBe(200);
      expect(s.executed()).toBe(1);
      expect(log.map(line).slice(2)).toEqual([
        'GET /report person 202',
        'POST /token agent 200',
        'GET /pending/h1 auth 202',
        'POST /token agent 200',
        'GET /pending/h1 auth 202',
        'GET /pending/h1 auth 200',
      ]);
      const polls = s.polls();
      for (let i = 1; i < polls.length; i++) {
        const gap = (polls[i]?.at ?? 0) - (polls[i - 1]?.at ?? 0);
        expect(gap).toBeGreaterThanOrEqual(140);
        expect(gap).toBeLessThan(1500);
      }
      // Each poll presented the newest auth token; the last one ran the call.
      const tokens = log.filter((e) => e.url.includes('/pending/')).map((e) => e.token);
      expect(tokens[0]).not.toBe(tokens[1]);
      expect(tokens[2]).toBe(agent.held(s.resource.origin).auth);
    } finally {
      await s.resource.close();
    }
  });

  it('honours Retry-After when nothing caps it', async () => {
    const s = await startHeldReport(ps, '1');
    try {
      const agent = await agentFor();
      expect((await agent.fetch(`${s.resource.origin}/report`)).status).toBe(200);
      const held = s.arrivals.find((a) => a.path === '/report' && a.typ === 'aa-person+jwt');
      const [poll] = s.polls();
      expect((poll?.at ?? 0) - (held?.at ?? 0)).toBeGreaterThanOrEqual(990);
    } finally {
      await s.resource.close();
    }
  });

  it('adds 5 s to the interval after a 429 (capped by maxPollWaitMs)', async () => {
    const s = await startHeldReport(ps, '0', async (n) =>
      n === 1 ? json(429, { error: 'slow_down' }) : undefined,
    );
    try {
      const agent = await agentFor({ maxPollWaitMs: 400 });
      const res = await agent.fetch(`${s.resource.origin}/report`);
      expect(res.status).toBe(200);
      const [first, second] = s.polls();
      expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(390);
    } finally {
      await s.resource.close();
    }
  });

  it('stops after pollTimeoutMs and returns the last 202', async () => {
    const s = await startHeldReport(ps, '1', async () => pending('/pending/h1', '1'));
    try {
      const agent = await agentFor({ maxPollWaitMs: 100, pollTimeoutMs: 350 });
      const started = Date.now();
      const res = await agent.fetch(`${s.resource.origin}/report`);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ status: 'pending' });
      expect(s.polls().length).toBeGreaterThanOrEqual(2);
      expect(s.executed()).toBe(0);
    } finally {
      await s.resource.close();
    }
  });

  it('does not poll a Location on another origin, nor when told not to follow', async () => {
    const resource = await startStandIn(async (req) => {
      const sig = await readSignature(req);
      if (sig?.typ === 'aa-agent+jwt')
        return json(401, {}, { 'aauth-requirement': 'requirement=person-token' });
      return pending('http://localhost:9/pending/x', '0');
    });
    try {
      const log: AgentExchange[] = [];
      const agent = await agentFor({ onExchange: (e) => log.push(e) });
      const res = await agent.fetch(`${resource.origin}/report`);
      expect(res.status).toBe(202);
      expect(log.map(line).at(-1)).toBe('GET /report person 202');
      const again = await agent.fetch(`${resource.origin}/report`, { followChallenges: false });
      expect(again.status).toBe(202);
      expect(log.map(line).at(-1)).toBe('GET /report person 202');
    } finally {
      await resource.close();
    }
  });
});
