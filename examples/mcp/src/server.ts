// Configuration: PORT (default 3005), HOST (default 127.0.0.1), AAUTH_RESOURCE, AAUTH_PERSON_SERVERS, AAUTH_AGENT_PROVIDERS,
// AAUTH_DEV=1, AAUTH_KEY_FILE — see README.md.
import { aauthOptionsFromEnv, readEnvOptions } from '@aauth-gate/node';
import { createApp, mcpMetadata } from './app.ts';

const port = Number(process.env.PORT ?? 3005);
const { resource } = readEnvOptions();
const options = await aauthOptionsFromEnv(process.env, { metadata: mcpMetadata(resource) });
const host = process.env.HOST ?? '127.0.0.1';
createApp(options).listen(port, host, () => {
  console.log(`notes (mcp) listening on http://${host}:${port}/mcp as ${resource}`);
});
