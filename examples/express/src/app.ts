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
import { aauthExpress, keepRawBody } from '@aauth-gate/express';
import express, { type Express } from 'express';
import { NotesStore } from './notes.ts';
import { notesOpenApi } from './openapi.ts';

/** Each request's requirement comes from the OpenAPI document: declared once, enforced here. */
const operations = operationRequirements(notesOpenApi, {
  defaultRequirement: 'agent',
  components: { createNote: ['content-type', 'content-digest'] }, // the body is signed too
});

/** The notes API: its OpenAPI operations, with R3 consent over them. */
export function createApp(options: AAuthOptions): Express {
  const notes = new NotesStore();
  const gate = aauthExpress({ ...options, r3: notesR3(options.resource, notes) });
  const app = express();
  app.disable('x-powered-by');
  app.use(gate.wellKnown()); // metadata, JWKS, pending URLs, R3 documents, revocation

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' }); // unprotected, for load balancers
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(notesOpenApi); // the vocabulary agents read
  });

  app.use(express.json({ verify: keepRawBody })); // keeps the bytes content-digest covers
  app.use(gate.requireAAuth(selectOpenApiOperations(operations, { unmatched: 'agent' })));

  app.get('/whoami', (req, res) => {
    const p = req.aauth;
    res.json({ tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null });
  });

  app.get('/notes', (req, res) => {
    res.json({ notes: notes.list(req.aauth?.person as { iss: string; sub: string }) });
  });

  app.post('/notes', (req, res) => {
    const text = (req.body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
      res
        .status(400)
        .json({ error: 'invalid_request', detail: 'text (1–10000 characters) is required' });
      return;
    }
    res.status(201).json(notes.add(req.aauth?.person as { iss: string; sub: string }, text));
  });

  // Per-call: runs once the person approved this very deletion (held with 202 meanwhile).
  app.delete('/notes/:id', (req, res) => {
    const removed = notes.remove(
      req.aauth?.person as { iss: string; sub: string },
      req.params.id as string,
    );
    res.status(removed ? 204 : 404).end();
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
    name: 'Notes (Express example)',
    accessMode: 'auth-token',
    scopeDescriptions: {
      'notes:read': 'Read your notes',
      'notes:write': 'Create and delete your notes',
    },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
