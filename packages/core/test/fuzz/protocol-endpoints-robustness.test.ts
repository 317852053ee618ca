// handle() and verify() on arbitrary input to the endpoints of deferred delivery, sessions and
// R3 (pending URLs, the interaction page, R3 documents, the authorization endpoint): always a
// protocol answer — never an exception, a 500 or a hang.
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import {
  type AAuth,
  type AAuthRequest,
  type Answer,
  createMemoryStateStore,
  type HeldDispatch,
  OPENAPI_VOCABULARY,
  type OperationSelector,
  operationRequirements,
  r3DefinitionFromOpenApi,
  selectOpenApiOperations,
} from '../../src/index.ts';
import {
  anyString,
  bodyArb,
  methodArb,
  PROP_TIMEOUT_MS,
  protocolHeaderLines,
  RUNS,
  VERIFY_BOUND_MS,
} from '../support/attack-arbitraries.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';

const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Notes', version: '1' },
  paths: {
    '/notes': { get: { operationId: 'listNotes', 'x-aauth-access-mode': 'auth-token' } },
    '/notes/{id}': { delete: { operationId: 'deleteNote', 'x-aauth-access-mode': 'per-call' } },
  },
};
const ANSWERED = new Set([200, 202, 303, 400, 401, 403, 405, 408, 410, 429, 503]);

let w: World;
let aauth: AAuth;
let selector: OperationSelector;
let pendingPath: string;

beforeAll(async () => {
  w = await createWorld();
  const ops = operationRequirements(OPENAPI, { defaultRequirement: 'agent' });
  selector = selectOpenApiOperations(ops, { unmatched: 'agent' });
  aauth = w.aauth({
    state: createMemoryStateStore({ now: () => w.clock.now }),
    metadata: {
      scopeDescriptions: { 'notes:read': 'Read' },
      authorizationEndpoint: `${RESOURCE}/aauth/authorize`,
      revocationEndpoint: `${RESOURCE}/aauth/revoke`,
    },
    sessions: { secret: new Uint8Array(32).fill(3), authenticateUser: () => 'alice' },
    r3: {
      definition: r3DefinitionFromOpenApi(ops),
      vocabularies: { [OPENAPI_VOCABULARY]: `${RESOURCE}/openapi.json` },
    },
  });
  // A real pending request, so the fuzzed polls also reach a live record.
  const held = await aauth.verify(
    await w.request(await w.personToken(), { method: 'DELETE', path: '/notes/n1' }),
    selector,
  );
  pendingPath = (held as { answer: Answer }).answer.headers.location as string;
  expect(pendingPath).toMatch(/^\/aauth\/pending\//);
});

const pathArb = fc.oneof(
  fc.constantFrom(
    '/aauth/pending/',
    '/aauth/interaction',
    '/aauth/r3/',
    '/aauth/authorize',
    '/aauth/revoke',
  ),
  fc.constant('PENDING'),
);
const targetArb = fc
  .tuple(pathArb, fc.oneof(fc.constant(''), anyString, fc.string({ maxLength: 43 })))
  .map(([p, suffix]) => {
    const base = p === 'PENDING' ? pendingPath : p;
    return `${base}${encodeURIComponent(suffix).slice(0, 200)}`.replace(/%3F/g, '?');
  });

/** `undefined` (not core's path: the application's) or a well-formed answer. */
function checkAnswer(result: Answer | HeldDispatch | undefined): void {
  if (result === undefined || 'kind' in result) return;
  expect(ANSWERED.has(result.status), `status ${result.status}`).toBe(true);
  if (result.headers['content-type'] === 'application/problem+json')
    expect(typeof JSON.parse(result.body).error).toBe('string');
  if (result.status === 403) {
    expect(result.headers).not.toHaveProperty('signature-error');
    expect(result.headers).not.toHaveProperty('aauth-requirement');
  }
}

async function timed<T>(run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  let value: T | undefined;
  let thrown: unknown;
  try {
    value = await run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'threw or rejected').toBeUndefined();
  expect(performance.now() - started).toBeLessThan(VERIFY_BOUND_MS);
  return value as T;
}

describe('deferred delivery, sessions and R3 endpoints on arbitrary input', () => {
  test.prop([methodArb, targetArb, protocolHeaderLines, bodyArb], {
    numRuns: RUNS,
  })(
    'handle() answers every request to them with a protocol answer',
    async (method, target, headers, body) => {
      const request: AAuthRequest = { method, target, headers, ...(body ? { body } : {}) };
      checkAnswer(await timed(() => aauth.handle(request)));
    },
    PROP_TIMEOUT_MS,
  );

  const authorizationArb = fc.oneof(
    anyString,
    anyString.map((s) => `AAuth ${s}`),
    fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map((s) => `AAuth ${s}`),
  );
  test.prop(
    [
      fc.constantFrom('GET', 'DELETE', 'POST'),
      fc.constantFrom('/notes', '/notes/x', '/other'),
      authorizationArb,
      fc.constantFrom('interaction', 'interaction;x=1, payment', '', '?', 'interaction, ,'),
      fc.constantFrom<'selector' | 'session'>('selector', 'session'),
    ],
    { numRuns: RUNS },
  )(
    'verify() on session routes and operation selectors answers 200/202/401/403, whatever Authorization and AAuth-Capabilities say',
    async (method, path, authorization, capabilities, route) => {
      const request = await w.request(await w.agentToken(), { method, path });
      const fuzzed: AAuthRequest = {
        ...request,
        headers: { ...request.headers, authorization, 'aauth-capabilities': capabilities },
      };
      const result = await timed(() =>
        aauth.verify(fuzzed, route === 'session' ? { session: true } : selector),
      );
      const status = result.ok ? 200 : result.answer.status;
      expect([200, 202, 401, 403]).toContain(status);
    },
    PROP_TIMEOUT_MS,
  );
});
