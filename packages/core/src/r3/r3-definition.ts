import type { OperationMatcher } from './openapi-operations.js';

/** The OpenAPI vocabulary: operations named by `operationId` (R3 §2). */
export const OPENAPI_VOCABULARY = 'urn:aauth:vocabulary:openapi';
/** The MCP vocabulary: operations named by `tool` (R3 §2). */
export const MCP_VOCABULARY = 'urn:aauth:vocabulary:mcp';

/** An operation-level access mode (R3 §3.2); `session-token` is not one. */
export type R3AccessMode = 'agent-token' | 'person-token' | 'auth-token' | 'per-call';

/** The member naming an operation in a vocabulary's entries (R3 §2). */
export type R3EntryKey = 'operationId' | 'tool';

/**
 * What granting an operation means, for people (R3 §4.1). Server-side configuration only: it
 * is never published in a vocabulary document (R27).
 */
export interface R3Display {
  /** One consent line. */
  readonly summary: string;
  /** Side effects: mail sent, records changed, costs. */
  readonly implications?: string;
  /** Data the caller will see. */
  readonly data_accessed?: string;
  /** What cannot be undone. */
  readonly irreversible?: string;
}

/** One operation of the resource's authoritative table. */
export interface R3Operation {
  /** The identifier in its vocabulary (`operationId`, tool name). */
  readonly id: string;
  /** The annotation, or `undefined` when the resource-wide mode applies (R3 §3.4). */
  readonly accessMode: R3AccessMode | undefined;
  /** Draws down a budget (R3 §3.3). */
  readonly budget: boolean;
  /** Scopes an auth token needs without R3 claims (R23); empty when none are configured. */
  readonly scopes: readonly string[];
  readonly display: R3Display;
}

/** The operations of one vocabulary, in definition order. */
export interface R3Vocabulary {
  readonly entryKey: R3EntryKey;
  readonly operations: ReadonlyMap<string, R3Operation>;
}

/** The resource's authoritative operation table: vocabulary URI → its operations (R3 §2, §5). */
export type R3Definition = ReadonlyMap<string, R3Vocabulary>;

/** Display texts by operation identifier. */
export type R3DisplayMap = Readonly<Record<string, R3Display>>;

/** An MCP tool as `tools/list` returns it (only the members read here). */
export interface McpToolDescription {
  readonly name: string;
  readonly description?: string;
  readonly _meta?: Readonly<Record<string, unknown>>;
}

const ENTRY_KEYS: Readonly<Record<string, R3EntryKey>> = Object.freeze({
  [OPENAPI_VOCABULARY]: 'operationId',
  [MCP_VOCABULARY]: 'tool',
});
const MODES: ReadonlySet<string> = new Set([
  'agent-token',
  'person-token',
  'auth-token',
  'per-call',
]);
const DISPLAY_TEXTS = ['implications', 'data_accessed', 'irreversible'] as const;
const MCP_ACCESS_MODE = 'aauth.dev/access-mode';
const MCP_BUDGET = 'aauth.dev/budget';

/** The entry key of a vocabulary this package supports, or `undefined`. */
export function entryKeyOf(vocabulary: string): R3EntryKey | undefined {
  return Object.hasOwn(ENTRY_KEYS, vocabulary) ? ENTRY_KEYS[vocabulary] : undefined;
}

/**
 * Check an access-mode and budget annotation pair (R3 §3.2–§3.3) and return the effective
 * mode: budget `true` alone means `auth-token`. Throws `TypeError` naming `where`.
 */
export function checkAnnotation(
  mode: unknown,
  budget: unknown,
  where: string,
): { accessMode: R3AccessMode | undefined; budget: boolean } {
  if (budget !== undefined && typeof budget !== 'boolean')
    throw new TypeError(`${where}: the budget annotation must be a boolean`);
  if (mode === 'session-token')
    throw new TypeError(`${where}: session-token is not allowed on an operation`);
  if (mode !== undefined && (typeof mode !== 'string' || !MODES.has(mode)))
    throw new TypeError(`${where}: unknown access mode ${JSON.stringify(mode)}`);
  const accessMode = (mode as R3AccessMode | undefined) ?? (budget ? 'auth-token' : undefined);
  if (budget && (accessMode === 'agent-token' || accessMode === 'person-token'))
    throw new TypeError(`${where}: budget cannot be combined with ${accessMode}`);
  return { accessMode, budget: budget === true };
}

/**
 * The OpenAPI vocabulary's table from an `operationRequirements` matcher (R3 §3.5): access
 * modes and scopes as the matcher decided them; display from `display[operationId]`, else the
 * operation's `summary`, else its `operationId`. Throws `TypeError` on a bad annotation or a
 * display entry for an unknown operation.
 */
export function r3DefinitionFromOpenApi(
  matcher: OperationMatcher,
  display: R3DisplayMap = {},
): R3Definition {
  if (typeof matcher !== 'object' || matcher === null || !Array.isArray(matcher.operations))
    throw new TypeError('matcher must come from operationRequirements()');
  checkDisplayMap(display);
  const operations = new Map<string, R3Operation>();
  for (const op of matcher.operations) {
    const where = `operation ${op.operationId}`;
    const { accessMode, budget } = checkAnnotation(op.accessMode, op.budget ?? false, where);
    operations.set(
      op.operationId,
      Object.freeze({
        id: op.operationId,
        accessMode,
        budget,
        scopes: Object.freeze([...op.requirement.scopes]),
        display: displayOf(display, op.operationId, op.summary, where),
      }),
    );
  }
  checkDisplayNames(display, operations, 'display');
  return new Map([[OPENAPI_VOCABULARY, Object.freeze({ entryKey: 'operationId', operations })]]);
}

/**
 * The MCP vocabulary's table from a tool list (R3 §3.5): access mode from
 * `_meta["aauth.dev/access-mode"]`, budget from `_meta["aauth.dev/budget"]`; display from
 * `display[name]`, else the tool's `description`, else its name. `scopes` (default none) are
 * the scopes an auth token needs for a tool without R3 claims. Throws `TypeError` on a bad tool
 * list or annotation.
 */
export function r3DefinitionFromMcpTools(
  tools: readonly McpToolDescription[],
  display: R3DisplayMap = {},
  scopes: Readonly<Record<string, readonly string[]>> = {},
): R3Definition {
  if (!Array.isArray(tools)) throw new TypeError('tools must be an array of MCP tools');
  checkDisplayMap(display);
  const operations = new Map<string, R3Operation>();
  for (const [i, tool] of tools.entries()) {
    const { name, meta } = checkTool(tool, i);
    if (operations.has(name)) throw new TypeError(`tool ${name} is listed twice`);
    const where = `tool ${name}`;
    const { accessMode, budget } = checkAnnotation(meta[MCP_ACCESS_MODE], meta[MCP_BUDGET], where);
    const list = Object.hasOwn(scopes, name) ? scopes[name] : [];
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s === ''))
      throw new TypeError(`scopes.${name} must be an array of scopes`);
    operations.set(
      name,
      Object.freeze({
        id: name,
        accessMode,
        budget,
        scopes: Object.freeze([...list]),
        display: displayOf(display, name, tool.description, where),
      }),
    );
  }
  checkDisplayNames(display, operations, 'display');
  for (const name of Object.keys(scopes))
    if (!operations.has(name)) throw new TypeError(`scopes.${name}: no tool has this name`);
  return new Map([[MCP_VOCABULARY, Object.freeze({ entryKey: 'tool', operations })]]);
}

/**
 * One definition from several (R3 §2, identifier scope): vocabularies are united; a vocabulary
 * in more than one input keeps one table, and an identifier defined twice is a `TypeError`
 * (rename the clash).
 */
export function mergeR3Definitions(...definitions: readonly R3Definition[]): R3Definition {
  const merged = new Map<string, { entryKey: R3EntryKey; operations: Map<string, R3Operation> }>();
  for (const definition of definitions) {
    if (!(definition instanceof Map)) throw new TypeError('each definition must be a Map');
    for (const [vocabulary, table] of definition) {
      const entryKey = entryKeyOf(vocabulary);
      if (entryKey === undefined || table.entryKey !== entryKey)
        throw new TypeError(`vocabulary ${vocabulary} is not supported`);
      let into = merged.get(vocabulary);
      if (into === undefined) {
        into = { entryKey, operations: new Map() };
        merged.set(vocabulary, into);
      }
      for (const [id, op] of table.operations) {
        if (into.operations.has(id))
          throw new TypeError(`${vocabulary}: operation ${id} is defined twice`);
        into.operations.set(id, op);
      }
    }
  }
  return new Map([...merged].map(([v, t]) => [v, Object.freeze(t)]));
}

function checkTool(tool: unknown, i: number): { name: string; meta: Record<string, unknown> } {
  if (typeof tool !== 'object' || tool === null) throw new TypeError(`tools[${i}] must be a tool`);
  const { name, description, _meta } = tool as Record<string, unknown>;
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`tools[${i}].name must be a non-empty string`);
  if (description !== undefined && typeof description !== 'string')
    throw new TypeError(`tool ${name}: description must be a string`);
  if (_meta !== undefined && (typeof _meta !== 'object' || _meta === null || Array.isArray(_meta)))
    throw new TypeError(`tool ${name}: _meta must be an object`);
  return { name, meta: (_meta ?? {}) as Record<string, unknown> };
}

function checkDisplayMap(display: unknown): void {
  if (typeof display !== 'object' || display === null || Array.isArray(display))
    throw new TypeError('display must be an object of identifier → display');
}

function checkDisplayNames(
  display: R3DisplayMap,
  operations: ReadonlyMap<string, R3Operation>,
  where: string,
): void {
  for (const id of Object.keys(display))
    if (!operations.has(id)) throw new TypeError(`${where}.${id}: no operation has this name`);
}

function displayOf(
  display: R3DisplayMap,
  id: string,
  fallback: string | undefined,
  where: string,
): R3Display {
  if (!Object.hasOwn(display, id))
    return Object.freeze({ summary: fallback !== undefined && fallback !== '' ? fallback : id });
  const given = display[id] as unknown;
  if (typeof given !== 'object' || given === null)
    throw new TypeError(`${where}: display must be an object`);
  const { summary } = given as Record<string, unknown>;
  if (typeof summary !== 'string' || summary === '')
    throw new TypeError(`${where}: display.summary must be a non-empty string`);
  const out: Record<string, string> = { summary };
  for (const name of DISPLAY_TEXTS) {
    const text = (given as Record<string, unknown>)[name];
    if (text === undefined) continue;
    if (typeof text !== 'string' || text === '')
      throw new TypeError(`${where}: display.${name} must be a non-empty string`);
    out[name] = text;
  }
  return Object.freeze(out as unknown as R3Display);
}
