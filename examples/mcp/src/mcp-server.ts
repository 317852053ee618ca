import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { personOf, principalOf } from './auth-info.ts';
import type { NotesStore } from './notes.ts';
import { toolMeta } from './tool-requirements.ts';

function result(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * The MCP server for one request (stateless). Each tool's `_meta` comes from the requirement
 * table; by the time a handler runs, the `/mcp` gate has verified the request against that same
 * table, and the principal arrives as `extra.authInfo`.
 */
export function createMcpServer(notes: NotesStore): McpServer {
  const server = new McpServer({ name: 'aauth-gate-example-mcp', version: '0.0.0' });

  server.registerTool(
    'server_time',
    {
      title: 'Server time',
      description: "The server's clock, and which AAuth token the call presented.",
      _meta: toolMeta('server_time'),
    },
    (extra) => {
      const p = principalOf(extra);
      return result({ time: new Date().toISOString(), tokenType: p.tokenType });
    },
  );

  server.registerTool(
    'my_notes',
    {
      title: 'My notes',
      description: 'The notes of the person the agent acts for.',
      _meta: toolMeta('my_notes'),
    },
    (extra) => {
      const person = personOf(principalOf(extra));
      return result({ person, notes: notes.list(person) });
    },
  );

  server.registerTool(
    'add_note',
    {
      title: 'Add a note',
      description: 'Add a note for the person the agent acts for (needs scope notes:write).',
      inputSchema: { text: z.string().min(1).max(10_000) },
      _meta: toolMeta('add_note'),
    },
    ({ text }, extra) => {
      const person = personOf(principalOf(extra));
      return result({ note: notes.add(person, text) });
    },
  );

  return server;
}
