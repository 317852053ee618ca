import { generateResourceKey } from '@aauth-gate/core';
import {
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '@aauth-gate/testing';
import { type ServerType, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type NotesEnv, notesMetadata } from '../src/app.ts';

describe('notes API on Hono, driven by the testing kit agent over HTTP', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let server: ServerType;
  let url: string;

  beforeAll(async () => {
    ps = await createDevPersonServer();
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    // The resource identifier is the served origin, known once the port is: create the app then.
    let app: Hono<NotesEnv> | undefined;
    const port = await new Promise<number>((resolve) => {
      server = serve(
        {
          fetch: (req, env) => (app ? app.fetch(req, env) : new Response(null, { status: 503 })),
          port: 0,
          hostname: '127.0.0.1',
        },
        (info) => resolve(info.port),
      );
    });
    url = `http://127.0.0.1:${port}`;
    const { key } = await generateResourceKey();
    app = createApp({
      resource: url,
      dev: true,
      trust: { agentProviders: 'any', personServers: [ps.issuer] },
      signingKey: key,
      metadata: notesMetadata(url),
    });
  });
  afterAll(async () => {
    await new Promise<void>((r) => {
      server.close(() => r());
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
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
    for (const body of ['{}', '{"text":""}', 'not json']) {
      const bad = await honest.fetch(`${url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('serves its metadata with the scopes and the revocation endpoint', async () => {
    const res = await fetch(`${url}/.well-known/aauth-resource.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      issuer: url,
      jwks_uri: `${url}/.well-known/jwks.json`,
      revocation_endpoint: `${url}/aauth/revoke`,
      name: 'Notes (Hono example)',
      scope_descriptions: { 'notes:read': 'Read your notes' },
    });
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as { keys: [] };
    expect(jwks.keys).toHaveLength(1);
  });
});
