// Core's attack corpus over real HTTP through the Koa adapter (conformance runAttackCorpus).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  attackCorpusBody,
  attackCorpusMaxHeaderSize,
  runAttackCorpus,
  type StartAttackCorpusApp,
} from '@aauth-gate/conformance';
import Koa from 'koa';
import { type AAuthState, aauthKoa } from '../src/index.js';

const start: StartAttackCorpusApp = async (core) => {
  const gate = aauthKoa({ core });
  const app = new Koa<AAuthState>();
  app.use(gate.wellKnown());
  app.use(gate.requireAAuth('agent'));
  app.use((ctx) => {
    ctx.type = 'application/json';
    ctx.body = attackCorpusBody;
  });
  const server = createServer({ maxHeaderSize: attackCorpusMaxHeaderSize }, app.callback());
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
};

runAttackCorpus('koa', start);
