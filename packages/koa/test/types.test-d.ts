import type { AAuthPrincipal } from '@aauth-gate/core';
import Router from '@koa/router';
import Koa from 'koa';
import { expectTypeOf } from 'vitest';
import type { AAuthState, aauthKoa } from '../src/index.js';

declare const aauth: ReturnType<typeof aauthKoa>;

// Typed app and router.
const app = new Koa<AAuthState>();
app.use(aauth.requireAAuth());
app.use((ctx) => {
  expectTypeOf(ctx.state.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
  expectTypeOf(ctx.state.aauthRawBody).toEqualTypeOf<Buffer | undefined>();
});
const router = new Router<AAuthState>();
router.get('/me', aauth.requireAAuth('person'), (ctx) => {
  expectTypeOf(ctx.state.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
});

// Untyped app: DefaultState is augmented.
const plain = new Koa();
plain.use(aauth.wellKnown());
plain.use(aauth.requireAAuth());
plain.use((ctx) => {
  expectTypeOf(ctx.state.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
});
const plainRouter = new Router();
plainRouter.get('/x', aauth.requireAAuth(), (ctx) => {
  expectTypeOf(ctx.state.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
  // @ts-expect-error: the principal is not a string
  const s: string = ctx.state.aauth;
  void s;
});
