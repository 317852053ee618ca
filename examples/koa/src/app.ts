import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { type AAuthState, aauthKoa } from '@aauth-gate/koa';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import { NotesStore } from './notes.ts';

/** `ctx.state`: the principal (`aauth`), and the parsed JSON body (`body`). */
export interface NotesState extends AAuthState {
  body?: unknown;
}

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

/** The notes API: `/whoami` needs agent identity, the notes need an auth token with scopes. */
export function createApp(options: AAuthOptions): Koa<NotesState> {
  const aauth = aauthKoa(options);
  const notes = new NotesStore();
  const app = new Koa<NotesState>();
  const router = new Router<NotesState>();

  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' }; // unprotected, for load balancers
  });

  router.get('/whoami', aauth.requireAAuth('agent'), (ctx) => {
    const p = ctx.state.aauth;
    ctx.body = { tokenType: p?.tokenType, agent: p?.agent ?? null, person: p?.person ?? null };
  });

  router.get('/notes', aauth.requireAAuth({ auth: ['notes:read'] }), (ctx) => {
    ctx.body = { notes: notes.list(ctx.state.aauth?.person as { iss: string; sub: string }) };
  });

  router.post(
    '/notes',
    // requireAAuth() before the body parser: it needs the raw bytes content-digest covers.
    aauth.requireAAuth({ auth: ['notes:write'], components: ['content-type', 'content-digest'] }),
    jsonBody(),
    (ctx) => {
      const text = (ctx.state.body as { text?: unknown } | undefined)?.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > 10_000) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_request', detail: 'text (1–10000 characters) is required' };
        return;
      }
      ctx.status = 201;
      ctx.body = notes.add(ctx.state.aauth?.person as { iss: string; sub: string }, text);
    },
  );

  router.delete('/notes/:id', aauth.requireAAuth({ auth: ['notes:write'] }), (ctx) => {
    const removed = notes.remove(
      ctx.state.aauth?.person as { iss: string; sub: string },
      ctx.params.id as string,
    );
    ctx.status = removed ? 204 : 404;
  });

  app.use(aauth.wellKnown()); // metadata, JWKS and the revocation endpoint
  app.use(router.routes()).use(router.allowedMethods());
  return app;
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
