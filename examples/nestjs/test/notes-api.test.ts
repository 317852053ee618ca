import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { generateResourceKey } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '@aauth-gate/testing';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule, notesMetadata } from '../src/app-module.ts';

describe('notes API on NestJS (Express platform), driven by the testing kit agent over HTTP', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let server: Server;
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    ps = await createDevPersonServer();
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { key } = await generateResourceKey();
    const module = AppModule.forRoot({
      resource: url,
      dev: true,
      trust: { agentProviders: 'any', personServers: [ps.issuer] },
      signingKey: key,
      metadata: notesMetadata(url),
    });
    app = await NestFactory.create(module, { rawBody: true, logger: false });
    await app.init();
    server.on('request', app.getHttpAdapter().getInstance());
  });
  afterAll(async () => {
    await app.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await ap.close();
    await ps.close();
  });

  it('challenges unsigned requests and knows the agent', async () => {
    const unsigned = await fetch(`${url}/whoami`);
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('aauth-requirement')).toBe('requirement=agent-token');
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const res = await agent.fetch(`${url}/whoami`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      tokenType: 'agent',
      agent: { iss: ap.issuer, sub: 'aauth:assistant@127.0.0.1' },
      person: null,
    });
  });

  it('keeps notes per person: read, write (body covered by content-digest), delete', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    expect(await (await agent.fetch(`${url}/notes`)).json()).toEqual({ notes: [] });
    const created = await agent.fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'buy milk' }),
    });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: string; text: string };
    expect(note.text).toBe('buy milk');
    const listed = (await (await agent.fetch(`${url}/notes`)).json()) as {
      notes: { id: string }[];
    };
    expect(listed.notes.map((n) => n.id)).toEqual([note.id]);
    expect((await agent.fetch(`${url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await agent.fetch(`${url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('answers a person token on the notes with a resource token, and whoami names the person', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const res = await agent.fetch(`${url}/notes`, { followChallenges: false });
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=person-token');
    const exchanges: string[] = [];
    const watched = await createTestAgent({
      agentProvider: ap,
      personServer: ps,
      onExchange: (e) => exchanges.push(e.responseHeaders['aauth-requirement'] ?? ''),
    });
    expect((await watched.fetch(`${url}/notes`)).status).toBe(200);
    expect(exchanges.some((h) => h.startsWith('requirement=auth-token;resource-token='))).toBe(
      true,
    );
    const who = (await (await watched.fetch(`${url}/whoami`)).json()) as {
      tokenType: string;
      person: { iss: string };
    };
    expect(who.person.iss).toBe(ps.issuer);
  });

  it('refuses a revoked auth token with revoked_jwt, then climbs back', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    await agent.fetch(`${url}/notes`);
    const held = agent.held(url).auth as string;
    expect(await ps.revoke(held)).toBe(200);
    const refused = await agent.fetch(`${url}/notes`, { followChallenges: false });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('signature-error')).toBe('error=revoked_jwt');
    expect(refused.headers.get('aauth-requirement')).toBe('requirement=person-token');
    expect((await agent.fetch(`${url}/notes`)).status).toBe(200);
  });

  it('rejects a tampered body and a bad note', async () => {
    const agent = await createTestAgent({
      agentProvider: ap,
      personServer: ps,
      tamper: (r) => {
        if (r.method === 'POST' && r.body) r.body = new TextEncoder().encode('{"text":"evil"}');
      },
    });
    const res = await agent.fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"good"}',
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('signature-error')).toBe('error=invalid_signature');
    const honest = await createTestAgent({ agentProvider: ap, personServer: ps });
    for (const body of ['{}', '{"text":""}', '{"text":42}']) {
      const bad = await honest.fetch(`${url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    }
    // Malformed JSON is refused by Nest's body parser, before the guard runs.
    const malformed = await honest.fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not json',
    });
    expect(malformed.status).toBe(400);
  });

  it('serves its metadata with the scopes and the revocation endpoint', async () => {
    const res = await fetch(`${url}/.well-known/aauth-resource.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: url,
      jwks_uri: `${url}/.well-known/jwks.json`,
      revocation_endpoint: `${url}/aauth/revoke`,
      name: 'Notes (NestJS example)',
      scope_descriptions: { 'notes:read': 'Read your notes' },
    });
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: [] };
    expect(jwks.keys).toHaveLength(1);
  });

  it('a missing note is 404', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const res = await agent.fetch(`${url}/notes/nope`, { method: 'DELETE' });
    expect(res.status).toBe(404);
  });
});

/** A free port on 127.0.0.1 (the resource identifier names it before the server starts). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

describe('src/server.ts under tsx (no decorator metadata), started as the demo starts it', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let child: ChildProcess;
  let url: string;
  let log = '';

  beforeAll(async () => {
    ps = await createDevPersonServer();
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(
      process.execPath,
      ['--conditions=@aauth-gate/source', '--import', 'tsx', 'src/server.ts'],
      {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          AAUTH_RESOURCE: url,
          AAUTH_DEV: '1',
          AAUTH_PERSON_SERVERS: ps.issuer,
          NODE_ENV: 'development',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      log += d.toString();
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`src/server.ts exited early:\n${log}`);
      const res = await fetch(`${url}/.well-known/aauth-resource.json`).catch(() => undefined);
      if (res?.status === 200) break;
      if (Date.now() > deadline) throw new Error(`src/server.ts did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 40_000);
  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await ap.close();
    await ps.close();
  });

  it('challenges an unsigned /whoami for an agent token', async () => {
    const res = await fetch(`${url}/whoami`);
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=agent-token');
    expect(log).toContain(`notes (nestjs) listening on ${url} as ${url}`);
  });

  it('injects the notes store without metadata: a signed write and read succeed', async () => {
    const agent = await createTestAgent({ agentProvider: ap, personServer: ps });
    const created = await agent.fetch(`${url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from tsx' }),
    });
    expect(created.status, log).toBe(201);
    const listed = (await (await agent.fetch(`${url}/notes`)).json()) as {
      notes: { text: string }[];
    };
    expect(listed.notes.map((n) => n.text)).toEqual(['from tsx']);
  });
});
