import { runConformanceSuite } from '@aauth-gate/conformance';
import express from 'express';
import { startWith } from './conformance-app.ts';

runConformanceSuite('express', startWith(express));
