import { describe, expect, it } from 'vitest';
import { hasR3Grant, r3Decision } from '../../src/r3/r3-grant.ts';

const MCP = 'urn:aauth:vocabulary:mcp';
const OPENAPI = 'urn:aauth:vocabulary:openapi';

// R3 digest §10.7: the class grant.
const classGrant = {
  r3_uri: 'https://files.example/r3/Lu2ptVWrR7WtJrV7VqiWJ_BVOnBq1hBMdvul4IpQjjA',
  r3_s256: 'Lu2ptVWrR7WtJrV7VqiWJ_BVOnBq1hBMdvul4IpQjjA',
  r3_granted: { vocabulary: MCP, operations: [{ tool: 'list_files' }, { tool: 'read_file' }] },
  r3_per_call: { vocabulary: MCP, operations: [{ tool: 'delete_file' }] },
};
const tool = (id: string, perCall = false) => ({ vocabulary: MCP, id, perCall });

describe('r3Decision (R3 §6.3)', () => {
  it('serves r3_granted, challenges r3_per_call, rejects the rest (§10.7)', () => {
    expect(r3Decision(classGrant, tool('read_file'))).toBe('granted');
    expect(r3Decision(classGrant, tool('list_files'))).toBe('granted');
    expect(r3Decision(classGrant, tool('delete_file'))).toBe('per-call');
    expect(r3Decision(classGrant, tool('export_archive'))).toBe('none');
    expect(r3Decision({}, tool('read_file'))).toBe('none');
    expect(r3Decision({ scope: 'files' }, tool('read_file'))).toBe('none');
  });

  it('a per-call operation is per-call whatever r3_granted says (R10)', () => {
    const granted = { r3_granted: { vocabulary: MCP, operations: [{ tool: 'delete_file' }] } };
    expect(r3Decision(granted, tool('delete_file', true))).toBe('per-call');
    expect(r3Decision({}, tool('delete_file', true))).toBe('per-call');
    expect(r3Decision(granted, tool('delete_file'))).toBe('granted');
  });

  it('matches the vocabulary and its entry key exactly (R24)', () => {
    const openapi = {
      r3_granted: { vocabulary: OPENAPI, operations: [{ operationId: 'getFile' }] },
    };
    expect(r3Decision(openapi, { vocabulary: OPENAPI, id: 'getFile' })).toBe('granted');
    expect(r3Decision(openapi, { vocabulary: MCP, id: 'getFile' })).toBe('none');
    // The MCP key under the OpenAPI vocabulary names nothing (and is malformed there).
    expect(
      r3Decision(
        { r3_granted: { vocabulary: OPENAPI, operations: [{ tool: 'getFile' }] } },
        { vocabulary: OPENAPI, id: 'getFile' },
      ),
    ).toBe('none');
    // An unsupported vocabulary decides nothing.
    expect(
      r3Decision(
        { r3_granted: { vocabulary: 'urn:aauth:vocabulary:grpc', operations: [{ method: 'a' }] } },
        { vocabulary: 'urn:aauth:vocabulary:grpc', id: 'a' },
      ),
    ).toBe('none');
    // Ids are compared exactly.
    expect(r3Decision(classGrant, tool('READ_FILE'))).toBe('none');
  });

  it('malformed R3 claims decide none and never throw', () => {
    const malformed: unknown[] = [
      'read_file',
      [],
      null,
      { vocabulary: MCP },
      { vocabulary: MCP, operations: 'read_file' },
      { vocabulary: 5, operations: [{ tool: 'read_file' }] },
      { vocabulary: MCP, operations: ['read_file'] },
      { vocabulary: MCP, operations: [null] },
      { vocabulary: MCP, operations: [[]] },
      { vocabulary: MCP, operations: [{ tool: 5 }] },
      { vocabulary: MCP, operations: [{ tool: 'read_file' }, {}] },
    ];
    for (const claim of malformed) {
      expect(r3Decision({ r3_granted: claim }, tool('read_file')), JSON.stringify(claim)).toBe(
        'none',
      );
      // A malformed r3_per_call spoils a well-formed r3_granted too.
      expect(
        r3Decision({ ...classGrant, r3_per_call: claim }, tool('read_file')),
        JSON.stringify(claim),
      ).toBe('none');
    }
    const hostile = {
      get r3_granted(): unknown {
        throw new Error('boom');
      },
    };
    expect(r3Decision(hostile, tool('read_file'))).toBe('none');
    expect(r3Decision(null as never, tool('read_file'))).toBe('none');
  });
});

describe('hasR3Grant', () => {
  it('is true when either grant claim is present', () => {
    expect(hasR3Grant(classGrant)).toBe(true);
    expect(hasR3Grant({ r3_per_call: classGrant.r3_per_call })).toBe(true);
    expect(hasR3Grant({ r3_uri: 'x', r3_s256: 'y' })).toBe(false);
    expect(hasR3Grant({})).toBe(false);
  });
});
