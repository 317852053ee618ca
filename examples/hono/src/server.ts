// Configuration: PORT (default 3002), HOST (default 127.0.0.1), AAUTH_RESOURCE, AAUTH_PERSON_SERVERS, AAUTH_AGENT_PROVIDERS,
// AAUTH_DEV=1, AAUTH_KEY_FILE — see README.md.
import { aauthOptionsFromEnv, readEnvOptions } from '@aauth-gate/node';
import { serve } from '@hono/node-server';
import { createApp, notesMetadata } from './app.ts';

const port = Number(process.env.PORT ?? 3002);
const { resource } = readEnvOptions();
const options = await aauthOptionsFromEnv(process.env, { metadata: notesMetadata(resource) });
const host = process.env.HOST ?? '127.0.0.1';
serve({ fetch: createApp(options).fetch, port, hostname: host }, () => {
  console.log(`notes (hono) listening on http://${host}:${port} as ${resource}`);
});
