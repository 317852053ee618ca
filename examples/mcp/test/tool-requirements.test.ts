import { normalizeRequirement } from '@aauth-gate/core';
import { describe, expect, it } from 'vitest';
import {
  accessModeOf,
  configuredRequirements,
  MCP_COMPONENTS,
  requirementFor,
  requirementInput,
  TOOL_REQUIREMENTS,
  type ToolName,
  toolMeta,
} from '../src/tool-requirements.ts';

const AGENT = { key: 'agent', level: 'agent', scopes: [] };
const PERSON = { key: 'person', level: 'person', scopes: [] };
const NOTES_WRITE = { key: 'auth notes:write', level: 'auth', scopes: ['notes:write'] };

function call(name: unknown, id: unknown = 1): Record<string, unknown> {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } };
}

describe('requirementFor', () => {
  it('takes the table entry of the tool a tools/call names', () => {
    expect(requirementFor(call('server_time'))).toEqual({ requirement: AGENT });
    expect(requirementFor(call('my_notes'))).toEqual({ requirement: PERSON });
    expect(requirementFor(call('add_note'))).toEqual({ requirement: NOTES_WRITE });
  });

  it('needs agent identity for discovery, notifications and bodies the SDK rejects itself', () => {
    for (const method of ['initialize', 'ping', 'tools/list']) {
      expect(requirementFor({ jsonrpc: '2.0', id: 1, method })).toEqual({ requirement: AGENT });
    }
    const notification = { jsonrpc: '2.0', method: 'notifications/initialized' };
    expect(requirementFor(notification)).toEqual({ requirement: AGENT });
    // A tools/call without an id is a notification: the SDK ignores it, nothing runs.
    expect(
      requirementFor({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'add_note' } }),
    ).toEqual({ requirement: AGENT });
    for (const body of [
      undefined,
      null,
      'tools/call',
      42,
      {},
      { jsonrpc: '2.0', id: 1, result: {} },
    ])
      expect(requirementFor(body)).toEqual({ requirement: AGENT });
  });

  it('verifies an unknown tool at agent level, then refuses it (-32602)', () => {
    for (const name of [
      'delete_everything',
      'toString',
      '__proto__',
      'constructor',
      42,
      undefined,
    ]) {
      expect(requirementFor(call(name, 'a'))).toEqual({
        requirement: AGENT,
        refusal: { jsonrpc: '2.0', id: 'a', error: { code: -32602, message: 'Unknown tool' } },
      });
    }
    const noParams = { jsonrpc: '2.0', id: 2, method: 'tools/call' };
    expect(requirementFor(noParams).refusal).toMatchObject({ id: 2, error: { code: -32602 } });
    expect(requirementFor(call('x', { bad: 'id' })).refusal).toMatchObject({ id: null });
  });

  it('refuses any other request (-32601), but not the same method as a notification', () => {
    expect(requirementFor({ jsonrpc: '2.0', id: 5, method: 'resources/list' })).toEqual({
      requirement: AGENT,
      refusal: { jsonrpc: '2.0', id: 5, error: { code: -32601, message: 'Method not found' } },
    });
    expect(requirementFor({ jsonrpc: '2.0', method: 'resources/list' })).toEqual({
      requirement: AGENT,
    });
  });

  it('gives a batch the strictest requirement of its messages', () => {
    expect(requirementFor([])).toEqual({ requirement: AGENT });
    expect(requirementFor([call('server_time', 1), call('my_notes', 2)])).toEqual({
      requirement: PERSON,
    });
    expect(
      requirementFor([
        call('my_notes', 1),
        call('add_note', 2),
        { jsonrpc: '2.0', id: 3, method: 'ping' },
        call('add_note', 4),
      ]),
    ).toEqual({ requirement: NOTES_WRITE });
  });

  it('refuses a batch whole when it holds an unknown tool, one error per request', () => {
    const routing = requirementFor([
      call('add_note', 1),
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      call('nope', 2),
    ]);
    expect(routing).toEqual({
      requirement: NOTES_WRITE,
      refusal: [
        {
          jsonrpc: '2.0',
          id: 1,
          error: { code: -32600, message: 'Batch refused: it holds a refused request' },
        },
        { jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'Unknown tool' } },
      ],
    });
  });
});

describe('the table drives the annotations and the gates', () => {
  it('derives each tool _meta access mode from its requirement', () => {
    expect(accessModeOf('agent')).toBe('agent-token');
    expect(accessModeOf('person')).toBe('person-token');
    expect(accessModeOf({ auth: ['notes:write'] })).toBe('auth-token');
    expect(toolMeta('server_time')).toEqual({ 'aauth.dev/access-mode': 'agent-token' });
    expect(toolMeta('my_notes')).toEqual({ 'aauth.dev/access-mode': 'person-token' });
    expect(toolMeta('add_note')).toEqual({ 'aauth.dev/access-mode': 'auth-token' });
    expect(() => toolMeta('unlisted' as ToolName)).toThrow(TypeError);
  });

  it('builds one gate per distinct requirement, each covering the body', () => {
    expect(configuredRequirements()).toEqual([AGENT, PERSON, NOTES_WRITE]);
    expect(MCP_COMPONENTS).toEqual(['content-type', 'content-digest']);
    const levels = configuredRequirements().map((r) => normalizeRequirement(requirementInput(r)));
    expect(levels.map((r) => [r.level, r.scopes, r.components])).toEqual([
      ['agent', [], MCP_COMPONENTS],
      ['person', [], MCP_COMPONENTS],
      ['auth', ['notes:write'], MCP_COMPONENTS],
    ]);
    expect(Object.keys(TOOL_REQUIREMENTS)).toEqual(['server_time', 'my_notes', 'add_note']);
  });
});
