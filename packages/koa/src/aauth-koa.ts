import type {
  AAuth,
  AAuthOptions,
  AAuthPrincipal,
  AAuthRequest,
  Answer,
  RouteRequirement,
} from '@aauth-gate/core';
import {
  hasBody,
  headerLines,
  keepResponse,
  nodeAdapterSettings,
  peekBody,
  runHeld,
  runOf,
} from '@aauth-gate/node';
import type { Middleware, ParameterizedContext } from 'koa';

/** What the adapter puts in `ctx.state`: use it in `new Koa<AAuthState>()` or router generics. */
export interface AAuthState {
  /** The verified principal, set by `requireAAuth()`; `undefined` on an optional route reached unsigned. */
  aauth?: AAuthPrincipal | undefined;
  /** The raw body bytes `requireAAuth()` read (the stream stays readable for body parsers). */
  aauthRawBody?: Buffer | undefined;
}

declare module 'koa' {
  interface DefaultState extends AAuthState {}
}

/** Options of `aauthKoa`: core's options (or a ready core instance) plus the adapter's own. */
export type AAuthKoaOptions = (AAuthOptions | { readonly core: AAuth }) & AdapterOptions;

interface AdapterOptions {
  /**
   * Take `@authority` and scheme from Koa's own proxy decision (`app.proxy = true`:
   * `ctx.host`, `ctx.protocol`) instead of core's configured authority. Default `false`.
   */
  readonly trustProxy?: boolean;
  /** Largest body read to check `content-digest`; a larger body is left to the app. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** The adapter: one core instance and its Koa middleware. */
export interface AAuthKoa {
  /** The core verifier, created once. */
  readonly core: AAuth;
  /**
   * Serves the endpoints core owns (well-known documents, JWKS, pending URLs, revocation and
   * authorization endpoints); passes anything else on. A poll that completes a held request
   * (`defer`) runs that request through the app once.
   */
  wellKnown(): Middleware<AAuthState>;
  /** Verifies the request against `requirement`; sets `ctx.state.aauth` or answers with core's answer. */
  requireAAuth(requirement?: RouteRequirement): Middleware<AAuthState>;
}

type Ctx = ParameterizedContext<AAuthState>;

const FIX_SETUP =
  '@aauth-gate/koa: a body parser consumed the request body before requireAAuth(), so ' +
  'content-digest cannot be checked. Mount requireAAuth() before the body parser: it reads ' +
  'the bytes and leaves the stream readable for the parser.';

function send(ctx: Ctx, answer: Answer): void {
  // An explicit null body before the status: Koa then adds no body and no content-type of its own.
  ctx.remove('content-type');
  ctx.body = null;
  ctx.status = answer.status;
  ctx.set(answer.headers);
  if (answer.body !== '') ctx.body = answer.body;
}

/** Create the adapter. Options are validated here; bad ones throw `TypeError`/`RangeError`. */
export function aauthKoa(options: AAuthKoaOptions): AAuthKoa {
  const { core, trustProxy, maxBodyBytes } = nodeAdapterSettings(options);
  let warned = false;

  /** The raw bytes; core calls this only when the signature covers `content-digest`. */
  const bodyOf = async (ctx: Ctx): Promise<Buffer | undefined> => {
    if (Buffer.isBuffer(ctx.state.aauthRawBody)) return ctx.state.aauthRawBody;
    if (!hasBody(ctx.req)) return undefined;
    if (ctx.req.readableEnded) {
      // A parser consumed the stream first: core answers invalid_signature.
      if (!warned) console.warn(FIX_SETUP);
      warned = true;
      return undefined;
    }
    ctx.state.aauthRawBody = await peekBody(ctx.req, ctx.res, maxBodyBytes);
    return ctx.state.aauthRawBody;
  };

  const toRequest = (ctx: Ctx): AAuthRequest => ({
    method: ctx.method,
    target: ctx.originalUrl,
    headers: headerLines(ctx.req),
    authority: trustProxy ? ctx.host || undefined : undefined,
    scheme: trustProxy ? ctx.protocol : undefined,
    body: () => bodyOf(ctx),
    deferred: runOf(ctx.req),
  });

  return Object.freeze({
    core,
    wellKnown(): Middleware<AAuthState> {
      return async (ctx, next) => {
        const answer = await core.handle(toRequest(ctx));
        if (answer === undefined) return next();
        if ('kind' in answer) {
          // The held request runs as a new request of the same app and answers this poll.
          ctx.respond = false;
          runHeld(ctx.req, ctx.res, answer);
        } else send(ctx, answer);
      };
    },
    requireAAuth(requirement?: RouteRequirement): Middleware<AAuthState> {
      const normalized = core.requirement(requirement);
      return async (ctx, next) => {
        const result = await core.verify(toRequest(ctx), normalized);
        if (result.ok) {
          ctx.state.aauth = result.principal;
          if (result.keep) keepResponse(ctx.res, result.keep);
          return next();
        }
        send(ctx, result.answer);
      };
    },
  });
}
