import 'reflect-metadata';
import {
  type ConformanceApp,
  conformanceBody,
  conformanceRoutes as routes,
  runConformanceSuite,
  type StartConformanceApp,
} from '@aauth-gate/conformance';
import { Body, Controller, Get, Header, HttpCode, Module, Post } from '@nestjs/common';
import { AAuthModule, type AAuthPrincipal, Principal, Public, RequireAAuth } from '../src/index.js';
import { type Platform, startApp } from './start-app.js';

@Controller()
class ConformanceController {
  @Get(routes.agent.path)
  @RequireAAuth(routes.agent.requirement)
  @Header('content-type', 'application/json')
  agent(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.person.path)
  @RequireAAuth(routes.person.requirement)
  @Header('content-type', 'application/json')
  person(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.notesRead.path)
  @RequireAAuth(routes.notesRead.requirement)
  @Header('content-type', 'application/json')
  notesRead(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Post(routes.notesWrite.path)
  @RequireAAuth(routes.notesWrite.requirement)
  @HttpCode(200)
  @Header('content-type', 'application/json')
  notesWrite(@Principal() principal: AAuthPrincipal | undefined, @Body() body: unknown): string {
    return conformanceBody(principal, body);
  }

  @Get(routes.denied.path)
  @RequireAAuth(routes.denied.requirement)
  @Header('content-type', 'application/json')
  denied(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.optional.path)
  @RequireAAuth(routes.optional.requirement)
  @Header('content-type', 'application/json')
  optional(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.open.path)
  @Public()
  @Header('content-type', 'application/json')
  open(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }
}

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
