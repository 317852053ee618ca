import { nodeExampleServer, runNotesExampleSuite } from '@aauth-gate/conformance';
import { createApp, notesMetadata } from '../src/app.ts';

runNotesExampleSuite(
  'Express',
  () => nodeExampleServer((options) => createApp(options)),
  notesMetadata,
);
