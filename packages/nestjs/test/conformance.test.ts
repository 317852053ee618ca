import 'reflect-metadata';
import {
  type ConformanceApp,
  runConformanceSuite,
  type StartConformanceApp,
} from '@aauth-gate/conformance';
import { Module } from '@nestjs/common';
import { AAuthModule } from '../src/index.js';
import { ConformanceController } from './conformance-controller.js';
import { type Platform, startApp } from './start-app.js';

function starter(platform: Platform): StartConformanceApp {
  return async (setup): Promise<ConformanceApp> => {
    @Module({
      imports: [AAuthModule.forRoot({ core: setup.aauth })],
      controllers: [ConformanceController],
    })
    class ConformanceModule {}
    const { url, close } = await startApp(platform, ConformanceModule);
    return { url, close };
  };
}

runConformanceSuite('nestjs-express', starter('express'));
runConformanceSuite('nestjs-fastify', starter('fastify'));
