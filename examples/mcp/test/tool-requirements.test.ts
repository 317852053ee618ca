import { type AAuthRequest, mcpToolRequirements } from '@aauth-gate/core';
import { describe, expect, it } from 'vitest';
import {
  DISCOVERY_REQUIREMENT,
  isBatchedToolCall,
  MCP_COMPONENTS,
  MCP_SELECTOR,
  MCP_TOOLS,
  mcpR3Definition,
  mcpVocabularies,
  TOOL_MATCHER,
  type ToolName,
  toolConfig,
} from '../src/tool-requirements.ts';

const MCP = 'urn:aauth:vocabulary:mcp';

function post(body: unknown): AAuthRequest {
  return {
    method: 'POST',
    target: '/mcp',
    headers: { 'content-type': 'application/json' },
    body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
  };
}

function call(name: unknown, args: unknown = {}): Record<string, unknown> {
  return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } };
}

describe('the tool list drives annotations, requirements and the R3 definition', () => {
  it('annotates one tool per access mode', () => {
    expect(MCP_TOOLS.map((t) => [t.name, t._meta['aauth.dev/access-mode']])).toEqual([
      ['server_time', 'agent-token'],
      ['my_notes', 'person-token'],
      ['add_note', 'auth-token'],
      ['delete_note', 'per-call'],
    ]);
  });

  it('gives registerTool the title, description and _meta of the list', () => {
    expect(toolConfig('delete_note')).toEqual({
      title: 'Delete a note',
      description: 'Delete one note of the person the agent acts for; each call is approved.',
      _meta: { 'aauth.dev/access-mode': 'per-call' },
    });
    expect(() => toolConfig('unlisted' as ToolName)).toThrow(TypeError);
  });

  it('derives each tool requirement from its _meta, the body always covered', () => {
    expect(
      TOOL_MATCHER.tools.map((t) => [
        t.tool,
        t.requirement.level,
        t.requirement.scopes,
        t.requirement.operation,
        t.requirement.components,
      ]),
    ).toEqual([
      ['server_time', 'agent', [], undefined, MCP_COMPONENTS],
      ['my_notes', 'person', [], undefined, MCP_COMPONENTS],
      [
        'add_note',
        'auth',
        ['notes:write'],
        { vocabulary: MCP, id: 'add_note', perCall: false },
        MCP_COMPONENTS,
      ],
      [
        'delete_note',
        'auth',
        [],
        { vocabulary: MCP, id: 'delete_note', perCall: true },
        MCP_COMPONENTS,
      ],
    ]);
    for (const t of TOOL_MATCHER.tools) expect(Object.isFrozen(t.requirement)).toBe(true);
    expect(TOOL_MATCHER.match('nope')).toBeUndefined();
    expect(TOOL_MATCHER.match('toString')).toBeUndefined();
  });

  it('selects the requirement of the tool a tools/call names, its arguments as parameters', async () => {
    for (const { name } of MCP_TOOLS) {
      const selected = await MCP_SELECTOR.select(post(call(name, { id: 'n1' })));
      expect(selected?.requirement).toBe(TOOL_MATCHER.match(name)?.requirement);
      expect(await selected?.parameters()).toEqual({ id: 'n1' });
    }
  });

  it('leaves everything else to DISCOVERY_REQUIREMENT: agent identity, body covered', async () => {
    expect(MCP_SELECTOR.unmatched).toBe(DISCOVERY_REQUIREMENT);
    expect([DISCOVERY_REQUIREMENT.level, DISCOVERY_REQUIREMENT.components]).toEqual([
      'agent',
      MCP_COMPONENTS,
    ]);
    for (const body of [
      { jsonrpc: '2.0', id: 1, method: 'initialize' },
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      call('delete_everything'),
      call('__proto__'),
      call('my_notes', null),
      [call('my_notes')],
      '{',
    ])
      expect(await MCP_SELECTOR.select(post(body))).toBeUndefined();
  });

  it('recognises the batches the selector cannot read (R19)', () => {
    expect(isBatchedToolCall([call('server_time')])).toBe(true);
    expect(isBatchedToolCall([{ jsonrpc: '2.0', id: 1, method: 'ping' }, call('add_note')])).toBe(
      true,
    );
    expect(isBatchedToolCall([{ jsonrpc: '2.0', id: 1, method: 'ping' }, null, 3])).toBe(false);
    expect(isBatchedToolCall(call('add_note'))).toBe(false);
    expect(isBatchedToolCall(undefined)).toBe(false);
  });

  it('builds the R3 definition from the same list, display texts server-side', () => {
    const table = mcpR3Definition().get(MCP);
    expect(table?.entryKey).toBe('tool');
    expect(
      [...(table?.operations.values() ?? [])].map((o) => [o.id, o.accessMode, o.scopes, o.display]),
    ).toEqual([
      [
        'server_time',
        'agent-token',
        [],
        { summary: "The server's clock, and which AAuth token the call presented." },
      ],
      ['my_notes', 'person-token', [], { summary: 'The notes of the person the agent acts for.' }],
      [
        'add_note',
        'auth-token',
        ['notes:write'],
        {
          summary: 'Add notes to your notebook',
          implications: 'The agent can write new notes in your name.',
        },
      ],
      [
        'delete_note',
        'per-call',
        [],
        { summary: 'Delete one of your notes', irreversible: 'A deleted note cannot be restored.' },
      ],
    ]);
    expect(mcpVocabularies('https://notes.example')).toEqual({
      [MCP]: 'https://notes.example/mcp',
    });
    // Display texts stay out of what tools/list publishes (R27).
    for (const t of MCP_TOOLS) expect(Object.keys(t._meta)).toEqual(['aauth.dev/access-mode']);
  });

  it('refuses a bad annotation at start-up', () => {
    const bad = (mode: string) => [{ name: 'x', _meta: { 'aauth.dev/access-mode': mode } }];
    for (const mode of ['session-token', 'per_call', 'none'])
      expect(() => mcpToolRequirements(bad(mode), { defaultRequirement: 'agent' })).toThrow(
        TypeError,
      );
  });
});
