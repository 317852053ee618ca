export type { ConformanceApp, ConformanceSetup, StartConformanceApp } from './app.js';
export { AUTHORITY, createFixture, type Fixture, RESOURCE } from './fixture.js';
export { type ConformanceRoute, conformanceBody, conformanceRoutes } from './routes.js';
export { runConformanceSuite } from './run-conformance-suite.js';
