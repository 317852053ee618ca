// Configuration: PORT (default 3004), HOST (default 127.0.0.1), AAUTH_RESOURCE, AAUTH_PERSON_SERVERS, AAUTH_AGENT_PROVIDERS,
// AAUTH_DEV=1, AAUTH_KEY_FILE — see README.md.
import 'reflect-metadata';
import { aauthOptionsFromEnv, readEnvOptions } from '@aauth-gate/node';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, notesMetadata } from './app-module.ts';

const port = Number(process.env.PORT ?? 3004);
const { resource } = readEnvOptions();
const options = await aauthOptionsFromEnv(process.env, { metadata: notesMetadata(resource) });
const host = process.env.HOST ?? '127.0.0.1';
// rawBody: true keeps the exact bytes content-digest covers (req.rawBody).
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
  rawBody: true,
  logger: ['error', 'warn'],
});
await app.listen(port, host);
console.log(`notes (nestjs) listening on http://${host}:${port} as ${resource}`);
