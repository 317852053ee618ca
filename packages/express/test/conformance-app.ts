import type { AddressInfo } from 'node:net';
import {
  type ConformanceApp,
  conformanceBody,
  conformanceRoutes,
  type StartConformanceApp,
} from '@aauth-gate/conformance';
import type express from 'express';
import type { Request, RequestHandler, Response } from 'express';
import { aauthExpress, keepRawBody } from '../src/index.js';

/** The conformance app on a given Express module (5 by default; 4 in conformance-express4). */
export const startWith =
  (expressModule: typeof express): StartConformanceApp =>
  async (setup): Promise<ConformanceApp> => {
    const aauth = aauthExpress({ core: setup.aauth });
    const app = expressModule();
    app.use(aauth.wellKnown());
    const answer = (req: Request, res: Response): void => {
      res.status(200).type('application/json').send(conformanceBody(req.aauth, req.body));
    };
    for (const route of Object.values(conformanceRoutes)) {
      const handlers: RequestHandler[] = [];
      if (route.method === 'POST') handlers.push(expressModule.json({ verify: keepRawBody }));
      if (route.requirement !== null) handlers.push(aauth.requireAAuth(route.requirement));
      if (route.method === 'POST') app.post(route.path, ...handlers, answer);
      else app.get(route.path, ...handlers, answer);
    }
    const server = app.listen(0, '127.0.0.1');
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
