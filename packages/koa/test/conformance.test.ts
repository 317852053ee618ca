import { runConformanceSuite } from '@aauth-gate/conformance';
import Koa from 'koa';
import { startWith } from './conformance-app.ts';

runConformanceSuite('koa', startWith(Koa));
