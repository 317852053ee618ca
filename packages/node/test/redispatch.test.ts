import { EventEmitter } from 'node:events';
import {
  Agent,
  createServer,
  IncomingMessage,
  request,
  type Server,
  ServerResponse,
} from 'node:http';
import {
  createServer as createHttpsServer,
  Agent as HttpsAgent,
  request as httpsRequest,
} from 'node:https';
import { type AddressInfo, connect, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { captureResponse, type HeldRequest, redispatch } from '../src/index.js';
import { createSelfSignedCertificate } from './support/certificate.js';

const MARK = Symbol('redispatched');

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Reply {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface NotesEcho {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly distinct: Record<string, string[]>;
  readonly body: string;
  readonly marked: boolean;
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    ),
  );
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function send(
  port: number,
  path: string,
  options: { method?: string; agent?: Agent; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        agent: options.agent ?? false,
        headers: options.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function readAll(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers POST /notes with everything the handler saw of the request. */
const notes: Handler = (req, res) => {
  void readAll(req).then((body) => {
    const echo: NotesEcho = {
      method: req.method ?? '',
      url: req.url ?? '',
      httpVersion: req.httpVersion,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      distinct: { ...req.headersDistinct } as Record<string, string[]>,
      body,
      marked: MARK in req,
    };
    const text = JSON.stringify(echo);
    res.writeHead(201, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-handler': 'notes',
    });
    res.end(text);
  });
};

const heldPost: HeldRequest = {
  method: 'POST',
  target: '/notes?draft=1',
  headers: [
    ['Host', 'resource.example'],
    ['Content-Type', 'application/json'],
    ['Content-Digest', 'sha-256=:abc=:'],
    ['Signature-Input', 'sig=("@method")'],
  ],
  body: new TextEncoder().encode('{"text":"hello"}'),
};

const mark = (req: IncomingMessage): void => {
  (req as IncomingMessage & { [MARK]?: true })[MARK] = true;
};

/** A plain server: GET /pending replays `held`, POST /notes echoes, GET /plain says ok. */
async function startApp(
  held: HeldRequest,
  extra: Record<string, Handler> = {},
): Promise<{ port: number; connections: () => number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    seen.push(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const route = extra[path];
    if (route) return route(req, res);
    if (req.method === 'GET' && path === '/pending') return redispatch(req, res, held, mark);
    if (req.method === 'POST' && path === '/notes') return notes(req, res);
    if (path === '/plain') return res.end('ok');
    res.writeHead(404).end();
  });
  server.on('connection', () => {
    connections++;
  });
  return { port: await listen(server), connections: () => connections, seen };
}

describe('redispatch', () => {
  it("answers the poll with the held request's handler, through the server's own listener", async () => {
    const app = await startApp(heldPost);
    const reply = await send(app.port, '/pending', {
      headers: { 'signature-input': 'poll' },
    });

    expect(reply.status).toBe(201);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(reply.headers['x-handler']).toBe('notes');
    const echo = JSON.parse(reply.body) as NotesEcho;
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe('/notes?draft=1');
    expect(echo.httpVersion).toBe('1.1');
    expect(echo.body).toBe('{"text":"hello"}');
    expect(echo.marked).toBe(true);
    // The held lines, not the poll's, with framing for the replayed bytes appended.
    expect(echo.rawHeaders).toEqual([
      'Host',
      'resource.example',
      'Content-Type',
      'application/json',
      'Content-Digest',
      'sha-256=:abc=:',
      'Signature-Input',
      'sig=("@method")',
      'content-length',
      '16',
    ]);
    expect(echo.headers).toEqual({
      host: 'resource.example',
      'content-type': 'application/json',
      'content-digest': 'sha-256=:abc=:',
      'signature-input': 'sig=("@method")',
      'content-length': '16',
    });
    // The poll went through the listener, then the held request did, once.
    expect(app.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /pending',
      'POST /notes?draft=1',
    ]);
    expect(app.seen[1]).toBeInstanceOf(IncomingMessage);
    expect(app.seen[1]?.socket).toBe(app.seen[0]?.socket);
  });

  it('marks the new request before the application sees it, and points res.req at it', async () => {
    const order: string[] = [];
    let reqOfRes: IncomingMessage | undefined;
    const held: HeldRequest = { method: 'GET', target: '/look', headers: [], body: undefined };
    const app = await startApp(held, {
      '/pending': (req, res) =>
        redispatch(req, res, held, (r) => {
          order.push(`mark ${r.url}`);
        }),
      '/look': (req, res) => {
        order.push(`handle ${req.url}`);
        reqOfRes = res.req;
        expect(res.req).toBe(req);
        res.end('seen');
      },
    });
    const reply = await send(app.port, '/pending');
    expect(reply.body).toBe('seen');
    expect(order).toEqual(['mark /look', 'handle /look']);
    expect(reqOfRes?.url).toBe('/look');
  });

  it('rewrites the framing: the real body length replaces content-length, transfer-encoding goes', async () => {
    const held: HeldRequest = {
      method: 'PUT',
      target: '/notes',
      headers: [
        ['Transfer-Encoding', 'chunked'],
        ['Content-Length', '999'],
        ['X-A', '1'],
        ['content-length', '5'],
      ],
      body: new TextEncoder().encode('héllo'),
    };
    const app = await startApp(held, { '/notes': notes });
    const echo = JSON.parse((await send(app.port, '/pending')).body) as NotesEcho;
    expect(echo.rawHeaders).toEqual(['Content-Length', '6', 'X-A', '1']);
    expect(echo.headers['transfer-encoding']).toBeUndefined();
    expect(echo.body).toBe('héllo');
  });

  it('sends no framing for a held request without a body, and content-length: 0 for an empty one', async () => {
    const none: HeldRequest = {
      method: 'DELETE',
      target: '/notes/1',
      headers: [
        ['Content-Length', '0'],
        ['Transfer-Encoding', 'chunked'],
      ],
      body: undefined,
    };
    const app = await startApp(none, { '/notes/1': notes });
    const echo = JSON.parse((await send(app.port, '/pending')).body) as NotesEcho;
    expect(echo.method).toBe('DELETE');
    expect(echo.rawHeaders).toEqual([]);
    expect(echo.body).toBe('');

    const empty: HeldRequest = { ...none, body: new Uint8Array(0) };
    const app2 = await startApp(empty, { '/notes/1': notes });
    const echo2 = JSON.parse((await send(app2.port, '/pending')).body) as NotesEcho;
    expect(echo2.rawHeaders).toEqual(['Content-Length', '0']);
    expect(echo2.body).toBe('');
  });

  it('folds repeated header lines exactly as Node does for a request it parsed', async () => {
    const lines: [string, string][] = [
      ['Host', 'a.example'],
      ['Content-Type', 'application/json'],
      ['content-type', 'text/plain'],
      ['Accept', 'text/html'],
      ['accept', 'application/json'],
      ['Cookie', 'a=1'],
      ['Cookie', 'b=2'],
      ['Set-Cookie', 'x=1'],
      ['Set-Cookie', 'y=2'],
      ['Authorization', 'first'],
      ['Authorization', 'second'],
      ['X-Custom', 'one'],
      ['x-custom', 'two'],
      ['Content-Length', '2'],
    ];
    const held: HeldRequest = {
      method: 'POST',
      target: '/notes',
      headers: lines,
      body: new TextEncoder().encode('{}'),
    };
    const app = await startApp(held);

    // The same lines sent on the wire, parsed by Node itself.
    const wire = await new Promise<string>((resolve, reject) => {
      const socket = connect(app.port, '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
      const head = lines.map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.end(`POST /notes HTTP/1.1\r\n${head}Connection: close\r\n\r\n{}`);
    });
    const parsed = JSON.parse(wire.slice(wire.indexOf('\r\n\r\n') + 4)) as NotesEcho;

    const replayed = JSON.parse((await send(app.port, '/pending')).body) as NotesEcho;
    const { connection: _c, ...parsedHeaders } = parsed.headers;
    expect(replayed.headers).toEqual(parsedHeaders);
    expect(replayed.headers['content-type']).toBe('application/json');
    expect(replayed.headers.cookie).toBe('a=1; b=2');
    expect(replayed.headers['set-cookie']).toEqual(['x=1', 'y=2']);
    expect(replayed.headers.authorization).toBe('first');
    expect(replayed.headers['x-custom']).toBe('one, two');
    const { connection: _d, ...parsedDistinct } = parsed.distinct;
    expect(replayed.distinct).toEqual(parsedDistinct);
  });

  it('keeps the keep-alive connection usable for the next requests', async () => {
    const app = await startApp(heldPost);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(app.port, '/pending', { agent });
      expect(first.status).toBe(201);
      const second = await send(app.port, '/plain', { agent });
      expect(second).toMatchObject({ status: 200, body: 'ok' });
      const third = await send(app.port, '/notes', { agent, method: 'POST', body: 'direct' });
      expect((JSON.parse(third.body) as NotesEcho).body).toBe('direct');
      expect(app.connections()).toBe(1);
      expect(new Set(app.seen.map((r) => r.socket)).size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('keeps the connection usable when the handler never reads the held body', async () => {
    const app = await startApp(heldPost, {
      '/notes': (_req, res) => {
        res.end('ignored the body');
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await send(app.port, '/pending', { agent })).body).toBe('ignored the body');
      expect((await send(app.port, '/plain', { agent })).body).toBe('ok');
      expect(app.connections()).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('drains a body sent with the poll and keeps the connection for the next request', async () => {
    // Having started to read the poll, the route opts out of Node's own draining.
    const app = await startApp(heldPost, {
      '/pending': (req, res) => {
        req.once('data', () => {
          req.pause();
          redispatch(req, res, heldPost, mark);
        });
      },
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(app.port, '/pending', {
        agent,
        headers: { 'content-length': '100000' },
        body: 'x'.repeat(100_000),
      });
      expect(first.status).toBe(201);
      expect((await send(app.port, '/plain', { agent })).body).toBe('ok');
      expect(app.connections()).toBe(1);
      const poll = app.seen[0] as IncomingMessage;
      expect(poll.url).toBe('/pending');
      expect(poll.readableEnded).toBe(true);
      expect(poll.readableLength).toBe(0);
    } finally {
      agent.destroy();
    }
  });

  it("lets a copy of the held request's answer be kept while it answers the poll", async () => {
    const kept: unknown[] = [];
    const app = await startApp(heldPost, {
      '/pending': (req, res) => {
        captureResponse(res, 1024, (r) => kept.push(r));
        redispatch(req, res, heldPost, mark);
      },
    });
    const reply = await send(app.port, '/pending');
    await new Promise((resolve) => setImmediate(resolve));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      complete: true,
      status: 201,
      headers: { 'content-type': 'application/json', 'x-handler': 'notes' },
    });
    expect((kept[0] as { headers: Record<string, string> }).headers['content-length']).toBe(
      String(Buffer.byteLength(reply.body)),
    );
    const body = (kept[0] as { body: Uint8Array }).body;
    expect(new TextDecoder().decode(body)).toBe(reply.body);
  });

  it('tells the held request when the client goes away before the answer', async () => {
    let closed: (events: string[]) => void = () => {};
    const events = new Promise<string[]>((resolve) => {
      closed = resolve;
    });
    const app = await startApp(heldPost, {
      '/notes': (req) => {
        const seen: string[] = [];
        req.on('aborted', () => seen.push('aborted'));
        req.on('close', () => closed([...seen, 'close']));
        req.socket.destroy();
      },
    });
    await expect(send(app.port, '/pending')).rejects.toThrow();
    expect(await events).toEqual(['aborted', 'close']);
  });

  it('finds the server of an https connection too', async () => {
    const certificate = createSelfSignedCertificate('localhost', 'IP:127.0.0.1');
    const server = createHttpsServer(
      { cert: certificate.cert, key: certificate.key },
      (req, res) => {
        if (req.url === '/pending') return redispatch(req, res, heldPost, mark);
        notes(req, res);
      },
    );
    const port = await listen(server as unknown as Server);
    const agent = new HttpsAgent({ ca: certificate.cert, keepAlive: true, maxSockets: 1 });
    try {
      const get = (path: string): Promise<Reply> =>
        new Promise((resolve, reject) => {
          httpsRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers,
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          })
            .on('error', reject)
            .end();
        });
      const reply = await get('/pending');
      expect(reply.status).toBe(201);
      expect((JSON.parse(reply.body) as NotesEcho).url).toBe('/notes?draft=1');
      expect((await get('/pending')).status).toBe(201);
    } finally {
      agent.destroy();
    }
  });

  it('emits on an explicitly given server instead of the socket owner', async () => {
    const other = new EventEmitter();
    other.on('request', (req: IncomingMessage, res: ServerResponse) => {
      res.end(`other saw ${req.method} ${req.url}`);
    });
    const app = await startApp(heldPost, {
      '/pending': (req, res) => redispatch(req, res, heldPost, mark, { server: other }),
    });
    expect((await send(app.port, '/pending')).body).toBe('other saw POST /notes?draft=1');
    expect(app.seen.map((r) => r.url)).toEqual(['/pending']);
  });

  it('throws when no server can be found', () => {
    const poll = new IncomingMessage(new Socket());
    const res = new ServerResponse(poll);
    const held: HeldRequest = { method: 'GET', target: '/', headers: [], body: undefined };
    expect(() => redispatch(poll, res, held, mark)).toThrow(/no HTTP server/);
    // A server nobody listens on would leave the poll unanswered.
    expect(() => redispatch(poll, res, held, mark, { server: new EventEmitter() })).toThrow(
      /no HTTP server with a 'request' listener/,
    );
  });

  it('throws when the response to the poll has already started', async () => {
    let error: unknown;
    const app = await startApp(heldPost, {
      '/pending': (req, res) => {
        res.writeHead(200);
        try {
          redispatch(req, res, heldPost, mark);
        } catch (e) {
          error = e;
        }
        res.end('poll');
      },
    });
    expect((await send(app.port, '/pending')).body).toBe('poll');
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/already started/);
    expect(app.seen).toHaveLength(1);
  });
});
