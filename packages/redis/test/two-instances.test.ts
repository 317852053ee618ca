// Two instances of one resource, on two different adapters (the Express and Hono examples, run
// as child processes exactly as their READMEs say), sharing one Redis through REDIS_URL — what
// two instances behind a load balancer see. Over real HTTP on 127.0.0.1.
// TWO_INSTANCES=koa,nestjs (any two of express, hono, koa, nestjs) runs another pair.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateResourceKey } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
  signRequest,
  type TestAgent,
} from '@aauth-gate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arrayReply, sleep } from './support/helpers.js';
import { freePort, startTestRedis, type TestRedis } from './support/redis-server.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));
const [FIRST, SECOND] = (process.env.TWO_INSTANCES || 'express,hono').split(',') as [
  string,
  string,
];
/** Longest wait for a refused store operation over HTTP (store timeout 250 ms + loopback + jitter). */
const FAIL_FAST_MS = 1000;

/** One example server as a child process. */
interface Instance {
  readonly url: string;
  readonly child: ChildProcess;
  readonly log: () => string;
  /** SIGTERM, SIGKILL after 3 s; resolves with the exit code (`null` when killed). */
  stop(): Promise<number | null>;
}

async function startInstance(
  framework: string,
  port: number,
  env: Record<string, string>,
): Promise<Instance> {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/server.ts'],
    {
      cwd: join(EXAMPLES, framework),
      env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    const [code] = (await exited) as [number | null];
    clearTimeout(timer);
    return code;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${framework} exited early:\n${output}`);
    try {
      if ((await fetch(`${url}/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${framework} did not start within 20 s:\n${output}`);
    }
    await sleep(50);
  }
  return { url, child, log: () => output, stop };
}

let redis: TestRedis;
let personServer: DevPersonServer;
let agentProvider: DevAgentProvider;
let keyDir: string;
let a: Instance;
let b: Instance;
/** The one resource identifier both instances serve: A's origin (B's port is not in it). */
let resource: string;
let prefix: string;
let agent: TestAgent;
/** Every request the person server made (metadata, JWKS, revocations). */
const personServerCalls: string[] = [];

beforeAll(async () => {
  redis = await startTestRedis();
  personServer = await createDevPersonServer({
    fetch: (url, init) => {
      personServerCalls.push(`${init?.method ?? 'GET'} ${url}`);
      return fetch(url, init);
    },
  });
  agentProvider = await createDevAgentProvider({ personServer: personServer.issuer });
  keyDir = await mkdtemp(join(tmpdir(), 'aauth-two-instances-'));
  const keyFile = join(keyDir, 'resource-key.json');
  await writeFile(keyFile, JSON.stringify((await generateResourceKey('Ed25519')).privateJwk), {
    mode: 0o600,
  });
  const [portA, portB] = [await freePort(), await freePort()];
  resource = `http://127.0.0.1:${portA}`;
  prefix = `two-instances-${process.pid}:`;
  const env = {
    AAUTH_RESOURCE: resource,
    AAUTH_KEY_FILE: keyFile,
    AAUTH_DEV: '1',
    AAUTH_PERSON_SERVERS: personServer.issuer,
    REDIS_URL: redis.url,
    AAUTH_REDIS_PREFIX: prefix,
    NODE_ENV: 'development',
  };
  [a, b] = await Promise.all([startInstance(FIRST, portA, env), startInstance(SECOND, portB, env)]);
  // Requests go to either port but are signed for the one @authority both instances accept.
  agent = await createTestAgent({
    agentProvider,
    personServer,
    authority: new URL(resource).host,
  });
}, 30_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await agentProvider?.close();
  await personServer?.close();
  await redis?.stop();
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

/** A freshly signed POST /notes for `resource`, sendable to either instance. */
async function signedNote(token: string, text: string) {
  const body = JSON.stringify({ text });
  const headers = await signRequest({
    method: 'POST',
    url: `${resource}/notes`,
    headers: { 'content-type': 'application/json' },
    body,
    key: agent.key,
    token,
  });
  return { headers, body };
}

const send = (instance: Instance, request: { headers: Record<string, string>; body: string }) =>
  fetch(`${instance.url}/notes`, { method: 'POST', ...request });

/** The auth token (`notes:read notes:write`) the agent holds after climbing the ladder at `instance`. */
async function authTokenAt(instance: Instance): Promise<string> {
  expect((await agent.fetch(`${instance.url}/notes`)).status).toBe(200);
  const write = { method: 'POST', headers: { 'content-type': 'application/json' } } as const;
  expect(
    (await agent.fetch(`${instance.url}/notes`, { ...write, body: '{"text":"climb"}' })).status,
  ).toBe(201);
  const token = agent.held(instance.url).auth;
  if (token === undefined) throw new Error('no auth token');
  return token;
}

async function redisKeys(pattern: string): Promise<string[]> {
  return arrayReply(await redis.command('KEYS', pattern));
}

describe(`two instances (${FIRST} and ${SECOND} examples) sharing one Redis`, () => {
  it('serve one identity: both publish the same metadata and key', async () => {
    const meta = async (i: Instance) =>
      (await fetch(`${i.url}/.well-known/aauth-resource.json`)).json();
    const jwks = async (i: Instance) => (await fetch(`${i.url}/.well-known/jwks.json`)).json();
    expect(await meta(b)).toMatchObject({ issuer: resource });
    expect(await meta(a)).toMatchObject({ issuer: resource });
    expect(await jwks(b)).toEqual(await jwks(a));
    expect(a.log()).toContain('(Redis stores)');
    expect(b.log()).toContain('(Redis stores)');
  });

  it('refuse at one instance a signature the other accepted (replay shared)', async () => {
    const token = await authTokenAt(a);
    // Each instance accepts a fresh signature for the shared identity…
    expect((await send(b, await signedNote(token, 'fresh at B'))).status).toBe(201);
    // …and refuses a signature the other one already accepted, in both directions.
    const once = await signedNote(token, 'once');
    expect((await send(a, once)).status).toBe(201);
    const replayed = await send(b, once);
    expect(replayed.status).toBe(401);
    expect(replayed.headers.get('signature-error')).toBe('error=invalid_signature');
    expect(replayed.headers.get('content-type')).toBe('application/problem+json');
    expect(await replayed.json()).toMatchObject({ error: 'invalid_signature' });

    const other = await signedNote(token, 'other');
    expect((await send(b, other)).status).toBe(201);
    const back = await send(a, other);
    expect(back.status).toBe(401);
    expect(back.headers.get('signature-error')).toBe('error=invalid_signature');
    // The refusal came from the shared store: one hashed key per accepted POST (3, plus none
    // for the refused ones), under the configured prefix.
    expect((await redisKeys(`${prefix}replay:*`)).length).toBeGreaterThanOrEqual(3);
  });

  it('refuse at B a token revoked through A (revocation shared)', async () => {
    const token = await authTokenAt(b);
    const atB = () => agent.fetch(`${b.url}/notes`, { followChallenges: false });
    expect((await atB()).status).toBe(200);
    personServerCalls.length = 0;
    expect(await personServer.revoke(token)).toBe(200);
    // The revocation reached A (the identifier's origin), not B.
    expect(personServerCalls).toContain(`POST ${a.url}/aauth/revoke`);
    expect(personServerCalls.some((c) => c.includes(b.url))).toBe(false);
    expect(await redisKeys(`${prefix}revoked:*`)).toHaveLength(1);

    const refused = await atB();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('signature-error')).toBe('error=revoked_jwt');
    expect(refused.headers.get('aauth-requirement')).toBe('requirement=person-token');
    // A POST signed with the revoked token is refused too; the agent can climb back.
    const post = await send(b, await signedNote(token, 'after revocation'));
    expect(post.status).toBe(401);
    expect(post.headers.get('signature-error')).toBe('error=revoked_jwt');
    expect((await agent.fetch(`${b.url}/notes`)).status).toBe(200);
  });

  it('keep a deferred deletion and its result in Redis: the same per-call token at B gets the kept result', async () => {
    const exchanges: { method: string; url: string; status: number; location?: string }[] = [];
    const deleter = await createTestAgent({
      agentProvider,
      personServer,
      authority: new URL(resource).host,
      maxPollWaitMs: 100,
      onExchange: (e) =>
        exchanges.push({
          method: e.method,
          url: e.url,
          status: e.status,
          ...(e.responseHeaders.location ? { location: e.responseHeaders.location } : {}),
        }),
    });
    const created = await deleter.fetch(`${a.url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"delete me at A"}',
    });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    // Per-call: A holds the deletion (202) until the person approved this call, then runs it.
    expect((await deleter.fetch(`${a.url}/notes/${id}`, { method: 'DELETE' })).status).toBe(204);
    const held = exchanges.find((e) => e.method === 'DELETE' && e.status === 202);
    expect(held?.location).toMatch(/^\/aauth\/pending\//);
    expect((await redisKeys(`${prefix}*pending*`)).length).toBeGreaterThanOrEqual(1);

    const perCall = deleter.held(a.url).auth as string;
    const at = async (instance: Instance, method: string, path: string) =>
      fetch(`${instance.url}${path}`, {
        method,
        headers: await signRequest({
          method,
          url: `${resource}${path}`,
          key: deleter.key,
          token: perCall,
        }),
      });
    // B never had this note: running the call there would answer 404. It answers the kept 204.
    expect((await at(b, 'DELETE', `/notes/${id}`)).status).toBe(204);
    // And the pending URL made at A answers at B from the same record.
    expect((await at(b, 'GET', held?.location as string)).status).toBe(204);
    // A new pending URL nobody made is gone.
    expect((await at(b, 'GET', '/aauth/pending/AAAAAAAAAAAAAAAAAAAAAA')).status).toBe(410);
  });

  it('answer 503 with retry-after at once while Redis is down (fail-closed), then recover', async () => {
    const token = await authTokenAt(a);
    await redis.stop();
    try {
      for (const instance of [a, b]) {
        const request = await signedNote(token, 'while Redis is down');
        const started = performance.now();
        const res = await send(instance, request);
        const elapsed = performance.now() - started;
        expect(res.status).toBe(503);
        expect(res.headers.get('retry-after')).toBe('1');
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.headers.get('signature-error')).toBeNull();
        expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
        expect(elapsed).toBeLessThan(FAIL_FAST_MS);
      }
    } finally {
      await redis.start();
    }
    // Both clients reconnect within about a second; poll with fresh signatures.
    for (const instance of [a, b]) {
      const started = performance.now();
      let status = 0;
      while (performance.now() - started < 5000) {
        status = (await send(instance, await signedNote(token, 'Redis is back'))).status;
        if (status === 201) break;
        await sleep(100);
      }
      expect(status).toBe(201);
    }
    // And replay protection is back: the accepted signature is refused at the other instance.
    const again = await signedNote(token, 'after recovery');
    expect((await send(a, again)).status).toBe(201);
    expect((await send(b, again)).status).toBe(401);
  }, 15_000);

  it('shut down on SIGTERM, closing their Redis client, with exit code 0', async () => {
    const [codeA, codeB] = await Promise.all([a.stop(), b.stop()]);
    expect(codeA).toBe(0);
    expect(codeB).toBe(0);
  });
});
