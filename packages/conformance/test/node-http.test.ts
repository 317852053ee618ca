// The suite run against a bare node:http server calling core directly: proves the suite
// itself before any adapter relies on it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Answer } from '@aauth-gate/core';
import { conformanceBody, conformanceRoutes, runConformanceSuite } from '../src/index.ts';

runConformanceSuite('node:http', async ({ aauth }) => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const target = req.url ?? '/';
      const raw0 = new Uint8Array(Buffer.concat(chunks));
      const well = (await aauth.handle({
        method: req.method ?? 'GET',
        target,
        headers: req.headers,
        body: raw0,
      })) as Answer | undefined;
      const answer = (a: { status: number; headers: Record<string, string>; body: string }) => {
        res.writeHead(a.status, a.headers);
        res.end(a.body);
      };
      if (well) return answer({ ...well, headers: { ...well.headers } });
      const route = Object.values(conformanceRoutes).find(
        (r) => r.method === req.method && r.path === target.split('?')[0],
      );
      if (!route) return answer({ status: 404, headers: {}, body: '' });
      const raw = new Uint8Array(Buffer.concat(chunks));
      const parsed = raw.length > 0 ? JSON.parse(Buffer.from(raw).toString('utf8')) : undefined;
      if (route.requirement === null)
        return answer({
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: conformanceBody(undefined),
        });
      const result = await aauth.verify(
        { method: req.method ?? 'GET', target, headers: req.headers, body: raw },
        route.requirement,
      );
      if (!result.ok) return answer({ ...result.answer, headers: { ...result.answer.headers } });
      answer({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: conformanceBody(result.principal, parsed),
      });
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
