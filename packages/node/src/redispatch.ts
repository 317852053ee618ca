import type { EventEmitter } from 'node:events';
import { IncomingMessage, type ServerResponse } from 'node:http';

/** The invocation a resource kept when it deferred a request (AAuth P§6.5.1). */
export interface HeldRequest {
  /** The request method as received, e.g. `POST`. */
  readonly method: string;
  /** The request target as received (path and query, e.g. `/notes?draft=1`). */
  readonly target: string;
  /** The header field lines as received, in order (see `headerLines`). */
  readonly headers: readonly (readonly [string, string])[];
  /**
   * The body bytes; `undefined` when the request had no body. An empty body that was framed
   * (`content-length: 0`) is an empty array, so body parsers see it the same way.
   */
  readonly body: Uint8Array | undefined;
}

export interface RedispatchOptions {
  /**
   * The server whose `'request'` listeners (the application) handle the held request.
   * Default: the server that accepted the poll's connection (`poll.socket.server`, set by
   * Node's `net.Server` for `http` and by `tls.Server` for `https`).
   */
  readonly server?: Pick<EventEmitter, 'emit' | 'listenerCount'>;
}

// Node keeps only the first of these when a request repeats them (`_http_incoming.js`);
// the application must see the same `req.headers` it would have seen originally.
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/**
 * Run a held request through the application that owns the poll's connection, exactly once:
 * a fresh `IncomingMessage` carrying the held method, target, header lines and body is
 * emitted as `'request'` on the poll's server together with the poll's `res`, so the whole
 * middleware stack (router, body parsers, handlers) answers the poll.
 *
 * `mark` is called with the new request before it is emitted, so the caller's middleware can
 * recognise it (e.g. by a symbol-keyed property) and let it through. The caller must not
 * answer the poll itself, nor let its framework do so (Express: don't call `next()`; Koa:
 * `ctx.respond = false`; Fastify: `reply.hijack()`).
 *
 * Throws when `res` has already started, or no server with a `'request'` listener is found.
 */
export function redispatch(
  poll: IncomingMessage,
  res: ServerResponse,
  held: HeldRequest,
  mark: (req: IncomingMessage) => void,
  options: RedispatchOptions = {},
): void {
  if (res.headersSent || res.writableEnded) {
    throw new Error('redispatch: the response to the poll has already started');
  }
  // A socket no server accepted has `server: null`.
  const server = options.server ?? (poll.socket as { server?: EventEmitter | null } | null)?.server;
  if (!server || server.listenerCount('request') === 0) {
    throw new Error(
      "redispatch: no HTTP server with a 'request' listener owns the poll's connection; pass options.server",
    );
  }

  const req = new IncomingMessage(poll.socket);
  req.method = held.method;
  req.url = held.target;
  req.httpVersion = poll.httpVersion;
  req.httpVersionMajor = poll.httpVersionMajor;
  req.httpVersionMinor = poll.httpVersionMinor;
  // The server's `joinDuplicateHeaders` option, which Node copies onto each request.
  const join = (poll as { joinDuplicateHeaders?: boolean }).joinDuplicateHeaders === true;
  (req as { joinDuplicateHeaders?: boolean }).joinDuplicateHeaders = join;
  const raw = rawLines(held);
  req.rawHeaders = raw;
  req.headers = foldHeaders(raw, join);
  req.headersDistinct = distinctHeaders(raw);

  // Own properties, not a subclass: Express swaps the request's prototype. The body lives in
  // memory, so reading must not resume the socket and destroying must not close it.
  req._read = () => {};
  req._destroy = (err, cb) => {
    if (!req.readableEnded || !req.complete) {
      req.aborted = true;
      req.emit('aborted');
    }
    // Like Node: a request's error is only emitted when someone listens for it.
    process.nextTick(() => cb(req.listenerCount('error') > 0 ? err : null));
  };
  if (held.body !== undefined && held.body.length > 0) req.push(Buffer.from(held.body));
  req.complete = true;
  req.push(null);

  // A response cut off before it finished means the client is gone: tell the handler, as
  // Node does for the requests it parsed itself.
  res.once('close', () => {
    if (!res.writableFinished && !req.destroyed) {
      req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    }
  });
  // The poll's own body means nothing now; drain it so the connection can carry the next
  // request (Node only drains bodies nobody started reading).
  if (!poll.readableEnded) poll.resume();

  (res as { req: IncomingMessage }).req = req;
  mark(req);
  server.emit('request', req, res);
}

/** The held lines with framing rewritten for the bytes actually replayed. */
function rawLines(held: HeldRequest): string[] {
  const raw: string[] = [];
  let length = false;
  const size = held.body === undefined ? undefined : String(held.body.length);
  for (const [name, value] of held.headers) {
    const lower = name.toLowerCase();
    if (lower === 'transfer-encoding') continue;
    if (lower === 'content-length') {
      if (size === undefined || length) continue;
      length = true;
      raw.push(name, size);
      continue;
    }
    raw.push(name, value);
  }
  if (size !== undefined && !length) raw.push('content-length', size);
  return raw;
}

/** `req.headers` by Node's rules: first of a single-valued field, `; ` for cookie, else `, `. */
function foldHeaders(raw: readonly string[], joinDuplicates: boolean): IncomingMessage['headers'] {
  const dest: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const prior = dest[name];
    if (name === 'set-cookie') {
      dest[name] = Array.isArray(prior) ? [...prior, value] : [value];
    } else if (prior === undefined) {
      dest[name] = value;
    } else if (name === 'cookie') {
      dest[name] = `${prior}; ${value}`;
    } else if (joinDuplicates || !SINGLE.has(name)) {
      dest[name] = `${prior}, ${value}`;
    }
  }
  return dest;
}

function distinctHeaders(raw: readonly string[]): IncomingMessage['headersDistinct'] {
  const dest: Record<string, string[]> = Object.create(null);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    const prior = dest[name];
    if (prior === undefined) dest[name] = [value];
    else prior.push(value);
  }
  return dest;
}
