import {
  normalizeRequirement,
  type Requirement,
  type RequirementInput,
} from '../verify/requirement.js';
import { withComponents, withOperation } from './operation-requirement.js';
import {
  checkAnnotation,
  MCP_VOCABULARY,
  type McpToolDescription,
  type R3AccessMode,
} from './r3-definition.js';

/** Options of `mcpToolRequirements`. */
export interface McpToolRequirementsOptions {
  /**
   * Requirement of a tool without an `aauth.dev/access-mode` annotation (the resource-wide
   * mode), as written or already normalised. Required: there is no silent default.
   */
  readonly defaultRequirement: RequirementInput | Requirement;
  /**
   * Scopes by tool name. An `auth-token` or `per-call` tool needs an entry (MCP tools carry no
   * scopes of their own); naming any other tool is a `TypeError`. Default: none.
   */
  readonly scopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Components every `tools/call` must cover, e.g. `['content-type', 'content-digest']` so the
   * signature covers the tool name and its arguments (in the body). Default: none.
   */
  readonly components?: readonly string[];
}

/** One tool and what a `tools/call` for it must present. */
export interface McpToolMatch {
  readonly tool: string;
  /** Normalised and frozen; hand it to core's `verify()`. */
  readonly requirement: Requirement;
  /** The tool's annotation (`auth-token` when only the budget is set); `undefined` if none. */
  readonly accessMode: R3AccessMode | undefined;
  readonly budget: boolean;
}

/** Finds a tool's requirement by name; built once by `mcpToolRequirements`. */
export interface McpToolMatcher {
  /** The tool named `name`, or `undefined` when the list has no such tool. Never throws. */
  match(name: string): McpToolMatch | undefined;
  /** Every tool, in list order. */
  readonly tools: readonly McpToolMatch[];
}

/** A parsed JSON-RPC `tools/call` request (MCP). */
export interface McpToolCall {
  /** The JSON-RPC `id` as sent (`undefined` when the message has none). */
  readonly id: unknown;
  readonly name: string;
  readonly arguments: Readonly<Record<string, unknown>>;
}

/**
 * Declare once, enforce everywhere, for MCP tools (R3 §3.5, §6.4): read each tool's
 * `_meta["aauth.dev/access-mode"]` and `_meta["aauth.dev/budget"]` (as passed to
 * `registerTool` and returned by `tools/list`) and map it like `operationRequirements`:
 * `agent-token` → `'agent'`, `person-token` → `'person'`, `auth-token` (or budget alone) and
 * `per-call` → `{ auth: options.scopes[name] }` naming the R3 operation (vocabulary
 * `urn:aauth:vocabulary:mcp`, `perCall` for `per-call`), no annotation → `defaultRequirement`
 * (naming the operation too when that needs an auth token). Refused with a `TypeError`: a
 * duplicate or empty name, an unknown mode, `session-token`, budget with `agent-token` or
 * `person-token`, an `auth-token` or `per-call` tool without scopes.
 *
 * @example
 * ```ts
 * const tools = mcpToolRequirements(toolList, { defaultRequirement: 'agent', scopes });
 * const call = readToolCall(bodyBytes);
 * const requirement = call ? tools.match(call.name)?.requirement : discoveryRequirement;
 * ```
 */
export function mcpToolRequirements(
  tools: readonly McpToolDescription[],
  options: McpToolRequirementsOptions,
): McpToolMatcher {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  if (options.defaultRequirement === undefined)
    throw new TypeError('options.defaultRequirement is required (the unannotated tools)');
  let fallback: Requirement;
  try {
    fallback = normalizeRequirement(options.defaultRequirement);
  } catch (error) {
    throw new TypeError(`options.defaultRequirement: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const scopes = options.scopes ?? {};
  if (typeof scopes !== 'object' || scopes === null || Array.isArray(scopes))
    throw new TypeError('options.scopes must be an object of tool name → scopes');
  if (!Array.isArray(tools)) throw new TypeError('tools must be an array of MCP tools');

  const byName = new Map<string, McpToolMatch>();
  const used = new Set<string>();
  const components = options.components ?? [];
  if (!Array.isArray(components) || components.some((c) => typeof c !== 'string'))
    throw new TypeError('options.components must be an array of component names');
  for (const [i, tool] of tools.entries()) {
    if (typeof tool !== 'object' || tool === null)
      throw new TypeError(`tools[${i}] must be a tool`);
    const name = tool.name;
    if (typeof name !== 'string' || name === '')
      throw new TypeError(`tools[${i}].name must be a non-empty string`);
    if (byName.has(name)) throw new TypeError(`tool ${name} is listed twice`);
    const where = `tool ${name}`;
    const meta = tool._meta ?? {};
    if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
      throw new TypeError(`${where}: _meta must be an object`);
    const { accessMode, budget } = checkAnnotation(
      meta['aauth.dev/access-mode'],
      meta['aauth.dev/budget'],
      where,
    );
    const operation = {
      vocabulary: MCP_VOCABULARY,
      id: name,
      perCall: accessMode === 'per-call',
    };
    let requirement: Requirement;
    if (accessMode === 'agent-token') requirement = normalizeRequirement('agent');
    else if (accessMode === 'person-token') requirement = normalizeRequirement('person');
    else if (accessMode === 'auth-token' || accessMode === 'per-call') {
      used.add(name);
      const list = Object.hasOwn(scopes, name) ? scopes[name] : undefined;
      try {
        // Scopes are optional: the tool's R3 grant is enforced either way (R3 §6.3).
        requirement = normalizeRequirement({
          ...(list === undefined || list.length === 0 ? {} : { auth: list }),
          operation,
        });
      } catch (error) {
        throw new TypeError(`${where}: ${(error as Error).message}`, { cause: error });
      }
    } else
      requirement =
        fallback.level === 'auth'
          ? withOperation(fallback, { vocabulary: MCP_VOCABULARY, id: name })
          : fallback;
    const covered =
      components.length === 0
        ? requirement
        : wrapTool(where, () => withComponents(requirement, components));
    byName.set(name, Object.freeze({ tool: name, requirement: covered, accessMode, budget }));
  }
  for (const name of Object.keys(scopes)) {
    if (!byName.has(name)) throw new TypeError(`options.scopes.${name}: no tool has this name`);
    if (!used.has(name))
      throw new TypeError(`options.scopes.${name}: only auth-token and per-call tools take scopes`);
  }
  const list = Object.freeze([...byName.values()]);
  return Object.freeze({
    tools: list,
    match(name: string): McpToolMatch | undefined {
      return typeof name === 'string' ? byName.get(name) : undefined;
    },
  });
}

/**
 * The tool call a JSON-RPC body carries (R3 §6.4): a single object with `"method":
 * "tools/call"`, a non-empty string `params.name` and object `params.arguments` (absent → `{}`).
 * Anything else — not UTF-8 JSON, another method, a malformed `params`, a batch array —
 * gives `undefined`; never throws. A batch may still hold a `tools/call`: refuse batches where
 * tools are enforced (R19).
 */
export function readToolCall(bodyBytes: Uint8Array): McpToolCall | undefined {
  let message: unknown;
  try {
    message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bodyBytes));
  } catch {
    return undefined;
  }
  if (!isPlainObject(message) || message.method !== 'tools/call') return undefined;
  const params = message.params;
  if (!isPlainObject(params)) return undefined;
  const { name } = params;
  const args = params.arguments === undefined ? {} : params.arguments;
  if (typeof name !== 'string' || name === '' || !isPlainObject(args)) return undefined;
  return Object.freeze({ id: message.id, name, arguments: args });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function wrapTool<T>(where: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    throw new TypeError(`${where}: ${(error as Error).message}`, { cause: error });
  }
}
