import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json } from '../src/dev-server.ts';
import {
  type AgentExchange,
  createDevAgentProvider,
  createTestAgent,
  type DevAgentProvider,
  type InteractionRequest,
} from '../src/index.ts';
import { header, pending, readSignature, type StandIn, startStandIn } from './stand-in.ts';

interface Seen {
  readonly path: string;
  readonly authorization: string | undefined;
  readonly capabilities: string | undefined;
  readonly components: readonly string[];
  readonly verified: boolean;
}

/**
 * Resource-managed (two-party) access (AAuth-11 §6.2, §6.3): `GET /inbox` asks an agent that can
 * do interaction for the user's consent (`202`), then hands out a session token on the poll that
 * completes it. `GET /rotate` replaces the session token; `GET /bad` sends an unusable one.
 */
async function startInbox() {
  const seen: Seen[] = [];
  const sessions = new Set<string>();
  const waiting = new Map<string, { jkt: string; code: string; approved: boolean }>();
  let issued = 0;
  let asked = 0;
  const newSession = () => {
    issued += 1;
    const token = `sess-${issued}.x_y~`;
    sessions.add(token);
    return token;
  };
  const resource: StandIn = await startStandIn(async (req, self) => {
    const url = new URL(req.target, self.origin);
    if (url.pathname === '/interact') {
      // The user, on the resource's own page: the code only correlates (AAuth-11 §11.6.3).
      const entry = [...waiting.values()].find((w) => w.code === url.searchParams.get('code'));
      if (!entry) return json(404, { error: 'invalid_code' });
      entry.approved = true;
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'done' };
    }
    const sig = await readSignature(req);
    const authorization = header(req, 'authorization');
    seen.push({
      path: url.pathname,
      authorization,
      capabilities: header(req, 'aauth-capabilities'),
      components: sig?.components ?? [],
      verified: sig?.verified ?? false,
    });
    if (!sig?.verified || !sig.jkt || sig.typ !== 'aa-agent+jwt')
      return json(401, { error: 'agent' }, { 'aauth-requirement': 'requirement=agent-token' });
    if (url.pathname.startsWith('/pending/')) {
      const entry = waiting.get(url.pathname);
      if (!entry) return json(410, { error: 'invalid_code' });
      if (entry.jkt !== sig.jkt) return json(403, { error: 'denied' });
      if (!entry.approved) return pending(url.pathname, '1', undefined, 'interacting');
      waiting.delete(url.pathname);
      return json(200, { inbox: ['hello'] }, { 'aauth-access': newSession() });
    }
    const session = authorization?.startsWith('AAuth ') ? authorization.slice(6) : undefined;
    const bound = session && sessions.has(session) && sig.components.includes('authorization');
    if (bound && url.pathname === '/rotate') {
      sessions.delete(session);
      return json(200, { rotated: true }, { 'aauth-access': newSession() });
    }
    if (bound && url.pathname === '/bad')
      return json(200, { session }, { 'aauth-access': 'two words' });
    if (bound) return json(200, { session });
    const capabilities = header(req, 'aauth-capabilities') ?? '';
    if (url.pathname !== '/always' && !capabilities.split(/\s*,\s*/).includes('interaction'))
      return json(403, { error: 'denied', detail: 'this resource needs the user' });
    asked += 1;
    const location = `/pending/p${asked}`;
    const code = `A1B2-C3D${asked}`;
    waiting.set(location, { jkt: sig.jkt, code, approved: false });
    return pending(
      location,
      '0',
      `requirement=interaction; url="${self.origin}/interact"; code="${code}"`,
    );
  });
  return { resource, seen, sessions };
}

describe('the test agent in resource-managed access: interaction and session tokens', () => {
  let ap: DevAgentProvider;
  let s: Awaited<ReturnType<typeof startInbox>>;

  beforeAll(async () => {
    ap = await createDevAgentProvider();
    s = await startInbox();
  });
  afterAll(async () => {
    await s.resource.close();
    await ap.close();
  });

  it('declares interaction only with a hook; calls it, polls until 200, keeps AAuth-Access and presents it signed', async () => {
    const interactions: InteractionRequest[] = [];
    const log: AgentExchange[] = [];
    const agent = await createTestAgent({
      agentProvider: ap,
      maxPollWaitMs: 40,
      onExchange: (e) => log.push(e),
      // Acts as the user, a little later, so the agent sees `interacting` polls first.
      onInteraction: (i) => {
        interactions.push(i);
        setTimeout(() => void fetch(`${i.url}?code=${encodeURIComponent(i.code)}`), 150);
      },
    });
    const origin = s.resource.origin;
    const res = await agent.fetch(`${origin}/inbox`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ inbox: ['hello'] });
    expect(interactions).toEqual([
      { url: `${origin}/interact`, code: 'A1B2-C3D1', location: `${origin}/pending/p1` },
    ]);
    expect(s.seen[0]).toMatchObject({ path: '/inbox', capabilities: 'interaction' });
    const polls = log.filter((e) => e.url.endsWith('/pending/p1'));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    expect(polls.map((e) => `${e.presented} ${e.status}`).at(-1)).toBe('agent 200');
    expect(polls.slice(0, -1).every((e) => e.status === 202)).toBe(true);
    const first = agent.sessionToken(origin);
    expect(first).toBe('sess-1.x_y~');

    // Later requests carry the session token, covered by the signature.
    const again = await agent.fetch(`${origin}/inbox`);
    expect(await again.json()).toEqual({ session: first });
    const last = s.seen.at(-1);
    expect(last?.authorization).toBe(`AAuth ${first}`);
    expect(last?.components).toContain('authorization');
    expect(last?.verified).toBe(true);

    // A response may replace it; the newest one is used from then on.
    await agent.fetch(`${origin}/rotate`);
    const second = agent.sessionToken(`${origin}/any/path`);
    expect(second).not.toBe(first);
    expect(s.sessions.has(second as string)).toBe(true);
    expect(await (await agent.fetch(`${origin}/inbox`)).json()).toEqual({ session: second });

    // An unusable AAuth-Access value is refused and the held one kept.
    await agent.fetch(`${origin}/bad`);
    expect(agent.sessionToken(origin)).toBe(second);

    // Never sent unsigned (it is not a bearer token).
    await agent.fetch(`${origin}/inbox`, { unsigned: true, followChallenges: false });
    expect(s.seen.at(-1)?.authorization).toBeUndefined();

    agent.forgetSession(origin);
    expect(agent.sessionToken(origin)).toBeUndefined();
    const forgotten = await agent.fetch(`${origin}/inbox`, { followChallenges: false });
    expect(forgotten.status).toBe(202);
    expect(s.seen.at(-1)?.authorization).toBeUndefined();
  });

  it('without a hook it declares no capability, and hands back an interaction 202 without polling', async () => {
    const log: AgentExchange[] = [];
    const agent = await createTestAgent({ agentProvider: ap, onExchange: (e) => log.push(e) });
    const res = await agent.fetch(`${s.resource.origin}/inbox`);
    expect(res.status).toBe(403);
    expect(s.seen.at(-1)?.capabilities).toBeUndefined();
    const always = await agent.fetch(`${s.resource.origin}/always`);
    expect(always.status).toBe(202);
    expect(always.headers.get('aauth-requirement')).toMatch(/^requirement=interaction;/);
    expect(log.map((e) => new URL(e.url).pathname)).toEqual(['/inbox', '/always']);
  });

  it('refuses bad polling options at construction', async () => {
    await expect(createTestAgent({ agentProvider: ap, maxPollWaitMs: -1 })).rejects.toThrow(
      RangeError,
    );
    await expect(createTestAgent({ agentProvider: ap, pollTimeoutMs: Number.NaN })).rejects.toThrow(
      /pollTimeoutMs/,
    );
  });
});
