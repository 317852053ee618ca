import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { nodeExampleServer, runNotesExampleSuite } from '@aauth-gate/conformance';
import { OPENAPI_VOCABULARY } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '@aauth-gate/testing';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppModule, notesMetadata } from '../src/app-module.ts';
import { notesOpenApi } from '../src/openapi.ts';

runNotesExampleSuite(
  'NestJS (Express platform)',
  () =>
    nodeExampleServer(async (options) => {
      const app = await NestFactory.create(AppModule.forRoot(options), {
        rawBody: true,
        logger: false,
      });
      await app.init();
      return app.getHttpAdapter().getInstance();
    }),
  notesMetadata,
);

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

  it('serves /openapi.json unsigned, where the metadata says agents read the vocabulary', async () => {
    const meta = (await (await fetch(`${url}/.well-known/aauth-resource.json`)).json()) as {
      r3_vocabularies: Record<string, string>;
    };
    expect(meta.r3_vocabularies).toEqual({ [OPENAPI_VOCABULARY]: `${url}/openapi.json` });
    const res = await fetch(`${url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(notesOpenApi);
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
