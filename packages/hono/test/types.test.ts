import type { AAuthPrincipal } from '@aauth-gate/core';
import { createAAuth } from '@aauth-gate/core';
import { Hono, type MiddlewareHandler } from 'hono';
import { describe, expectTypeOf, it } from 'vitest';
import { type AAuthVariables, aauthHono } from '../src/index.ts';

const aauth = aauthHono({
  core: createAAuth({
    resource: 'https://api.example',
    trust: { agentProviders: 'any', personServers: 'any' },
  }),
});

describe('typed slot', () => {
  it('c.get("aauth") is AAuthPrincipal | undefined after requireAAuth()', () => {
    const app = new Hono();
    app.get('/x', aauth.requireAAuth(), (c) => {
      expectTypeOf(c.get('aauth')).toEqualTypeOf<AAuthPrincipal | undefined>();
      return c.body(null);
    });
  });

  it('AAuthVariables types a whole app', () => {
    const app = new Hono<{ Variables: AAuthVariables }>();
    app.use(aauth.requireAAuth());
    app.get('/x', (c) => {
      expectTypeOf(c.get('aauth')).toEqualTypeOf<AAuthPrincipal | undefined>();
      expectTypeOf(c.var.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
      return c.body(null);
    });
  });

  it('the factories return Hono middleware', () => {
    expectTypeOf(aauth.wellKnown()).toEqualTypeOf<MiddlewareHandler>();
    expectTypeOf(aauth.requireAAuth('person')).toEqualTypeOf<
      MiddlewareHandler<{ Variables: AAuthVariables }>
    >();
  });
});
