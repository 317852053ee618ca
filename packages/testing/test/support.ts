import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AAuth,
  type AAuthOptions,
  type Answer,
  createAAuth,
  generateResourceKey,
  type RequirementInput,
} from '@aauth-gate/core';

/** A node:http resource calling core directly: `/agent`, `/person`, `/notes` (notes:read), `POST /notes` (notes:write). */
export async function startResource(
  trust: AAuthOptions['trust'],
): Promise<{ url: string; aauth: AAuth; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { key } = await generateResourceKey();
  const aauth = createAAuth({
    resource: url,
    dev: true,
    trust,
    signingKey: key,
    metadata: { revocationEndpoint: `${url}/revoke` },
  });
  const routes: Record<string, RequirementInput> = {
    'GET /agent': 'agent',
    'GET /person': 'person',
    'GET /notes': { auth: 'notes:read' },
    'POST /notes': { auth: 'notes:write', components: ['content-type', 'content-digest'] },
  };
  server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const request = {
        method: req.method ?? 'GET',
        target: req.url ?? '/',
        headers: req.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      };
      const own = (await aauth.handle(request)) as Answer | undefined;
      const requirement = routes[`${req.method} ${(req.url ?? '/').split('?')[0]}`];
      const result = own
        ? undefined
        : requirement === undefined
          ? undefined
          : await aauth.verify(request, requirement);
      const answer =
        own ??
        (result === undefined
          ? { status: 404, headers: {}, body: '' }
          : result.ok
            ? {
                status: 200,
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({
                  tokenType: result.principal?.tokenType,
                  scope: result.principal?.scope,
                }),
              }
            : result.answer);
      res.writeHead(answer.status, { ...answer.headers });
      res.end(answer.body);
    });
  });
  return {
    url,
    aauth,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
