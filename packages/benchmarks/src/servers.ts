// One bench server per framework, each with three routes on the same core:
//   /bare       no AAuth at all
//   /inline     the handler calls core.verify() itself
//   /protected  the adapter's middleware
// plus /__cpu, the process CPU time in µs (read before and after each batch).
import 'reflect-metadata';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AAuth } from '@aauth-gate/core';
import { aauthExpress } from '@aauth-gate/express';
import { aauthHono } from '@aauth-gate/hono';
import { aauthKoa } from '@aauth-gate/koa';
import { AAuthModule, Public, RequireAAuth } from '@aauth-gate/nestjs';
import { serve } from '@hono/node-server';
import Router from '@koa/router';
import { Controller, Get, Inject, Module, Req } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import express from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import { benchCore, type IssuerDocs } from './fixture.ts';

const HELLO = '{"hello":"world"}';
const cpu = (): string => {
  const u = process.cpuUsage();
  return String(u.user + u.system);
};
const inlineRequest = (method: string, target: string, headers: Record<string, unknown>) => ({
  method,
  target,
  headers: headers as Record<string, string>,
});

type Start = (core: AAuth) => Promise<Server | { port: number; close(): Promise<void> }>;

const servers: Record<string, Start> = {
  async express(core) {
    const gate = aauthExpress({ core });
    const app = express();
    app.get('/__cpu', (_q, r) => r.type('text').send(cpu()));
    app.get('/bare', (_q, r) => r.type('application/json').send(HELLO));
    app.get('/inline', async (q, r) => {
      const v = await core.verify(inlineRequest(q.method, q.originalUrl, q.headers), 'agent');
      r.status(v.ok ? 200 : 401)
        .type('application/json')
        .send(HELLO);
    });
    app.get('/protected', gate.requireAAuth('agent'), (_q, r) =>
      r.type('application/json').send(HELLO),
    );
    return app.listen(0, '127.0.0.1');
  },
  async hono(core) {
    const gate = aauthHono({ core });
    const app = new Hono();
    app.get('/__cpu', (c) => c.text(cpu()));
    app.get('/bare', (c) => c.body(HELLO, 200, { 'content-type': 'application/json' }));
    app.get('/inline', async (c) => {
      const v = await core.verify(
        inlineRequest('GET', '/inline', Object.fromEntries(c.req.raw.headers)),
        'agent',
      );
      return c.body(HELLO, v.ok ? 200 : 401, { 'content-type': 'application/json' });
    });
    app.get('/protected', gate.requireAAuth('agent'), (c) =>
      c.body(HELLO, 200, { 'content-type': 'application/json' }),
    );
    return serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as unknown as Server;
  },
  async koa(core) {
    const gate = aauthKoa({ core });
    const app = new Koa();
    const router = new Router();
    router.get('/__cpu', (ctx) => {
      ctx.body = cpu();
    });
    router.get('/bare', (ctx) => {
      ctx.type = 'application/json';
      ctx.body = HELLO;
    });
    router.get('/inline', async (ctx) => {
      const v = await core.verify(
        inlineRequest(ctx.method, ctx.originalUrl, ctx.req.headers),
        'agent',
      );
      ctx.status = v.ok ? 200 : 401;
      ctx.type = 'application/json';
      ctx.body = HELLO;
    });
    router.get('/protected', gate.requireAAuth('agent'), (ctx) => {
      ctx.type = 'application/json';
      ctx.body = HELLO;
    });
    app.use(router.routes());
    const server = createServer(app.callback());
    return server.listen(0, '127.0.0.1');
  },
  async 'nestjs-fastify'(core) {
    @Controller()
    class BenchController {
      constructor(@Inject('CORE') private readonly c: AAuth) {}
      @Public() @Get('__cpu') cpuTime(): string {
        return cpu();
      }
      @Public() @Get('bare') bare(): string {
        return HELLO;
      }
      @Public() @Get('inline') async inline(
        @Req() q: { method: string; url: string; headers: Record<string, string> },
      ): Promise<string> {
        await this.c.verify(inlineRequest(q.method, q.url, q.headers), 'agent');
        return HELLO;
      }
      @RequireAAuth('agent') @Get('protected') protectedRoute(): string {
        return HELLO;
      }
    }
    @Module({
      imports: [AAuthModule.forRoot({ core })],
      controllers: [BenchController],
      providers: [{ provide: 'CORE', useValue: core }],
    })
    class BenchModule {}
    const app = await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false });
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address() as AddressInfo;
    return { port: address.port, close: () => app.close() };
  },
};

export const FRAMEWORKS = Object.keys(servers);

// Child-process entry: `serve <framework>` with the issuer documents in AAUTH_BENCH_DOCS.
if (process.argv[2] === 'serve') {
  const framework = process.argv[3] as string;
  const docs = JSON.parse(process.env.AAUTH_BENCH_DOCS ?? '{}') as IssuerDocs;
  const started = await (servers[framework] as Start)(benchCore(docs));
  if ('once' in started && !(started as Server).listening)
    await new Promise((r) => (started as Server).once('listening', r));
  const port =
    'port' in started ? started.port : ((started as Server).address() as AddressInfo).port;
  process.stdout.write(`${port}\n`);
}
