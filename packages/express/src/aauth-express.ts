import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  AAuth,
  AAuthOptions,
  AAuthPrincipal,
  AAuthRequest,
  RouteRequirement,
} from '@aauth-gate/core';
import {
  answerHandled,
  hasBody,
  headerLines,
  keepResponse,
  nodeAdapterSettings,
  peekBody,
  runOf,
  writeAnswer,
} from '@aauth-gate/node';
import type { Request, RequestHandler, Response } from 'express';

declare global {
  namespace Express {
    interface Request {
      /** The verified principal, set by `requireAAuth()`; `undefined` on an optional route reached unsigned. */
      aauth?: AAuthPrincipal | undefined;
      /** The raw body bytes, kept by `keepRawBody` or read by `requireAAuth()`. */
      rawBody?: Buffer | undefined;
    }
  }
}

/** Options of `aauthExpress`: core's options (or a ready core instance) plus the adapter's own. */
export type AAuthExpressOptions = (AAuthOptions | { readonly core: AAuth }) & AdapterOptions;

interface AdapterOptions {
  /**
   * Take `@authority` and scheme from Express's own trust-proxy decision (`app.set('trust proxy', …)`)
   * instead of core's configured authority. Default `false`.
   */
  readonly trustProxy?: boolean;
  /** Largest body read to check `content-digest`; a larger body is left to the app. Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** The adapter: one core instance and its Express middleware. */
export interface AAuthExpress {
  /** The core verifier, created once. */
  readonly core: AAuth;
  /**
   * Serves the endpoints core owns — `/.well-known/aauth-resource.json`, the JWKS, pending URLs
   * and, when configured on this origin, the revocation and authorization endpoints; calls
   * `next()` for anything else. A poll that completes a held request (`defer`) runs that
   * request through the app once.
   */
  wellKnown(): RequestHandler;
  /** Verifies the request against `requirement`; sets `req.aauth` or sends core's answer. */
  requireAAuth(requirement?: RouteRequirement): RequestHandler;
}

const FIX_SETUP =
  '@aauth-gate/express: a body parser consumed the request body without keeping its bytes, so ' +
  'content-digest cannot be checked. Use express.json({ verify: keepRawBody }) (same for ' +
  'urlencoded/text/raw), or mount requireAAuth() before the parser.';

/** For `express.json({ verify: keepRawBody })` and the other body-parser types: keeps `req.rawBody`. */
export function keepRawBody(req: IncomingMessage, _res: ServerResponse, buf: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buf;
}

/** `host[:port]` as Express decides it: `X-Forwarded-Host` only from a trusted proxy. */
function authorityOf(req: Request): string | undefined {
  const trust: (address?: string, hop?: number) => boolean = req.app.get('trust proxy fn');
  const trusted = trust(req.socket.remoteAddress, 0);
  const forwarded = trusted ? req.get('x-forwarded-host') : undefined;
  return (forwarded ? forwarded.split(',')[0]?.trim() : req.get('host')) || undefined;
}

/** Create the adapter. Options are validated here; bad ones throw `TypeError`/`RangeError`. */
export function aauthExpress(options: AAuthExpressOptions): AAuthExpress {
  const { core, trustProxy, maxBodyBytes } = nodeAdapterSettings(options);
  let warned = false;

  /** The raw bytes; core calls this only when the signature covers `content-digest`. */
  const bodyOf = async (req: Request, res: Response): Promise<Buffer | undefined> => {
    if (Buffer.isBuffer(req.rawBody)) return req.rawBody;
    if (Buffer.isBuffer(req.body)) return req.body;
    if (!hasBody(req)) return undefined;
    if (req.readableEnded) {
      // A parser consumed the stream and kept no bytes: core answers invalid_signature.
      if (!warned) console.warn(FIX_SETUP);
      warned = true;
      return undefined;
    }
    req.rawBody = await peekBody(req, res, maxBodyBytes);
    return req.rawBody;
  };

  const toRequest = (req: Request, res: Response): AAuthRequest => ({
    method: req.method,
    target: req.originalUrl,
    headers: headerLines(req),
    authority: trustProxy ? authorityOf(req) : undefined,
    scheme: trustProxy ? req.protocol : undefined,
    body: () => bodyOf(req, res),
    deferred: runOf(req),
  });

  return Object.freeze({
    core,
    wellKnown(): RequestHandler {
      return (req, res, next) => {
        core
          .handle(toRequest(req, res))
          .then((handled) => (handled ? answerHandled(req, res, handled) : next()), next);
      };
    },
    requireAAuth(requirement?: RouteRequirement): RequestHandler {
      const normalized = core.requirement(requirement);
      const verify = async (req: Request, res: Response): Promise<boolean> => {
        const result = await core.verify(toRequest(req, res), normalized);
        if (result.ok) {
          req.aauth = result.principal;
          if (result.keep) keepResponse(res, result.keep);
          return true;
        }
        writeAnswer(res, result.answer);
        return false;
      };
      // Express 4 does not catch rejected promises: every unexpected error goes to next(err).
      return (req, res, next) => {
        verify(req, res).then((ok) => ok && next(), next);
      };
    },
  });
}
