import {
  type AAuth,
  type AAuthRequest,
  createAAuth,
  generateResourceKey,
  type ResourceSigningKey,
} from '@aauth-gate/core';
import { Hono } from 'hono';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AAuthHonoOptions, aauthHono } from '../src/index.ts';
import { rawRequest, type Served, serveApp } from './serve.ts';

const RESOURCE = 'https://api.example';
let signingKey: ResourceSigningKey;

beforeAll(async () => {
  signingKey = (await generateResourceKey()).key;
});

function coreOptions() {
  return {
    resource: RESOURCE,
    trust: { agentProviders: 'any', personServers: 'any' },
    signingKey,
    now: () => 1_800_000_000,
  } as const;
}

/** Core wrapped so each test sees the exact `AAuthRequest` the adapter built. */
/** Bytes the adapter would hand core when core asks for the (lazy) body. */
interface SeenRequest extends Omit<AAuthRequest, 'body'> {
  readonly body: Uint8Array | undefined;
}

function spiedCore(): { core: AAuth; seen: SeenRequest[] } {
  const real = createAAuth(coreOptions());
  const seen: SeenRequest[] = [];
  const core: AAuth = {
    ...real,
    verify: async (request, requirement) => {
      const body = typeof request.body === 'function' ? await request.body() : request.body;
      seen.push({ ...request, body });
      return real.verify({ ...request, body }, requirement);
    },
  };
  return { core, seen };
}

/** An app with the adapter: `/agent` (agent), `/optional` (optional), `/echo` (optional, POST). */
function buildApp(options: AAuthHonoOptions) {
  const aauth = aauthHono(options);
  const app = new Hono();
  app.use(aauth.wellKnown());
  app.get('/agent', aauth.requireAAuth(), (c) => c.json({ principal: c.get('aauth') ?? null }));
  app.get('/optional', aauth.requireAAuth({ optional: true }), (c) =>
    c.json({ principal: c.get('aauth') ?? null }),
  );
  app.all('/*', aauth.requireAAuth({ optional: true }), async (c) =>
    c.json({ target: new URL(c.req.url).pathname, body: await c.req.text() }),
  );
  return { app, aauth };
}

let served: Served | undefined;
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function start(options: AAuthHonoOptions) {
  const built = buildApp(options);
  served = await serveApp(built.app);
  return { ...built, served };
}

const TRANSPORT = ['date', 'connection', 'keep-alive', 'transfer-encoding', 'content-length'];

/** A response reduced to what must match: status, headers other than framing, body. */
async function snapshot(res: Response) {
  const headers = Object.fromEntries([...res.headers].filter(([k]) => !TRANSPORT.includes(k)));
  return { status: res.status, headers, body: await res.text() };
}

describe('unsigned requests', () => {
  it('answer 401 with AAuth-Requirement and no WWW-Authenticate, on the wire', async () => {
    const { served } = await start(coreOptions());
    const res = await fetch(`${served.url}/agent`);
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=agent-token');
    expect(res.headers.has('www-authenticate')).toBe(false);
    expect(res.headers.has('signature-error')).toBe(false);
    expect(await res.text()).toBe('');
  });

  it('answer the same through app.request() in-process (no server)', async () => {
    const { app, served } = await start(coreOptions());
    for (const path of ['/agent', '/.well-known/aauth-resource.json', '/.well-known/jwks.json']) {
      const wire = await snapshot(await fetch(`${served.url}${path}`));
      const local = await snapshot(await app.request(path));
      expect(local).toEqual(wire);
    }
  });

  it('reach an optional route with no principal', async () => {
    const { served } = await start(coreOptions());
    const res = await fetch(`${served.url}/optional`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ principal: null });
  });

  it('with signature headers that do not parse get core’s 401 problem unchanged', async () => {
    const { served, aauth } = await start(coreOptions());
    const res = await fetch(`${served.url}/agent`, {
      headers: { signature: 'sig=:AAAA:', 'signature-input': 'sig=()', 'signature-key': 'x' },
    });
    const expected = await aauth.core.verify(
      {
        method: 'GET',
        target: '/agent',
        headers: { signature: 'sig=:AAAA:', 'signature-input': 'sig=()', 'signature-key': 'x' },
      },
      'agent',
    );
    expect(expected.ok).toBe(false);
    if (expected.ok) return;
    expect(res.status).toBe(expected.answer.status);
    for (const [k, v] of Object.entries(expected.answer.headers))
      expect(res.headers.get(k)).toBe(v);
    expect(res.headers.get('signature-error')).toMatch(/^error=/);
    expect(await res.text()).toBe(expected.answer.body);
  });
});

describe('well-known documents', () => {
  it('serve the resource metadata and the JWKS before any verification', async () => {
    const { served, aauth } = await start(coreOptions());
    const meta = await fetch(`${served.url}/.well-known/aauth-resource.json`);
    expect(meta.status).toBe(200);
    expect(meta.headers.get('content-type')).toBe('application/json');
    expect(meta.headers.get('cache-control')).toBe('public, max-age=300');
    expect(meta.headers.get('access-control-allow-origin')).toBe('*');
    expect(await meta.json()).toEqual(aauth.core.metadata);
    const jwks = await fetch(`${served.url}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    const body = (await jwks.json()) as { keys: { kid: string }[] };
    expect(body).toEqual(aauth.core.jwks);
    expect(body.keys[0]?.kid).toBe(signingKey.kid);
  });

  it('answer HEAD with no body, OPTIONS with 204 and other methods with 405', async () => {
    const { served } = await start(coreOptions());
    const url = `${served.url}/.well-known/aauth-resource.json`;
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const options = await fetch(url, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS');
    const post = await fetch(url, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await post.text()).toBe('');
  });

  it('let every other request through', async () => {
    const { served } = await start(coreOptions());
    const res = await fetch(`${served.url}/.well-known/other`);
    expect(res.status).toBe(200);
  });
});

describe('request translation', () => {
  it('hands core the request target exactly as on the wire (node-server)', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    const path = '/a/./b/../c%2Fd;p?q=a%20b&q=%2F&e=';
    const res = await rawRequest(served.port, 'GET', path);
    expect(res.status).toBe(200);
    // The handler sees Hono's normalised URL; core sees the bytes the client signed.
    expect(JSON.parse(res.body).target).toBe('/a/c%2Fd;p');
    expect(seen[0]?.target).toBe(path);
    expect(seen[0]?.method).toBe('GET');
  });

  it('slices the origin off the Request URL in-process, without re-parsing or fragment', async () => {
    const { core, seen } = spiedCore();
    const { app } = buildApp({ core });
    await app.request('http://api.example/x/%7Ey?b=%2f&a#frag');
    expect(seen[0]?.target).toBe('/x/%7Ey?b=%2f&a');
  });

  it('ignores the Host header by default (core uses its configured authority)', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    await rawRequest(served.port, 'GET', '/agent', { host: 'evil.example' });
    expect(seen[0]?.authority).toBeUndefined();
    const headers = seen[0]?.headers as Headers;
    expect(headers.get('host')).toBe('evil.example');
  });

  it('uses the Host header as authority only when useHostHeader is set', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core, useHostHeader: true });
    await rawRequest(served.port, 'GET', '/agent', { host: 'api.example' });
    expect(seen[0]?.authority).toBe('api.example');
  });

  it('passes every header line, repeated ones included', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    await rawRequest(served.port, 'GET', '/agent', { 'x-a': '1', 'X-B': 'two' });
    const headers = seen[0]?.headers as Headers;
    expect(headers.get('x-a')).toBe('1');
    expect(headers.get('x-b')).toBe('two');
  });

  it('reads the raw body bytes, and the handler can still parse them', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    const body = '{ "note" : "héllo",\n  "n": 1.50 }';
    const res = await fetch(`${served.url}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(await res.text()).body).toBe(body);
    expect(new TextDecoder().decode(seen[0]?.body)).toBe(body);
  });

  it('reads a chunked body (no content-length) and gives the handler the same bytes', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    const res = await rawRequest(served.port, 'POST', '/echo', {}, ['{"a":', '1}']);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).body).toBe('{"a":1}');
    expect(new TextDecoder().decode(seen[0]?.body)).toBe('{"a":1}');
  });

  it('lets c.req.json() read the body after the adapter, in-process too', async () => {
    const aauth = aauthHono({ core: createAAuth(coreOptions()) });
    const app = new Hono();
    app.post('/n', aauth.requireAAuth({ optional: true }), async (c) => c.json(await c.req.json()));
    const res = await app.request('/n', { method: 'POST', body: '{"x":[1,2]}' });
    expect(await res.json()).toEqual({ x: [1, 2] });
  });

  it('does not hand core a body larger than maxBodyBytes (content-length), handler still reads it', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core, maxBodyBytes: 4 });
    const res = await fetch(`${served.url}/echo`, { method: 'POST', body: '123456789' });
    expect(JSON.parse(await res.text()).body).toBe('123456789');
    expect(seen[0]?.body).toBeUndefined();
    const small = await fetch(`${served.url}/echo`, { method: 'POST', body: '1234' });
    expect(JSON.parse(await small.text()).body).toBe('1234');
    expect(seen[1]?.body).toEqual(new TextEncoder().encode('1234'));
  });

  it('stops reading a chunked body past maxBodyBytes, handler still reads all of it', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core, maxBodyBytes: 4 });
    const res = await rawRequest(served.port, 'POST', '/echo', {}, ['12', '345', '6789']);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).body).toBe('123456789');
    expect(seen[0]?.body).toBeUndefined();
  });

  it('passes no body for GET', async () => {
    const { core, seen } = spiedCore();
    const { served } = await start({ core });
    await fetch(`${served.url}/optional`);
    expect(seen[0]?.body).toBeUndefined();
  });
});

describe('set-up errors', () => {
  it('throw TypeError for a requirement typo at set-up, not per request', () => {
    const aauth = aauthHono(coreOptions());
    expect(() => aauth.requireAAuth('agnet' as never)).toThrow(TypeError);
    expect(() => aauth.requireAAuth({ auth: 'notes read"' })).toThrow(
      /requirement\.auth: invalid scope/,
    );
    expect(() => aauth.requireAAuth({ components: ['Content-Digest'] })).toThrow(TypeError);
  });

  it('throw for bad options', () => {
    expect(() => aauthHono(undefined as never)).toThrow(TypeError);
    expect(() => aauthHono({ ...coreOptions(), maxBodyBytes: -1 })).toThrow(RangeError);
    expect(() => aauthHono({ ...coreOptions(), maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/);
    expect(() => aauthHono({ ...coreOptions(), useHostHeader: 'yes' as never })).toThrow(
      /useHostHeader/,
    );
    expect(() => aauthHono({ core: {} as AAuth })).toThrow(/core must be an AAuth/);
    const core = createAAuth(coreOptions());
    expect(() => aauthHono({ core, resource: RESOURCE } as never)).toThrow(TypeError);
    expect(() => aauthHono({ ...coreOptions(), resource: 'http://api.example' })).toThrow(
      /resource must be a server identifier/,
    );
  });

  it('create core once from core options, or use the one given', () => {
    const core = createAAuth(coreOptions());
    expect(aauthHono({ core }).core).toBe(core);
    const made = aauthHono(coreOptions()).core;
    expect(made.resource).toBe(RESOURCE);
  });
});

describe('a body parsed before the adapter', () => {
  for (const [name, send] of [
    [
      'with content-length',
      (port: number) => rawRequest(port, 'POST', '/p', { 'content-length': '7' }, ['{"a":1}']),
    ],
    ['chunked', (port: number) => rawRequest(port, 'POST', '/p', {}, ['{"a":', '1}'])],
  ] as const) {
    it(`still reaches core as bytes (${name})`, async () => {
      const { core, seen } = spiedCore();
      const aauth = aauthHono({ core });
      const app = new Hono();
      app.use(async (c, next) => {
        await c.req.json();
        await next();
      });
      app.post('/p', aauth.requireAAuth({ optional: true }), async (c) =>
        c.json(await c.req.json()),
      );
      served = await serveApp(app);
      const res = await send(served.port);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ a: 1 });
      expect(new TextDecoder().decode(seen[0]?.body)).toBe('{"a":1}');
    });
  }
});
