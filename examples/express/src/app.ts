import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { aauthExpress, keepRawBody } from '@aauth-gate/express';
import express, { type Express } from 'express';
import { NotesStore } from './notes.ts';

/** The notes API: `/whoami` needs agent identity, the notes need an auth token with scopes. */
export function createApp(options: AAuthOptions): Express {
  const gate = aauthExpress(options);
  const notes = new NotesStore();
  const app = express();
  app.disable('x-powered-by');
  app.use(gate.wellKnown()); // metadata, JWKS and the revocation endpoint
  app.use(express.json({ verify: keepRawBody })); // keeps the bytes content-digest covers

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' }); // unprotected, for load balancers
  });

  app.get('/whoami', gate.requireAAuth('agent'), (req, res) => {
    const p = req.aauth;
    res.json({ tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null });
  });

  app.get('/notes', gate.requireAAuth({ auth: ['notes:read'] }), (req, res) => {
    res.json({ notes: notes.list(req.aauth?.person as { iss: string; sub: string }) });
  });

  app.post(
    '/notes',
    gate.requireAAuth({ auth: ['notes:write'], components: ['content-type', 'content-digest'] }),
    (req, res) => {
      const text = (req.body as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
        res
          .status(400)
          .json({ error: 'invalid_request', detail: 'text (1–10000 characters) is required' });
        return;
      }
      res.status(201).json(notes.add(req.aauth?.person as { iss: string; sub: string }, text));
    },
  );

  app.delete('/notes/:id', gate.requireAAuth({ auth: ['notes:write'] }), (req, res) => {
    const removed = notes.remove(
      req.aauth?.person as { iss: string; sub: string },
      req.params.id as string,
    );
    res.status(removed ? 204 : 404).end();
  });

  return app;
}

/** The optional metadata every notes example publishes. */
export function notesMetadata(resource: string): ResourceMetadataOptions {
  return {
    name: 'Notes (Express example)',
    accessMode: 'auth-token',
    scopeDescriptions: {
      'notes:read': 'Read your notes',
      'notes:write': 'Create and delete your notes',
    },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
