import { runNotesExampleSuite } from '@aauth-gate/conformance';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp, type NotesEnv, notesMetadata } from '../src/app.ts';

runNotesExampleSuite(
  'Hono',
  async () => {
    // The resource identifier is the served origin, known once the port is: mount the app then.
    let app: Hono<NotesEnv> | undefined;
    let server: ServerType | undefined;
    const port = await new Promise<number>((resolve) => {
      server = serve(
        {
          fetch: (req, env) => (app ? app.fetch(req, env) : new Response(null, { status: 503 })),
          port: 0,
          hostname: '127.0.0.1',
        },
        (info) => resolve(info.port),
      );
    });
    return {
      url: `http://127.0.0.1:${port}`,
      mount: (options) => {
        app = createApp(options);
      },
      close: () =>
        new Promise<void>((r) => {
          server?.close(() => r());
          if (server && 'closeAllConnections' in server) server.closeAllConnections();
        }),
    };
  },
  notesMetadata,
);
