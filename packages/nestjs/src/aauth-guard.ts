import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AAuthRequest } from '@aauth-gate/core';
import { headerLines, keepResponse, runOf } from '@aauth-gate/node';
import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AAuthException } from './answer-exception.js';
import { type AAuthSlot, PUBLIC, RouteAAuth } from './decorators.js';
import { AAUTH_GATE, type AAuthGate } from './options.js';

/** What the guard reads from an Express or Fastify request. */
interface PlatformRequest extends AAuthSlot {
  readonly method: string;
  readonly url: string;
  /** Express: the wire target (`url` may be rewritten by mounts); Fastify: before `rewriteUrl`. */
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  /** Node's field lines (Express platform). */
  readonly rawHeaders: string[];
  /** Fastify: the Node request. */
  readonly raw?: { readonly rawHeaders: string[] };
  /** Set by `NestFactory.create(App, { rawBody: true })` when a body parser ran. */
  readonly rawBody?: Uint8Array;
  /** Host with port after the platform's trust-proxy decision (Express 5, Fastify 5). */
  readonly host?: string;
  readonly protocol?: string;
}

/** Verifies each request with core; routes opt out with `@Public()`. */
@Injectable()
export class AAuthGuard implements CanActivate {
  private readonly logger = new Logger('AAuth');
  private hinted = false;

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AAUTH_GATE) private readonly gate: AAuthGate,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const input = this.reflector.getAllAndOverride(RouteAAuth, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (input === PUBLIC) return true;
    if (context.getType() !== 'http') return false; // AAuth signs HTTP requests only
    const req = context.switchToHttp().getRequest<PlatformRequest>();
    const request: AAuthRequest = {
      method: req.method,
      target: req.originalUrl ?? req.url,
      // Fastify wraps the Node request in `raw`; Express's request is the Node request.
      headers: headerLines(req.raw ?? req),
      authority: this.gate.trustProxy ? req.host : undefined,
      scheme: this.gate.trustProxy ? req.protocol : undefined,
      body: req.rawBody,
      deferred: runOf(req.raw ?? req),
    };
    const result = await this.gate.core.verify(request, this.gate.requirementOf(input));
    if (!result.ok) {
      if (
        !this.hinted &&
        req.rawBody === undefined &&
        req.headers['content-digest'] !== undefined
      ) {
        this.hinted = true;
        this.logger.warn(
          'no raw body to check content-digest: create the app with NestFactory.create(App, { rawBody: true }) and add app.useBodyParser() for other content types',
        );
      }
      throw new AAuthException(result.answer, result.code);
    }
    req.aauth = result.principal;
    if (result.keep) {
      // Express platform: the Node response; Fastify: the reply's `raw`.
      const res = context.switchToHttp().getResponse<ServerResponse & { raw?: ServerResponse }>();
      keepResponse(res.raw ?? res, result.keep);
    }
    return true;
  }
}
