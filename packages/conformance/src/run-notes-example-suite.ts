import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AAuthOptions, ResourceMetadataOptions } from '@aauth-gate/core';
import { generateResourceKey } from '@aauth-gate/core';
import {
  type ConsentRequest,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
} from '@aauth-gate/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * A notes example listening on 127.0.0.1 whose app is mounted once its URL (the resource
 * identifier) is known.
 */
export interface NotesExampleServer {
  readonly url: string;
  mount(options: AAuthOptions): void | Promise<void>;
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1:0 whose request listener is mounted once the app exists. */
export async function nodeExampleServer(
  listener: (options: AAuthOptions) => RequestListener | Promise<RequestListener>,
): Promise<NotesExampleServer> {
  const server: Server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async mount(options) {
      server.on('request', await listener(options));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * The one suite every notes example (examples/express, hono, koa, nestjs) runs over real HTTP
 * with the testing kit's agent: `/health`, `/whoami`, the notes API, revocation, tampering and
 * metadata. `metadata` is the example's own `notesMetadata`.
 */
export function runNotesExampleSuite(
  name: string,
  start: () => Promise<NotesExampleServer>,
  metadata: (resource: string) => ResourceMetadataOptions,
): void {
  describe(`notes API on ${name}, driven by the testing kit agent over HTTP`, () => {
    let ps: DevPersonServer;
    let ap: DevAgentProvider;
    let server: NotesExampleServer;
    let url: string;

    // What the person was asked, as the person server's consent screen would show it.
    const consents: ConsentRequest[] = [];

    beforeAll(async () => {
      ps = await createDevPersonServer({
        consent: (request) => {
          consents.push(request);
          return 'grant';
        },
      });
      ap = await createDevAgentProvider({ personServer: ps.issuer });
      server = await start();
      url = server.url;
      const { key } = await generateResourceKey();
      await server.mount({
        resource: url,
        dev: true,
        trust: { agentProviders: 'any', personServers: [ps.issuer] },
        signingKey: key,
        metadata: metadata(url),
      });
    });
    afterAll(async () => {
      await server?.close();
      await ap?.close();
      await ps?.close();
    });

    it('answers /health without AAuth', async () => {
      const res = await fetch(`${url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    });

    it('challenges unsigned requests and knows the agent', async () => {
      const unsigned = await fetch(`${url}/whoami`);
      expect(unsigned.status).toBe(401);
      expect(unsigned.headers.get('aauth-requirement')).toBe('requirement=agent-token');
      const agent = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
      });
      const res = await agent.fetch(`${url}/whoami`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        tokenType: 'agent',
        agent: { iss: ap.issuer, sub: 'aauth:assistant@127.0.0.1' },
        person: null,
      });
    });

    it('keeps notes per person: read, write (body covered by content-digest), delete', async () => {
      const agent = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
      });
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
      // Deleting is per-call (R3): held with 202 until the person approved this very call.
      expect((await agent.fetch(`${url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
      // The same approval again: the kept result, never a second run (R3 §7).
      expect((await agent.fetch(`${url}/notes/${note.id}`, { method: 'DELETE' })).status).toBe(204);
      const after = (await (await agent.fetch(`${url}/notes`)).json()) as { notes: unknown[] };
      expect(after.notes).toEqual([]);
    });

    it('holds a per-call deletion (202), shows the person server a proposal of that call, and runs it once', async () => {
      const exchanges: {
        method: string;
        url: string;
        status: number;
        headers: Record<string, string>;
      }[] = [];
      const agent = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
        onExchange: (e) =>
          exchanges.push({
            method: e.method,
            url: e.url,
            status: e.status,
            headers: e.responseHeaders,
          }),
      });
      const created = await agent.fetch(`${url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'to delete' }),
      });
      const { id } = (await created.json()) as { id: string };
      exchanges.length = 0;
      consents.length = 0;
      const deleted = await agent.fetch(`${url}/notes/${id}`, { method: 'DELETE' });
      expect(deleted.status).toBe(204);
      const held = exchanges.find((e) => e.method === 'DELETE' && e.status === 202);
      expect(held?.headers.location).toMatch(/^\/aauth\/pending\//);
      expect(held?.headers['cache-control']).toBe('no-store');
      const polls = exchanges.filter(
        (e) => e.method === 'GET' && e.url.includes('/aauth/pending/'),
      );
      expect(polls.at(-1)?.status).toBe(204);
      // The person approved a proposal of this very call, described by the resource (R3 §7).
      const proposal = consents.find((c) => c.r3?.proposal)?.r3;
      expect(proposal?.document.parameters).toEqual({ id });
      expect(proposal?.display?.summary).toBe('Delete the note “to delete”');
      // A different note needs its own approval: a new proposal, a new pending request.
      const other = await agent.fetch(`${url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'another' }),
      });
      const second = (await other.json()) as { id: string };
      exchanges.length = 0;
      expect((await agent.fetch(`${url}/notes/${second.id}`, { method: 'DELETE' })).status).toBe(
        204,
      );
      expect(exchanges.some((e) => e.method === 'DELETE' && e.status === 202)).toBe(true);
    });

    it('answers a person token on the notes with a resource token, and whoami names the person', async () => {
      const agent = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
      });
      const res = await agent.fetch(`${url}/notes`, { followChallenges: false });
      expect(res.headers.get('aauth-requirement')).toBe('requirement=person-token');
      await agent.fetch(`${url}/notes`);
      const who = (await (await agent.fetch(`${url}/whoami`)).json()) as {
        person: { iss: string };
      };
      expect(who.person.iss).toBe(ps.issuer);
    });

    it('refuses a revoked auth token with revoked_jwt, then climbs back', async () => {
      const agent = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
      });
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
      const honest = await createTestAgent({
        agentProvider: ap,
        personServer: ps,
        maxPollWaitMs: 100,
      });
      const bad = await honest.fetch(`${url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(bad.status).toBe(400);
    });

    it('serves its metadata with the scopes and the revocation endpoint', async () => {
      const meta = await (await fetch(`${url}/.well-known/aauth-resource.json`)).json();
      expect(meta).toMatchObject({
        issuer: url,
        jwks_uri: `${url}/.well-known/jwks.json`,
        revocation_endpoint: `${url}/aauth/revoke`,
        scope_descriptions: { 'notes:read': 'Read your notes' },
      });
    });
  });
}
