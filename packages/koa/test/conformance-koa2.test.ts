// The same suite on Koa 2 (the adapter supports Koa 2 and 3).
import { runConformanceSuite } from '@aauth-gate/conformance';
import type Koa from 'koa';
import Koa2 from 'koa2';
import { startWith } from './conformance-app.ts';

runConformanceSuite('koa 2', startWith(Koa2 as unknown as typeof Koa));
