import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { type AAuthVariables, aauthHono } from '@aauth-gate/hono';
import { Hono } from 'hono';
import { NotesStore } from './notes.ts';

/** The app's context: `c.get('aauth')` is the verified principal. */
export type NotesEnv = { Variables: AAuthVariables };

/** The notes API: `/whoami` needs agent identity, the notes need an auth token with scopes. */
export function createApp(options: AAuthOptions): Hono<NotesEnv> {
  const aauth = aauthHono(options);
  const notes = new NotesStore();
  const app = new Hono<NotesEnv>();
  app.use(aauth.wellKnown()); // metadata, JWKS and the revocation endpoint

  app.get('/health', (c) => c.json({ status: 'ok' })); // unprotected, for load balancers

  app.get('/whoami', aauth.requireAAuth('agent'), (c) => {
    const p = c.get('aauth');
    return c.json({ tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null });
  });

  app.get('/notes', aauth.requireAAuth({ auth: ['notes:read'] }), (c) =>
    c.json({ notes: notes.list(c.get('aauth')?.person as { iss: string; sub: string }) }),
  );

  app.post(
    '/notes',
    // The adapter hands core the exact bytes (Hono caches them), so c.req.json() still works.
    aauth.requireAAuth({ auth: ['notes:write'], components: ['content-type', 'content-digest'] }),
    async (c) => {
      const body = (await c.req.json().catch(() => undefined)) as { text?: unknown } | undefined;
      const text = body?.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
        return c.json(
          { error: 'invalid_request', detail: 'text (1–10000 characters) is required' },
          400,
        );
      }
      return c.json(notes.add(c.get('aauth')?.person as { iss: string; sub: string }, text), 201);
    },
  );

  app.delete('/notes/:id', aauth.requireAAuth({ auth: ['notes:write'] }), (c) => {
    const removed = notes.remove(
      c.get('aauth')?.person as { iss: string; sub: string },
      c.req.param('id'),
    );
    return c.body(null, removed ? 204 : 404);
  });

  return app;
}

/** The optional metadata every notes example publishes. */
export function notesMetadata(resource: string): ResourceMetadataOptions {
  return {
    name: 'Notes (Hono example)',
    accessMode: 'auth-token',
    scopeDescriptions: {
      'notes:read': 'Read your notes',
      'notes:write': 'Create and delete your notes',
    },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
