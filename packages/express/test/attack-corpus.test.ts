// Core's attack corpus over real HTTP through the Express adapter (conformance runAttackCorpus),
// once behind express.raw() and once with no body parser, so the adapter's own body reading runs.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  attackCorpusBody,
  attackCorpusMaxHeaderSize,
  runAttackCorpus,
  type StartAttackCorpusApp,
} from '@aauth-gate/conformance';
import express from 'express';
import { aauthExpress } from '../src/index.js';

/** The catch-all app, behind `express.raw()` or with no parser (the adapter reads the bytes). */
const startWith =
  (rawParser: boolean): StartAttackCorpusApp =>
  async (core) => {
    const gate = aauthExpress({ core });
    const app = express();
    app.use(gate.wellKnown());
    if (rawParser) app.use(express.raw({ type: () => true }));
    app.use(gate.requireAAuth('agent'), (_req, res) => {
      res.status(200).type('application/json').send(attackCorpusBody);
    });
    const server = createServer({ maxHeaderSize: attackCorpusMaxHeaderSize }, app);
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

runAttackCorpus('express', startWith(true));
runAttackCorpus('express (no body parser)', startWith(false));
