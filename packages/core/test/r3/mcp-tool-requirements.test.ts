import { describe, expect, it } from 'vitest';
import { normalizeRequirement } from '../../src/index.ts';
import { mcpToolRequirements, readToolCall } from '../../src/r3/mcp-tool-requirements.ts';
import { filesTools } from './r3-harness.ts';

const MCP = 'urn:aauth:vocabulary:mcp';
const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

function expectTypeError(fn: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(TypeError);
  expect((thrown as Error).message).toMatch(message);
}

describe('mcpToolRequirements (R3 §3.5, §6.4)', () => {
  const scopes = { delete_file: ['files:delete'], export_archive: ['files:export'] };

  it('maps each tool annotation to a frozen requirement naming its R3 operation', () => {
    const tools = mcpToolRequirements(filesTools(), { defaultRequirement: 'agent', scopes });
    expect(
      tools.tools.map((t) => [
        t.tool,
        t.accessMode,
        t.budget,
        t.requirement.level,
        t.requirement.scopes,
        t.requirement.operation,
      ]),
    ).toEqual([
      ['list_files', 'person-token', false, 'person', [], undefined],
      ['read_file', undefined, false, 'agent', [], undefined],
      [
        'delete_file',
        'per-call',
        false,
        'auth',
        ['files:delete'],
        { vocabulary: MCP, id: 'delete_file', perCall: true },
      ],
      [
        'export_archive',
        'auth-token',
        true,
        'auth',
        ['files:export'],
        { vocabulary: MCP, id: 'export_archive', perCall: false },
      ],
    ]);
    expect(Object.isFrozen(tools)).toBe(true);
    for (const t of tools.tools) {
      expect(Object.isFrozen(t)).toBe(true);
      expect(Object.isFrozen(t.requirement)).toBe(true);
    }
    expect(tools.match('delete_file')?.requirement.operation?.perCall).toBe(true);
    expect(tools.match('purge_all')).toBeUndefined();
    expect(tools.match(5 as never)).toBeUndefined();
    expect(tools.match('toString')).toBeUndefined();
  });

  it('an unannotated tool under an auth-token default names its operation, with the default’s other members', () => {
    const policy = () => 'allow' as const;
    const tools = mcpToolRequirements(filesTools(), {
      defaultRequirement: {
        auth: ['files'],
        components: ['content-digest'],
        policy,
        trust: { personServers: ['https://ps.example'] },
      },
      scopes,
    });
    const read = tools.match('read_file')?.requirement;
    expect(read).toMatchObject({
      level: 'auth',
      scopes: ['files'],
      components: ['content-digest'],
      policy,
      operation: { vocabulary: MCP, id: 'read_file', perCall: false },
    });
    expect(read?.trust?.personServers?.('https://ps.example')).toBe(true);
    expect(read?.trust?.personServers?.('https://other.example')).toBe(false);
    expect(read?.trust?.agentProviders).toBeUndefined();
    // The person-token tool keeps its own level, not the default.
    expect(tools.match('list_files')?.requirement.operation).toBeUndefined();
    // A pre-normalised default is accepted as it is.
    const pre = mcpToolRequirements([{ name: 'a' }], {
      defaultRequirement: normalizeRequirement('person'),
    });
    expect(pre.match('a')?.requirement.level).toBe('person');
  });

  it('refuses what cannot be enforced, at build time', () => {
    const cases: [unknown, unknown, RegExp][] = [
      [filesTools(), undefined, /options must be an object/],
      [filesTools(), {}, /options\.defaultRequirement is required/],
      [filesTools(), { defaultRequirement: 'root' }, /^options\.defaultRequirement: /],
      [
        filesTools(),
        { defaultRequirement: 'agent', scopes: { ...scopes, read_file: ['x'] } },
        /options\.scopes\.read_file: only auth-token and per-call tools take scopes/,
      ],
      [
        filesTools(),
        { defaultRequirement: 'agent', scopes: { ...scopes, nope: ['x'] } },
        /options\.scopes\.nope: no tool has this name/,
      ],
      [
        filesTools(),
        { defaultRequirement: 'agent', scopes: { ...scopes, delete_file: ['bad scope'] } },
        /tool delete_file: requirement\.auth: invalid scope/,
      ],
      ['x', { defaultRequirement: 'agent' }, /tools must be an array/],
      [[{ name: 'a' }, { name: 'a' }], { defaultRequirement: 'agent' }, /listed twice/],
      [[{}], { defaultRequirement: 'agent' }, /tools\[0\]\.name/],
      [
        [{ name: 'a', _meta: { 'aauth.dev/access-mode': 'session-token' } }],
        { defaultRequirement: 'agent' },
        /session-token is not allowed/,
      ],
      [
        [
          {
            name: 'a',
            _meta: { 'aauth.dev/access-mode': 'agent-token', 'aauth.dev/budget': true },
          },
        ],
        { defaultRequirement: 'agent' },
        /budget cannot be combined with agent-token/,
      ],
      [
        [{ name: 'a', _meta: { 'aauth.dev/access-mode': 'nobody' } }],
        { defaultRequirement: 'agent' },
        /unknown access mode/,
      ],
      [
        [{ name: 'a' }],
        { defaultRequirement: 'agent', scopes: [] },
        /options\.scopes must be an object/,
      ],
    ];
    for (const [tools, options, message] of cases)
      expectTypeError(() => mcpToolRequirements(tools as never, options as never), message);
  });
});

describe('readToolCall (R3 §6.4, R19)', () => {
  it('reads the tool name, arguments and id of a single tools/call', () => {
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'delete_file', arguments: { file_id: 'f_9d2c', reason: 'old' } },
    };
    expect(readToolCall(bytes(call))).toEqual({
      id: 7,
      name: 'delete_file',
      arguments: { file_id: 'f_9d2c', reason: 'old' },
    });
    expect(
      readToolCall(bytes({ jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'x' } })),
    ).toEqual({ id: 'a', name: 'x', arguments: {} });
    // A notification-shaped call is still a call: the caller enforces it.
    expect(
      readToolCall(bytes({ method: 'tools/call', params: { name: 'x' } }))?.id,
    ).toBeUndefined();
    // Duplicate members: the last wins, as in the JSON parser the MCP SDK is handed.
    expect(
      readToolCall(
        bytes('{"method":"tools/call","params":{"name":"list_files","name":"delete_file"}}'),
      )?.name,
    ).toBe('delete_file');
  });

  it('gives undefined for anything else, and never throws', () => {
    const cases: unknown[] = [
      '',
      'not json',
      '[{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}]',
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { jsonrpc: '2.0', id: 1, method: 'tools/call' },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: [] },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: '' } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 5 } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: [] } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: null } },
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: 'a' } },
      'null',
      '"tools/call"',
    ];
    for (const c of cases) expect(readToolCall(bytes(c)), JSON.stringify(c)).toBeUndefined();
    expect(readToolCall(new Uint8Array([0xff, 0xfe, 0x7b]))).toBeUndefined();
    expect(readToolCall(undefined as never)).toBeUndefined();
    expect(readToolCall('{}' as never)).toBeUndefined();
  });
});
