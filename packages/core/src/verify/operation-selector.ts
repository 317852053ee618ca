import type { Answer } from '../answers/answer.js';
import { type McpToolMatcher, readToolCall } from '../r3/mcp-tool-requirements.js';
import type { OperationMatcher } from '../r3/openapi-operations.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { normalizeRequirement, type Requirement, type RequirementInput } from './requirement.js';

/** The operation one request addresses, with the parameters a per-call proposal shows. */
export interface SelectedOperation {
  readonly requirement: Requirement;
  /** The call's parameters (R3 §7): read only when a proposal is needed or compared. */
  readonly parameters: () => Promise<Readonly<Record<string, unknown>>>;
  /** Fit a kept answer to this request (MCP: the JSON-RPC `id` of this call). */
  readonly rewrap?: (kept: Answer) => Answer;
}

/**
 * Picks each request's requirement from the resource's own operation definition (R3 §6.4):
 * hand it to `verify()` or an adapter's `requireAAuth()` in place of one requirement.
 */
export interface OperationSelector {
  readonly kind: 'operation-selector';
  /** The operation `request` addresses; `undefined` when it is outside the definition. */
  select(request: AAuthRequest): Promise<SelectedOperation | undefined>;
  /** Applied to requests outside the definition: never silently open. */
  readonly unmatched: Requirement;
  /** Every requirement it can select, checked once when a route is set up. */
  readonly requirements: readonly Requirement[];
}

/** Options of the selectors. */
export interface OperationSelectorOptions {
  /** Requirement of requests the definition does not describe (e.g. `'agent'`). Required. */
  readonly unmatched: RequirementInput | Requirement;
}

const MAX_EXCERPT = 200;
const decoder = new TextDecoder();

async function bodyOf(request: AAuthRequest): Promise<Uint8Array | undefined> {
  return typeof request.body === 'function' ? request.body() : request.body;
}

function unmatchedOf(options: OperationSelectorOptions): Requirement {
  if (typeof options !== 'object' || options === null || options.unmatched === undefined)
    throw new TypeError('options.unmatched is required (requests outside the definition)');
  return normalizeRequirement(options.unmatched);
}

/**
 * Select OpenAPI operations by method and path template (`operationRequirements`). A call's
 * parameters are its path values, its query (`query`) and its body, shown as a digest with an
 * excerpt (`body`), so the approved call is compared exactly without copying large bodies.
 */
export function selectOpenApiOperations(
  matcher: OperationMatcher,
  options: OperationSelectorOptions,
): OperationSelector {
  if (typeof matcher?.match !== 'function')
    throw new TypeError('matcher must come from operationRequirements()');
  const unmatched = unmatchedOf(options);
  return Object.freeze({
    kind: 'operation-selector' as const,
    unmatched,
    requirements: Object.freeze(matcher.operations.map((o) => o.requirement)),
    async select(request: AAuthRequest): Promise<SelectedOperation | undefined> {
      const match = matcher.match(request.method, request.target);
      if (!match) return undefined;
      return {
        requirement: match.requirement,
        parameters: async () => {
          const out: Record<string, unknown> = { ...match.params };
          const q = request.target.indexOf('?');
          if (q !== -1) {
            const query: Record<string, string> = {};
            for (const [k, v] of new URLSearchParams(request.target.slice(q + 1)))
              if (!Object.hasOwn(query, k)) query[k] = v;
            out.query = query;
          }
          const body = await bodyOf(request);
          if (body && body.length > 0) out.body = decoder.decode(body);
          return out;
        },
      };
    },
  });
}

/**
 * Select MCP tools from the JSON-RPC body (`mcpToolRequirements`): a `tools/call` gets its
 * tool's requirement and its `arguments` as parameters; any other message (`initialize`,
 * `tools/list`, notifications) gets `unmatched`.
 */
export function selectMcpTools(
  matcher: McpToolMatcher,
  options: OperationSelectorOptions,
): OperationSelector {
  if (typeof matcher?.match !== 'function')
    throw new TypeError('matcher must come from mcpToolRequirements()');
  const unmatched = unmatchedOf(options);
  return Object.freeze({
    kind: 'operation-selector' as const,
    unmatched,
    requirements: Object.freeze(matcher.tools.map((t) => t.requirement)),
    async select(request: AAuthRequest): Promise<SelectedOperation | undefined> {
      if (request.method !== 'POST') return undefined;
      const body = await bodyOf(request);
      const call = body ? readToolCall(body) : undefined;
      const tool = call ? matcher.match(call.name) : undefined;
      if (!call || !tool) return undefined;
      return {
        requirement: tool.requirement,
        parameters: async () => call.arguments,
        // A kept JSON-RPC result answers this request: same result, this request's id.
        rewrap: (kept) => withJsonRpcId(kept, call.id),
      };
    },
  });
}

/** Whether a route's requirement is a selector. */
export function isOperationSelector(value: unknown): value is OperationSelector {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'operation-selector' &&
    typeof (value as { select?: unknown }).select === 'function'
  );
}

/** A body excerpt for a proposal's digest (plain text, bounded). */
export function excerptOf(text: string): string {
  return text.length <= MAX_EXCERPT ? text : `${text.slice(0, MAX_EXCERPT)}…`;
}

function withJsonRpcId(kept: Answer, id: unknown): Answer {
  try {
    const message = JSON.parse(kept.body) as Record<string, unknown>;
    if (typeof message !== 'object' || message === null || message.jsonrpc !== '2.0') return kept;
    return { ...kept, body: JSON.stringify({ ...message, id }) };
  } catch {
    return kept;
  }
}
