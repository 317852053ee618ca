import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateResourceKey } from '@aauth-gate/core';
import {
  type AgentExchange,
  type ConsentRequest,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevKey,
  type DevPersonServer,
  generateDevKey,
  signRequest,
  type TestAgent,
} from '@aauth-gate/testing';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, mcpMetadata } from '../src/app.ts';
import { MCP_TOOLS } from '../src/tool-requirements.ts';
import { connectAgent } from './agent-client.ts';

const MCP = 'urn:aauth:vocabulary:mcp';

/** A `tools/call` as the SDK client sends it, for requests made without the client. */
function call(name: string, args: Record<string, unknown> | null = {}, id = 1): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name, arguments: args },
  });
}

const MCP_HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString('utf8'));
}

/** The resource token of an `auth-token` challenge. */
function resourceTokenOf(headers: Readonly<Record<string, string>> | Headers): string {
  const header =
    headers instanceof Headers ? headers.get('aauth-requirement') : headers['aauth-requirement'];
  const match = /^requirement=auth-token;resource-token="([^"]+)"$/.exec(header ?? '');
  if (!match) throw new Error(`not an auth-token challenge: ${header}`);
  return match[1] as string;
}

/** The `POST /mcp` exchanges: which token each presented, and the status it got. */
function mcpExchanges(seen: readonly AgentExchange[], url: string): [string, number][] {
  return seen
    .filter((e) => e.method === 'POST' && e.url === `${url}/mcp`)
    .map((e) => [e.presented, e.status]);
}

function structured<T>(result: Awaited<ReturnType<Client['callTool']>>): T {
  return result.structuredContent as T;
}

describe('MCP server with per-tool AAuth modes and R3, driven by the SDK client over HTTP', () => {
  let psKey: DevKey;
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let server: Server;
  let url: string;
  // What the person was asked to approve: the development person server's consent view.
  const consents: ConsentRequest[] = [];
  const newAgent = (
    extra: Partial<Parameters<typeof createTestAgent>[0]> = {},
  ): Promise<TestAgent> => createTestAgent({ agentProvider: ap, personServer: ps, ...extra });

  /** A signed GET as the person server itself, the way it fetches R3 documents (R3 §4.4). */
  const fetchAsPersonServer = async (uri: string): Promise<Response> =>
    fetch(uri, {
      headers: await signRequest({
        method: 'GET',
        url: uri,
        key: psKey,
        jwksUri: { id: ps.issuer, dwk: 'aauth-person.json', kid: psKey.kid },
      }),
    });

  beforeAll(async () => {
    psKey = await generateDevKey('Ed25519');
    ps = await createDevPersonServer({
      key: psKey,
      consent: (request) => {
        consents.push(request);
        return 'grant';
      },
    });
    ap = await createDevAgentProvider({ personServer: ps.issuer });
    server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { key } = await generateResourceKey();
    const app = createApp({
      resource: url,
      dev: true,
      trust: { agentProviders: 'any', personServers: [ps.issuer] },
      signingKey: key,
      metadata: mcpMetadata(url),
    });
    server.on('request', app);
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await ap.close();
    await ps.close();
  });

  it('lists every tool with its access mode in _meta, on an agent token', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    const { tools } = await client.listTools();
    expect(Object.fromEntries(tools.map((t) => [t.name, t._meta]))).toEqual({
      server_time: { 'aauth.dev/access-mode': 'agent-token' },
      my_notes: { 'aauth.dev/access-mode': 'person-token' },
      add_note: { 'aauth.dev/access-mode': 'auth-token' },
      delete_note: { 'aauth.dev/access-mode': 'per-call' },
    });
    // The very list the gate enforces, titles and descriptions included.
    expect(
      tools.map((t) => ({ name: t.name, title: t.title, description: t.description })),
    ).toEqual(MCP_TOOLS.map((t) => ({ name: t.name, title: t.title, description: t.description })));
    expect(tools.find((t) => t.name === 'delete_note')?.inputSchema).toMatchObject({
      properties: { id: { type: 'string' } },
      required: ['id'],
    });
    expect(agent.held(url)).toEqual({}); // initialize and tools/list took the agent token alone
    await client.close();
  });

  it('calls server_time (agent-token) with the agent token', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    const out = structured<{ time: string; tokenType: string }>(
      await client.callTool({ name: 'server_time' }),
    );
    expect(out.tokenType).toBe('agent');
    expect(Number.isNaN(Date.parse(out.time))).toBe(false);
    expect(agent.held(url)).toEqual({});
    await client.close();
  });

  it('calls my_notes (person-token) after the agent obtained a person token', async () => {
    const seen: AgentExchange[] = [];
    const agent = await newAgent({ onExchange: (e) => seen.push(e) });
    const client = await connectAgent(url, agent);
    seen.length = 0;
    const out = structured<{ person: { iss: string; sub: string }; notes: unknown[] }>(
      await client.callTool({ name: 'my_notes' }),
    );
    expect(mcpExchanges(seen, url)).toEqual([
      ['agent', 401],
      ['person', 200],
    ]);
    expect(out.person.iss).toBe(ps.issuer);
    expect(out.person.sub).toMatch(/^[0-9a-f]{32}$/);
    expect(Array.isArray(out.notes)).toBe(true);
    const held = agent.held(url);
    expect(held.person).toBeTypeOf('string');
    expect(held.auth).toBeUndefined();
    await client.close();
  });

  it('calls add_note (auth-token) after the full ladder; the auth token holds its R3 grant', async () => {
    const seen: AgentExchange[] = [];
    const agent = await newAgent({ onExchange: (e) => seen.push(e) });
    const client = await connectAgent(url, agent);
    seen.length = 0;
    consents.length = 0;
    const added = await client.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
    expect(mcpExchanges(seen, url)).toEqual([
      ['agent', 401],
      ['person', 401],
      ['auth', 200],
    ]);
    const note = structured<{ note: { id: string; text: string } }>(added).note;
    expect(note.text).toBe('buy milk');

    // The person consented to the class document for add_note, with its server-side display.
    expect(consents).toHaveLength(1);
    expect(consents[0]?.scope).toEqual(['notes:write']);
    expect(consents[0]?.r3).toMatchObject({
      proposal: false,
      document: {
        vocabulary: MCP,
        operations: [{ tool: 'add_note' }],
        display: {
          summary: 'Add notes to your notebook',
          implications: 'The agent can write new notes in your name.',
        },
      },
    });
    const auth = claimsOf(agent.held(url).auth as string);
    expect(auth).toMatchObject({
      aud: url,
      scope: 'notes:write',
      r3_uri: consents[0]?.r3?.uri,
      r3_s256: consents[0]?.r3?.s256,
      r3_granted: { vocabulary: MCP, operations: [{ tool: 'add_note' }] },
    });

    // The auth token sits on the ladder: it also serves the person and agent tools.
    const mine = structured<{ notes: { id: string }[] }>(
      await client.callTool({ name: 'my_notes' }),
    );
    expect(mine.notes.map((n) => n.id)).toContain(note.id);
    const time = structured<{ tokenType: string }>(await client.callTool({ name: 'server_time' }));
    expect(time.tokenType).toBe('auth');
    await client.close();
  });

  it('calls delete_note (per-call) from an agent token up: person token, then a per-call auth token', async () => {
    const seen: AgentExchange[] = [];
    const agent = await newAgent({ onExchange: (e) => seen.push(e) });
    const client = await connectAgent(url, agent);
    seen.length = 0;
    consents.length = 0;
    const out = await client.callTool({ name: 'delete_note', arguments: { id: 'no-such-note' } });
    expect(mcpExchanges(seen, url)).toEqual([
      ['agent', 401],
      ['person', 401],
      ['auth', 200],
    ]);
    expect(structured(out)).toEqual({ id: 'no-such-note', deleted: false });
    expect(consents.map((c) => [c.r3?.proposal, c.r3?.document.parameters])).toEqual([
      [true, { id: 'no-such-note' }],
    ]);
    await client.close();
  });

  describe('per-call proposals (R3 §7)', () => {
    let agent: TestAgent;
    let client: Client;
    const seen: AgentExchange[] = [];
    let first: { resourceToken: string; r3Uri: string; r3S256: string };
    let firstNote: string;
    let secondNote: string;

    beforeAll(async () => {
      agent = await newAgent({ onExchange: (e) => seen.push(e) });
      client = await connectAgent(url, agent);
      const add = async (text: string) =>
        structured<{ note: { id: string } }>(
          await client.callTool({ name: 'add_note', arguments: { text } }),
        ).note.id;
      firstNote = await add('old draft');
      secondNote = await add('older draft');
    });
    afterAll(async () => {
      await client.close();
    });

    it('challenges the first call with a proposal of its arguments, then runs the approved call', async () => {
      const classToken = agent.held(url).auth as string;
      seen.length = 0;
      consents.length = 0;
      const out = await client.callTool({ name: 'delete_note', arguments: { id: firstNote } });
      expect(mcpExchanges(seen, url)).toEqual([
        ['auth', 401], // the class token grants add_note, not this call
        ['auth', 200], // the per-call token for exactly this call
      ]);
      expect(structured(out)).toEqual({ id: firstNote, deleted: true });

      const challenge = seen.find((e) => e.status === 401) as AgentExchange;
      const resourceToken = resourceTokenOf(challenge.responseHeaders);
      const rt = claimsOf(resourceToken);
      expect(rt).toMatchObject({
        iss: url,
        aud: ps.issuer,
        ps: ps.issuer,
        presented_jti: claimsOf(classToken).jti,
      });
      expect(rt.r3_uri).toBe(`${url}/aauth/r3/${rt.r3_s256}`);
      first = {
        resourceToken,
        r3Uri: rt.r3_uri as string,
        r3S256: rt.r3_s256 as string,
      };

      // What the person approved: this one call, its arguments as parameters.
      expect(consents).toHaveLength(1);
      const r3 = consents[0]?.r3;
      expect(r3).toMatchObject({ uri: first.r3Uri, s256: first.r3S256, proposal: true });
      expect(r3?.document).toMatchObject({
        vocabulary: MCP,
        operations: [{ tool: 'delete_note' }],
        display: {
          summary: 'Delete one of your notes',
          irreversible: 'A deleted note cannot be restored.',
        },
      });
      expect(r3?.document.parameters).toEqual({ id: firstNote });
      expect(String(r3?.document.display?.detail)).toMatch(/^## Requested\n\d{4}-\d\d-\d\dT/);

      // The per-call auth token names the proposal and grants the tool.
      expect(claimsOf(agent.held(url).auth as string)).toMatchObject({
        r3_uri: first.r3Uri,
        r3_s256: first.r3S256,
        r3_granted: { vocabulary: MCP, operations: [{ tool: 'delete_note' }] },
      });
      const mine = structured<{ notes: { id: string }[] }>(
        await client.callTool({ name: 'my_notes' }),
      );
      expect(mine.notes.map((n) => n.id)).not.toContain(firstNote);
      expect(mine.notes.map((n) => n.id)).toContain(secondNote);
    });

    it('serves the proposal to the person server: exact bytes, hash = r3_s256', async () => {
      const res = await fetchAsPersonServer(first.r3Uri);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('base64url')).toBe(first.r3S256);
      const document = JSON.parse(bytes.toString('utf8'));
      expect(document).toMatchObject({
        vocabulary: MCP,
        operations: [{ tool: 'delete_note' }],
        parameters: { id: firstNote },
      });
    });

    it('refuses the R3 document to agents, whatever token they sign with, and to unsigned requests', async () => {
      const unsigned = await fetch(first.r3Uri);
      expect(unsigned.status).toBe(401);
      expect(unsigned.headers.get('signature-error')).toMatch(/^error=/);
      expect(await unsigned.text()).not.toContain(firstNote);

      // The test agent signs with the best token it holds: the per-call auth token.
      const byAuth = await agent.fetch(first.r3Uri, { followChallenges: false });
      const other = await newAgent();
      const byAgent = await other.fetch(first.r3Uri, { followChallenges: false });
      for (const res of [byAuth, byAgent]) {
        expect([401, 403]).toContain(res.status);
        expect(await res.text()).not.toContain(firstNote);
      }
      expect(byAuth.headers.get('signature-error')).toMatch(/unsupported_scheme/);
    });

    it('never runs the approved call twice: the same per-call token again gets the kept result', async () => {
      const res = await agent.fetch(`${url}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: call('delete_note', { id: firstNote }, 99),
        followChallenges: false,
      });
      // R3 §7 step 4: the result of the one run, re-wrapped with this request's JSON-RPC id.
      expect(res.status).toBe(200);
      const message = (await res.json()) as { id: unknown; result: { structuredContent: unknown } };
      expect(message.id).toBe(99);
      expect(message.result.structuredContent).toEqual({ id: firstNote, deleted: true });
    });

    it('challenges the per-call token with other arguments, with a new proposal', async () => {
      seen.length = 0;
      consents.length = 0;
      const out = await client.callTool({ name: 'delete_note', arguments: { id: secondNote } });
      expect(mcpExchanges(seen, url)).toEqual([
        ['auth', 401],
        ['auth', 200],
      ]);
      expect(structured(out)).toEqual({ id: secondNote, deleted: true });
      const challenge = seen.find((e) => e.status === 401) as AgentExchange;
      const rt = claimsOf(resourceTokenOf(challenge.responseHeaders));
      expect(rt.r3_s256).not.toBe(first.r3S256);
      expect(consents.map((c) => [c.r3?.proposal, c.r3?.s256, c.r3?.document.parameters])).toEqual([
        [true, rt.r3_s256, { id: secondNote }],
      ]);
    });

    it('challenges a repeat of the same arguments with a fresh proposal once the token is another', async () => {
      // Presented by the token approved for secondNote, the first call is a new call again.
      const res = await agent.fetch(`${url}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body: call('delete_note', { id: firstNote }, 100),
        followChallenges: false,
      });
      expect(res.status).toBe(401);
      const rt = claimsOf(resourceTokenOf(res.headers));
      expect(rt.r3_s256).not.toBe(first.r3S256); // unique per invocation (R13)
      const proposal = await fetchAsPersonServer(rt.r3_uri as string);
      expect(JSON.parse(await proposal.text()).parameters).toEqual({ id: firstNote });
    });

    it('steps the per-call token back up for an auth-token tool', async () => {
      seen.length = 0;
      await client.callTool({ name: 'add_note', arguments: { text: 'again' } });
      expect(mcpExchanges(seen, url)).toEqual([
        ['auth', 401],
        ['auth', 200],
      ]);
      expect(claimsOf(agent.held(url).auth as string)).toMatchObject({
        r3_granted: { vocabulary: MCP, operations: [{ tool: 'add_note' }] },
      });
    });
  });

  it('challenges an unsigned POST /mcp by the rung its tool needs', async () => {
    const init = JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-11-25',
        capabilities: {},
        clientInfo: { name: 'x', version: '0' },
      },
    });
    const cases: [string, string][] = [
      [init, 'requirement=agent-token'],
      [call('server_time'), 'requirement=agent-token'],
      [call('my_notes'), 'requirement=person-token'],
      [call('add_note', { text: 'x' }), 'requirement=person-token'],
      [call('delete_note', { id: 'x' }), 'requirement=person-token'],
    ];
    for (const [body, requirement] of cases) {
      const res = await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body });
      expect(res.status).toBe(401);
      expect(res.headers.get('aauth-requirement')).toBe(requirement);
      expect(res.headers.get('signature-error')).toBeNull();
    }
  });

  it('challenges an agent token on my_notes and delete_note with requirement=person-token', async () => {
    const agent = await newAgent();
    for (const body of [call('my_notes'), call('delete_note', { id: 'x' })]) {
      const res = await agent.fetch(`${url}/mcp`, {
        method: 'POST',
        headers: MCP_HEADERS,
        body,
        followChallenges: false,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('aauth-requirement')).toBe('requirement=person-token');
    }
  });

  it('answers a person token calling add_note with a resource token naming its R3 document', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    await client.callTool({ name: 'my_notes' }); // the agent now holds a person token
    const person = agent.held(url).person as string;
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('add_note', { text: 'x' }),
      followChallenges: false,
    });
    expect(res.status).toBe(401);
    const rt = claimsOf(resourceTokenOf(res.headers));
    expect(rt).toMatchObject({
      iss: url,
      aud: ps.issuer,
      scope: 'notes:write',
      presented_jti: claimsOf(person).jti,
    });
    const document = await fetchAsPersonServer(rt.r3_uri as string);
    const bytes = Buffer.from(await document.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('base64url')).toBe(rt.r3_s256);
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({
      vocabulary: MCP,
      operations: [{ tool: 'add_note' }],
      display: {
        summary: 'Add notes to your notebook',
        implications: 'The agent can write new notes in your name.',
      },
    });
    await client.close();
  });

  it('verifies a call to an unknown tool at agent level; the MCP server answers it', async () => {
    const unsigned = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('delete_everything'),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('aauth-requirement')).toBe('requirement=agent-token');

    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    for (const name of ['delete_everything', 'toString', '__proto__']) {
      const res = await client.callTool({ name });
      expect(res.isError).toBe(true);
      // SDK 1.x looks tools up on a plain object: inherited names read as "disabled".
      expect(res.content).toEqual([
        {
          type: 'text',
          text: expect.stringMatching(/^MCP error -32602: Tool \S+ (not found|disabled)$/),
        },
      ]);
    }
    expect(agent.held(url)).toEqual({}); // answered without climbing the ladder
    await client.close();
  });

  it('runs no tool for a call the selector cannot read (arguments not an object)', async () => {
    const agent = await newAgent();
    for (const args of [null, ['x']]) {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'my_notes', arguments: args },
      });
      const res = await agent.fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { error?: { message: string }; result?: unknown };
      // The SDK's own request schema refuses it; the tool never runs.
      expect(answer.result).toBeUndefined();
      expect(answer.error?.message).toMatch(/"arguments"/);
    }
    expect(agent.held(url)).toEqual({});
  });

  it('leaves any other method to the MCP server (-32601)', async () => {
    const agent = await newAgent();
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'resources/list' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32601 } });
  });

  it('refuses a batch holding a tools/call with 400, before any verification', async () => {
    const agent = await newAgent();
    const batch = `[${call('server_time', {}, 1)},${call('my_notes', {}, 2)}]`;
    for (const res of [
      await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: batch }),
      await agent.fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: batch }),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Invalid Request: tools/call cannot be batched' },
      });
    }
    expect(agent.held(url)).toEqual({});
  });

  it('rejects a tampered body with signature-error invalid_signature', async () => {
    const agent = await newAgent({
      tamper: (r) => {
        if (r.method === 'POST' && r.body) r.body = new TextEncoder().encode(call('my_notes'));
      },
    });
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('server_time'),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('signature-error')).toBe('error=invalid_signature');
  });

  it('needs the body covered: a valid signature without content-digest gets invalid_input', async () => {
    const agent = await newAgent();
    const required =
      'error=invalid_input, required_input=("@method" "@authority" "@path" "signature-key" "content-type" "content-digest")';
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' });
    for (const body of [call('server_time'), ping]) {
      // Signed as if there were no body, so the signature covers neither content-type nor the digest.
      const signed = await signRequest({
        method: 'POST',
        url: `${url}/mcp`,
        key: agent.key,
        token: await agent.agentToken(),
      });
      const res = await fetch(`${url}/mcp`, {
        method: 'POST',
        headers: { ...MCP_HEADERS, ...signed },
        body,
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('signature-error')).toBe(required);
    }
  });

  it('answers GET /mcp with 405 and bad JSON with a JSON-RPC parse error', async () => {
    const get = await fetch(`${url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const bad = await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: '{' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32700, message: 'Parse error' },
    });
  });

  it('publishes its metadata: name, scopes and /mcp as the MCP vocabulary endpoint', async () => {
    const meta = await (await fetch(`${url}/.well-known/aauth-resource.json`)).json();
    expect(meta).toMatchObject({
      issuer: url,
      name: 'Notes (MCP example)',
      access_mode: 'agent-token',
      jwks_uri: `${url}/.well-known/jwks.json`,
      scope_descriptions: { 'notes:write': 'Add notes for you' },
      r3_vocabularies: { [MCP]: `${url}/mcp` },
    });
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(jwks.keys).toHaveLength(1);
  });
});
