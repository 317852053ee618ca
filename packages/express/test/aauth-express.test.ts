import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTHORITY, createFixture, type Fixture } from '@aauth-gate/conformance';
import { type AAuth, createAAuth } from '@aauth-gate/core';
import { signRequest, type TestAgent } from '@aauth-gate/testing';
import express, { type ErrorRequestHandler, type Express } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { aauthExpress, keepRawBody } from '../src/index.js';

let fx: Fixture;
let agent: TestAgent;
const servers: Server[] = [];

beforeAll(async () => {
  fx = await createFixture();
  agent = await fx.newAgent();
});
afterAll(() => fx?.close());
afterEach(async () => {
  vi.restoreAllMocks();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(app: Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A signed request for `path` on `url`, covering content-digest when there is a body. */
async function signed(
  url: string,
  path: string,
  init: { method?: string; body?: string; authority?: string } = {},
): Promise<RequestInit> {
  const method = init.method ?? 'GET';
  const headers = await signRequest({
    method,
    url: `${url}${path}`,
    headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
    body: init.body,
    key: agent.key,
    token: await agent.agentToken(),
    authority: init.authority ?? AUTHORITY,
  });
  return { method, headers, ...(init.body === undefined ? {} : { body: init.body }) };
}

/** POST a signed, chunked body on a keep-alive agent; resolves the status (rejects after 2 s). */
async function postChunked(agent: Agent, url: string, size: number): Promise<number> {
  const parts = [Buffer.alloc(size, 97), Buffer.alloc(size, 98)];
  const init = await signed(url, '/big', { method: 'POST', body: Buffer.concat(parts).toString() });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('connection stalled')), 2000);
    const headers = init.headers as Record<string, string>;
    const req = request(`${url}/big`, { method: 'POST', agent, headers }, (res) => {
      res.resume().on('end', () => {
        clearTimeout(timer);
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject).write(parts[0]);
    setTimeout(() => req.end(parts[1]), 20);
  });
}

/** A request body sent with `transfer-encoding: chunked`, one part per chunk. */
function chunks(parts: string[]): ReadableStream<Uint8Array> {
  const queue = parts.map((p) => new TextEncoder().encode(p));
  return new ReadableStream({
    async pull(controller) {
      await new Promise((r) => setTimeout(r, 5));
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

const echo: express.RequestHandler = (req, res) => {
  res.json({
    sub: req.aauth?.sub ?? null,
    raw: req.rawBody?.toString('utf8') ?? null,
    body: Buffer.isBuffer(req.body) ? `buffer:${req.body.toString('utf8')}` : (req.body ?? null),
  });
};

describe('aauthExpress', () => {
  it('answers an unsigned request with core’s challenge and nothing else', async () => {
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    app.get('/agent', aauth.requireAAuth(), echo);
    const res = await fetch(`${await listen(app)}/agent`);
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=agent-token');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('content-type')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
    expect(await res.text()).toBe('');
  });

  it('serves the metadata and JWKS exactly as core builds them, and passes other paths on', async () => {
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    app.use(aauth.wellKnown());
    app.get('/other', (_req, res) => {
      res.send('next');
    });
    const url = await listen(app);
    for (const [path, doc] of [
      ['/.well-known/aauth-resource.json', fx.app.metadata],
      ['/.well-known/jwks.json', fx.app.jwks],
    ] as const) {
      const res = await fetch(`${url}${path}?x=1`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(res.headers.get('cache-control')).toBe('public, max-age=300');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(await res.text()).toBe(JSON.stringify(doc));
    }
    const head = await fetch(`${url}/.well-known/jwks.json`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('application/json');
    const post = await fetch(`${url}/.well-known/jwks.json`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await post.text()).toBe('');
    expect(await (await fetch(`${url}/other`)).text()).toBe('next');
  });

  it('reads the body itself when no parser ran, and leaves the stream to a later parser', async () => {
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    const route = { components: ['content-digest'] };
    app.post('/raw', aauth.requireAAuth(route), echo);
    app.post('/parsed-after', aauth.requireAAuth(route), express.json(), echo);
    const url = await listen(app);
    const raw = await fetch(
      `${url}/raw`,
      await signed(url, '/raw', { method: 'POST', body: '{"a":1}' }),
    );
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({ sub: expect.any(String), raw: '{"a":1}', body: null });
    const after = await fetch(
      `${url}/parsed-after`,
      await signed(url, '/parsed-after', { method: 'POST', body: '{"b":2}' }),
    );
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({ sub: expect.any(String), raw: '{"b":2}', body: { b: 2 } });
  });

  it('reads a chunked body (no content-length)', async () => {
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    app.post('/raw', aauth.requireAAuth({ components: ['content-digest'] }), echo);
    const url = await listen(app);
    const init = await signed(url, '/raw', { method: 'POST', body: '{"chunked":true}' });
    const body = chunks(['{"chun', 'ked":true}']);
    const res = await fetch(`${url}/raw`, { ...init, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect((await res.json()).raw).toBe('{"chunked":true}');
  });

  it('uses the bytes kept by keepRawBody and by express.raw()', async () => {
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    const route = aauth.requireAAuth({ components: ['content-digest'] });
    app.post('/json', express.json({ verify: keepRawBody }), route, echo);
    app.post('/raw', express.raw({ type: () => true }), route, echo);
    const url = await listen(app);
    const json = await fetch(
      `${url}/json`,
      await signed(url, '/json', { method: 'POST', body: '{"c":3}' }),
    );
    expect(await json.json()).toEqual({ sub: expect.any(String), raw: '{"c":3}', body: { c: 3 } });
    const raw = await fetch(
      `${url}/raw`,
      await signed(url, '/raw', { method: 'POST', body: '{"d":4}' }),
    );
    expect(await raw.json()).toEqual({
      sub: expect.any(String),
      raw: null,
      body: 'buffer:{"d":4}',
    });
  });

  it('answers 401 invalid_signature (not 500) when a parser dropped the bytes, and warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const aauth = aauthExpress({ core: fx.app });
    const app = express();
    app.post(
      '/notes',
      express.json(),
      aauth.requireAAuth({ components: ['content-digest'] }),
      echo,
    );
    const url = await listen(app);
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(
        `${url}/notes`,
        await signed(url, '/notes', { method: 'POST', body: `{"n":${i}}` }),
      );
      expect(res.status).toBe(401);
      expect(res.headers.get('signature-error')).toBe('error=invalid_signature');
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(await res.text())).toMatchObject({
        error: 'invalid_signature',
        status: 401,
      });
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toContain('express.json({ verify: keepRawBody })');
  });

  it('passes no body over maxBodyBytes and leaves it unread for the app', async () => {
    const aauth = aauthExpress({ core: fx.app, maxBodyBytes: 8 });
    const app = express();
    app.post('/signed', aauth.requireAAuth({ components: ['content-digest'] }), echo);
    app.post('/optional', aauth.requireAAuth({ optional: true }), express.json(), echo);
    const url = await listen(app);
    const body = '{"long":"more than eight bytes"}';
    const res = await fetch(
      `${url}/signed`,
      await signed(url, '/signed', { method: 'POST', body }),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('signature-error')).toBe('error=invalid_signature');
    const open = await fetch(`${url}/optional`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(await open.json()).toEqual({ sub: null, raw: null, body: JSON.parse(body) });
    // Chunked: the limit is hit while reading.
    const init = await signed(url, '/signed', { method: 'POST', body });
    const chunked = await fetch(`${url}/signed`, {
      ...init,
      body: chunks(['{"long":', '"more than', ' eight bytes"}']),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(401);
    expect(chunked.headers.get('signature-error')).toBe('error=invalid_signature');
  });

  it('does not stall a keep-alive connection behind a body nobody reads', async () => {
    const aauth = aauthExpress({ core: fx.app, maxBodyBytes: 8 });
    const app = express();
    app.post('/big', aauth.requireAAuth({ components: ['content-digest'] }), echo);
    const url = await listen(app);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await postChunked(agent, url, 300_000)).toBe(401);
      expect(await postChunked(agent, url, 10)).toBe(401);
    } finally {
      agent.destroy();
    }
  });

  describe('trustProxy', () => {
    let core: AAuth;
    beforeAll(() => {
      core = createAAuth({
        resource: 'https://resource.test',
        dev: true,
        authorities: [AUTHORITY, 'public.example'],
        trust: { agentProviders: [fx.agentProvider.issuer], personServers: 'any' },
      });
    });
    const run = async (trustProxy: boolean, setting: string | false): Promise<number> => {
      const app = express();
      app.set('trust proxy', setting);
      app.get('/agent', aauthExpress({ core, trustProxy }).requireAAuth(), echo);
      const url = await listen(app);
      const init = await signed(url, '/agent', { authority: 'public.example' });
      const headers = {
        ...(init.headers as Record<string, string>),
        'x-forwarded-host': 'public.example',
      };
      return (await fetch(`${url}/agent`, { ...init, headers })).status;
    };

    it('ignores X-Forwarded-Host by default, even when Express trusts the proxy', async () => {
      expect(await run(false, 'loopback')).toBe(401);
    });
    it('ignores X-Forwarded-Host when Express does not trust the proxy', async () => {
      expect(await run(true, false)).toBe(401);
    });
    it('uses X-Forwarded-Host when Express trusts the proxy', async () => {
      expect(await run(true, 'loopback')).toBe(200);
    });
  });

  it('creates core from options with the guarded fetch (dev issuers on loopback)', async () => {
    const aauth = aauthExpress({
      resource: 'https://resource.test',
      dev: true,
      authorities: [AUTHORITY],
      trust: { agentProviders: [fx.agentProvider.issuer], personServers: 'any' },
    });
    const app = express();
    app.get('/agent', aauth.requireAAuth(), echo);
    const url = await listen(app);
    const res = await fetch(`${url}/agent`, await signed(url, '/agent'));
    expect(res.status).toBe(200);
  });

  it('throws at set-up for bad options and requirement typos', () => {
    const aauth = aauthExpress({ core: fx.app });
    expect(() => aauth.requireAAuth('agnet' as never)).toThrow(TypeError);
    expect(() => aauth.requireAAuth({ auth: 'notes:wirte' })).toThrow(/scopeDescriptions/);
    expect(() => aauthExpress({ core: fx.app, trustProxy: 'yes' as never })).toThrow(TypeError);
    expect(() => aauthExpress({ core: fx.app, maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => aauthExpress({ core: {} as AAuth })).toThrow(TypeError);
    expect(() => aauthExpress(undefined as never)).toThrow(TypeError);
    expect(() =>
      aauthExpress({
        resource: 'http://x',
        trust: { agentProviders: 'any', personServers: 'any' },
      }),
    ).toThrow(TypeError);
  });

  it('hands unexpected errors to next(err)', async () => {
    const broken: AAuth = {
      ...fx.app,
      verify: () => Promise.reject(new Error('store down')),
    };
    const app = express();
    app.get('/agent', aauthExpress({ core: broken }).requireAAuth(), echo);
    const onError: ErrorRequestHandler = (err, _req, res, _next) => {
      res.status(503).send(`handled: ${(err as Error).message}`);
    };
    app.use(onError);
    const res = await fetch(`${await listen(app)}/agent`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('handled: store down');
  });
});
