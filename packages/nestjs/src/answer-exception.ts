import type { ServerResponse } from 'node:http';
import type { Answer } from '@aauth-gate/core';
import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';

/** Thrown by `AAuthGuard` on failure; carries core's complete answer. */
export class AAuthException extends HttpException {
  /** The answer to send unchanged (status, every header, body). */
  readonly answer: Answer;
  /** Core's error code, or the requirement the challenge asks for. */
  readonly code: string;

  constructor(answer: Answer, code: string) {
    super(answer.body, answer.status);
    this.answer = answer;
    this.code = code;
  }
}

interface FastifyLikeReply {
  readonly raw: ServerResponse;
  code(status: number): FastifyLikeReply;
  headers(values: Readonly<Record<string, string>>): FastifyLikeReply;
  send(payload?: Uint8Array): unknown;
}

/**
 * Writes core's answer byte for byte. Fastify reply: its own path, the body as bytes (a string
 * would get `; charset=utf-8` added to a JSON type, an empty one a content-type). Node response
 * (Express, middleware on both platforms): `writeHead` + `end` (Express' `set`/`send` would
 * add a charset too).
 */
export function writeAnswer(response: ServerResponse | FastifyLikeReply, answer: Answer): void {
  if ('raw' in response) {
    const reply = response.code(answer.status).headers(answer.headers);
    reply.send(answer.body === '' ? undefined : Buffer.from(answer.body));
  } else {
    response.writeHead(answer.status, answer.headers).end(answer.body);
  }
}

/** Puts an `AAuthException`'s answer on the wire; registered by `AAuthModule` as `APP_FILTER`. */
@Catch(AAuthException)
export class AAuthExceptionFilter implements ExceptionFilter<AAuthException> {
  catch(exception: AAuthException, host: ArgumentsHost): void {
    writeAnswer(host.switchToHttp().getResponse(), exception.answer);
  }
}
