import {
  conformanceBody,
  conformanceRoutes,
  runConformanceSuite,
  type StartConformanceApp,
} from '@aauth-gate/conformance';
import { type Context, Hono } from 'hono';
import { type AAuthVariables, aauthHono } from '../src/index.ts';
import { serveApp } from './serve.ts';

type Env = { Variables: AAuthVariables };

const start: StartConformanceApp = async (setup) => {
  const aauth = aauthHono({ core: setup.aauth });
  const app = new Hono<Env>();
  app.use(aauth.wellKnown(app));
  for (const route of Object.values(conformanceRoutes)) {
    const handler = async (c: Context<Env>) => {
      const body = route.method === 'POST' ? await c.req.json() : undefined;
      return c.body(conformanceBody(c.get('aauth'), body), 200, {
        'content-type': 'application/json',
      });
    };
    if (route.requirement === null) app.on(route.method, route.path, handler);
    else app.on(route.method, route.path, aauth.requireAAuth(route.requirement), handler);
  }
  const served = await serveApp(app);
  return { url: served.url, close: served.close };
};

runConformanceSuite('hono', start);
