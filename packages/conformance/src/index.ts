export type { ConformanceApp, ConformanceSetup, StartConformanceApp } from './app.js';
export { AUTHORITY, createFixture, type Fixture, RESOURCE } from './fixture.js';
export { type ConformanceRoute, conformanceBody, conformanceRoutes } from './routes.js';
export {
  attackCorpusBody,
  attackCorpusMaxHeaderSize,
  runAttackCorpus,
  type StartAttackCorpusApp,
} from './run-attack-corpus.js';
export { runConformanceSuite } from './run-conformance-suite.js';
export {
  type NotesExampleServer,
  nodeExampleServer,
  runNotesExampleSuite,
} from './run-notes-example-suite.js';
