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
import { type AAuthState, aauthKoa } from '@aauth-gate/koa';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { NotesStore } from './notes.ts';
import { notesOpenApi } from './openapi.ts';

/** `ctx.state`: the principal (`aauth`), and the parsed JSON body (`body`). */
export interface NotesState extends AAuthState {
  body?: unknown;
}

/** Each request's requirement comes from the OpenAPI document: declared once, enforced here. */
const operations = operationRequirements(notesOpenApi, {
  defaultRequirement: 'agent',
  components: { createNote: ['content-type', 'content-digest'] }, // the body is signed too
});

/**
 * A tiny JSON body parser, mounted after `requireAAuth()`: the adapter read the bytes for
 * `content-digest` and put them back on the stream, so this reads them as if nothing happened.
 * (`@koa/bodyparser` works the same way; it sets `ctx.request.body` instead.)
 */
export function jsonBody(limit = 65_536): Middleware<NotesState> {
  return async (ctx, next) => {
    if (ctx.is('application/json')) {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limit) ctx.throw(413, 'request body too large');
        chunks.push(chunk);
      }
      try {
        ctx.state.body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        ctx.state.body = undefined; // the handler answers 400
      }
    }
    await next();
  };
}

/** The notes API: its OpenAPI operations, with R3 consent over them. */
export function createApp(options: AAuthOptions): Koa<NotesState> {
  const notes = new NotesStore();
  const aauth = aauthKoa({ ...options, r3: notesR3(options.resource, notes) });
  const app = new Koa<NotesState>();

  // Open to anyone: mounted before requireAAuth().
  const open = new Router<NotesState>();
  open.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }; // unprotected, for load balancers
  });
  open.get('/openapi.json', (ctx) => {
    ctx.body = notesOpenApi; // the vocabulary agents read
  });

  // The operations of the OpenAPI document; requireAAuth() has already checked each one.
  const api = new Router<NotesState>();
  api.get('/whoami', (ctx) => {
    const p = ctx.state.aauth;
    ctx.body = { tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null };
  });

  api.get('/notes', (ctx) => {
    ctx.body = { notes: notes.list(ctx.state.aauth?.person as { iss: string; sub: string }) };
  });

  api.post('/notes', (ctx) => {
    const text = (ctx.state.body as { text?: unknown } | undefined)?.text;
    if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', detail: 'text (1–10000 characters) is required' };
      return;
    }
    ctx.status = 201;
    ctx.body = notes.add(ctx.state.aauth?.person as { iss: string; sub: string }, text);
  });

  // Per-call: runs once the person approved this very deletion (held with 202 meanwhile).
  api.delete('/notes/:id', (ctx) => {
    const removed = notes.remove(
      ctx.state.aauth?.person as { iss: string; sub: string },
      ctx.params.id as string,
    );
    ctx.status = removed ? 204 : 404;
  });

  app.use(aauth.wellKnown()); // metadata, JWKS, pending URLs, R3 documents, revocation
  app.use(open.routes());
  // requireAAuth() before the body parser: it needs the raw bytes content-digest covers.
  app.use(aauth.requireAAuth(selectOpenApiOperations(operations, { unmatched: 'agent' })));
  app.use(jsonBody());
  app.use(api.routes()).use(api.allowedMethods());
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
    name: 'Notes (Koa example)',
    accessMode: 'auth-token',
    scopeDescriptions: {
      'notes:read': 'Read your notes',
      'notes:write': 'Create and delete your notes',
    },
    revocationEndpoint: `${resource}/aauth/revoke`,
  };
}
