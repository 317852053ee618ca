// Configuration: PORT (default 3004), HOST (default 127.0.0.1), AAUTH_RESOURCE, AAUTH_PERSON_SERVERS, AAUTH_AGENT_PROVIDERS,
// AAUTH_DEV=1, AAUTH_KEY_FILE, REDIS_URL, AAUTH_REDIS_PREFIX — see README.md.
import 'reflect-metadata';
import { aauthOptionsFromEnv, readEnvOptions } from '@aauth-gate/node';
import { createRedisStores } from '@aauth-gate/redis';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, notesMetadata } from './app-module.ts';

const port = Number(process.env.PORT ?? 3004);
const { resource } = readEnvOptions();
// Several instances share replay and revocation state through Redis; one instance keeps it in memory.
const stores = process.env.REDIS_URL
  ? createRedisStores({
      url: process.env.REDIS_URL,
      prefix: process.env.AAUTH_REDIS_PREFIX ?? 'aauth:',
    })
  : undefined;
const options = await aauthOptionsFromEnv(process.env, {
  metadata: notesMetadata(resource),
  ...(stores && {
    replay: stores.replay,
    revocation: stores.revocation,
    state: stores.state,
    sharedKeyCache: stores.state,
  }),
});
const host = process.env.HOST ?? '127.0.0.1';
// rawBody: true keeps the exact bytes content-digest covers (req.rawBody).
const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
  rawBody: true,
  logger: ['error', 'warn'],
});
await app.listen(port, host);
console.log(
  `notes (nestjs) listening on http://${host}:${port} as ${resource}${stores ? ' (Redis stores)' : ''}`,
);

if (stores) {
  // Stop accepting, let requests in flight finish (at most 2 s), then close the Redis client.
  const shutdown = (): void => {
    const exit = (): void => void stores.close().finally(() => process.exit(0));
    void app.close().then(exit, exit);
    setTimeout(exit, 2000);
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}
