import {
  type AAuthOptions,
  OPENAPI_VOCABULARY,
  operationRequirements,
  type R3DisplayMap,
  type R3Options,
  type ResourceMetadataOptions,
  r3DefinitionFromOpenApi,
  selectOpenApiOperations,
} from '@aauth-gate/core';
import { type AAuthVariables, aauthHono } from '@aauth-gate/hono';
import { Hono } from 'hono';
import { NotesStore } from './notes.ts';
import { notesOpenApi } from './openapi.ts';

/** The app's context: `c.get('aauth')` is the verified principal. */
export type NotesEnv = { Variables: AAuthVariables };

/** Each request's requirement comes from the OpenAPI document: declared once, enforced here. */
const operations = operationRequirements(notesOpenApi, {
  defaultRequirement: 'agent',
  components: { createNote: ['content-type', 'content-digest'] }, // the body is signed too
});

/** The notes API: its OpenAPI operations, with R3 consent over them. */
export function createApp(options: AAuthOptions): Hono<NotesEnv> {
  const notes = new NotesStore();
  const aauth = aauthHono({ ...options, r3: notesR3(options.resource, notes) });
  const app = new Hono<NotesEnv>();
  // Metadata, JWKS, pending URLs, R3 documents, revocation. Given the app, a completed poll
  // runs the held (202) request through it.
  app.use(aauth.wellKnown(app));

  app.get('/health', (c) => c.json({ status: 'ok' })); // unprotected, for load balancers
  app.get('/openapi.json', (c) => c.json(notesOpenApi)); // the vocabulary agents read

  // Everything registered below is verified against its operation in the document.
  app.use(aauth.requireAAuth(selectOpenApiOperations(operations, { unmatched: 'agent' })));

  app.get('/whoami', (c) => {
    const p = c.get('aauth');
    return c.json({ tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null });
  });

  app.get('/notes', (c) =>
    c.json({ notes: notes.list(c.get('aauth')?.person as { iss: string; sub: string }) }),
  );

  // The adapter hands core the exact bytes (Hono caches them), so c.req.json() still works.
  app.post('/notes', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as { text?: unknown } | undefined;
    const text = body?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
      return c.json(
        { error: 'invalid_request', detail: 'text (1–10000 characters) is required' },
        400,
      );
    }
    return c.json(notes.add(c.get('aauth')?.person as { iss: string; sub: string }, text), 201);
  });

  // Per-call: runs once the person approved this very deletion (held with 202 meanwhile).
  app.delete('/notes/:id', (c) => {
    const removed = notes.remove(
      c.get('aauth')?.person as { iss: string; sub: string },
      c.req.param('id'),
    );
    return c.body(null, removed ? 204 : 404);
  });

  return app;
}

/**
 * What people read when they consent (R3 §4.1): kept by the resource, never published in the
 * OpenAPI document. Proposals for a deletion add the call's own details.
 */
const NOTES_DISPLAY: R3DisplayMap = {
  listNotes: { summary: 'Read your notes', data_accessed: 'The text and dates of all your notes' },
  createNote: { summary: 'Create a note', implications: 'A new note is added to your notes' },
  deleteNote: {
    summary: 'Delete one of your notes',
    irreversible: 'A deleted note cannot be restored',
  },
};

/** R3: the operations people consent to, and where agents read them. */
export function notesR3(resource: string, notes: NotesStore): R3Options {
  return {
    definition: r3DefinitionFromOpenApi(operations, NOTES_DISPLAY),
    vocabularies: { [OPENAPI_VOCABULARY]: `${resource}/openapi.json` },
    // A deletion's proposal names the very note, which only the resource knows (R3 §7).
    describeCall: ({ operation, parameters, principal }) => {
      const person = principal.person;
      const note =
        operation.id === 'deleteNote' && person
          ? notes.get(person, String(parameters.id))
          : undefined;
      if (!note) return {};
      return {
        summary: `Delete the note “${note.text.slice(0, 60)}”`,
        detail: `## Action\nDelete the note written ${note.createdAt.slice(0, 10)}.`,
      };
    },
  };
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
