import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { personOf, principalOf } from './auth-info.ts';
import type { NotesStore } from './notes.ts';
import { MCP_TOOLS, type ToolName, toolConfig } from './tool-requirements.ts';

function result(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/**
 * The MCP server for one request (stateless). Each tool's title, description and `_meta` come
 * from `MCP_TOOLS`; by the time a handler runs, the `/mcp` gate has verified the request against
 * that same list, and the principal arrives as `extra.authInfo`.
 */
export function createMcpServer(notes: NotesStore): McpServer {
  const server = new McpServer({ name: 'aauth-gate-example-mcp', version: '0.0.0' });
  const registered = new Set<ToolName>();
  const declared = (name: ToolName) => {
    registered.add(name);
    return toolConfig(name);
  };

  server.registerTool('server_time', declared('server_time'), (extra) => {
    const p = principalOf(extra);
    return result({ time: new Date().toISOString(), tokenType: p.tokenType });
  });

  server.registerTool('my_notes', declared('my_notes'), (extra) => {
    const person = personOf(principalOf(extra));
    return result({ person, notes: notes.list(person) });
  });

  server.registerTool(
    'add_note',
    { ...declared('add_note'), inputSchema: { text: z.string().min(1).max(10_000) } },
    ({ text }, extra) => {
      const person = personOf(principalOf(extra));
      return result({ note: notes.add(person, text) });
    },
  );

  server.registerTool(
    'delete_note',
    { ...declared('delete_note'), inputSchema: { id: z.string().min(1).max(100) } },
    // Per-call: runs only for the exact call the person approved, once.
    ({ id }, extra) => {
      const person = personOf(principalOf(extra));
      return result({ id, deleted: notes.remove(person, id) });
    },
  );

  // A listed tool without a handler would be advertised and enforced, but never served.
  for (const { name } of MCP_TOOLS)
    if (!registered.has(name)) throw new Error(`tool ${name} is in MCP_TOOLS but not registered`);
  return server;
}
