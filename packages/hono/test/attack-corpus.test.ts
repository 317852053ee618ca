// Core's attack corpus over real HTTP through the Hono adapter on @hono/node-server
// (conformance runAttackCorpus).
import type { AddressInfo } from 'node:net';
import {
  attackCorpusBody,
  attackCorpusMaxHeaderSize,
  runAttackCorpus,
  type StartAttackCorpusApp,
} from '@aauth-gate/conformance';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type AAuthVariables, aauthHono } from '../src/index.ts';

const start: StartAttackCorpusApp = async (core) => {
  const gate = aauthHono({ core });
  const app = new Hono<{ Variables: AAuthVariables }>();
  app.use(gate.wellKnown());
  app.all('*', gate.requireAAuth('agent'), (c) =>
    c.body(attackCorpusBody, 200, { 'content-type': 'application/json' }),
  );
  const server = serve({
    fetch: app.fetch,
    port: 0,
    hostname: '127.0.0.1',
    serverOptions: { maxHeaderSize: attackCorpusMaxHeaderSize },
  });
  await new Promise<void>((resolve, reject) =>
    server.listening ? resolve() : server.once('listening', resolve).once('error', reject),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
};

runAttackCorpus('hono', start);
