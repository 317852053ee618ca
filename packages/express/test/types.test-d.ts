import type { AAuthPrincipal } from '@aauth-gate/core';
import express, { type Request } from 'express';
import { expectTypeOf } from 'vitest';
import { type aauthExpress, keepRawBody } from '../src/index.js';

declare const aauth: ReturnType<typeof aauthExpress>;

const app = express();
app.use(express.json({ verify: keepRawBody }));
app.use(aauth.wellKnown());
app.get('/me', aauth.requireAAuth('person'), (req, res) => {
  expectTypeOf(req.aauth).toEqualTypeOf<AAuthPrincipal | undefined>();
  expectTypeOf(req.rawBody).toEqualTypeOf<Buffer | undefined>();
  // @ts-expect-error: the principal is not a string
  const s: string = req.aauth;
  res.json({ s });
});
expectTypeOf<Request['aauth']>().toEqualTypeOf<AAuthPrincipal | undefined>();
expectTypeOf(aauth.core.verify).returns.resolves.toHaveProperty('ok');
