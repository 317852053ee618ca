import { beforeEach, describe, expect, it } from 'vitest';
import { generateDevKey, signRequest } from '../../../testing/src/index.ts';
import {
  type AAuth,
  type AAuthRequest,
  type Answer,
  createMemoryStateStore,
  type HeldDispatch,
} from '../../src/index.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';

const SECRET = new Uint8Array(32).fill(7);
const SESSION = { session: true } as const;

function isDispatch(x: Answer | HeldDispatch | undefined): x is HeldDispatch {
  return x !== undefined && 'kind' in x;
}

describe('resource-managed access: interaction and sessions (AAuth-11 §6.2–§6.3)', () => {
  let w: World;
  let aauth: AAuth;
  beforeEach(async () => {
    w = await createWorld();
    aauth = w.aauth({
      state: createMemoryStateStore({ now: () => w.clock.now }),
      sessions: {
        secret: SECRET,
        authenticateUser: (req: AAuthRequest) => {
          const h = req.headers as Record<string, string>;
          return h['x-user'];
        },
      },
    });
  });

  async function agentRequest(
    init: { path?: string; headers?: Record<string, string>; key?: typeof w.agentKey } = {},
  ): Promise<AAuthRequest> {
    const key = init.key ?? w.agentKey;
    const token = await w.agentToken({ cnf: { jwk: key.publicJwk } });
    const path = init.path ?? '/account';
    const headers = await signRequest({
      method: 'GET',
      url: `${RESOURCE}${path}`,
      headers: init.headers ?? {},
      key,
      token,
      created: w.clock.now,
    });
    return { method: 'GET', target: path, headers };
  }

  const page = (target: string, user?: string, method = 'GET', body?: string): Promise<Answer> =>
    aauth.handle({
      method,
      target,
      headers: {
        ...(user ? { 'x-user': user } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body: new TextEncoder().encode(body) } : {}),
    }) as Promise<Answer>;

  async function start(): Promise<{ location: string; code: string; url: string }> {
    const r = await aauth.verify(
      await agentRequest({ headers: { 'aauth-capabilities': 'interaction' } }),
      SESSION,
    );
    expect(r.ok).toBe(false);
    const a = (r as { answer: Answer }).answer;
    expect(a.status).toBe(202);
    const m = /^requirement=interaction;url="([^"]+)";code="([0-9A-Z]{5}-[0-9A-Z]{5})"$/.exec(
      a.headers['aauth-requirement'] ?? '',
    );
    expect(m).not.toBeNull();
    expect(a.headers['cache-control']).toBe('no-store');
    expect(a.headers['retry-after']).toBe('5');
    return { location: a.headers.location as string, url: m?.[1] ?? '', code: m?.[2] ?? '' };
  }

  const nonceOf = (html: string): string => /name="nonce" value="([^"]+)"/.exec(html)?.[1] ?? '';

  it('refuses a session route to an agent that did not declare the interaction capability', async () => {
    const r = await aauth.verify(await agentRequest(), SESSION);
    expect(!r.ok && r.answer.status).toBe(403);
    expect(!r.ok && JSON.parse(r.answer.body).error).toBe('denied');
    // Sessions start from agent identity (two-party access); a person token cannot start one.
    const person = await w.request(await w.personToken(), { path: '/account' });
    const p = await aauth.verify(
      { ...person, headers: { ...person.headers, 'aauth-capabilities': 'interaction' } },
      SESSION,
    );
    expect(!p.ok && p.answer.status).toBe(403);
    expect(!p.ok && JSON.parse(p.answer.body).detail).toMatch(/started with an agent token/);
  });

  it('holds the request behind an interaction, then issues a session bound to the key', async () => {
    const { location, code, url } = await start();
    expect(url).toBe(`${RESOURCE}/aauth/interaction`);
    const poll = async () => aauth.handle(await agentRequest({ path: location }));
    expect(((await poll()) as Answer).body).toBe('{"status":"pending"}');

    const consent = await page(`/aauth/interaction?code=${code.toLowerCase()}`, 'alice');
    expect(consent.status).toBe(200);
    expect(consent.headers['content-type']).toMatch(/^text\/html/);
    expect(consent.body).toContain('aauth:assistant@agents.example');
    w.clock.now += 3; // no sooner than half of Retry-After, or the poll gets 429 slow_down
    expect(((await poll()) as Answer).body).toBe('{"status":"interacting"}');

    const approved = await page(
      '/aauth/interaction',
      'alice',
      'POST',
      `code=${code}&nonce=${nonceOf(consent.body)}&decision=approve`,
    );
    expect(approved.status).toBe(200);
    // Single use: the code is gone.
    expect((await page(`/aauth/interaction?code=${code}`, 'alice')).status).toBe(410);

    const d = await poll();
    expect(isDispatch(d)).toBe(true);
    const dispatch = d as HeldDispatch;
    expect(dispatch.target).toBe('/account');
    const session = dispatch.responseHeaders['aauth-access'] as string;
    expect(session).toMatch(/^[A-Za-z0-9_-]+$/);
    const replay = await aauth.verify(
      { method: 'GET', target: '/account', headers: dispatch.headers, deferred: dispatch.run },
      SESSION,
    );
    expect(replay.ok && replay.principal?.session?.user).toBe('alice');

    // Later calls: Authorization: AAuth, covered by the signature, same key.
    const later = await aauth.verify(
      await agentRequest({ headers: { authorization: `AAuth ${session}` } }),
      SESSION,
    );
    expect(later.ok && later.principal?.session?.user).toBe('alice');

    // Another key presenting the same session token gets nothing from it.
    const thief = await generateDevKey('Ed25519');
    const stolen = await aauth.verify(
      await agentRequest({ key: thief, headers: { authorization: `AAuth ${session}` } }),
      SESSION,
    );
    expect(!stolen.ok && stolen.answer.status).toBe(403);

    // An uncovered Authorization is a signature error.
    const req = await agentRequest();
    const uncovered = await aauth.verify(
      {
        ...req,
        headers: { ...(req.headers as Record<string, string>), authorization: `AAuth ${session}` },
      },
      SESSION,
    );
    expect(!uncovered.ok && uncovered.answer.status).toBe(401);
    expect(!uncovered.ok && uncovered.answer.headers['signature-error']).toMatch(/invalid_input/);

    // An expired session is treated as absent.
    w.clock.now += 3601;
    const expired = await aauth.verify(
      await agentRequest({ headers: { authorization: `AAuth ${session}` } }),
      SESSION,
    );
    expect(!expired.ok && expired.answer.status).toBe(403);
  });

  it('ends with 403 denied when the user refuses, redirecting to the callback with an error', async () => {
    const { location, code } = await start();
    const cb = encodeURIComponent('https://agent.example/done?x=1');
    const consent = await page(`/aauth/interaction?code=${code}&callback=${cb}`, 'bob');
    const denied = await page(
      '/aauth/interaction',
      'bob',
      'POST',
      `code=${code}&nonce=${nonceOf(consent.body)}&decision=deny&callback=${cb}`,
    );
    expect(denied.status).toBe(303);
    expect(denied.headers.location).toBe('https://agent.example/done?x=1&error=access_denied');
    const poll = async () => (await aauth.handle(await agentRequest({ path: location }))) as Answer;
    const first = await poll();
    expect(first.status).toBe(403);
    expect(JSON.parse(first.body).error).toBe('denied');
    expect((await poll()).status).toBe(410);
  });

  it('asks the visitor to sign in first, and refuses a forged form', async () => {
    const { code } = await start();
    expect((await page(`/aauth/interaction?code=${code}`)).status).toBe(401);
    const withLogin = w.aauth({
      sessions: { secret: SECRET, authenticateUser: () => undefined, loginUrl: '/login' },
    });
    const r = await withLogin.verify(
      await agentRequest({ headers: { 'aauth-capabilities': 'interaction, payment' } }),
      SESSION,
    );
    const c = /code="([^"]+)"/.exec(
      (r as { answer: Answer }).answer.headers['aauth-requirement'] ?? '',
    )?.[1];
    const login = (await withLogin.handle({
      method: 'GET',
      target: `/aauth/interaction?code=${c}`,
      headers: {},
    })) as Answer;
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe(
      `${RESOURCE}/login?return=${encodeURIComponent(`${RESOURCE}/aauth/interaction?code=${c}`)}`,
    );
    // The agent knows the code but never saw the form's nonce.
    await page(`/aauth/interaction?code=${code}`, 'alice');
    const forged = await page(
      '/aauth/interaction',
      'alice',
      'POST',
      `code=${code}&nonce=guess&decision=approve`,
    );
    expect(forged.status).toBe(400);
  });

  it('limits wrong codes per user and refuses unacceptable callbacks', async () => {
    for (let i = 0; i < 5; i++)
      expect((await page('/aauth/interaction?code=AAAAA-AAAAA', 'mallory')).status).toBe(410);
    expect((await page('/aauth/interaction?code=AAAAA-AAAAA', 'mallory')).status).toBe(429);
    const { code } = await start();
    expect((await page(`/aauth/interaction?code=${code}`, 'mallory')).status).toBe(429);
    const bad = await page(
      `/aauth/interaction?code=${code}&callback=${encodeURIComponent('javascript:alert(1)')}`,
      'alice',
    );
    expect(bad.status).toBe(400);
  });

  it('rejects a session route without the sessions option at set-up', () => {
    expect(() => w.aauth().requirement(SESSION)).toThrow(/sessions option/);
  });
});
