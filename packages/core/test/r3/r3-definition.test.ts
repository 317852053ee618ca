import { describe, expect, it } from 'vitest';
import { operationRequirements } from '../../src/index.ts';
import {
  entryKeyOf,
  MCP_VOCABULARY,
  mergeR3Definitions,
  OPENAPI_VOCABULARY,
  r3DefinitionFromMcpTools,
  r3DefinitionFromOpenApi,
} from '../../src/r3/r3-definition.ts';
import { filesOpenApi, filesTools } from './r3-harness.ts';

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

describe('r3DefinitionFromOpenApi (R3 §3.5)', () => {
  const matcher = operationRequirements(filesOpenApi(), {
    defaultRequirement: { auth: ['files'] },
    scopes: { deleteFile: ['files:delete'] },
  });

  it('lists every operation in document order with mode, budget, scopes and display', () => {
    const def = r3DefinitionFromOpenApi(matcher, {
      deleteFile: { summary: 'Delete files', irreversible: 'A deleted file cannot be restored' },
    });
    expect([...def.keys()]).toEqual([OPENAPI_VOCABULARY]);
    const table = def.get(OPENAPI_VOCABULARY);
    expect(table?.entryKey).toBe('operationId');
    expect([...(table?.operations.values() ?? [])]).toEqual([
      {
        id: 'listFiles',
        accessMode: 'person-token',
        budget: false,
        scopes: [],
        display: { summary: 'listFiles' },
      },
      {
        id: 'uploadFile',
        accessMode: undefined,
        budget: false,
        scopes: ['files'],
        display: { summary: 'Upload a file' },
      },
      {
        id: 'getFile',
        accessMode: undefined,
        budget: false,
        scopes: ['files'],
        display: { summary: 'Read one file' },
      },
      {
        id: 'deleteFile',
        accessMode: 'per-call',
        budget: false,
        scopes: ['files:delete'],
        display: { summary: 'Delete files', irreversible: 'A deleted file cannot be restored' },
      },
      {
        id: 'exportArchive',
        accessMode: 'auth-token',
        budget: true,
        scopes: ['files'],
        display: { summary: 'exportArchive' },
      },
    ]);
    for (const op of table?.operations.values() ?? []) {
      expect(Object.isFrozen(op)).toBe(true);
      expect(Object.isFrozen(op.display)).toBe(true);
    }
  });

  it('refuses display for unknown operations and malformed display texts', () => {
    expectTypeError(
      () => r3DefinitionFromOpenApi(matcher, { nope: { summary: 'x' } }),
      /^display\.nope: no operation has this name$/,
    );
    expectTypeError(
      () => r3DefinitionFromOpenApi(matcher, { getFile: { summary: '' } }),
      /getFile: display\.summary must be a non-empty string/,
    );
    expectTypeError(
      () =>
        r3DefinitionFromOpenApi(matcher, {
          getFile: { summary: 's', implications: 5 as unknown as string },
        }),
      /display\.implications must be a non-empty string/,
    );
    expectTypeError(() => r3DefinitionFromOpenApi({} as never), /operationRequirements/);
  });

  it('re-checks annotations of a hand-built matcher: unknown mode, session-token, budget clash', () => {
    const op = (accessMode: string | undefined, budget = false) => ({
      operations: [
        {
          operationId: 'x',
          method: 'GET',
          pathTemplate: '/x',
          requirement: matcher.operations[0]?.requirement,
          accessMode,
          budget,
          summary: undefined,
          params: {},
        },
      ],
      match: () => undefined,
    });
    expectTypeError(() => r3DefinitionFromOpenApi(op('root') as never), /unknown access mode/);
    expectTypeError(
      () => r3DefinitionFromOpenApi(op('session-token') as never),
      /session-token is not allowed on an operation/,
    );
    expectTypeError(
      () => r3DefinitionFromOpenApi(op('agent-token', true) as never),
      /budget cannot be combined with agent-token/,
    );
  });
});

describe('r3DefinitionFromMcpTools (R3 §3.5, _meta)', () => {
  it('reads aauth.dev/access-mode and aauth.dev/budget; display defaults to the description', () => {
    const def = r3DefinitionFromMcpTools(
      filesTools(),
      { delete_file: { summary: 'Delete a file', data_accessed: 'File metadata' } },
      { read_file: ['files'] },
    );
    const table = def.get(MCP_VOCABULARY);
    expect(table?.entryKey).toBe('tool');
    expect(
      [...(table?.operations.values() ?? [])].map((o) => [
        o.id,
        o.accessMode,
        o.budget,
        o.scopes,
        o.display,
      ]),
    ).toEqual([
      ['list_files', 'person-token', false, [], { summary: 'List files' }],
      ['read_file', undefined, false, ['files'], { summary: 'Read one file' }],
      [
        'delete_file',
        'per-call',
        false,
        [],
        { summary: 'Delete a file', data_accessed: 'File metadata' },
      ],
      ['export_archive', 'auth-token', true, [], { summary: 'Export as zip' }],
    ]);
    const bare = r3DefinitionFromMcpTools([{ name: 'ping_tool' }]);
    expect(bare.get(MCP_VOCABULARY)?.operations.get('ping_tool')?.display).toEqual({
      summary: 'ping_tool',
    });
  });

  it('refuses bad tools and annotations at build time', () => {
    const cases: [unknown, RegExp][] = [
      ['nope', /tools must be an array/],
      [[null], /tools\[0\] must be a tool/],
      [[{ name: '' }], /tools\[0\]\.name must be a non-empty string/],
      [[{ name: 'a' }, { name: 'a' }], /tool a is listed twice/],
      [[{ name: 'a', _meta: [] }], /tool a: _meta must be an object/],
      [[{ name: 'a', description: 5 }], /description must be a string/],
      [[{ name: 'a', _meta: { 'aauth.dev/access-mode': 'root' } }], /unknown access mode "root"/],
      [[{ name: 'a', _meta: { 'aauth.dev/access-mode': 7 } }], /unknown access mode 7/],
      [
        [{ name: 'a', _meta: { 'aauth.dev/access-mode': 'session-token' } }],
        /tool a: session-token is not allowed/,
      ],
      [
        [
          {
            name: 'a',
            _meta: { 'aauth.dev/access-mode': 'person-token', 'aauth.dev/budget': true },
          },
        ],
        /budget cannot be combined with person-token/,
      ],
      [
        [
          {
            name: 'a',
            _meta: { 'aauth.dev/access-mode': 'agent-token', 'aauth.dev/budget': true },
          },
        ],
        /budget cannot be combined with agent-token/,
      ],
      [
        [{ name: 'a', _meta: { 'aauth.dev/budget': 'yes' } }],
        /budget annotation must be a boolean/,
      ],
    ];
    for (const [tools, message] of cases)
      expectTypeError(() => r3DefinitionFromMcpTools(tools as never), message);
    expectTypeError(
      () => r3DefinitionFromMcpTools([{ name: 'a' }], { b: { summary: 'x' } }),
      /display\.b: no operation/,
    );
    expectTypeError(
      () => r3DefinitionFromMcpTools([{ name: 'a' }], {}, { b: ['s'] }),
      /scopes\.b: no tool/,
    );
    expectTypeError(
      () => r3DefinitionFromMcpTools([{ name: 'a' }], {}, { a: [''] }),
      /scopes\.a must be an array of scopes/,
    );
    expectTypeError(() => r3DefinitionFromMcpTools([], [] as never), /display must be an object/);
  });
});

describe('mergeR3Definitions (R3 §2, identifier scope)', () => {
  it('unites vocabularies and tables of one vocabulary, keeping order', () => {
    const openapi = r3DefinitionFromOpenApi(
      operationRequirements(filesOpenApi(), {
        defaultRequirement: 'agent',
        scopes: { deleteFile: ['d'] },
      }),
    );
    const a = r3DefinitionFromMcpTools([{ name: 'one' }]);
    const b = r3DefinitionFromMcpTools([{ name: 'two' }]);
    const merged = mergeR3Definitions(openapi, a, b);
    expect([...merged.keys()]).toEqual([OPENAPI_VOCABULARY, MCP_VOCABULARY]);
    expect([...(merged.get(MCP_VOCABULARY)?.operations.keys() ?? [])]).toEqual(['one', 'two']);
    expect(merged.get(OPENAPI_VOCABULARY)?.operations.size).toBe(5);
  });

  it('refuses an identifier defined twice and unsupported vocabularies', () => {
    const a = r3DefinitionFromMcpTools([{ name: 'one' }]);
    expectTypeError(() => mergeR3Definitions(a, a), /operation one is defined twice/);
    const odd = new Map([
      ['urn:aauth:vocabulary:grpc', { entryKey: 'tool' as const, operations: new Map() }],
    ]);
    expectTypeError(() => mergeR3Definitions(odd), /not supported/);
    expectTypeError(() => mergeR3Definitions({} as never), /must be a Map/);
  });

  it('knows the entry key of each supported vocabulary only', () => {
    expect(entryKeyOf(OPENAPI_VOCABULARY)).toBe('operationId');
    expect(entryKeyOf(MCP_VOCABULARY)).toBe('tool');
    expect(entryKeyOf('urn:aauth:vocabulary:grpc')).toBeUndefined();
    expect(entryKeyOf('toString')).toBeUndefined();
  });
});
