// Guards against NestJS 12 sneaking in: this package must run on 11.
import 'reflect-metadata';
import { type ConformanceApp, runConformanceSuite } from '@aauth-gate/conformance';
import { AAuthModule } from '@aauth-gate/nestjs';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConformanceController } from '../../nestjs/test/conformance-controller.ts';

// NestJS 11 on the Express platform: the same suite, the same answers as on 12.
runConformanceSuite('nestjs 11 (express)', async (setup): Promise<ConformanceApp> => {
  @Module({
    imports: [AAuthModule.forRoot({ core: setup.aauth })],
    controllers: [ConformanceController],
  })
  class ConformanceModule {}
  const app = await NestFactory.create<NestExpressApplication>(ConformanceModule, {
    rawBody: true,
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { url, close: () => app.close() };
});
