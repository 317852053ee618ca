import type { RequirementInput } from '@aauth-gate/core';

/** What a tool needs: agent identity, a verified person, or an auth token granting scopes. */
export type ToolRequirement = 'agent' | 'person' | { readonly auth: readonly string[] };

/** The access modes a tool can declare (R3 §3.2). `per-call` is future work. */
export type AccessMode = 'agent-token' | 'person-token' | 'auth-token';

/**
 * THE table: tool name → requirement. The `/mcp` gate enforces it and `toolMeta()` derives each
 * tool's `_meta["aauth.dev/access-mode"]` from it, so the advertised mode and the enforced one
 * cannot drift apart. A `tools/call` naming a tool that is not here is refused.
 */
export const TOOL_REQUIREMENTS = {
  server_time: 'agent',
  my_notes: 'person',
  add_note: { auth: ['notes:write'] },
} as const satisfies Readonly<Record<string, ToolRequirement>>;

export type ToolName = keyof typeof TOOL_REQUIREMENTS;

/** What every message other than `tools/call` needs: agent identity (R3 R19). */
export const DEFAULT_REQUIREMENT: ToolRequirement = 'agent';

/** Requests served at `DEFAULT_REQUIREMENT` besides `tools/call`; any other request is refused. */
const DISCOVERY_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'tools/list']);

/**
 * Components every `/mcp` signature must cover: the tool and its arguments are in the body, so a
 * signature without `content-digest` would say nothing about what is called (R3 R20).
 */
export const MCP_COMPONENTS: readonly string[] = ['content-type', 'content-digest'];

/** One requirement in the form the gate dispatches on; `key` names it (`auth notes:write`). */
export interface McpRequirement {
  readonly key: string;
  readonly level: 'agent' | 'person' | 'auth';
  readonly scopes: readonly string[];
}

/** A JSON-RPC error response, sent instead of passing the body to the MCP server. */
export interface JsonRpcErrorResponse {
  readonly jsonrpc: '2.0';
  readonly id: string | number | null;
  readonly error: { readonly code: number; readonly message: string };
}

/** What to do with one `POST /mcp` body. */
export interface McpRouting {
  /** Verify the request against this (for a batch: the strictest of its messages). */
  readonly requirement: McpRequirement;
  /**
   * Set when the body names a tool or method with no entry: once the request is verified, send
   * this (one response, or one per request of a batch) instead of calling the MCP server.
   */
  readonly refusal?: JsonRpcErrorResponse | readonly JsonRpcErrorResponse[];
}

const RANK = { agent: 0, person: 1, auth: 2 } as const;

function normalize(r: ToolRequirement): McpRequirement {
  if (r === 'agent' || r === 'person') return { key: r, level: r, scopes: [] };
  const scopes = [...new Set(r.auth)].sort();
  return { key: `auth ${scopes.join(' ')}`, level: 'auth', scopes };
}

/** The strictest of two: the higher rung of the ladder, and the union of the scopes. */
function strictest(a: McpRequirement, b: McpRequirement): McpRequirement {
  const level = RANK[a.level] >= RANK[b.level] ? a.level : b.level;
  if (level !== 'auth') return normalize(level);
  return normalize({ auth: [...a.scopes, ...b.scopes] });
}

/** The access mode a requirement is advertised as. */
export function accessModeOf(requirement: ToolRequirement): AccessMode {
  if (requirement === 'agent') return 'agent-token';
  if (requirement === 'person') return 'person-token';
  return 'auth-token';
}

/** A tool's `_meta`, from the table: pass it to `registerTool(name, { …, _meta })`. */
export function toolMeta(name: ToolName): { readonly 'aauth.dev/access-mode': AccessMode } {
  const requirement: ToolRequirement | undefined = TOOL_REQUIREMENTS[name];
  if (requirement === undefined) throw new TypeError(`tool ${name} has no entry in the table`);
  return { 'aauth.dev/access-mode': accessModeOf(requirement) };
}

/** Every requirement the table and the default can produce, to build the gates at start-up. */
export function configuredRequirements(): McpRequirement[] {
  const all = [DEFAULT_REQUIREMENT, ...Object.values(TOOL_REQUIREMENTS)].map(normalize);
  return [...new Map(all.map((r) => [r.key, r])).values()];
}

/** The requirement for `gate.requireAAuth()`: the rung, its scopes and the covered body. */
export function requirementInput(requirement: McpRequirement): RequirementInput {
  const components = MCP_COMPONENTS;
  if (requirement.level === 'auth') return { auth: requirement.scopes, components };
  return { person: requirement.level === 'person', components };
}

function refuse(id: unknown, code: number, message: string): JsonRpcErrorResponse {
  const rid = typeof id === 'string' || typeof id === 'number' ? id : null;
  return { jsonrpc: '2.0', id: rid, error: { code, message } };
}

type Classified = { requirement: McpRequirement; refusal?: JsonRpcErrorResponse };

function classify(message: unknown): Classified {
  const fallback = normalize(DEFAULT_REQUIREMENT);
  if (typeof message !== 'object' || message === null) return { requirement: fallback };
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: unknown };
  // Not a request (a response, or not JSON-RPC at all), or a notification: the SDK answers.
  if (typeof method !== 'string' || id === undefined) return { requirement: fallback };
  if (method === 'tools/call') {
    const name = (params as { name?: unknown } | null | undefined)?.name;
    if (typeof name === 'string' && Object.hasOwn(TOOL_REQUIREMENTS, name)) {
      return { requirement: normalize(TOOL_REQUIREMENTS[name as ToolName]) };
    }
    return { requirement: fallback, refusal: refuse(id, -32602, 'Unknown tool') };
  }
  if (DISCOVERY_METHODS.has(method)) return { requirement: fallback };
  return { requirement: fallback, refusal: refuse(id, -32601, 'Method not found') };
}

/**
 * The requirement for one `POST /mcp` JSON-RPC body (a message or a batch), and whether to refuse
 * it. `tools/call` takes its tool's entry; `initialize`, `ping`, `tools/list`, notifications and
 * bodies the MCP server will reject itself take `DEFAULT_REQUIREMENT`; an unknown tool or any
 * other request is verified at `DEFAULT_REQUIREMENT`, then refused. A batch takes the strictest
 * requirement of its messages and is refused whole when any of its requests is.
 */
export function requirementFor(body: unknown): McpRouting {
  if (!Array.isArray(body)) return classify(body);
  const each = body.map(classify);
  const requirement = each
    .map((c) => c.requirement)
    .reduce(strictest, normalize(DEFAULT_REQUIREMENT));
  if (!each.some((c) => c.refusal)) return { requirement };
  const refusal = each.flatMap((c, i) => {
    if (c.refusal) return [c.refusal];
    const m = body[i] as { method?: unknown; id?: unknown } | null;
    const isRequest = typeof m?.method === 'string' && m.id !== undefined;
    return isRequest ? [refuse(m.id, -32600, 'Batch refused: it holds a refused request')] : [];
  });
  return { requirement, refusal };
}
