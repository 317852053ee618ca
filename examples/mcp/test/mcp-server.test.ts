import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateResourceKey } from '@aauth-gate/core';
import {
  type AgentExchange,
  createDevAgentProvider,
  createDevPersonServer,
  createTestAgent,
  type DevAgentProvider,
  type DevPersonServer,
  signRequest,
  type TestAgent,
} from '@aauth-gate/testing';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, mcpMetadata } from '../src/app.ts';
import { accessModeOf, TOOL_REQUIREMENTS, type ToolName } from '../src/tool-requirements.ts';
import { connectAgent } from './agent-client.ts';

/** A `tools/call` as the SDK client sends it, for requests made without the client. */
function call(name: string, args: Record<string, unknown> = {}, id = 1): string {
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

describe('MCP server with per-tool AAuth modes, driven by the SDK client over HTTP', () => {
  let ps: DevPersonServer;
  let ap: DevAgentProvider;
  let server: Server;
  let url: string;
  const newAgent = (
    extra: Partial<Parameters<typeof createTestAgent>[0]> = {},
  ): Promise<TestAgent> => createTestAgent({ agentProvider: ap, personServer: ps, ...extra });

  beforeAll(async () => {
    ps = await createDevPersonServer();
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

  it('lists every tool of the table with its access mode in _meta, on an agent token', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    const { tools } = await client.listTools();
    expect(Object.fromEntries(tools.map((t) => [t.name, t._meta]))).toEqual({
      server_time: { 'aauth.dev/access-mode': 'agent-token' },
      my_notes: { 'aauth.dev/access-mode': 'person-token' },
      add_note: { 'aauth.dev/access-mode': 'auth-token' },
    });
    for (const name of Object.keys(TOOL_REQUIREMENTS) as ToolName[]) {
      const tool = tools.find((t) => t.name === name);
      expect(tool?._meta?.['aauth.dev/access-mode']).toBe(accessModeOf(TOOL_REQUIREMENTS[name]));
    }
    expect(agent.held(url)).toEqual({}); // initialize and tools/list took the agent token alone
    await client.close();
  });

  it('calls server_time with the agent token', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    const res = await client.callTool({ name: 'server_time' });
    const out = res.structuredContent as { time: string; tokenType: string };
    expect(out.tokenType).toBe('agent');
    expect(Number.isNaN(Date.parse(out.time))).toBe(false);
    expect(agent.held(url)).toEqual({});
    await client.close();
  });

  it('calls my_notes after the agent obtained a person token, for that person', async () => {
    const seen: AgentExchange[] = [];
    const agent = await newAgent({ onExchange: (e) => seen.push(e) });
    const client = await connectAgent(url, agent);
    seen.length = 0;
    const res = await client.callTool({ name: 'my_notes' });
    expect(
      seen
        .filter((e) => e.method === 'POST' && e.url === `${url}/mcp`)
        .map((e) => [e.presented, e.status]),
    ).toEqual([
      ['agent', 401],
      ['person', 200],
    ]);
    const out = res.structuredContent as { person: { iss: string; sub: string }; notes: unknown[] };
    expect(out.person.iss).toBe(ps.issuer);
    expect(out.person.sub).toMatch(/^[0-9a-f]{32}$/);
    expect(out.notes).toEqual([]);
    const held = agent.held(url);
    expect(held.person).toBeTypeOf('string');
    expect(held.auth).toBeUndefined();
    await client.close();
  });

  it('calls add_note after the full ladder (resource token → auth token with notes:write)', async () => {
    const seen: AgentExchange[] = [];
    const agent = await newAgent({ onExchange: (e) => seen.push(e) });
    const client = await connectAgent(url, agent);
    seen.length = 0;
    const added = await client.callTool({ name: 'add_note', arguments: { text: 'buy milk' } });
    expect(
      seen
        .filter((e) => e.method === 'POST' && e.url === `${url}/mcp`)
        .map((e) => [e.presented, e.status]),
    ).toEqual([
      ['agent', 401],
      ['person', 401],
      ['auth', 200],
    ]);
    const note = (added.structuredContent as { note: { id: string; text: string } }).note;
    expect(note.text).toBe('buy milk');
    const auth = agent.held(url).auth as string;
    expect(claimsOf(auth)).toMatchObject({ aud: url, scope: 'notes:write' });

    // The auth token sits on the ladder: it also serves the person and agent tools.
    const mine = await client.callTool({ name: 'my_notes' });
    expect((mine.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id)).toEqual([
      note.id,
    ]);
    const time = await client.callTool({ name: 'server_time' });
    expect((time.structuredContent as { tokenType: string }).tokenType).toBe('auth');
    await client.close();
  });

  it('challenges an unsigned POST /mcp with requirement=agent-token', async () => {
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
    for (const body of [init, call('server_time'), call('add_note', { text: 'x' })]) {
      const res = await fetch(`${url}/mcp`, { method: 'POST', headers: MCP_HEADERS, body });
      expect(res.status).toBe(401);
      expect(res.headers.get('aauth-requirement')).toBe(
        body.includes('add_note') ? 'requirement=person-token' : 'requirement=agent-token',
      );
      expect(res.headers.get('signature-error')).toBeNull();
    }
  });

  it('challenges an agent token calling my_notes with requirement=person-token', async () => {
    const agent = await newAgent();
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('my_notes'),
      followChallenges: false,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toBe('requirement=person-token');
  });

  it('answers a person token calling add_note with requirement=auth-token and a resource token', async () => {
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
    const header = res.headers.get('aauth-requirement') as string;
    const match = /^requirement=auth-token;resource-token="([^"]+)"$/.exec(header);
    expect(match).not.toBeNull();
    expect(claimsOf(match?.[1] as string)).toMatchObject({
      iss: url,
      aud: ps.issuer,
      scope: 'notes:write',
      presented_jti: claimsOf(person).jti,
    });
    await client.close();
  });

  it('verifies a call to an unknown tool at agent level, then refuses it with -32602', async () => {
    const unsigned = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('delete_everything'),
    });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers.get('aauth-requirement')).toBe('requirement=agent-token');

    const agent = await newAgent();
    const raw = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: call('toString', {}, 7),
    });
    expect(raw.status).toBe(200);
    expect(await raw.json()).toEqual({
      jsonrpc: '2.0',
      id: 7,
      error: { code: -32602, message: 'Unknown tool' },
    });

    const client = await connectAgent(url, agent);
    const refused = await client.callTool({ name: 'delete_everything' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(McpError);
    expect((refused as McpError).code).toBe(-32602);
    expect(agent.held(url)).toEqual({}); // refused without climbing the ladder
    await client.close();
  });

  it('refuses a request for a method with no entry with -32601', async () => {
    const agent = await newAgent();
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'resources/list' }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      jsonrpc: '2.0',
      id: 3,
      error: { code: -32601, message: 'Method not found' },
    });
  });

  it('verifies a batch against its strictest requirement', async () => {
    const agent = await newAgent();
    const client = await connectAgent(url, agent);
    await client.callTool({ name: 'my_notes' }); // person token
    const batch = `[${call('server_time', {}, 1)},${call('add_note', { text: 'x' }, 2)}]`;
    const res = await agent.fetch(`${url}/mcp`, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: batch,
      followChallenges: false,
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('aauth-requirement')).toMatch(/^requirement=auth-token;resource-token=/);
    await client.close();
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
    const body = call('server_time');
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
    expect(res.headers.get('signature-error')).toBe(
      'error=invalid_input, required_input=("@method" "@authority" "@path" "signature-key" "content-type" "content-digest")',
    );
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
      r3_vocabularies: { 'urn:aauth:vocabulary:mcp': `${url}/mcp` },
    });
    const jwks = (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as {
      keys: unknown[];
    };
    expect(jwks.keys).toHaveLength(1);
  });
});
