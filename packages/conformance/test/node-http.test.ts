// The suite run against a bare node:http server calling core directly: proves the suite
// itself before any adapter relies on it.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AAuth, DeferredRun } from '@aauth-gate/core';
import { conformanceBody, conformanceRoutes, runConformanceSuite } from '../src/index.ts';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

type Headers = IncomingHttpHeaders | readonly (readonly [string, string])[];

/** The whole app as one function, so a held request can be run again through it. */
async function respond(
  aauth: AAuth,
  method: string,
  target: string,
  headers: Headers,
  body: Uint8Array,
  deferred?: DeferredRun,
): Promise<Reply> {
  const handled = await aauth.handle({ method, target, headers, body });
  if (handled && 'kind' in handled) {
    // A poll completed a held request: run it once, keep its answer, answer the poll with it.
    const reply = await respond(
      aauth,
      handled.method,
      handled.target,
      handled.headers,
      handled.body ?? new Uint8Array(),
      handled.run,
    );
    const headers = { ...reply.headers, ...handled.responseHeaders };
    await handled.complete({
      status: reply.status,
      headers,
      body: new TextEncoder().encode(reply.body),
    });
    return { ...reply, headers };
  }
  if (handled) return { ...handled, headers: { ...handled.headers } };
  const route = Object.values(conformanceRoutes).find(
    (r) => r.method === method && r.path === target.split('?')[0],
  );
  if (!route) return { status: 404, headers: {}, body: '' };
  const parsed = body.length > 0 ? JSON.parse(Buffer.from(body).toString('utf8')) : undefined;
  const json = { 'content-type': 'application/json' };
  if (route.requirement === null)
    return { status: 200, headers: json, body: conformanceBody(undefined) };
  const result = await aauth.verify(
    { method, target, headers, body, ...(deferred ? { deferred } : {}) },
    route.requirement,
  );
  if (!result.ok) return { ...result.answer, headers: { ...result.answer.headers } };
  return { status: 200, headers: json, body: conformanceBody(result.principal, parsed) };
}

runConformanceSuite('node:http', async ({ aauth }) => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const reply = await respond(aauth, req.method ?? 'GET', req.url ?? '/', req.headers, body);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
});
