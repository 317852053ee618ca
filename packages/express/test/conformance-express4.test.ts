// The same suite on Express 4 (the adapter supports 4.21+ and 5).
import { runConformanceSuite } from '@aauth-gate/conformance';
import type express from 'express';
import express4 from 'express4';
import { startWith } from './conformance-app.ts';

runConformanceSuite('express 4', startWith(express4 as unknown as typeof express));
