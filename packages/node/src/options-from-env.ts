import { readFile } from 'node:fs/promises';
import {
  type AAuthOptions,
  generateResourceKey,
  loadResourceKey,
  type ResourceSigningKey,
} from '@aauth-gate/core';
import { createGuardedFetch } from './guarded-fetch.js';

/** What `aauthOptionsFromEnv` reads, with the variables' names. */
export interface EnvOptions {
  /** `AAUTH_RESOURCE`: the resource identifier (its public origin). Required. */
  readonly resource: string;
  /** `AAUTH_PERSON_SERVERS`: comma-separated trusted person servers. Default: none trusted. */
  readonly personServers: readonly string[];
  /** `AAUTH_AGENT_PROVIDERS`: comma-separated trusted agent providers. Default: any. */
  readonly agentProviders: readonly string[] | 'any';
  /** `AAUTH_DEV=1`: development mode (loopback http issuers, generated key). Refused when `NODE_ENV=production`. */
  readonly dev: boolean;
  /** `AAUTH_KEY_FILE`: path of the resource's private JWK. Required unless `AAUTH_DEV=1`. */
  readonly keyFile: string | undefined;
}

/** Parse the environment; throws `TypeError` naming the variable that is wrong. */
export function readEnvOptions(
  env: Readonly<Record<string, string | undefined>> = process.env,
): EnvOptions {
  const resource = env.AAUTH_RESOURCE;
  if (!resource)
    throw new TypeError(
      'AAUTH_RESOURCE is required (the resource identifier, e.g. https://api.example)',
    );
  const dev = env.AAUTH_DEV === '1' || env.AAUTH_DEV === 'true';
  if (dev && env.NODE_ENV === 'production')
    throw new TypeError('AAUTH_DEV=1 is refused when NODE_ENV=production');
  const list = (v: string | undefined): string[] =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const agents = list(env.AAUTH_AGENT_PROVIDERS);
  const keyFile = env.AAUTH_KEY_FILE || undefined;
  if (!dev && !keyFile)
    throw new TypeError('AAUTH_KEY_FILE is required outside development (AAUTH_DEV=1)');
  return {
    resource,
    personServers: list(env.AAUTH_PERSON_SERVERS),
    agentProviders: agents.length > 0 ? agents : 'any',
    dev,
    keyFile,
  };
}

/**
 * Core options from the environment variables every example documents: `AAUTH_RESOURCE`,
 * `AAUTH_PERSON_SERVERS`, `AAUTH_AGENT_PROVIDERS`, `AAUTH_DEV`, `AAUTH_KEY_FILE`. The key comes
 * from the file, or is generated in development. Discovery goes through the guarded fetch.
 */
export async function aauthOptionsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  extra: Partial<AAuthOptions> = {},
): Promise<AAuthOptions> {
  const e = readEnvOptions(env);
  let signingKey: ResourceSigningKey;
  if (e.keyFile) {
    let jwk: Record<string, unknown>;
    try {
      jwk = JSON.parse(await readFile(e.keyFile, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new TypeError('AAUTH_KEY_FILE must name a readable file holding a private JWK');
    }
    signingKey = await loadResourceKey(jwk);
  } else {
    signingKey = (await generateResourceKey()).key;
  }
  return {
    resource: e.resource,
    dev: e.dev,
    trust: { agentProviders: e.agentProviders, personServers: e.personServers },
    signingKey,
    fetch: createGuardedFetch({ allowHttpLoopback: e.dev }),
    ...extra,
  };
}
