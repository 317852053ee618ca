import type { Answer } from '@aauth-gate/core';
import { type AAuth, type AAuthOptions, type AAuthRequest, createAAuth } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  type DevAgentProvider,
  type DevKey,
  type DevPersonServer,
  generateDevKey,
  signRequest,
} from '@aauth-gate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisStores, type RedisStores } from '../src/index.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

const RESOURCE = 'https://resource.test';
const TIMEOUT = 200;

let redis: TestRedis;
let agentProvider: DevAgentProvider;
let personServer: DevPersonServer;
let agentKey: DevKey;
let agentToken: string;
let storesA: RedisStores;
let storesB: RedisStores;
let storesOpen: RedisStores;
/** Two instances of one resource behind a load balancer, sharing one Redis. */
let instanceA: AAuth;
let instanceB: AAuth;
/** A third instance whose stores fail open. */
let instanceOpen: AAuth;
/** Which instance the person server's revocation requests reach. */
let revocationTarget: () => AAuth;

/** The person server reaches the resource through this: core's `handle()`, no HTTP server. */
async function toInstance(url: string, init?: RequestInit): Promise<Response> {
  const target = new URL(url);
  const answer = (await revocationTarget().handle({
    method: init?.method ?? 'GET',
    target: `${target.pathname}${target.search}`,
    headers: (init?.headers ?? {}) as Record<string, string>,
    body: typeof init?.body === 'string' ? new TextEncoder().encode(init.body) : undefined,
  })) as Answer | undefined;
  if (answer === undefined) return new Response(null, { status: 404 });
  return new Response(answer.body === '' ? null : answer.body, {
    status: answer.status,
    headers: answer.headers,
  });
}

beforeAll(async () => {
  redis = await startTestRedis();
  personServer = await createDevPersonServer({ fetch: toInstance });
  agentProvider = await createDevAgentProvider({ personServer: personServer.issuer });
  agentKey = await generateDevKey();
  agentToken = await agentProvider.issueAgentToken({ agentKey });
  const options: AAuthOptions = {
    resource: RESOURCE,
    dev: true,
    trust: { agentProviders: [agentProvider.issuer], personServers: [personServer.issuer] },
    metadata: { revocationEndpoint: `${RESOURCE}/aauth/revoke` },
  };
  storesA = createRedisStores({ url: redis.url, timeoutMs: TIMEOUT });
  storesB = createRedisStores({ url: redis.url, timeoutMs: TIMEOUT });
  storesOpen = createRedisStores({ url: redis.url, timeoutMs: TIMEOUT, onError: 'fail-open' });
  const withStores = (s: RedisStores): AAuth =>
    createAAuth({ ...options, replay: s.replay, revocation: s.revocation });
  instanceA = withStores(storesA);
  instanceB = withStores(storesB);
  instanceOpen = withStores(storesOpen);
  revocationTarget = () => instanceA;
});

afterAll(async () => {
  await storesA?.close();
  await storesB?.close();
  await storesOpen?.close();
  await agentProvider?.close();
  await personServer?.close();
  await redis?.stop();
});

let counter = 0;

/** A signed request with a fresh body (POST) or time (GET), so each carries a new signature. */
async function signed(
  method: 'POST' | 'GET',
  path: string,
  token = agentToken,
  key = agentKey,
): Promise<AAuthRequest> {
  const body =
    method === 'POST'
      ? new TextEncoder().encode(JSON.stringify({ text: `note ${++counter}` }))
      : undefined;
  const headers = await signRequest({
    method,
    url: `${RESOURCE}${path}`,
    headers: body ? { 'content-type': 'application/json' } : {},
    body,
    key,
    token,
  });
  return { method, target: path, headers, body };
}

describe('two core instances sharing one Redis', () => {
  it('refuses at B a signed POST already accepted at A (replay)', async () => {
    const request = await signed('POST', '/notes');
    const first = await instanceA.verify(request);
    expect(first.ok).toBe(true);
    const second = await instanceB.verify(request);
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.code).toBe('invalid_signature');
    expect(second.answer.status).toBe(401);
    expect(second.answer.headers['signature-error']).toBe('error=invalid_signature');
    expect(JSON.parse(second.answer.body).detail).toBe('the signature was already used');
  });

  it('refuses at B a person token revoked at A’s revocation endpoint (revoked_jwt)', async () => {
    const personToken = await personServer.issuePersonToken({ resource: RESOURCE, agentKey });
    expect((await instanceB.verify(await signed('POST', '/notes', personToken), 'person')).ok).toBe(
      true,
    );
    expect(await personServer.revoke(personToken)).toBe(200); // recorded by instance A
    const result = await instanceB.verify(await signed('POST', '/notes', personToken), 'person');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe('revoked_jwt');
    expect(result.answer.status).toBe(401);
    expect(result.answer.headers['signature-error']).toBe('error=revoked_jwt');
    // The agent's own token is unaffected.
    expect((await instanceB.verify(await signed('POST', '/notes'))).ok).toBe(true);
  });

  it('answers 503 temporarily_unavailable with retry-after while Redis is down (fail-closed), fast', async () => {
    expect((await instanceA.verify(await signed('POST', '/notes'))).ok).toBe(true);
    await redis.stop();
    try {
      const request = await signed('POST', '/notes');
      const started = performance.now();
      const result = await instanceA.verify(request);
      const elapsed = performance.now() - started;
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.code).toBe('temporarily_unavailable');
      expect(result.answer.status).toBe(503);
      expect(result.answer.headers['retry-after']).toBe('1');
      expect(result.answer.headers['content-type']).toBe('application/problem+json');
      expect(result.answer.headers['signature-error']).toBeUndefined();
      expect(elapsed).toBeLessThan(TIMEOUT + 150);
      // Safe methods are not replay-checked but still revocation-checked: 503 too.
      const get = await instanceA.verify(await signed('GET', '/notes'));
      expect(get.ok ? 200 : get.answer.status).toBe(503);
      // The fail-open instance lets the same request through instead…
      expect((await instanceOpen.verify(request)).ok).toBe(true);
      // …but never acknowledges a revocation it could not record.
      revocationTarget = () => instanceOpen;
      const personToken = await personServer.issuePersonToken({ resource: RESOURCE, agentKey });
      expect(await personServer.revoke(personToken)).toBe(503);
    } finally {
      revocationTarget = () => instanceA;
      await redis.start();
    }
  });
});
