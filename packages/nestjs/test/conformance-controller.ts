import { conformanceBody, conformanceRoutes as routes } from '@aauth-gate/conformance';
import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { type AAuthPrincipal, Principal, Public, RequireAAuth } from '../src/index.js';

/** The conformance routes as a decorated controller (also run on NestJS 11 by packages/nestjs-11). */
export
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

  @Post(routes.deferred.path)
  @RequireAAuth(routes.deferred.requirement)
  @HttpCode(200)
  @Header('content-type', 'application/json')
  deferred(@Principal() principal: AAuthPrincipal | undefined, @Body() body: unknown): string {
    return conformanceBody(principal, body);
  }

  @Get(routes.session.path)
  @RequireAAuth(routes.session.requirement)
  @Header('content-type', 'application/json')
  session(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.report.path)
  @RequireAAuth(routes.report.requirement)
  @Header('content-type', 'application/json')
  report(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }

  @Get(routes.open.path)
  @Public()
  @Header('content-type', 'application/json')
  open(@Principal() principal: AAuthPrincipal | undefined): string {
    return conformanceBody(principal);
  }
}
