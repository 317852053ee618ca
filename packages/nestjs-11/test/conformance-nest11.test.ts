// Guards against NestJS 12 sneaking in: this package must run on 11.
import 'reflect-metadata';
import {
  type ConformanceApp,
  conformanceBody,
  conformanceRoutes as routes,
  runConformanceSuite,
} from '@aauth-gate/conformance';
import {
  AAuthModule,
  type AAuthPrincipal,
  Principal,
  Public,
  RequireAAuth,
} from '@aauth-gate/nestjs';
import { Body, Controller, Get, Header, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';

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
