import { nodeExampleServer, runNotesExampleSuite } from '@aauth-gate/conformance';
import { createApp, notesMetadata } from '../src/app.ts';

runNotesExampleSuite(
  'Koa',
  () => nodeExampleServer((options) => createApp(options).callback()),
  notesMetadata,
);
