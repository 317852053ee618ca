import { createHash } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../testing/src/index.ts';
import {
  type Answer,
  createMemoryStateStore,
  mintResourceToken,
  operationRequirements,
} from '../../src/index.ts';
import {
  MCP_VOCABULARY,
  mergeR3Definitions,
  OPENAPI_VOCABULARY,
  r3DefinitionFromMcpTools,
  r3DefinitionFromOpenApi,
} from '../../src/r3/r3-definition.ts';
import { createR3Store, type R3Store } from '../../src/r3/r3-store.ts';
import { handleR3Document } from '../../src/r3/serve-r3-document.ts';
import { collectHeaderFields } from '../../src/request/header-fields.ts';
import {
  type AuthorizationEndpointConfig,
  handleAuthorization,
} from '../../src/resource/handle-authorization.ts';
import {
  createWorld,
  type MemoryIssuer,
  memoryIssuer,
  RESOURCE,
  type World,
} from '../support/issuers.ts';
import { buildVerifier, filesOpenApi, filesTools, signedGet } from './r3-harness.ts';

const PATH = '/authorize';
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const OPS = {
  vocabulary: MCP_VOCABULARY,
  operations: [{ tool: 'read_file' }, { tool: 'list_files' }],
};

describe('the authorization endpoint with r3_operations (R3 §5)', () => {
  let w: World;
  let ps2: MemoryIssuer;
  const definition = mergeR3Definitions(
    r3DefinitionFromMcpTools(filesTools(), {
      read_file: { summary: 'Read your files', data_accessed: 'File contents' },
    }),
    r3DefinitionFromOpenApi(
      operationRequirements(filesOpenApi(), {
        defaultRequirement: 'agent',
        scopes: { deleteFile: ['files'] },
      }),
    ),
  );
  beforeAll(async () => {
    w = await createWorld();
    ps2 = await memoryIssuer('https://ps2.example', 'aauth-person.json');
  });

  function setup(
    opts: { accessServer?: string; r3?: boolean; store?: R3Store; holder?: boolean } = {},
  ) {
    const verifier = buildVerifier(w, {
      personServers: [w.ps, ps2],
      ...(opts.accessServer ? { accessServer: opts.accessServer } : {}),
    });
    const store =
      opts.store ??
      createR3Store(createMemoryStateStore({ now: () => w.clock.now }), {
        now: () => w.clock.now,
      });
    const config: AuthorizationEndpointConfig = {
      verifier,
      resource: RESOURCE,
      accessServer: opts.accessServer,
      signingKey: w.signingKey,
      scopes: new Set(['files', 'files:read']),
      lifetime: 300,
      now: () => w.clock.now,
      accountHolder: opts.holder ? (_person, account) => account === 'ws-4821' : undefined,
      r3: opts.r3 === false ? undefined : { definition, store },
    };
    const authorize = async (token: string, body: unknown) => {
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const headers = await signRequest({
        method: 'POST',
        url: `${RESOURCE}${PATH}`,
        headers: { 'content-type': 'application/json' },
        body: text,
        key: w.agentKey,
        token,
        created: w.clock.now,
      });
      const request = {
        method: 'POST',
        target: PATH,
        headers,
        body: new TextEncoder().encode(text),
      };
      return handleAuthorization(config, request, collectHeaderFields(headers));
    };
    const fetchDocument = async (uri: string, signer: Parameters<typeof signedGet>[2]) => {
      const target = new URL(uri).pathname;
      const request = await signedGet(w, target, signer);
      return handleR3Document({ verifier, store }, request, collectHeaderFields(request.headers));
    };
    return { config, store, authorize, fetchDocument };
  }

  const resourceToken = async (a: Answer, audience: string) => {
    expect(a.status, a.body).toBe(200);
    const token = JSON.parse(a.body).resource_token as string;
    const { payload } = await jwtVerify(
      token,
      createLocalJWKSet({ keys: [{ ...w.signingKey.publicJwk, kid: w.signingKey.kid }] } as never),
      { typ: 'aa-resource+jwt', audience, currentDate: new Date(w.clock.now * 1000) },
    );
    return payload;
  };

  it('three-party: r3_operations alone → a resource token with r3_uri and r3_s256, no scope; the PS fetches the exact bytes', async () => {
    const { authorize, fetchDocument } = setup();
    const person = await w.personToken();
    const payload = await resourceToken(await authorize(person, { r3_operations: OPS }), w.ps.iss);
    expect(payload).not.toHaveProperty('scope');
    const s256 = payload.r3_s256 as string;
    expect(s256).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.r3_uri).toBe(`${RESOURCE}/aauth/r3/${s256}`);
    expect(payload).toMatchObject({ ps: w.ps.iss, presented_jti: decodeJwt(person).jti });

    const fetched = await fetchDocument(payload.r3_uri as string, { server: w.ps });
    expect(fetched.status).toBe(200);
    expect(sha(fetched.body)).toBe(s256);
    expect(JSON.parse(fetched.body)).toEqual({
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'list_files' }, { tool: 'read_file' }],
      display: { summary: 'List files\nRead your files', data_accessed: 'File contents' },
    });

    // Agent opacity: the agent holds the hash, never the document.
    const byAgent = await fetchDocument(payload.r3_uri as string, { token: person });
    expect(byAgent.status).toBe(401);
    expect(byAgent.headers['signature-error']).toBe('error=unsupported_scheme');
    // Another trusted person server was not named in the token.
    const byOther = await fetchDocument(payload.r3_uri as string, { server: ps2 });
    expect(byOther.status).toBe(403);
    expect(JSON.parse(byOther.body).error).toBe('denied');
  });

  it('four-party: aud is the access server; both the AS and the PS are entitled', async () => {
    const { authorize, fetchDocument } = setup({ accessServer: w.as.iss });
    const payload = await resourceToken(
      await authorize(await w.personToken(), { r3_operations: OPS, scope: 'files:read' }),
      w.as.iss,
    );
    expect(payload.scope).toBe('files:read');
    for (const server of [w.as, w.ps]) {
      const a = await fetchDocument(payload.r3_uri as string, { server });
      expect(a.status).toBe(200);
      expect(sha(a.body)).toBe(payload.r3_s256);
    }
  });

  it('the same request composes the same document; a reuse adds its PS to the entitled set (R6)', async () => {
    const { authorize, fetchDocument } = setup({ accessServer: w.as.iss });
    const first = await resourceToken(
      await authorize(await w.personToken(), { r3_operations: OPS }),
      w.as.iss,
    );
    const reordered = {
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'list_files' }, { tool: 'read_file' }, { tool: 'list_files' }],
    };
    const fromPs2 = await ps2.sign('aa-person+jwt', {
      iss: ps2.iss,
      dwk: ps2.dwk,
      aud: RESOURCE,
      sub: 'person-9',
      jti: 'pt-ps2',
      iat: w.clock.now - 10,
      exp: w.clock.now + 600,
      cnf: { jwk: w.agentKey.publicJwk },
    });
    const second = await resourceToken(
      await authorize(fromPs2, { r3_operations: reordered }),
      w.as.iss,
    );
    expect(second.r3_s256).toBe(first.r3_s256);
    expect(second.ps).toBe(ps2.iss);
    for (const server of [w.as, w.ps, ps2])
      expect((await fetchDocument(first.r3_uri as string, { server })).status).toBe(200);
  });

  it('composes with the configured display hook', async () => {
    const { config, authorize, fetchDocument } = setup();
    const withDisplay = {
      ...config,
      r3: {
        ...(config.r3 as NonNullable<typeof config.r3>),
        display: (ops: readonly { id: string }[], account: string | undefined) => ({
          summary: `${ops.map((o) => o.id).join(' + ')} in ${account ?? 'your files'}`,
        }),
      },
    };
    const text = JSON.stringify({ r3_operations: OPS });
    const headers = await signRequest({
      method: 'POST',
      url: `${RESOURCE}${PATH}`,
      headers: { 'content-type': 'application/json' },
      body: text,
      key: w.agentKey,
      token: await w.personToken(),
      created: w.clock.now,
    });
    const a = await handleAuthorization(
      withDisplay,
      { method: 'POST', target: PATH, headers, body: new TextEncoder().encode(text) },
      collectHeaderFields(headers),
    );
    const payload = await resourceToken(a, w.ps.iss);
    const doc = await fetchDocument(payload.r3_uri as string, { server: w.ps });
    expect(JSON.parse(doc.body).display).toEqual({
      summary: 'list_files + read_file in your files',
    });
    // Without the hook the same operations compose another document.
    const plain = await resourceToken(
      await authorize(await w.personToken(), { r3_operations: OPS }),
      w.ps.iss,
    );
    expect(plain.r3_s256).not.toBe(payload.r3_s256);
  });

  it('writes the account into the document (R3 §4.1), so another account is another hash', async () => {
    const { authorize, fetchDocument } = setup({ holder: true });
    const payload = await resourceToken(
      await authorize(await w.personToken(), { r3_operations: OPS, account: 'ws-4821' }),
      w.ps.iss,
    );
    expect(payload.account).toBe('ws-4821');
    const doc = await fetchDocument(payload.r3_uri as string, { server: w.ps });
    expect(JSON.parse(doc.body).account).toBe('ws-4821');
    const refused = await authorize(await w.personToken(), { r3_operations: OPS, account: 'ws-1' });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body).error).toBe('invalid_account');
  });

  it('validates r3_operations before minting: 400 invalid_request naming the problem (R4)', async () => {
    const { authorize } = setup();
    const cases: [unknown, string][] = [
      [
        { r3_operations: { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'purge_all' }] } },
        'unknown tool: purge_all',
      ],
      [
        {
          r3_operations: { vocabulary: 'urn:aauth:vocabulary:grpc', operations: [{ method: 'x' }] },
        },
        'unknown vocabulary: urn:aauth:vocabulary:grpc',
      ],
      [
        { r3_operations: { vocabulary: OPENAPI_VOCABULARY, operations: [{ tool: 'getFile' }] } },
        'each entry of r3_operations.operations needs operationId (a string)',
      ],
      [
        { r3_operations: { vocabulary: MCP_VOCABULARY, operations: [] } },
        'r3_operations.operations must be a non-empty array',
      ],
      [{ r3_operations: null }, 'r3_operations must be an object'],
      [{ r3_operations: OPS, scope: 5 }, 'scope must be a space-separated string'],
      [{ r3_operations: OPS, scope: ' ' }, 'scope is malformed'],
      [{}, 'scope (a space-separated string) is required'],
    ];
    for (const [body, detail] of cases) {
      const a = await authorize(await w.personToken(), body);
      expect(a.status, JSON.stringify(body)).toBe(400);
      expect(a.headers['content-type']).toBe('application/problem+json');
      expect(JSON.parse(a.body)).toMatchObject({ error: 'invalid_request', detail });
    }
    const badScope = await authorize(await w.personToken(), { r3_operations: OPS, scope: 'admin' });
    expect(JSON.parse(badScope.body).error).toBe('invalid_scope');
  });

  it('refuses r3_operations where R3 is not configured, and keeps scope-only requests as they were', async () => {
    const { authorize } = setup({ r3: false });
    const a = await authorize(await w.personToken(), { r3_operations: OPS, scope: 'files' });
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body)).toMatchObject({
      error: 'invalid_request',
      detail: 'this resource does not take r3_operations',
    });
    const plain = await resourceToken(
      await authorize(await w.personToken(), { scope: 'files' }),
      w.ps.iss,
    );
    expect(plain.scope).toBe('files');
    expect(plain).not.toHaveProperty('r3_uri');
    expect(plain).not.toHaveProperty('r3_s256');
    // With R3 configured, a scope-only request carries no R3 claims either.
    const { authorize: withR3 } = setup();
    const scoped = await resourceToken(
      await withR3(await w.personToken(), { scope: 'files' }),
      w.ps.iss,
    );
    expect(scoped).not.toHaveProperty('r3_uri');
  });

  it('still needs a person token: an agent token is asked for one', async () => {
    const { authorize } = setup();
    const a = await authorize(await w.agentToken(), { r3_operations: OPS });
    expect(a).toMatchObject({
      status: 401,
      headers: { 'aauth-requirement': 'requirement=person-token' },
    });
  });

  it('answers 503 when the document cannot be kept, and mints nothing', async () => {
    const down: R3Store = {
      put: async () => {
        throw new Error('down');
      },
      get: async () => undefined,
      isEntitled: async () => false,
    };
    const { authorize } = setup({ store: down });
    const a = await authorize(await w.personToken(), { r3_operations: OPS });
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('1');
    expect(a.body).not.toContain('resource_token');
  });
});

describe('mintResourceToken with R3 claims (R3 §6.1)', () => {
  it('writes r3_uri and r3_s256 together, and refuses one without the other', async () => {
    const w = await createWorld();
    const base = {
      iss: RESOURCE,
      aud: 'https://as.example',
      ps: 'https://ps.example',
      sub: 's',
      presentedJti: 'p',
      agentJkt: 'k',
      scope: [],
      now: 1_790_000_000,
      lifetime: 300,
    };
    const s256 = sha('doc');
    const { token } = await mintResourceToken(w.signingKey, {
      ...base,
      account: 'a',
      r3Uri: `${RESOURCE}/aauth/r3/${s256}`,
      r3S256: s256,
    });
    const payload = decodeJwt(token);
    expect(Object.keys(payload).slice(-3)).toEqual(['account', 'r3_uri', 'r3_s256']);
    expect(payload).toMatchObject({ r3_uri: `${RESOURCE}/aauth/r3/${s256}`, r3_s256: s256 });
    await expect(mintResourceToken(w.signingKey, { ...base, r3S256: s256 })).rejects.toThrow(
      /r3Uri and r3S256 must be given together/,
    );
    await expect(
      mintResourceToken(w.signingKey, { ...base, r3Uri: `${RESOURCE}/aauth/r3/${s256}` }),
    ).rejects.toThrow(TypeError);
    expect(decodeJwt((await mintResourceToken(w.signingKey, base)).token)).not.toHaveProperty(
      'r3_uri',
    );
  });
});
