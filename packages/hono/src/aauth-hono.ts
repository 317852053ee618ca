import {
  type AAuth,
  type AAuthOptions,
  type AAuthPrincipal,
  answerToResponse,
  createAAuth,
  keepFetchResponse,
  type RouteRequirement,
} from '@aauth-gate/core';
import type { MiddlewareHandler } from 'hono';
import { type HonoApp, replayHeld } from './replay-held.js';
import { toAAuthRequest } from './to-aauth-request.js';

/** The context slot `requireAAuth()` fills: read it with `c.get('aauth')`. */
export type AAuthVariables = {
  /** The verified principal; `undefined` only on an `optional` route reached unsigned. */
  aauth: AAuthPrincipal | undefined;
};

/** Options of the adapter itself, next to core's. */
export interface HonoAdapterOptions {
  /**
   * Largest body in bytes read and handed to core for `content-digest`. Core gets no bytes for
   * a larger one (a route whose signature covers `content-digest` then answers `401`); the
   * handler still reads all of it. Default 1 048 576 (1 MiB).
   */
  readonly maxBodyBytes?: number;
  /**
   * Take the `@authority` from the request's `Host` header instead of core's configured
   * `authorities[0]`. Core still accepts only the configured `authorities`. Default `false`.
   */
  readonly useHostHeader?: boolean;
}

/** Core's options (the adapter creates core once), or an existing core instance. */
export type AAuthHonoOptions = (AAuthOptions | { readonly core: AAuth }) & HonoAdapterOptions;

/** The adapter: the core it uses and the middleware factories. */
export interface AAuthHono {
  /** The core verifier the middleware calls. */
  readonly core: AAuth;
  /**
   * Serves the endpoints core owns (`/.well-known/aauth-resource.json`, the JWKS, pending URLs,
   * revocation and authorization endpoints); register it before anything else. Pass the app
   * when routes use `defer` or sessions: a completed poll runs the held request through it.
   */
  wellKnown(app?: HonoApp): MiddlewareHandler;
  /**
   * Verifies every request against `requirement` (default: agent identity); on success sets
   * `c.get('aauth')`, otherwise answers with core's response. A bad requirement throws here.
   */
  requireAAuth(requirement?: RouteRequirement): MiddlewareHandler<{ Variables: AAuthVariables }>;
}

/** Create the Hono adapter. Validates options once; bad options throw `TypeError`/`RangeError`. */
export function aauthHono(options: AAuthHonoOptions): AAuthHono {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const { maxBodyBytes = 1_048_576, useHostHeader = false, ...rest } = options;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    throw new RangeError('maxBodyBytes must be a non-negative integer');
  if (typeof useHostHeader !== 'boolean') throw new TypeError('useHostHeader must be a boolean');
  if ('core' in rest && ('resource' in rest || typeof rest.core?.verify !== 'function'))
    throw new TypeError('core must be an AAuth from createAAuth(), given without core options');
  const core = 'core' in rest ? rest.core : createAAuth(rest);
  const settings = { maxBodyBytes, useHostHeader };

  return Object.freeze({
    core,
    wellKnown:
      (app?: HonoApp): MiddlewareHandler =>
      async (c, next) => {
        const answer = await core.handle(toAAuthRequest(c, settings));
        if (answer === undefined) return next();
        if ('kind' in answer) return replayHeld(c, answer, app);
        return answerToResponse(answer);
      },
    requireAAuth: (
      requirement?: RouteRequirement,
    ): MiddlewareHandler<{ Variables: AAuthVariables }> => {
      const normalised = core.requirement(requirement);
      return async (c, next) => {
        const result = await core.verify(toAAuthRequest(c, settings), normalised);
        if (!result.ok) return answerToResponse(result.answer);
        c.set('aauth', result.principal);
        await next();
        if (result.keep) keepFetchResponse(c.res, result.keep);
      };
    },
  });
}
