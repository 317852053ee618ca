import 'reflect-metadata';
import { request } from 'node:http';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

export type Platform = 'express' | 'fastify';
export const platforms: readonly Platform[] = ['express', 'fastify'];

export interface StartOptions {
  /** `NestFactory.create(…, { rawBody })`. Default true. */
  readonly rawBody?: boolean;
  /** Enable the platform's own trust proxy. Default false. */
  readonly trustProxy?: boolean;
  readonly logger?: LoggerService | false;
  /** `app.enableCors()`. Default false. */
  readonly cors?: boolean;
  /** `app.setGlobalPrefix(prefix, { exclude })`. */
  readonly globalPrefix?: { readonly prefix: string; readonly exclude: string[] };
}

export interface Started {
  readonly app: INestApplication;
  readonly url: string;
  close(): Promise<void>;
}

/** A real Nest app on 127.0.0.1:0, with the raw-body setup of TOOLCHAIN §7. */
export async function startApp(
  platform: Platform,
  module: Type,
  options: StartOptions = {},
): Promise<Started> {
  const rawBody = options.rawBody ?? true;
  const common = { rawBody, abortOnError: false, logger: options.logger ?? false } as const;
  let app: INestApplication;
  if (platform === 'express') {
    const express = await NestFactory.create<NestExpressApplication>(module, common);
    if (options.trustProxy) express.set('trust proxy', true);
    express.useBodyParser('raw', { type: 'application/octet-stream' });
    express.useBodyParser('text', { type: 'text/*' });
    app = express;
  } else {
    const fastify = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter({ trustProxy: options.trustProxy === true }),
      common,
    );
    fastify.useBodyParser('application/octet-stream');
    fastify.useBodyParser('text/plain');
    app = fastify;
  }
  if (options.cors) app.enableCors();
  if (options.globalPrefix)
    app.setGlobalPrefix(options.globalPrefix.prefix, { exclude: options.globalPrefix.exclude });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return { app, url, close: () => app.close() };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** One request over node:http: the target and every header (Host too) go out exactly as given. */
export function rawRequest(
  url: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: Uint8Array,
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
