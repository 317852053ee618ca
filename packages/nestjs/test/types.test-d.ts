import type { AAuth, AAuthPrincipal, Answer, RouteRequirement } from '@aauth-gate/core';
import type { DynamicModule } from '@nestjs/common';
import { expectTypeOf } from 'vitest';
import {
  AAUTH,
  AAuthException,
  AAuthModule,
  type AAuthModuleOptions,
  type AAuthSlot,
  Principal,
  RequireAAuth,
} from '../src/index.js';

declare const core: AAuth;

expectTypeOf<AAuthSlot['aauth']>().toEqualTypeOf<AAuthPrincipal | undefined>();
expectTypeOf(Principal).returns.toEqualTypeOf<ParameterDecorator>();
expectTypeOf(RequireAAuth).parameter(0).toEqualTypeOf<RouteRequirement | undefined>();
expectTypeOf<AAuthException['answer']>().toEqualTypeOf<Answer>();
expectTypeOf(AAUTH).toExtend<symbol>();
expectTypeOf(AAuthModule.forRoot({ core })).toEqualTypeOf<DynamicModule>();
expectTypeOf(
  AAuthModule.forRoot({ core, global: false, trustProxy: true }),
).toEqualTypeOf<DynamicModule>();
expectTypeOf(
  AAuthModule.forRootAsync({ useFactory: (): AAuthModuleOptions => ({ core }), global: false }),
).toEqualTypeOf<DynamicModule>();
// @ts-expect-error: core options need the resource and trust
AAuthModule.forRoot({ dev: true });
// @ts-expect-error: requirements are checked by type
RequireAAuth('admin');
