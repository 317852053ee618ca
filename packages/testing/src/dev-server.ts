import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the development servers see it. */
export interface DevRequest {
  readonly method: string;
  readonly target: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Uint8Array;
}

/** A response from a development route. */
export interface DevResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export type DevHandler = (
  req: DevRequest,
) => Promise<DevResponse | undefined> | DevResponse | undefined;

/** A node:http server on 127.0.0.1 (port 0 unless given) that answers from one handler. */
export interface DevServer {
  readonly origin: string;
  readonly server: Server;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startDevServer(handler: DevHandler, port = 0): Promise<DevServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      const request: DevRequest = {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      };
      Promise.resolve()
        .then(() => handler(request))
        .then(
          (r) => {
            const out = r ?? {
              status: 404,
              headers: { 'content-type': 'application/json' },
              body: '{"error":"not_found"}',
            };
            res.writeHead(out.status, out.headers ?? {});
            res.end(out.body ?? '');
          },
          () => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{"error":"server_error"}');
          },
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${bound}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): DevResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}
