import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ConformanceApp,
  conformanceBody,
  conformanceRoutes,
  type StartConformanceApp,
} from '@aauth-gate/conformance';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { type AAuthState, aauthKoa } from '../src/index.js';

interface ParsedBody {
  jsonBody?: unknown;
}

/** A minimal JSON parser standing in for @koa/bodyparser: it reads the (replayed) stream. */
const jsonBody: Middleware<AAuthState & ParsedBody> = async (ctx, next) => {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
  ctx.state.jsonBody = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  await next();
};

/** The conformance app on a given Koa class (3 by default; 2 in conformance-koa2). */
export const startWith =
  (KoaClass: typeof Koa): StartConformanceApp =>
  async (setup): Promise<ConformanceApp> => {
    const aauth = aauthKoa({ core: setup.aauth });
    const app = new KoaClass<AAuthState & ParsedBody>();
    const router = new Router<AAuthState & ParsedBody>();
    app.use(aauth.wellKnown());
    for (const route of Object.values(conformanceRoutes)) {
      const chain: Middleware<AAuthState & ParsedBody>[] = [];
      if (route.requirement !== null) chain.push(aauth.requireAAuth(route.requirement));
      if (route.method === 'POST') chain.push(jsonBody);
      chain.push((ctx) => {
        ctx.type = 'application/json';
        ctx.body = conformanceBody(ctx.state.aauth, ctx.state.jsonBody);
      });
      if (route.method === 'POST') router.post(route.path, ...chain);
      else router.get(route.path, ...chain);
    }
    app.use(router.routes()).use(router.allowedMethods());
    const server = createServer(app.callback()).listen(0, '127.0.0.1');
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
