import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTHORITY, createFixture, type Fixture } from '@aauth-gate/conformance';
import { type AAuth, createAAuth } from '@aauth-gate/core';
import { signRequest, type TestAgent } from '@aauth-gate/testing';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AAuthState, aauthKoa } from '../src/index.js';

interface TestState extends AAuthState {
  parsed?: unknown;
}

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

async function listen(app: Koa<TestState>): Promise<string> {
  const server = createServer(app.callback()).listen(0, '127.0.0.1');
  servers.push(server);
  await new Promise((r) => server.once('listening', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

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

/** Stands in for a body parser: drains the request stream and parses JSON. */
const parseJson: Middleware<TestState> = async (ctx, next) => {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  ctx.state.parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  await next();
};

const echo: Middleware<TestState> = (ctx) => {
  ctx.body = {
    sub: ctx.state.aauth?.sub ?? null,
    raw: ctx.state.aauthRawBody?.toString('utf8') ?? null,
    parsed: ctx.state.parsed ?? null,
  };
};

describe('aauthKoa', () => {
  it('answers an unsigned request with core’s challenge: 401, no body, no content-type', async () => {
    const app = new Koa<TestState>();
    app.use(aauthKoa({ core: fx.app }).requireAAuth()).use(echo);
    const res = await fetch(`${await listen(app)}/agent`);
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=agent-token');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(res.headers.get('content-type')).toBeNull();
    expect(await res.text()).toBe('');
  });

  it('keeps the status and body even when upstream set a JSON type', async () => {
    const app = new Koa<TestState>();
    app.use(async (ctx, next) => {
      ctx.type = 'application/json';
      await next();
    });
    app.use(aauthKoa({ core: fx.app }).requireAAuth()).use(echo);
    const res = await fetch(`${await listen(app)}/agent`);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBeNull();
    expect(await res.text()).toBe('');
  });

  it('serves the metadata and JWKS exactly as core builds them, and passes other paths on', async () => {
    const app = new Koa<TestState>();
    app.use(aauthKoa({ core: fx.app }).wellKnown());
    app.use((ctx) => {
      ctx.body = 'next';
    });
    const url = await listen(app);
    for (const [path, doc] of [
      ['/.well-known/aauth-resource.json', fx.app.metadata],
      ['/.well-known/jwks.json', fx.app.jwks],
    ] as const) {
      const res = await fetch(`${url}${path}`);
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
    expect(post.headers.get('content-type')).toBeNull();
    expect(await post.text()).toBe('');
    expect(await (await fetch(`${url}/other`)).text()).toBe('next');
  });

  it('reads the body itself, exposes the bytes, and leaves the stream to a later parser', async () => {
    const aauth = aauthKoa({ core: fx.app });
    const app = new Koa<TestState>();
    const router = new Router<TestState>();
    router.post('/notes', aauth.requireAAuth({ components: ['content-digest'] }), parseJson, echo);
    app.use(router.routes());
    const url = await listen(app);
    const body = '{"text":"hello"}';
    const res = await fetch(`${url}/notes`, await signed(url, '/notes', { method: 'POST', body }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      sub: expect.any(String),
      raw: body,
      parsed: { text: 'hello' },
    });
  });

  it('answers 401 invalid_signature (not 500) when a parser consumed the body first, and warns once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const app = new Koa<TestState>();
    app
      .use(parseJson)
      .use(aauthKoa({ core: fx.app }).requireAAuth({ components: ['content-digest'] }));
    app.use(echo);
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
    expect(String(warn.mock.calls[0]?.[0])).toContain('before the body parser');
  });

  it('passes no body over maxBodyBytes and leaves it unread for the app', async () => {
    const aauth = aauthKoa({ core: fx.app, maxBodyBytes: 8 });
    const router = new Router<TestState>();
    router.post('/signed', aauth.requireAAuth({ components: ['content-digest'] }), echo);
    router.post('/optional', aauth.requireAAuth({ optional: true }), parseJson, echo);
    const app = new Koa<TestState>();
    app.use(router.routes());
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
    expect(await open.json()).toEqual({ sub: null, raw: null, parsed: JSON.parse(body) });
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
    const app = new Koa<TestState>();
    app
      .use(
        aauthKoa({ core: fx.app, maxBodyBytes: 8 }).requireAAuth({
          components: ['content-digest'],
        }),
      )
      .use(echo);
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
    const run = async (trustProxy: boolean, proxy: boolean): Promise<number> => {
      const app = new Koa<TestState>({ proxy });
      app.use(aauthKoa({ core, trustProxy }).requireAAuth()).use(echo);
      const url = await listen(app);
      const init = await signed(url, '/agent', { authority: 'public.example' });
      const headers = {
        ...(init.headers as Record<string, string>),
        'x-forwarded-host': 'public.example',
      };
      return (await fetch(`${url}/agent`, { ...init, headers })).status;
    };

    it('ignores X-Forwarded-Host by default, even with app.proxy', async () => {
      expect(await run(false, true)).toBe(401);
    });
    it('ignores X-Forwarded-Host when app.proxy is false', async () => {
      expect(await run(true, false)).toBe(401);
    });
    it('uses X-Forwarded-Host (ctx.host) when app.proxy is true', async () => {
      expect(await run(true, true)).toBe(200);
    });
  });

  it('creates core from options with the guarded fetch (dev issuers on loopback)', async () => {
    const aauth = aauthKoa({
      resource: 'https://resource.test',
      dev: true,
      authorities: [AUTHORITY],
      trust: { agentProviders: [fx.agentProvider.issuer], personServers: 'any' },
    });
    const app = new Koa<TestState>();
    app.use(aauth.requireAAuth()).use(echo);
    const url = await listen(app);
    const res = await fetch(`${url}/agent`, await signed(url, '/agent'));
    expect(res.status).toBe(200);
  });

  it('throws at set-up for bad options and requirement typos', () => {
    const aauth = aauthKoa({ core: fx.app });
    expect(() => aauth.requireAAuth('agnet' as never)).toThrow(TypeError);
    expect(() => aauth.requireAAuth({ auth: 'notes:wirte' })).toThrow(/scopeDescriptions/);
    expect(() => aauthKoa({ core: fx.app, trustProxy: 'yes' as never })).toThrow(TypeError);
    expect(() => aauthKoa({ core: fx.app, maxBodyBytes: 1.5 })).toThrow(RangeError);
    expect(() => aauthKoa({ core: {} as AAuth })).toThrow(TypeError);
    expect(() => aauthKoa(null as never)).toThrow(TypeError);
    expect(() =>
      aauthKoa({ resource: 'http://x', trust: { agentProviders: 'any', personServers: 'any' } }),
    ).toThrow(TypeError);
  });

  it('lets unexpected errors take Koa’s error path', async () => {
    const broken: AAuth = { ...fx.app, verify: () => Promise.reject(new Error('store down')) };
    const app = new Koa<TestState>();
    const errors: unknown[] = [];
    app.on('error', (err) => errors.push(err));
    app.use(aauthKoa({ core: broken }).requireAAuth()).use(echo);
    const res = await fetch(`${await listen(app)}/agent`);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('store down');
  });
});
