import {
  MCP_VOCABULARY,
  type McpToolDescription,
  type McpToolMatcher,
  mcpToolRequirements,
  normalizeRequirement,
  type OperationSelector,
  type R3AccessMode,
  type R3Definition,
  type R3Display,
  type Requirement,
  r3DefinitionFromMcpTools,
  selectMcpTools,
} from '@aauth-gate/core';

/** A tool as declared here: what `tools/list` shows, its access mode in `_meta` (R3 §3.5). */
export interface DeclaredTool extends McpToolDescription {
  readonly title: string;
  readonly description: string;
  readonly _meta: { readonly 'aauth.dev/access-mode': R3AccessMode };
}

/**
 * THE tool list. Each tool's `_meta` goes to `registerTool()` verbatim, so `tools/list` shows
 * it; the `/mcp` gate derives its requirements from the same list (`mcpToolRequirements`) and
 * the R3 definition too (`r3DefinitionFromMcpTools`): the advertised mode and the enforced one
 * cannot drift apart.
 */
export const MCP_TOOLS = [
  {
    name: 'server_time',
    title: 'Server time',
    description: "The server's clock, and which AAuth token the call presented.",
    _meta: { 'aauth.dev/access-mode': 'agent-token' },
  },
  {
    name: 'my_notes',
    title: 'My notes',
    description: 'The notes of the person the agent acts for.',
    _meta: { 'aauth.dev/access-mode': 'person-token' },
  },
  {
    name: 'add_note',
    title: 'Add a note',
    description: 'Add a note for the person the agent acts for.',
    _meta: { 'aauth.dev/access-mode': 'auth-token' },
  },
  {
    name: 'delete_note',
    title: 'Delete a note',
    description: 'Delete one note of the person the agent acts for; each call is approved.',
    _meta: { 'aauth.dev/access-mode': 'per-call' },
  },
] as const satisfies readonly DeclaredTool[];

export type ToolName = (typeof MCP_TOOLS)[number]['name'];

/** The resource-wide mode (metadata `access_mode`): what unannotated tools would need. */
export const RESOURCE_ACCESS_MODE = 'agent-token';

/**
 * Scopes an auth token needs besides its R3 grant. They also let a person server that ignores
 * R3 documents grant `add_note` by scope alone (R23).
 */
export const TOOL_SCOPES = { add_note: ['notes:write'] } as const satisfies Partial<
  Record<ToolName, readonly string[]>
>;

/**
 * What granting a tool means, for the person at consent (R3 §4.1). Kept on the server, never in
 * `_meta` (R27). A per-call proposal shows its tool's display plus the call's arguments.
 */
export const TOOL_DISPLAY = {
  add_note: {
    summary: 'Add notes to your notebook',
    implications: 'The agent can write new notes in your name.',
  },
  delete_note: {
    summary: 'Delete one of your notes',
    irreversible: 'A deleted note cannot be restored.',
  },
} as const satisfies Partial<Record<ToolName, R3Display>>;

/**
 * Components every `/mcp` signature must cover: the tool and its arguments are in the body, so a
 * signature without `content-digest` would say nothing about what is called (R3 R20).
 */
export const MCP_COMPONENTS: readonly string[] = ['content-type', 'content-digest'];

/** Requests outside the tool list (`initialize`, `tools/list`, notifications): the agent's identity (R19). */
export const DISCOVERY_REQUIREMENT: Requirement = normalizeRequirement({
  components: MCP_COMPONENTS,
});

/** A tool's `registerTool()` config from the list: `title`, `description` and `_meta`. */
export function toolConfig(name: ToolName): {
  readonly title: string;
  readonly description: string;
  readonly _meta: Record<string, unknown>;
} {
  const tool = MCP_TOOLS.find((t) => t.name === name);
  if (tool === undefined) throw new TypeError(`tool ${name} is not in MCP_TOOLS`);
  return { title: tool.title, description: tool.description, _meta: { ...tool._meta } };
}

/** Each tool's requirement, from its `_meta`; refuses a bad annotation at start-up. */
export const TOOL_MATCHER: McpToolMatcher = mcpToolRequirements(MCP_TOOLS, {
  defaultRequirement: 'agent', // RESOURCE_ACCESS_MODE, for a tool without an annotation
  scopes: TOOL_SCOPES,
  components: MCP_COMPONENTS, // the signature covers the tool name and its arguments
});

/**
 * The `/mcp` gate's requirement: `gate.requireAAuth(MCP_SELECTOR)`. A `tools/call` of a listed
 * tool takes that tool's requirement (and, for `auth-token` and `per-call` tools, its R3
 * grant); anything else takes `DISCOVERY_REQUIREMENT`, and the MCP server answers it (an
 * unknown tool is an error result, an unknown method `-32601`).
 */
export const MCP_SELECTOR: OperationSelector = selectMcpTools(TOOL_MATCHER, {
  unmatched: DISCOVERY_REQUIREMENT,
});

/** The R3 definition people consent to: operations from the list, texts from `TOOL_DISPLAY`. */
export function mcpR3Definition(): R3Definition {
  return r3DefinitionFromMcpTools(MCP_TOOLS, TOOL_DISPLAY, TOOL_SCOPES);
}

/** `r3_vocabularies`: the MCP server URL is the MCP vocabulary's discovery endpoint (R3 §2). */
export function mcpVocabularies(resource: string): Readonly<Record<string, string>> {
  return { [MCP_VOCABULARY]: `${resource}/mcp` };
}

/**
 * Whether a JSON-RPC body is a batch holding a `tools/call`. The selector reads single messages
 * only, so such a batch would be verified at `DISCOVERY_REQUIREMENT`: refuse it (R3 R19).
 */
export function isBatchedToolCall(body: unknown): boolean {
  return (
    Array.isArray(body) &&
    body.some(
      (m) =>
        typeof m === 'object' && m !== null && (m as { method?: unknown }).method === 'tools/call',
    )
  );
}
