import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { LookupAddress, LookupAll } from '../../src/index.js';
import type { TestCertificate } from './certificate.js';

/** What `/echo` reports back about the request it received. */
export interface Echo {
  readonly path: string;
  readonly host: string | undefined;
  readonly accept: string | undefined;
  readonly extra: string | undefined;
  readonly servername: string | null;
  readonly localAddress: string | undefined;
}

export interface TestServer {
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly connections: () => number;
  /** Requests (path and query) received so far. */
  readonly requests: readonly string[];
  readonly close: () => Promise<void>;
}

type Route = (req: IncomingMessage, res: ServerResponse, port: number) => void;

/** Routes shared by the http and https test servers. Everything listens on 127.0.0.1 only. */
function routes(extra: Record<string, Route>): Route {
  const table: Record<string, Route> = {
    '/echo': (req, res) => {
      const socket = req.socket as Partial<TLSSocket>;
      const echo: Echo = {
        path: req.url ?? '',
        host: req.headers.host,
        accept: req.headers.accept,
        extra: req.headers['x-extra'] as string | undefined,
        servername: typeof socket.servername === 'string' ? socket.servername : null,
        localAddress: req.socket.localAddress,
      };
      res.writeHead(200, { 'content-type': 'application/json', 'x-test': 'yes' });
      res.end(JSON.stringify(echo));
    },
    '/slow-headers': () => {
      // Never answers: the guard's deadline must end the fetch.
    },
    '/slow-body': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    },
    '/huge': (_req, res) => {
      // Chunked, no content-length: only the running byte count can catch it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('error', () => {});
      pump();
    },
    '/huge-length': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000000000' });
      res.write('{"keys":[]}');
    },
    '/delayed-redirect': (_req, res) => {
      setTimeout(() => {
        res.writeHead(302, { location: '/delayed-echo' });
        res.end();
      }, 200);
    },
    '/delayed-echo': (req, res, port) => {
      setTimeout(() => table['/echo']?.(req, res, port), 200);
    },
    '/exact-1024': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.alloc(1024, 0x61));
    },
    '/no-content': (_req, res) => {
      res.writeHead(204);
      res.end();
    },
    '/server-error': (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"boom"}');
    },
    '/cut': (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"keys":', () => req.socket.destroy());
    },
    ...extra,
  };
  return (req, res, port) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const redirect = /^\/r\/(\d+)$/.exec(path);
    if (redirect) {
      const left = Number(redirect[1]);
      if (left === 0) return table['/echo']?.(req, res, port);
      res.writeHead(302, { location: `/r/${left - 1}` });
      return res.end();
    }
    const route = table[path];
    if (route) return route(req, res, port);
    res.writeHead(404);
    res.end();
  };
}

function start(server: Server, handler: Route): Promise<TestServer> {
  let connections = 0;
  const requests: string[] = [];
  server.on('connection', () => {
    connections++;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    handler(req, res, (server.address() as AddressInfo).port);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        connections: () => connections,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export function startHttpServer(extra: Record<string, Route> = {}): Promise<TestServer> {
  return start(createHttpServer(), routes(extra));
}

export function startHttpsServer(
  certificate: TestCertificate,
  extra: Record<string, Route> = {},
): Promise<TestServer> {
  return start(createHttpsServer({ cert: certificate.cert, key: certificate.key }), routes(extra));
}

/**
 * Counts HTTP client requests created in this process (http and https), so a test can prove the
 * guard refused before anything was sent or any socket opened.
 */
export function watchOutgoingRequests(): {
  readonly count: () => number;
  readonly stop: () => void;
} {
  let count = 0;
  const onRequest = (): void => {
    count++;
  };
  subscribe('http.client.request.start', onRequest);
  return { count: () => count, stop: () => unsubscribe('http.client.request.start', onRequest) };
}

/** A recording resolver that answers from a fixed table and never touches real DNS. */
export function fakeLookup(table: Record<string, readonly string[]>): LookupAll & {
  readonly calls: string[];
} {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<readonly LookupAddress[]> => {
    calls.push(hostname);
    const answers = table[hostname];
    if (answers === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}
