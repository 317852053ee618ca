import { type DevKey, signRequest } from '../../../testing/src/index.ts';
import { IssuerKeyCache } from '../../src/keys/issuer-key-cache.ts';
import { createMemoryReplayStore } from '../../src/replay/replay-store.ts';
import { createMemoryRevocationStore } from '../../src/revocation/revocation-store.ts';
import { TokenVerifier } from '../../src/tokens/verify-aauth-jwt.ts';
import { createServerKeyResolver } from '../../src/verify/server-key-resolver.ts';
import { SignedRequestVerifier } from '../../src/verify/verify-signed-request.ts';
import { issuerFetch, type MemoryIssuer, RESOURCE, type World } from '../support/issuers.ts';

const ALGS = ['Ed25519', 'ES256'];

/**
 * The request verifier `createAAuth` builds, assembled from the same parts so the R3 handlers
 * can be driven directly: person servers in `personServers` and `accessServer` are trusted.
 */
export function buildVerifier(
  w: World,
  opts: { personServers?: MemoryIssuer[]; accessServer?: string } = {},
): SignedRequestVerifier {
  const now = () => w.clock.now;
  const persons = opts.personServers ?? [w.ps];
  const trustPerson = (iss: string) => persons.some((p) => p.iss === iss);
  const keys = new IssuerKeyCache({
    fetch: issuerFetch([w.ap, w.as, ...persons], w.calls),
    now,
    dev: false,
    maxIssuers: 100,
    minRefreshSeconds: 60,
    maxAgeSeconds: 86_400,
    defaultTtlSeconds: 300,
    timeoutMs: 3000,
    maxBytes: 262_144,
  });
  const accessServer = opts.accessServer;
  const tokens = new TokenVerifier({
    resource: RESOURCE,
    now,
    dev: false,
    keys,
    tokenAlgorithms: new Set(ALGS),
    iatBound: 60,
    isTrustedIssuer: (kind, iss, claims) => {
      if (kind === 'agent') return iss === w.ap.iss;
      if (kind === 'person') return trustPerson(iss);
      if (accessServer !== undefined)
        return claims.dwk === 'aauth-access.json' && iss === accessServer;
      return claims.dwk === 'aauth-person.json' && trustPerson(iss);
    },
    cacheSize: 100,
  });
  return new SignedRequestVerifier({
    serverKeys: createServerKeyResolver({
      dev: false,
      trustPerson,
      accessServer,
      keys,
      algorithms: ALGS,
    }),
    now,
    window: 60,
    algorithms: new Set(ALGS),
    acceptAlgorithms: ALGS,
    additionalComponents: [],
    authorities: new Set(['resource.example']),
    defaultAuthority: 'resource.example',
    defaultScheme: 'https',
    maxHeaderBytes: 16_384,
    tokens,
    replay: createMemoryReplayStore({ now }),
    replayMethods: new Set(['POST', 'PUT', 'PATCH', 'DELETE']),
    revocation: createMemoryRevocationStore({ now }),
  });
}

/** A request signed by a server in its own right (`jwks_uri` scheme) or by an agent's token. */
export async function signedGet(
  w: World,
  target: string,
  signer: { server: MemoryIssuer } | { token: string; key?: DevKey },
  method = 'GET',
) {
  const headers = await signRequest({
    method,
    url: `${RESOURCE}${target}`,
    created: w.clock.now,
    ...('server' in signer
      ? {
          key: signer.server.key,
          jwksUri: { id: signer.server.iss, dwk: signer.server.dwk, kid: signer.server.key.kid },
        }
      : { key: signer.key ?? w.agentKey, token: signer.token }),
  });
  return { method, target, headers };
}

/** The files API of the R3 digest §10.2, with summaries on two operations. */
export function filesOpenApi(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Files', version: '1.4.0' },
    servers: [{ url: 'https://files.example/api' }],
    security: [{ oauth: ['files'] }],
    paths: {
      '/files': {
        get: { operationId: 'listFiles', 'x-aauth-access-mode': 'person-token' },
        post: { operationId: 'uploadFile', summary: 'Upload a file' },
      },
      '/files/{fileId}': {
        get: { operationId: 'getFile', summary: 'Read one file' },
        delete: { operationId: 'deleteFile', 'x-aauth-access-mode': 'per-call' },
      },
      '/exports': { post: { operationId: 'exportArchive', 'x-aauth-budget': true } },
    },
  };
}

/** The tool list of the R3 digest §10.3. */
export function filesTools() {
  return [
    {
      name: 'list_files',
      description: 'List files',
      _meta: { 'aauth.dev/access-mode': 'person-token' },
    },
    { name: 'read_file', description: 'Read one file' },
    {
      name: 'delete_file',
      description: 'Delete one file',
      _meta: { 'aauth.dev/access-mode': 'per-call' },
    },
    { name: 'export_archive', description: 'Export as zip', _meta: { 'aauth.dev/budget': true } },
  ];
}
