import { createServer, IncomingMessage, request, type Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { type CapturedResponse, captureResponse } from '../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Wire {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
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

/**
 * Serves one request with `handler` under `captureResponse(res, maxBytes, …)` and resolves
 * what the client received next to the captured copies (every `onDone` call).
 */
async function capture(
  handler: Handler,
  options: { maxBytes?: number; method?: string } = {},
): Promise<{ wire: Wire; captured: CapturedResponse[] }> {
  const captured: CapturedResponse[] = [];
  let reported: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    reported = resolve;
  });
  const server = createServer((req, res) => {
    captureResponse(res, options.maxBytes ?? 1024, (r) => {
      captured.push(r);
      reported();
    });
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const wire = await new Promise<Wire>((resolve, reject) => {
    request(
      { host: '127.0.0.1', port, path: '/', method: options.method ?? 'GET', agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    )
      .on('error', reject)
      .end();
  });
  await done;
  // A second report would come on a later tick.
  await new Promise((resolve) => setImmediate(resolve));
  return { wire, captured };
}

const text = (bytes: Uint8Array | undefined): string | undefined =>
  bytes === undefined ? undefined : Buffer.from(bytes).toString('latin1');

describe('captureResponse', () => {
  it('copies status, headers and a string body from res.end(string)', async () => {
    const { wire, captured } = await capture((_req, res) => {
      res.statusCode = 201;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.setHeader('X-Count', 3);
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.end('héllo ✓');
    });
    expect(wire.status).toBe(201);
    expect(captured).toHaveLength(1);
    const [r] = captured as [CapturedResponse];
    expect(r.complete).toBe(true);
    expect(r.status).toBe(201);
    expect(r.headers).toEqual({
      'content-type': 'text/plain; charset=utf-8',
      'x-count': '3',
      'set-cookie': ['a=1', 'b=2'],
    });
    expect(r.body).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(r.body as Uint8Array).equals(wire.body)).toBe(true);
    expect(new TextDecoder().decode(r.body)).toBe('héllo ✓');
  });

  it('joins write chunks in their encodings with a final end(Buffer)', async () => {
    const { wire, captured } = await capture((_req, res) => {
      res.write('plain-');
      res.write('e9', 'hex');
      res.write(Buffer.from('buf-'), () => {});
      res.write('latin\u00e9-', 'latin1');
      res.end(Buffer.from('end'));
    });
    const r = captured[0] as CapturedResponse;
    expect(text(r.body)).toBe('plain-\u00e9buf-latin\u00e9-end');
    expect(Buffer.from(r.body as Uint8Array).equals(wire.body)).toBe(true);
    expect(r.status).toBe(200);
  });

  it('handles end(callback), end(string, encoding, callback) and an empty end()', async () => {
    const a = await capture((_req, res) => {
      res.write('x');
      res.end(() => {});
    });
    expect(text(a.captured[0]?.body)).toBe('x');
    const b = await capture((_req, res) => {
      res.end('414243', 'hex', () => {});
    });
    expect(text(b.captured[0]?.body)).toBe('ABC');
    const c = await capture((_req, res) => {
      res.end();
    });
    expect(c.captured[0]?.body).toEqual(new Uint8Array(0));
  });

  it('includes headers given inline to writeHead, which Node does not store', async () => {
    const { wire, captured } = await capture((_req, res) => {
      res.writeHead(202, 'Accepted Later', {
        'Content-Type': 'application/json',
        'X-A': ['1', '2'],
      });
      res.end('{}');
    });
    expect(wire.headers['content-type']).toBe('application/json');
    expect(captured[0]).toEqual({
      complete: true,
      status: 202,
      headers: { 'content-type': 'application/json', 'x-a': ['1', '2'] },
      body: new TextEncoder().encode('{}'),
    });
  });

  it('merges inline writeHead headers with headers set before, as Node sends them', async () => {
    const { wire, captured } = await capture((_req, res) => {
      res.setHeader('X-Before', 'kept');
      res.setHeader('Content-Type', 'text/plain');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    expect(wire.headers['content-type']).toBe('application/json');
    expect(captured[0]?.headers).toEqual({
      'x-before': 'kept',
      'content-type': 'application/json',
    });
  });

  it('reads writeHead headers given as a flat array or as pairs', async () => {
    const flat = await capture((_req, res) => {
      res.writeHead(200, ['X-One', '1', 'x-one', '2', 'Content-Type', 'text/plain']);
      res.end('ok');
    });
    expect(flat.wire.headers['x-one']).toBe('1, 2');
    expect(flat.captured[0]?.headers).toEqual({
      'x-one': ['1', '2'],
      'content-type': 'text/plain',
    });

    const pairs = await capture((_req, res) => {
      res.writeHead(200, undefined, [
        ['X-Two', 'a'],
        ['Content-Length', '2'],
      ] as unknown as string[]);
      res.end('ok');
    });
    expect(pairs.wire.headers['x-two']).toBe('a');
    expect(pairs.captured[0]?.headers).toEqual({ 'x-two': 'a', 'content-length': '2' });
  });

  it('copies a stream piped into the response', async () => {
    const { wire, captured } = await capture((_req, res) => {
      res.setHeader('Content-Type', 'application/octet-stream');
      Readable.from([Buffer.from([0, 1, 2]), Buffer.from([255]), 'text']).pipe(res);
    });
    const r = captured[0] as CapturedResponse;
    expect(r.complete).toBe(true);
    expect(Array.from(r.body as Uint8Array)).toEqual([0, 1, 2, 255, 116, 101, 120, 116]);
    expect(Buffer.from(r.body as Uint8Array).equals(wire.body)).toBe(true);
  });

  it('reports no body past maxBytes while the client still gets all of it', async () => {
    const big = 'z'.repeat(300);
    const { wire, captured } = await capture(
      (_req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.write(big);
        res.write(big);
        res.end(big);
      },
      { maxBytes: 899 },
    );
    expect(wire.body.toString()).toBe(big.repeat(3));
    expect(captured[0]).toEqual({
      complete: true,
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: undefined,
    });

    const exact = await capture(
      (_req, res) => {
        res.end(big.repeat(3));
      },
      { maxBytes: 900 },
    );
    expect(exact.captured[0]?.body?.length).toBe(900);
  });

  it('reports an empty body for HEAD, 204 and 304, as Node sends none', async () => {
    const head = await capture(
      (_req, res) => {
        res.setHeader('Content-Length', 5);
        res.end('hello');
      },
      { method: 'HEAD' },
    );
    expect(head.wire.body.length).toBe(0);
    expect(head.captured[0]).toEqual({
      complete: true,
      status: 200,
      headers: { 'content-length': '5' },
      body: new Uint8Array(0),
    });

    const headStream = await capture(
      (_req, res) => {
        Readable.from(['a', 'b']).pipe(res);
      },
      { method: 'HEAD' },
    );
    expect(headStream.captured[0]?.body).toEqual(new Uint8Array(0));

    for (const status of [204, 304]) {
      const { wire, captured } = await capture((_req, res) => {
        res.writeHead(status);
        res.end('ignored');
      });
      expect(wire.status).toBe(status);
      expect(wire.body.length).toBe(0);
      expect(captured[0]).toMatchObject({ complete: true, status, body: new Uint8Array(0) });
    }
  });

  it('reports an incomplete response as 500 with no body when it closes before end()', async () => {
    const captured: CapturedResponse[] = [];
    let reported: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const server = createServer((_req, res) => {
      captureResponse(res, 1024, (r) => {
        captured.push(r);
        reported();
      });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial', () => res.destroy());
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port, agent: false }, (res) => {
        res.on('error', () => resolve());
        res.on('close', () => resolve());
        res.resume();
      })
        .on('error', () => resolve())
        .end();
    });
    await done;
    await new Promise((resolve) => setImmediate(resolve));
    expect(captured).toEqual([{ complete: false, status: 500, headers: {}, body: undefined }]);
  });

  it('keeps the copy when the client leaves after end() but before the bytes are flushed', () => {
    const captured: CapturedResponse[] = [];
    const res = new ServerResponse(new IncomingMessage(null as never));
    captureResponse(res, 1024, (r) => captured.push(r));
    res.setHeader('content-type', 'text/plain');
    res.end('done');
    // No socket was ever assigned: the response can only close.
    res.emit('close');
    expect(captured).toEqual([
      {
        complete: true,
        status: 200,
        headers: { 'content-type': 'text/plain' },
        body: new TextEncoder().encode('done'),
      },
    ]);
  });

  it('refuses a bad maxBytes and a response that has already started', () => {
    const res = new ServerResponse(new IncomingMessage(null as never));
    for (const bad of [-1, Number.NaN, '10' as unknown as number]) {
      expect(() => captureResponse(res, bad, () => {})).toThrow(RangeError);
    }
    res.writeHead(200);
    expect(() => captureResponse(res, 10, () => {})).toThrow(/already started/);
  });
});
