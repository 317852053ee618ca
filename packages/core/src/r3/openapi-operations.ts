import {
  normalizeRequirement,
  type Requirement,
  type RequirementInput,
} from '../verify/requirement.js';
import { withComponents, withOperation } from './operation-requirement.js';
import { OPENAPI_VOCABULARY } from './r3-definition.js';

/** Options of `operationRequirements`. */
export interface OperationRequirementsOptions {
  /**
   * Requirement of an operation without an `x-aauth-access-mode` annotation (the resource-wide
   * mode). Required: there is no silent default, and an unannotated operation is open only if
   * this says `optional`.
   */
  readonly defaultRequirement: RequirementInput;
  /**
   * Scopes by `operationId`. For an `auth-token` operation they replace the scopes taken from
   * its `security`; a `per-call` operation is accepted only with an entry here. Naming any
   * other operation is a `TypeError`. Default: none.
   */
  readonly scopes?: Readonly<Record<string, readonly string[]>>;
  /**
   * Take an `auth-token` operation's scopes from its OpenAPI `security` (or the document's):
   * the union of the scope arrays of the FIRST security requirement object. Default `true`.
   */
  readonly scopesFromSecurity?: boolean;
  /**
   * Extra components the signature must cover, by `operationId` (e.g. `content-digest` where a
   * body matters). Default: none.
   */
  readonly components?: Readonly<Record<string, readonly string[]>>;
}

/** One operation of the document and what a request for it must present. */
export interface OperationMatch {
  readonly operationId: string;
  /** The operation's method, upper case (`GET` also for a `HEAD` served by a GET operation). */
  readonly method: string;
  /** The path as the document writes it, without the `servers` base path (`/notes/{id}`). */
  readonly pathTemplate: string;
  /** Normalised and frozen; hand it to core's `verify()`. */
  readonly requirement: Requirement;
  /**
   * The operation's `x-aauth-access-mode`, or `auth-token` when only `x-aauth-budget: true` is
   * set (R3 §3.3); `undefined` when unannotated (`defaultRequirement` applies).
   */
  readonly accessMode: string | undefined;
  /** The operation's `x-aauth-budget` (R3 §3.3); `false` when absent. */
  readonly budget: boolean;
  /** The operation's OpenAPI `summary`, when it has one (a default consent line). */
  readonly summary: string | undefined;
  /** Path template values, percent-decoded (`{ id: 'a b' }`); empty in `operations`. */
  readonly params: Readonly<Record<string, string>>;
}

/** Finds the operation a request addresses; built once by `operationRequirements`. */
export interface OperationMatcher {
  /**
   * The operation `method` + `target` addresses, or `undefined` (not in the document, or a
   * malformed percent-encoding). Never throws.
   */
  match(method: string, target: string): OperationMatch | undefined;
  /** Every operation with its requirement, in document order (for docs and metadata). */
  readonly operations: readonly OperationMatch[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const ACCESS_MODE = 'x-aauth-access-mode';
const BUDGET = 'x-aauth-budget';
const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

interface Node {
  readonly literal: Map<string, Node>;
  readonly mixed: { readonly key: string; readonly re: RegExp; readonly node: Node }[];
  param: Node | undefined;
  op: Compiled | undefined;
}

interface Compiled {
  readonly base: OperationMatch;
  readonly names: readonly string[];
}

type Segment =
  | { readonly kind: 'literal'; readonly value: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'mixed'; readonly re: RegExp };

/**
 * Declare once, enforce everywhere (R3 §3.2–§3.5, §6.4): read each OpenAPI 3.0/3.1 operation's
 * `x-aauth-access-mode` / `x-aauth-budget`, validate the whole document once, and return a
 * matcher from a request to its operation and normalised requirement.
 *
 * Mapping: `agent-token` → `'agent'`, `person-token` → `'person'`, `auth-token` (or only
 * `x-aauth-budget: true`) → an auth-token requirement naming the R3 operation (vocabulary
 * `urn:aauth:vocabulary:openapi`), with scopes from `options.scopes`, else the first `security`
 * requirement object, else none (the R3 grant alone decides); `per-call` → the same with
 * `perCall` and `defer` (held with `202`, R3 §7); no annotation → `defaultRequirement` (naming
 * the operation too when that needs an auth token). `options.components` adds covered
 * components per operation. Refused with a `TypeError`: an operation without `operationId` or
 * with a duplicate one, an unknown mode, `session-token`, budget with `agent-token` or
 * `person-token`.
 *
 * Matching: method case-insensitive, `HEAD` falls back to the GET operation; query ignored;
 * each path segment percent-decoded for matching only; `servers[0].url` path (operation-, then
 * path-item-, then document-level) is part of the path; `{name}` matches one non-empty segment
 * and literal segments win (`/notes/mine` before `/notes/{id}`); one trailing slash is
 * insignificant unless the document has both forms. No dot-segment removal.
 *
 * @example
 * ```ts
 * const ops = operationRequirements(openapi, { defaultRequirement: 'agent' });
 * // Every adapter's requireAAuth() takes a selector; requests outside the document get `unmatched`.
 * app.use(gate.requireAAuth(selectOpenApiOperations(ops, { unmatched: 'agent' })));
 * ```
 * Pass `op.requirement` to core's `verify()` (or to `aauth.requirement` the per-operation
 * `RequirementInput` you mapped yourself): an adapter's `requireAAuth(input)` expects a
 * `RequirementInput`, not this normalised `Requirement`.
 */
export function operationRequirements(
  document: unknown,
  options: OperationRequirementsOptions,
): OperationMatcher {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  if (options.defaultRequirement === undefined)
    throw new TypeError('options.defaultRequirement is required (the unannotated operations)');
  const fallback = wrap('options.defaultRequirement', () =>
    normalizeRequirement(options.defaultRequirement),
  );
  const scopes = options.scopes ?? {};
  if (!isObject(scopes) || Array.isArray(scopes))
    throw new TypeError('options.scopes must be an object of operationId → scopes');
  for (const [id, list] of Object.entries(scopes)) {
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
      throw new TypeError(`options.scopes.${id} must be an array of scopes`);
  }
  const components = options.components ?? {};
  if (!isObject(components) || Array.isArray(components))
    throw new TypeError('options.components must be an object of operationId → components');
  const fromSecurity = options.scopesFromSecurity ?? true;
  if (typeof fromSecurity !== 'boolean')
    throw new TypeError('options.scopesFromSecurity must be a boolean');

  if (!isObject(document)) throw new TypeError('document must be an OpenAPI object');
  const version = document.openapi;
  if (typeof version !== 'string' || !/^3\.[01]\.\d+(?:-[\w.]+)?$/.test(version))
    throw new TypeError(`document.openapi must be 3.0.x or 3.1.x (got ${JSON.stringify(version)})`);
  if (document[ACCESS_MODE] !== undefined)
    throw new TypeError(
      `${ACCESS_MODE} belongs on operations; the document uses defaultRequirement`,
    );
  const paths = document.paths ?? (version.startsWith('3.1.') ? {} : undefined);
  if (!isObject(paths)) throw new TypeError('document.paths must be an object');
  const docServer = serverPrefix(document.servers, 'document.servers');
  const docSecurity = document.security;

  const roots = new Map<string, Node>();
  const operations: OperationMatch[] = [];
  const seen = new Set<string>();
  const used = new Set<string>();
  for (const pathTemplate of Object.keys(paths)) {
    if (pathTemplate.startsWith('x-')) continue;
    const item = paths[pathTemplate];
    const where = `paths['${pathTemplate}']`;
    if (!pathTemplate.startsWith('/')) throw new TypeError(`${where}: a path must start with /`);
    if (!isObject(item)) throw new TypeError(`${where} must be a path item object`);
    if (item.$ref !== undefined)
      throw new TypeError(`${where}: $ref path items are not supported; dereference first`);
    if (item[ACCESS_MODE] !== undefined)
      throw new TypeError(`${where}: ${ACCESS_MODE} belongs on each operation, not the path item`);
    const template = parseTemplate(pathTemplate, where);
    const itemServer = serverPrefix(item.servers, `${where}.servers`);
    for (const lower of METHODS) {
      const op = item[lower];
      if (op === undefined) continue;
      const method = lower.toUpperCase();
      const label = `${method} ${pathTemplate}`;
      if (!isObject(op)) throw new TypeError(`${label}: the operation must be an object`);
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || operationId === '')
        throw new TypeError(`${label} has no operationId (needed to enforce it)`);
      if (seen.has(operationId))
        throw new TypeError(`operationId ${operationId} is used twice (again on ${label})`);
      seen.add(operationId);
      const name = `operation ${operationId} (${label})`;
      const { accessMode, input } = requirementInput(op, name, operationId, {
        explicit: Object.hasOwn(scopes, operationId) ? scopes[operationId] : undefined,
        security: fromSecurity ? (op.security ?? docSecurity) : undefined,
      });
      if (accessMode === 'auth-token' || accessMode === 'per-call') used.add(operationId);
      const covered = Object.hasOwn(components, operationId) ? components[operationId] : undefined;
      const plain =
        input !== undefined
          ? wrap(name, () => normalizeRequirement(input))
          : fallback.level === 'auth'
            ? withOperation(fallback, { vocabulary: OPENAPI_VOCABULARY, id: operationId })
            : fallback;
      const requirement =
        covered === undefined ? plain : wrap(name, () => withComponents(plain, covered));
      const base: OperationMatch = Object.freeze({
        operationId,
        method,
        pathTemplate,
        requirement,
        accessMode,
        budget: op[BUDGET] === true,
        summary: typeof op.summary === 'string' && op.summary !== '' ? op.summary : undefined,
        params: EMPTY,
      });
      operations.push(base);
      const prefix = serverPrefix(op.servers, `${label}.servers`) ?? itemServer ?? docServer ?? [];
      const segments: Segment[] = [
        ...prefix.map((value) => ({ kind: 'literal' as const, value })),
        ...template.segments,
      ];
      insert(roots, method, segments, { base, names: template.names }, label);
    }
  }
  for (const id of Object.keys(components))
    if (!seen.has(id)) throw new TypeError(`options.components.${id}: no operation has this id`);
  for (const id of Object.keys(scopes)) {
    if (!seen.has(id)) throw new TypeError(`options.scopes.${id}: no operation has this id`);
    if (!used.has(id))
      throw new TypeError(
        `options.scopes.${id}: only auth-token and per-call operations take scopes`,
      );
  }

  const find = (method: string, segments: string[]): OperationMatch | undefined => {
    const root = roots.get(method);
    if (root === undefined) return undefined;
    const values: string[] = [];
    let hit = walk(root, segments, 0, values);
    if (hit === undefined) {
      const last = segments.length - 1;
      const toggled =
        segments[last] === ''
          ? last > 0
            ? segments.slice(0, last)
            : undefined
          : [...segments, ''];
      if (toggled !== undefined) hit = walk(root, toggled, 0, values);
    }
    if (hit === undefined) return undefined;
    if (hit.names.length === 0) return hit.base;
    const params = Object.freeze(
      Object.fromEntries(hit.names.map((n, i) => [n, values[i] as string])),
    );
    return Object.freeze({ ...hit.base, params });
  };

  return Object.freeze({
    operations: Object.freeze(operations),
    match(method: string, target: string): OperationMatch | undefined {
      if (typeof method !== 'string' || typeof target !== 'string') return undefined;
      const segments = requestSegments(target);
      if (segments === undefined) return undefined;
      const m = method.toUpperCase();
      return find(m, segments) ?? (m === 'HEAD' ? find('GET', segments) : undefined);
    },
  });
}

function requirementInput(
  op: Record<string, unknown>,
  name: string,
  operationId: string,
  scopeSources: { explicit: readonly string[] | undefined; security: unknown },
): { accessMode: string | undefined; input: RequirementInput | undefined } {
  const mode = op[ACCESS_MODE];
  const budget = op[BUDGET];
  if (budget !== undefined && typeof budget !== 'boolean')
    throw new TypeError(`${name}: ${BUDGET} must be a boolean`);
  if (mode !== undefined && typeof mode !== 'string')
    throw new TypeError(`${name}: ${ACCESS_MODE} must be a string`);
  const accessMode = mode ?? (budget === true ? 'auth-token' : undefined);
  // Scopes are optional: the operation's R3 grant is enforced either way (R3 §6.3, §8).
  const scopes = (): { auth?: readonly string[] } => {
    const list = scopeSources.explicit ?? securityScopes(scopeSources.security, name);
    return list.length === 0 ? {} : { auth: list };
  };
  switch (accessMode) {
    case undefined:
      return { accessMode, input: undefined };
    case 'agent-token':
    case 'person-token':
      if (budget === true)
        throw new TypeError(`${name}: ${BUDGET}: true cannot be combined with ${accessMode}`);
      return { accessMode, input: accessMode === 'agent-token' ? 'agent' : 'person' };
    case 'auth-token':
      return {
        accessMode,
        input: { ...scopes(), operation: { vocabulary: OPENAPI_VOCABULARY, id: operationId } },
      };
    case 'per-call':
      // Held by default: a resource able to hold the call SHOULD answer 202 (R3 §7).
      return {
        accessMode,
        input: {
          ...scopes(),
          defer: true,
          operation: { vocabulary: OPENAPI_VOCABULARY, id: operationId, perCall: true },
        },
      };
    case 'session-token':
      throw new TypeError(`${name}: session-token is not supported on operations`);
    default:
      throw new TypeError(`${name}: unknown ${ACCESS_MODE} ${JSON.stringify(accessMode)}`);
  }
}

/** Union of the scope arrays of the first security requirement object, in order, deduplicated. */
function securityScopes(security: unknown, name: string): readonly string[] {
  if (security === undefined) return [];
  if (!Array.isArray(security)) throw new TypeError(`${name}: security must be an array`);
  const first: unknown = security[0];
  if (first === undefined) return [];
  if (!isObject(first)) throw new TypeError(`${name}: security requirements must be objects`);
  const out = new Set<string>();
  for (const list of Object.values(first)) {
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string'))
      throw new TypeError(`${name}: security requirement values must be arrays of scopes`);
    for (const s of list as string[]) out.add(s);
  }
  return [...out];
}

/** Decoded path segments of `servers[0].url` (variables at their defaults), or `undefined`. */
function serverPrefix(servers: unknown, where: string): string[] | undefined {
  if (servers === undefined) return undefined;
  if (!Array.isArray(servers)) throw new TypeError(`${where} must be an array`);
  const first: unknown = servers[0];
  if (first === undefined) return undefined;
  if (!isObject(first) || typeof first.url !== 'string')
    throw new TypeError(`${where}[0].url must be a string`);
  const variables = isObject(first.variables) ? first.variables : {};
  const url = first.url.replace(/\{([^{}]*)\}/g, (_, v: string) => {
    const variable = variables[v];
    if (!isObject(variable) || typeof variable.default !== 'string')
      throw new TypeError(`${where}[0]: variable {${v}} has no default`);
    return variable.default;
  });
  let pathname: string;
  try {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(url);
    pathname = new URL(url, absolute ? undefined : 'http://base.invalid/').pathname;
  } catch {
    throw new TypeError(`${where}[0].url is not a URL: ${JSON.stringify(first.url)}`);
  }
  const segments = pathname.split('/').slice(1);
  if (segments[segments.length - 1] === '') segments.pop();
  return segments.map((s) => decodeOrThrow(s, `${where}[0].url`));
}

function parseTemplate(
  path: string,
  where: string,
): { segments: Segment[]; names: readonly string[] } {
  const names: string[] = [];
  const addName = (n: string): string => {
    if (n === '' || names.includes(n))
      throw new TypeError(`${where}: empty or repeated template name {${n}}`);
    names.push(n);
    return n;
  };
  const segments = path
    .slice(1)
    .split('/')
    .map((raw): Segment => {
      if (!raw.includes('{') && !raw.includes('}'))
        return { kind: 'literal', value: decodeOrThrow(raw, where) };
      const whole = /^\{([^{}]*)\}$/.exec(raw);
      if (whole) return { kind: 'param', name: addName(whole[1] as string) };
      // A segment mixing text and templates, e.g. `{name}.{ext}`: one anchored regex, built here.
      const parts = raw.split(/(\{[^{}]*\})/);
      let source = '^';
      parts.forEach((part, i) => {
        if (i % 2 === 1) {
          addName(part.slice(1, -1));
          source += '(.+?)';
        } else if (part.includes('{') || part.includes('}')) {
          throw new TypeError(`${where}: unbalanced braces in ${JSON.stringify(raw)}`);
        } else if (part === '' && i > 0 && i < parts.length - 1) {
          throw new TypeError(`${where}: adjacent templates in ${JSON.stringify(raw)}`);
        } else {
          source += decodeOrThrow(part, where).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        }
      });
      return { kind: 'mixed', re: new RegExp(`${source}$`, 's') };
    });
  return { segments, names };
}

function insert(
  roots: Map<string, Node>,
  method: string,
  segments: readonly Segment[],
  op: Compiled,
  label: string,
): void {
  let node: Node = roots.get(method) ?? newNode();
  roots.set(method, node);
  for (const s of segments) node = child(node, s);
  if (node.op !== undefined)
    throw new TypeError(`${label} and ${node.op.base.pathTemplate} address the same requests`);
  node.op = op;
}

function child(node: Node, s: Segment): Node {
  if (s.kind === 'literal') {
    const next = node.literal.get(s.value) ?? newNode();
    node.literal.set(s.value, next);
    return next;
  }
  if (s.kind === 'param') {
    node.param ??= newNode();
    return node.param;
  }
  let entry = node.mixed.find((m) => m.key === s.re.source);
  if (entry === undefined) {
    entry = { key: s.re.source, re: s.re, node: newNode() };
    node.mixed.push(entry);
    // The longest literal text first: `{id}.json` is tried before `{id}.{ext}`.
    node.mixed.sort((a, b) => literalLength(b.key) - literalLength(a.key));
  }
  return entry.node;
}

function walk(
  node: Node,
  segments: readonly string[],
  i: number,
  values: string[],
): Compiled | undefined {
  if (i === segments.length) return node.op;
  const segment = segments[i] as string;
  const literal = node.literal.get(segment);
  if (literal !== undefined) {
    const hit = walk(literal, segments, i + 1, values);
    if (hit !== undefined) return hit;
  }
  for (const m of node.mixed) {
    const caught = m.re.exec(segment);
    if (caught === null) continue;
    const mark = values.length;
    values.push(...(caught.slice(1) as string[]));
    const hit = walk(m.node, segments, i + 1, values);
    if (hit !== undefined) return hit;
    values.length = mark;
  }
  if (node.param !== undefined && segment !== '') {
    values.push(segment);
    const hit = walk(node.param, segments, i + 1, values);
    if (hit !== undefined) return hit;
    values.pop();
  }
  return undefined;
}

/** Decoded segments of the target's path (origin or absolute form), or `undefined`. */
function requestSegments(target: string): string[] | undefined {
  let path = target;
  if (!path.startsWith('/')) {
    const authority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(path);
    if (authority === null) return undefined;
    path = path.slice(authority[0].length) || '/';
    if (!path.startsWith('/')) path = `/${path}`;
  }
  const end = path.search(/[?#]/);
  if (end !== -1) path = path.slice(0, end);
  const segments = path.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i] as string;
    if (!s.includes('%')) continue;
    try {
      segments[i] = decodeURIComponent(s);
    } catch {
      return undefined;
    }
  }
  return segments;
}

function decodeOrThrow(segment: string, where: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new TypeError(`${where}: malformed percent-encoding in ${JSON.stringify(segment)}`);
  }
}

function literalLength(source: string): number {
  return source.replace(/\(\.\+\?\)|\\/g, '').length - 2;
}

function newNode(): Node {
  return { literal: new Map(), mixed: [], param: undefined, op: undefined };
}

function wrap<T>(name: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${name}: ${message}`, { cause: error });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
