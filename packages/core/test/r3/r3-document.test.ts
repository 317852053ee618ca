import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { operationRequirements } from '../../src/index.ts';
import { sameParameters } from '../../src/r3/compare-parameters.ts';
import {
  MCP_VOCABULARY,
  mergeR3Definitions,
  OPENAPI_VOCABULARY,
  r3DefinitionFromMcpTools,
  r3DefinitionFromOpenApi,
} from '../../src/r3/r3-definition.ts';
import { buildProposal, composeR3Document } from '../../src/r3/r3-document.ts';
import { filesOpenApi, filesTools } from './r3-harness.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

// R3 digest §10.5: the composed class document, 452 bytes, and its hash.
const DOC_10_5 =
  '{"vocabulary":"urn:aauth:vocabulary:mcp","operations":[{"tool":"list_files"},{"tool":"read_file"},{"tool":"delete_file"}],"account":"ws-4821","display":{"summary":"Read files and request deletions in the Acme Design workspace","implications":"The agent can open any file in the workspace. Each deletion is approved separately.","data_accessed":"File names, sizes, owners and contents in Acme Design","irreversible":"A deleted file cannot be restored"}}';
const S256_10_5 = 'Lu2ptVWrR7WtJrV7VqiWJ_BVOnBq1hBMdvul4IpQjjA';
// R3 digest §10.8: the per-call proposal, 554 bytes, and its hash.
const PROPOSAL_10_8 =
  '{"vocabulary":"urn:aauth:vocabulary:mcp","operations":[{"tool":"delete_file"}],"account":"ws-4821","display":{"summary":"Delete q3-forecast.xlsx from Acme Design","detail":"## Action\\nDelete a file\\n\\n## Details\\nq3-forecast.xlsx, 2.1 MB, owner Dana Ortiz, last edited 14 Aug 2026, shared with 6 people\\n\\n## Irreversible\\nThe file cannot be restored.\\n\\nRequested 2026-08-20T10:15:02Z"},"parameters":{"file_id":"f_9d2c","reason":{"s256":"2kUjCeleiFtGdxDXeFZkFdmQolYY6mt44ka0mMfsXR8","excerpt":"Superseded by the Q3 v2 model","media_type":"text/plain"}}}';
const S256_10_8 = 'RFcDiZpbaeUqY23JvtP-C1EZz8F7oXeZwlI9cVbdGN0';
const REASON = 'Superseded by the Q3 v2 model, which finance signed off on 19 August.';

const mcp = r3DefinitionFromMcpTools(filesTools(), {
  list_files: { summary: 'List the files', data_accessed: 'File names' },
  read_file: {
    summary: 'Read files',
    data_accessed: 'File contents',
    implications: 'Files are opened',
  },
  delete_file: { summary: 'Delete files', irreversible: 'Deletions are final' },
});

describe('composeR3Document (R3 §4.1–§4.3, §5)', () => {
  it('reproduces the digest’s §10.5 document byte for byte, with a display for the combination', async () => {
    const definition = r3DefinitionFromMcpTools(filesTools());
    const result = await composeR3Document(
      definition,
      {
        vocabulary: MCP_VOCABULARY,
        operations: [{ tool: 'delete_file' }, { tool: 'list_files' }, { tool: 'read_file' }],
      },
      {
        account: 'ws-4821',
        display: (ops, account) => {
          expect(ops.map((o) => o.id)).toEqual(['list_files', 'read_file', 'delete_file']);
          expect(account).toBe('ws-4821');
          return {
            summary: 'Read files and request deletions in the Acme Design workspace',
            implications:
              'The agent can open any file in the workspace. Each deletion is approved separately.',
            data_accessed: 'File names, sizes, owners and contents in Acme Design',
            irreversible: 'A deleted file cannot be restored',
          };
        },
      },
    );
    expect(result).toEqual({
      ok: true,
      bytes: DOC_10_5,
      s256: S256_10_5,
      operations: {
        vocabulary: MCP_VOCABULARY,
        operations: [{ tool: 'list_files' }, { tool: 'read_file' }, { tool: 'delete_file' }],
      },
    });
    if (result.ok) {
      expect(new TextEncoder().encode(result.bytes).length).toBe(452);
      expect(result.s256).toHaveLength(43);
      expect(result.s256).toBe(sha(result.bytes));
    }
  });

  it('merges displays line by line, collapses duplicates, and is deterministic', async () => {
    const a = await composeR3Document(mcp, {
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'delete_file' }, { tool: 'read_file' }, { tool: 'delete_file' }],
    });
    const b = await composeR3Document(mcp, {
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'read_file' }, { tool: 'delete_file', note: 'ignored' }],
      extra: 'ignored',
    });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.bytes).toBe(b.bytes);
    expect(a.s256).toBe(b.s256);
    expect(a.s256).toBe(sha(a.bytes));
    expect(JSON.parse(a.bytes)).toEqual({
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'read_file' }, { tool: 'delete_file' }],
      display: {
        summary: 'Read files\nDelete files',
        implications: 'Files are opened',
        data_accessed: 'File contents',
        irreversible: 'Deletions are final',
      },
    });
    // Member order is the document's: vocabulary, operations, account, display.
    expect(Object.keys(JSON.parse(a.bytes))).toEqual(['vocabulary', 'operations', 'display']);
    const withAccount = await composeR3Document(
      mcp,
      { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'read_file' }] },
      { account: 'acct-1' },
    );
    expect(withAccount.ok && Object.keys(JSON.parse(withAccount.bytes))).toEqual([
      'vocabulary',
      'operations',
      'account',
      'display',
    ]);
    // Same lines collapse; another account is another document.
    const same = await composeR3Document(
      r3DefinitionFromMcpTools([
        { name: 'a', description: 'Same' },
        { name: 'b', description: 'Same' },
      ]),
      { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'a' }, { tool: 'b' }] },
    );
    expect(same.ok && JSON.parse(same.bytes).display).toEqual({ summary: 'Same' });
    const other = await composeR3Document(
      mcp,
      { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'read_file' }] },
      { account: 'acct-2' },
    );
    expect(other.ok && withAccount.ok && other.s256 !== withAccount.s256).toBe(true);
  });

  it('uses operationId entries for the OpenAPI vocabulary', async () => {
    const definition = mergeR3Definitions(
      r3DefinitionFromOpenApi(
        operationRequirements(filesOpenApi(), {
          defaultRequirement: 'agent',
          scopes: { deleteFile: ['d'] },
        }),
      ),
      mcp,
    );
    const result = await composeR3Document(definition, {
      vocabulary: OPENAPI_VOCABULARY,
      operations: [{ operationId: 'getFile' }, { operationId: 'uploadFile' }],
    });
    expect(result.ok && JSON.parse(result.bytes)).toEqual({
      vocabulary: OPENAPI_VOCABULARY,
      operations: [{ operationId: 'uploadFile' }, { operationId: 'getFile' }],
      display: { summary: 'Upload a file\nRead one file' },
    });
  });

  it('refuses bad requests with invalid_request and a detail naming the problem (R4)', async () => {
    const cases: [unknown, string][] = [
      [undefined, 'r3_operations must be an object'],
      [[], 'r3_operations must be an object'],
      ['x', 'r3_operations must be an object'],
      [{ operations: [{ tool: 'read_file' }] }, 'r3_operations.vocabulary must be a string'],
      [
        { vocabulary: 'urn:aauth:vocabulary:grpc', operations: [{ method: 'a.B/C' }] },
        'unknown vocabulary: urn:aauth:vocabulary:grpc',
      ],
      [
        { vocabulary: OPENAPI_VOCABULARY, operations: [{ operationId: 'x' }] },
        'unknown vocabulary: urn:aauth:vocabulary:openapi',
      ],
      [{ vocabulary: MCP_VOCABULARY }, 'r3_operations.operations must be a non-empty array'],
      [
        { vocabulary: MCP_VOCABULARY, operations: [] },
        'r3_operations.operations must be a non-empty array',
      ],
      [
        { vocabulary: MCP_VOCABULARY, operations: { tool: 'read_file' } },
        'r3_operations.operations must be a non-empty array',
      ],
      [
        { vocabulary: MCP_VOCABULARY, operations: [{ operationId: 'read_file' }] },
        'each entry of r3_operations.operations needs tool (a string)',
      ],
      [
        { vocabulary: MCP_VOCABULARY, operations: ['read_file'] },
        'each entry of r3_operations.operations needs tool (a string)',
      ],
      [
        { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'read_file' }, { tool: 'purge_all' }] },
        'unknown tool: purge_all',
      ],
      [
        { vocabulary: MCP_VOCABULARY, operations: [{ tool: 'toString' }] },
        'unknown tool: toString',
      ],
      [
        {
          vocabulary: MCP_VOCABULARY,
          operations: Array.from({ length: 1001 }, () => ({ tool: 'read_file' })),
        },
        'r3_operations lists too many operations',
      ],
    ];
    for (const [request, detail] of cases) {
      expect(await composeR3Document(mcp, request), JSON.stringify(request)).toEqual({
        ok: false,
        error: 'invalid_request',
        detail,
      });
    }
    const long = await composeR3Document(mcp, {
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'x'.repeat(500) }],
    });
    expect(!long.ok && long.detail.length).toBeLessThan(130);
  });
});

describe('buildProposal (R3 §7)', () => {
  it('reproduces the digest’s §10.8 proposal byte for byte, digesting the reason', async () => {
    const proposal = await buildProposal(r3DefinitionFromMcpTools(filesTools()), {
      vocabulary: MCP_VOCABULARY,
      id: 'delete_file',
      account: 'ws-4821',
      summary: 'Delete q3-forecast.xlsx from Acme Design',
      detail:
        '## Action\nDelete a file\n\n## Details\nq3-forecast.xlsx, 2.1 MB, owner Dana Ortiz, last edited 14 Aug 2026, shared with 6 people\n\n## Irreversible\nThe file cannot be restored.\n\nRequested 2026-08-20T10:15:02Z',
      parameters: { file_id: 'f_9d2c', reason: REASON },
      digest: [
        { name: 'reason', excerpt: 'Superseded by the Q3 v2 model', mediaType: 'text/plain' },
      ],
    });
    expect(proposal.bytes).toBe(PROPOSAL_10_8);
    expect(new TextEncoder().encode(proposal.bytes).length).toBe(554);
    expect(proposal.s256).toBe(S256_10_8);
    expect(proposal.parameters).toEqual(JSON.parse(PROPOSAL_10_8).parameters);
    expect(Object.isFrozen(proposal.parameters)).toBe(true);
    // The retry with the same values matches; another reason does not.
    expect(await sameParameters(proposal.parameters, { reason: REASON, file_id: 'f_9d2c' })).toBe(
      true,
    );
    expect(
      await sameParameters(proposal.parameters, { file_id: 'f_9d2c', reason: `${REASON} ` }),
    ).toBe(false);
  });

  it('keeps the operation’s display texts, digests non-strings as JSON, and plain names', async () => {
    const proposal = await buildProposal(mcp, {
      vocabulary: MCP_VOCABULARY,
      id: 'delete_file',
      parameters: { file_id: 'f_1', options: { b: 1, a: [true, null] } },
      digest: ['options'],
    });
    const doc = JSON.parse(proposal.bytes);
    expect(doc).toEqual({
      vocabulary: MCP_VOCABULARY,
      operations: [{ tool: 'delete_file' }],
      display: { summary: 'Delete files', irreversible: 'Deletions are final' },
      parameters: { file_id: 'f_1', options: { s256: sha('{"b":1,"a":[true,null]}') } },
    });
    expect(proposal.s256).toBe(sha(proposal.bytes));
    const again = await buildProposal(mcp, {
      vocabulary: MCP_VOCABULARY,
      id: 'delete_file',
      parameters: { file_id: 'f_1', options: { b: 1, a: [true, null] } },
      digest: ['options'],
    });
    expect(again.bytes).toBe(proposal.bytes);
    // A parameter named __proto__ stays a parameter.
    const proto = await buildProposal(mcp, {
      vocabulary: MCP_VOCABULARY,
      id: 'read_file',
      parameters: JSON.parse('{"__proto__":{"x":1}}'),
    });
    expect(proto.bytes).toContain('"parameters":{"__proto__":{"x":1}}');
  });

  it('refuses programmer errors with a TypeError', async () => {
    const base = { vocabulary: MCP_VOCABULARY, id: 'delete_file', parameters: { a: 'x' } };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ id: 'purge_all' }, /no operation purge_all/],
      [{ vocabulary: OPENAPI_VOCABULARY }, /no operation delete_file/],
      [{ parameters: [] }, /parameters must be an object/],
      [{ parameters: { a: undefined } }, /parameters\.a is not a JSON value/],
      [{ parameters: { a: Number.NaN } }, /parameters\.a is not a finite number/],
      [{ parameters: { a: [1, () => 1] } }, /parameters\.a\[1\] is not a JSON value/],
      [{ parameters: { a: new Date(0) } }, /parameters\.a is not a JSON value/],
      [{ digest: ['b'] }, /digest: "b" is not a parameter/],
      [{ digest: [{ name: 'a', excerpt: 5 }] }, /excerpt and mediaType must be strings/],
      [{ parameters: { a: { s256: 'A'.repeat(43) } } }, /parameters\.a looks like a digest object/],
      [{ summary: '' }, /summary must be a non-empty string/],
      [{ detail: 5 }, /detail must be a string/],
      [{ account: 5 }, /account must be a string/],
    ];
    for (const [change, message] of cases)
      await expect(buildProposal(mcp, { ...base, ...change } as never)).rejects.toThrow(message);
    let deep: unknown = 'x';
    for (let i = 0; i < 100; i++) deep = [deep];
    await expect(buildProposal(mcp, { ...base, parameters: { deep } })).rejects.toThrow(
      /nested too deeply/,
    );
  });
});
