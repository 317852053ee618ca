import {
  type AAuth,
  type AAuthOptions,
  type AAuthRequest,
  createAAuth,
  generateResourceKey,
  OPENAPI_VOCABULARY,
  operationRequirements,
  r3DefinitionFromOpenApi,
} from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
  type TestAgent,
} from '@aauth-gate/testing';

/** The one R3 operation of the conformance app (`GET /report`). */
const REPORT_OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Reports', version: '1.0.0' },
  paths: {
    '/report': {
      get: {
        operationId: 'readReport',
        summary: 'Read the quarterly report',
        'x-aauth-access-mode': 'auth-token',
      },
    },
  },
};

/** The resource identifier the suite configures; requests reach the app through 127.0.0.1. */
export const RESOURCE = 'https://resource.test';
export const AUTHORITY = 'resource.test';

/** Development issuers and two identically configured cores (app and reference). */
export interface Fixture {
  readonly agentProvider: DevAgentProvider;
  readonly personServer: DevPersonServer;
  /** Handed to the adapter's app. */
  readonly app: AAuth;
  /** Same configuration, own stores: computes the answer core itself gives for a request. */
  readonly reference: AAuth;
  newAgent(): Promise<TestAgent>;
  /** Where the app listens, so the person server can reach the resource's JWKS. */
  setAppUrl(url: string): void;
  close(): Promise<void>;
}

export async function createFixture(): Promise<Fixture> {
  let appUrl = RESOURCE;
  // The resource identifier names the public origin; the app itself listens on 127.0.0.1.
  const personServer = await createDevPersonServer({
    fetch: (url, init) => fetch(url.replace(RESOURCE, appUrl), init),
  });
  const agentProvider = await createDevAgentProvider({ personServer: personServer.issuer });
  const { key } = await generateResourceKey();
  const options: AAuthOptions = {
    resource: RESOURCE,
    dev: true,
    authorities: [AUTHORITY],
    trust: { agentProviders: [agentProvider.issuer], personServers: [personServer.issuer] },
    signingKey: key,
    metadata: {
      scopeDescriptions: {
        'notes:read': 'Read your notes',
        'notes:write': 'Create and delete notes',
      },
      revocationEndpoint: `${RESOURCE}/aauth/revoke`,
      authorizationEndpoint: `${RESOURCE}/aauth/authorize`,
    },
    r3: {
      definition: r3DefinitionFromOpenApi(
        operationRequirements(REPORT_OPENAPI, { defaultRequirement: 'agent' }),
      ),
      vocabularies: { [OPENAPI_VOCABULARY]: `${RESOURCE}/openapi.json` },
    },
    sessions: {
      secret: new Uint8Array(32).fill(9),
      // The suite's stand-in for the resource's own login: a header naming the user.
      authenticateUser: (request) => userOf(request.headers),
    },
  };
  return {
    agentProvider,
    personServer,
    app: createAAuth(options),
    reference: createAAuth(options),
    setAppUrl(url) {
      appUrl = url;
    },
    newAgent: () => createTestAgent({ agentProvider, personServer, authority: AUTHORITY }),
    async close() {
      await agentProvider.close();
      await personServer.close();
    },
  };
}

/** The `x-user` header of a request, in any of core's header shapes. */
function userOf(headers: AAuthRequest['headers']): string | undefined {
  if (headers instanceof Headers) return headers.get('x-user') ?? undefined;
  if (Array.isArray(headers)) return headers.find(([n]) => n.toLowerCase() === 'x-user')?.[1];
  const v = (headers as Record<string, string | readonly string[] | undefined>)['x-user'];
  return typeof v === 'string' ? v : undefined;
}
