// Core's attack corpus over real HTTP through the NestJS adapter, on the Express and the Fastify
// platform (conformance runAttackCorpus). One catch-all controller route guarded by
// @RequireAAuth('agent'); raw bodies as in TOOLCHAIN §7.
import 'reflect-metadata';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  attackCorpusBody,
  attackCorpusMaxHeaderSize,
  runAttackCorpus,
  type StartAttackCorpusApp,
} from '@aauth-gate/conformance';
import type { AAuth } from '@aauth-gate/core';
import { All, Controller, Header, HttpCode, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AAuthModule, RequireAAuth } from '../src/index.js';
import type { Platform } from './start-app.js';

@Controller()
class CatchAllController {
  @All('*')
  @RequireAAuth('agent')
  @HttpCode(200)
  @Header('content-type', 'application/json')
  answer(): string {
    return attackCorpusBody;
  }
}

function moduleWith(core: AAuth): Type {
  @Module({ imports: [AAuthModule.forRoot({ core })], controllers: [CatchAllController] })
  class AttackCorpusModule {}
  return AttackCorpusModule;
}

const options = { rawBody: true, abortOnError: false, logger: false } as const;

/** Express platform: Nest's own server has Node's 16 KiB header cap, so serve its app ourselves. */
async function startExpress(module: Type): Promise<{ url: string; close(): Promise<void> }> {
  const app = await NestFactory.create<NestExpressApplication>(
    module,
    new ExpressAdapter(),
    options,
  );
  app.useBodyParser('raw', { type: 'application/octet-stream' });
  app.useBodyParser('text', { type: 'text/*' });
  await app.init();
  const server = createServer(
    { maxHeaderSize: attackCorpusMaxHeaderSize },
    app.getHttpAdapter().getInstance(),
  );
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) =>
    server.once('listening', resolve).once('error', reject),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      await app.close();
    },
  };
}

async function startFastify(module: Type): Promise<{ url: string; close(): Promise<void> }> {
  const adapter = new FastifyAdapter({
    serverFactory: (handler: RequestListener) =>
      createServer({ maxHeaderSize: attackCorpusMaxHeaderSize }, handler),
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, options);
  app.useBodyParser('application/octet-stream');
  app.useBodyParser('text/plain');
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { url, close: () => app.close() };
}

function starter(platform: Platform): StartAttackCorpusApp {
  return (core) => (platform === 'express' ? startExpress : startFastify)(moduleWith(core));
}

runAttackCorpus('nestjs-express', starter('express'));
runAttackCorpus('nestjs-fastify', starter('fastify'));
