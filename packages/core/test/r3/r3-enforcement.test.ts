import { createHash } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  type AAuth,
  type AAuthRequest,
  type Answer,
  createMemoryStateStore,
  type HeldDispatch,
  normalizeRequirement,
  type OperationSelector,
  operationRequirements,
  r3DefinitionFromOpenApi,
  selectOpenApiOperations,
} from '../../src/index.ts';
import { createWorld, RESOURCE, type World } from '../support/issuers.ts';
import { signedGet } from './r3-harness.ts';

const OPENAPI = 'urn:aauth:vocabulary:openapi';
const DOC = {
  openapi: '3.1.0',
  info: { title: 'Notes', version: '1.0.0' },
  paths: {
    '/whoami': { get: { operationId: 'whoami', 'x-aauth-access-mode': 'agent-token' } },
    '/notes': {
      get: {
        operationId: 'listNotes',
        summary: 'List your notes',
        'x-aauth-access-mode': 'auth-token',
        security: [{ aauth: ['notes:read'] }],
      },
      post: {
        operationId: 'createNote',
        summary: 'Create a note',
        'x-aauth-access-mode': 'auth-token',
      },
    },
    '/notes/{id}': {
      delete: {
        operationId: 'deleteNote',
        summary: 'Delete a note',
        'x-aauth-access-mode': 'per-call',
      },
    },
  },
};

const sha = (text: string) => createHash('sha256').update(text).digest('base64url');
const rtOf = (a: Answer) =>
  decodeJwt(/resource-token="([^"]+)"/.exec(a.headers['aauth-requirement'] ?? '')?.[1] ?? '');
const isDispatch = (x: unknown): x is HeldDispatch =>
  typeof x === 'object' && x !== null && 'kind' in x;

describe('R3 enforcement: operations, documents, per-call proposals (R3 §4–§7)', () => {
  let w: World;
  let aauth: AAuth;
  let selector: OperationSelector;
  beforeEach(async () => {
    w = await createWorld();
    const ops = operationRequirements(DOC, { defaultRequirement: 'agent' });
    selector = selectOpenApiOperations(ops, { unmatched: 'agent' });
    aauth = w.aauth({
      state: createMemoryStateStore({ now: () => w.clock.now }),
      metadata: { scopeDescriptions: { 'notes:read': 'Read your notes' } },
      r3: {
        definition: r3DefinitionFromOpenApi(ops),
        vocabularies: { [OPENAPI]: `${RESOURCE}/openapi.json` },
      },
    });
  });

  const call = async (token: string, method: string, path: string) =>
    aauth.verify(await w.request(token, { method, path }), selector);
  const answerOf = (r: Awaited<ReturnType<typeof call>>): Answer => {
    expect(r.ok).toBe(false);
    return (r as { answer: Answer }).answer;
  };
  const fetchAs = async (uri: string, signer: Parameters<typeof signedGet>[2]) =>
    (await aauth.handle(await signedGet(w, new URL(uri).pathname, signer))) as Answer;

  it('publishes r3_vocabularies', () => {
    expect(aauth.metadata.r3_vocabularies).toEqual({ [OPENAPI]: `${RESOURCE}/openapi.json` });
  });

  it('answers a person token with a resource token naming the operation’s document, served only to the person server', async () => {
    const a = answerOf(await call(await w.personToken(), 'GET', '/notes'));
    expect(a.status).toBe(401);
    const claims = rtOf(a);
    expect(claims).toMatchObject({ scope: 'notes:read' });
    expect(String(claims.r3_uri)).toBe(`${RESOURCE}/aauth/r3/${claims.r3_s256}`);
    const doc = await fetchAs(String(claims.r3_uri), { server: w.ps });
    expect(doc.status).toBe(200);
    expect(sha(doc.body)).toBe(claims.r3_s256);
    expect(JSON.parse(doc.body)).toEqual({
      vocabulary: OPENAPI,
      operations: [{ operationId: 'listNotes' }],
      display: { summary: 'List your notes' },
    });
    // Byte-identical every time; agents are refused.
    expect((await fetchAs(String(claims.r3_uri), { server: w.ps })).body).toBe(doc.body);
    const agent = await fetchAs(String(claims.r3_uri), { token: await w.personToken() });
    expect(agent.status).toBe(401);
  });

  it('serves r3_granted operations, enforcing the route’s scopes too; steps up otherwise', async () => {
    const granted = {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'listNotes' }] },
    };
    expect((await call(await w.authToken('notes:read', granted), 'GET', '/notes')).ok).toBe(true);
    // Scope and R3 both enforced: the grant alone is not enough for a route with scopes.
    const noScope = answerOf(await call(await w.authToken('', granted), 'GET', '/notes'));
    expect(noScope.status).toBe(401);
    expect(rtOf(noScope).scope).toBe('notes:read');
    // Without any R3 claim, the scopes decide (R23).
    expect((await call(await w.authToken('notes:read'), 'GET', '/notes')).ok).toBe(true);
    // R3 claims that do not list the operation: step-up naming its document.
    const other = {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'createNote' }] },
    };
    const a = answerOf(await call(await w.authToken('notes:read', other), 'GET', '/notes'));
    expect(a.status).toBe(401);
    // The step-up document holds what the token had plus this operation (R3 §4.2).
    const union = await fetchAs(String(rtOf(a).r3_uri), { server: w.ps });
    expect(JSON.parse(union.body).operations).toEqual([
      { operationId: 'listNotes' },
      { operationId: 'createNote' },
    ]);
    // A grant in another vocabulary does not count (R24).
    const mcp = {
      r3_granted: { vocabulary: 'urn:aauth:vocabulary:mcp', operations: [{ tool: 'listNotes' }] },
    };
    expect((await call(await w.authToken('notes:read', mcp), 'GET', '/notes')).ok).toBe(false);
  });

  it('never leaves an operation without scopes open: an auth token without R3 claims steps up', async () => {
    const a = answerOf(await call(await w.authToken('notes:read'), 'POST', '/notes'));
    expect(a.status).toBe(401);
    const claims = rtOf(a);
    expect(claims.scope).toBe('notes:read');
    expect(claims.r3_s256).toBeDefined();
    const granted = {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'createNote' }] },
    };
    expect((await call(await w.authToken('', granted), 'POST', '/notes')).ok).toBe(true);
  });

  it('holds a per-call operation (202) with a proposal of this call, and runs it for the approving token only', async () => {
    const a = answerOf(await call(await w.personToken(), 'DELETE', '/notes/n1?force=yes'));
    expect(a.status).toBe(202);
    const claims = rtOf(a);
    const proposal = await fetchAs(String(claims.r3_uri), { server: w.ps });
    expect(JSON.parse(proposal.body)).toMatchObject({
      vocabulary: OPENAPI,
      operations: [{ operationId: 'deleteNote' }],
      parameters: { id: 'n1', query: { force: 'yes' } },
      display: { summary: 'Delete a note' },
    });
    expect(JSON.parse(proposal.body).display.detail).toMatch(/^## Requested\n/);
    const location = a.headers.location as string;
    const poll = async (token: string) => aauth.handle(await w.request(token, { path: location }));
    const perCall = {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'deleteNote' }] },
    };
    // A class grant of the operation is not this call's approval.
    expect(((await poll(await w.authToken('', perCall))) as Answer).status).toBe(202);
    const approving = await w.authToken('', {
      ...perCall,
      r3_uri: claims.r3_uri,
      r3_s256: claims.r3_s256,
    });
    const d = await poll(approving);
    expect(isDispatch(d)).toBe(true);
    const dispatch = d as HeldDispatch;
    const replay = await aauth.verify(
      {
        method: 'DELETE',
        target: dispatch.target,
        headers: dispatch.headers,
        deferred: dispatch.run,
      },
      selector,
    );
    expect(replay.ok).toBe(true);
  });

  it('on the 401 path compares the retried call with the proposal and serves it once', async () => {
    // A per-call route that is not held: the agent retries the call itself.
    const unheld: OperationSelector = {
      ...selector,
      async select(request: AAuthRequest) {
        const s = await selector.select(request);
        if (!s?.requirement.operation?.perCall) return s;
        return {
          ...s,
          requirement: normalizeRequirement({
            operation: { vocabulary: OPENAPI, id: 'deleteNote', perCall: true },
          }),
        };
      },
    };
    const verify = async (token: string, path: string) =>
      aauth.verify(await w.request(token, { method: 'DELETE', path }), unheld);
    const a = answerOf(await verify(await w.personToken(), '/notes/n1'));
    expect(a.status).toBe(401);
    const claims = rtOf(a);
    const token = await w.authToken('', {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'deleteNote' }] },
      r3_uri: claims.r3_uri,
      r3_s256: claims.r3_s256,
    });
    // Another call with the same approval: a fresh proposal, not this one.
    const mismatch = answerOf(await verify(token, '/notes/n2'));
    expect(mismatch.status).toBe(401);
    expect(rtOf(mismatch).r3_s256).not.toBe(claims.r3_s256);
    const first = await verify(token, '/notes/n1');
    expect(first.ok).toBe(true);
    w.clock.now += 1;
    // Until the route hands its response over, a repeat is refused, never run again.
    const second = answerOf(await verify(token, '/notes/n1'));
    expect(second.status).toBe(403);
    expect(JSON.parse(second.body).error).toBe('denied');
    // Once kept, a repeated presentation gets that response.
    expect(first.ok && typeof first.keep).toBe('function');
    if (first.ok)
      await first.keep?.({ status: 204, headers: { 'x-deleted': 'n1' }, body: new Uint8Array() });
    w.clock.now += 1;
    expect(answerOf(await verify(token, '/notes/n1'))).toEqual({
      status: 204,
      headers: { 'x-deleted': 'n1' },
      body: '',
    });
  });

  it('lets the resource describe each per-call invocation in its proposal (r3.describeCall)', async () => {
    const ops = operationRequirements(DOC, { defaultRequirement: 'agent' });
    const seen: unknown[] = [];
    const described = w.aauth({
      state: createMemoryStateStore({ now: () => w.clock.now }),
      r3: {
        definition: r3DefinitionFromOpenApi(ops),
        vocabularies: { [OPENAPI]: `${RESOURCE}/openapi.json` },
        describeCall: ({ operation, parameters, principal }) => {
          seen.push([operation.id, parameters.id, principal.tokenType]);
          return {
            summary: `Delete the note "buy milk" (${parameters.id})`,
            detail: '## Action\nDelete',
          };
        },
      },
    });
    const r = await described.verify(
      await w.request(await w.personToken(), { method: 'DELETE', path: '/notes/n9' }),
      selector,
    );
    const claims = rtOf(answerOf(r));
    const doc = (await described.handle(
      await signedGet(w, new URL(String(claims.r3_uri)).pathname, { server: w.ps }),
    )) as Answer;
    const display = JSON.parse(doc.body).display;
    expect(display.summary).toBe('Delete the note "buy milk" (n9)');
    expect(display.detail).toMatch(/^## Action\nDelete\n\n## Requested\n/);
    expect(seen).toEqual([['deleteNote', 'n9', 'person']]);
    // A hook that fails leaves the operation's own texts.
    const failing = w.aauth({
      state: createMemoryStateStore({ now: () => w.clock.now }),
      r3: {
        definition: r3DefinitionFromOpenApi(ops),
        vocabularies: { [OPENAPI]: `${RESOURCE}/openapi.json` },
        describeCall: () => {
          throw new Error('store down');
        },
      },
    });
    const f = answerOf(
      await failing.verify(
        await w.request(await w.personToken(), { method: 'DELETE', path: '/notes/n9' }),
        selector,
      ),
    );
    expect(f.status).toBe(202);
  });

  it('refuses at set-up a route naming an operation when r3 is not configured', () => {
    const plain = w.aauth();
    expect(() => plain.requirement(selector)).toThrow(/configure the r3 option/);
  });
});
