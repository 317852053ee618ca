import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import { sha256 } from '../internal/crypto.js';
import { isParameterDigest, parameterDigest } from './compare-parameters.js';
import type { R3Definition, R3Display, R3Operation } from './r3-definition.js';

/** An operation list in the one R3 shape, `{vocabulary, operations}` (R3 §2). */
export interface R3OperationList {
  readonly vocabulary: string;
  /** Entries in the vocabulary's shape, e.g. `{ tool: "read_file" }`. */
  readonly operations: readonly Readonly<Record<string, string>>[];
}

/** A serialized R3 document: `bytes` (JSON text, hashed as UTF-8) and its `s256`. */
export interface R3DocumentBytes {
  /** The JSON text, serialized once; serve exactly this. */
  readonly bytes: string;
  /** base64url (no padding) SHA-256 of the UTF-8 bytes: 43 characters (R3 §4.3). */
  readonly s256: string;
}

export type ComposeR3DocumentResult =
  | (R3DocumentBytes & { readonly ok: true; readonly operations: R3OperationList })
  | { readonly ok: false; readonly error: 'invalid_request'; readonly detail: string };

/** Options of `composeR3Document`. */
export interface ComposeR3DocumentOptions {
  /** The `account` the authorization request named (already checked); written as is. */
  readonly account?: string | undefined;
  /**
   * Display for the combination, e.g. naming the account as the person knows it (R3 §4.1).
   * Default: the operations' texts, one line each (identical lines once).
   */
  readonly display?: (operations: readonly R3Operation[], account: string | undefined) => R3Display;
}

/** What a per-call proposal describes (R3 §7). */
export interface ProposalInput {
  readonly vocabulary: string;
  /** The invoked operation's identifier. */
  readonly id: string;
  /** The call's concrete parameters, JSON values. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** Parameters replaced by a digest object; a name, or a name with an excerpt and media type. */
  readonly digest?: readonly (
    | string
    | { readonly name: string; readonly excerpt?: string; readonly mediaType?: string }
  )[];
  /** The consent line for this call. Default: the operation's summary. */
  readonly summary?: string;
  /**
   * `display.detail`, Markdown (`## Action`, `## Details`, …). Put something unique to this
   * invocation here (e.g. "Requested <time>"), or two identical calls share one proposal (R13).
   */
  readonly detail?: string;
  /** The `account` of the class grant, when there is one. */
  readonly account?: string;
}

/** A serialized proposal and the parameters as written in it (digest objects included). */
export interface Proposal extends R3DocumentBytes {
  readonly parameters: Readonly<Record<string, unknown>>;
}

const MAX_OPERATIONS = 1000;
const DISPLAY_TEXTS = ['implications', 'data_accessed', 'irreversible'] as const;

/**
 * Validate an agent's `r3_operations` (R3 §5 step 2) against the authoritative definition and
 * compose the one document a resource token references (R3 §4.1–§4.3): `vocabulary`,
 * `operations` (only the entry key, duplicates collapsed, in definition order), `account` when
 * given, and `display`. Serialized once with `JSON.stringify`: the same request gives the same
 * bytes. Refused (`invalid_request`, `detail` naming the problem): not an object, an unknown
 * vocabulary, an empty list, an entry without the vocabulary's key, an unknown operation.
 */
export async function composeR3Document(
  definition: R3Definition,
  request: unknown,
  options: ComposeR3DocumentOptions = {},
): Promise<ComposeR3DocumentResult> {
  if (!isRecord(request)) return refuse('r3_operations must be an object');
  const { vocabulary, operations } = request;
  if (typeof vocabulary !== 'string') return refuse('r3_operations.vocabulary must be a string');
  const table = definition.get(vocabulary);
  if (table === undefined) return refuse(`unknown vocabulary: ${clip(vocabulary)}`);
  if (!Array.isArray(operations) || operations.length === 0)
    return refuse('r3_operations.operations must be a non-empty array');
  if (operations.length > MAX_OPERATIONS) return refuse('r3_operations lists too many operations');
  const key = table.entryKey;
  const wanted = new Set<string>();
  for (const entry of operations) {
    const id = isRecord(entry) ? entry[key] : undefined;
    if (typeof id !== 'string' || id === '')
      return refuse(`each entry of r3_operations.operations needs ${key} (a string)`);
    if (!table.operations.has(id)) return refuse(`unknown ${key}: ${clip(id)}`);
    wanted.add(id);
  }
  const chosen = [...table.operations.values()].filter((op) => wanted.has(op.id));
  const entries = Object.freeze(chosen.map((op) => Object.freeze({ [key]: op.id })));
  const display = options.display
    ? checkedDisplay(options.display(chosen, options.account))
    : mergeDisplays(chosen.map((op) => op.display));
  const document: Record<string, unknown> = { vocabulary, operations: entries };
  if (options.account !== undefined) document.account = options.account;
  document.display = display;
  const { bytes, s256 } = await serialize(document);
  return { ok: true, bytes, s256, operations: Object.freeze({ vocabulary, operations: entries }) };
}

/**
 * A per-call proposal (R3 §7): the single invoked operation, `account` when given, `display`
 * (the operation's texts, `summary` and `detail` as given) and `parameters`, where each name in
 * `digest` is replaced by `{s256, excerpt?, media_type?}` (see `parameterDigest`). Throws
 * `TypeError` for an operation outside the definition, parameters that are not JSON values, a
 * digest name that is not a parameter, or an inline value shaped like a digest object (it
 * would be compared as one).
 */
export async function buildProposal(
  definition: R3Definition,
  input: ProposalInput,
): Promise<Proposal> {
  const table = definition.get(input.vocabulary);
  const op = table?.operations.get(input.id);
  if (table === undefined || op === undefined)
    throw new TypeError(`no operation ${input.id} in ${input.vocabulary}`);
  if (!isRecord(input.parameters)) throw new TypeError('parameters must be an object');
  checkJson(input.parameters, 'parameters', 0);
  const digests = new Map<string, { excerpt?: string; mediaType?: string }>();
  for (const d of input.digest ?? []) {
    const spec = typeof d === 'string' ? { name: d } : d;
    if (
      !isRecord(spec) ||
      typeof spec.name !== 'string' ||
      !Object.hasOwn(input.parameters, spec.name)
    )
      throw new TypeError(`digest: ${JSON.stringify(spec?.name ?? d)} is not a parameter`);
    for (const text of [spec.excerpt, spec.mediaType])
      if (text !== undefined && typeof text !== 'string')
        throw new TypeError(`digest ${spec.name}: excerpt and mediaType must be strings`);
    digests.set(spec.name, spec);
  }
  // Built from entries: a parameter named `__proto__` stays an own member.
  const written: [string, unknown][] = [];
  for (const [name, value] of Object.entries(input.parameters)) {
    const spec = digests.get(name);
    if (spec === undefined) {
      if (isParameterDigest(value))
        throw new TypeError(`parameters.${name} looks like a digest object: digest it instead`);
      written.push([name, value]);
      continue;
    }
    const digest: Record<string, string> = { s256: await parameterDigest(value) };
    if (spec.excerpt !== undefined) digest.excerpt = spec.excerpt;
    if (spec.mediaType !== undefined) digest.media_type = spec.mediaType;
    written.push([name, digest]);
  }
  const parameters = Object.fromEntries(written);
  const display: Record<string, string> = { ...op.display };
  if (input.summary !== undefined) {
    if (typeof input.summary !== 'string' || input.summary === '')
      throw new TypeError('summary must be a non-empty string');
    display.summary = input.summary;
  }
  if (input.detail !== undefined) {
    if (typeof input.detail !== 'string') throw new TypeError('detail must be a string');
    display.detail = input.detail;
  }
  const document: Record<string, unknown> = {
    vocabulary: input.vocabulary,
    operations: [{ [table.entryKey]: op.id }],
  };
  if (input.account !== undefined) {
    if (typeof input.account !== 'string') throw new TypeError('account must be a string');
    document.account = input.account;
  }
  document.display = display;
  document.parameters = parameters;
  const { bytes, s256 } = await serialize(document);
  return { bytes, s256, parameters: deepFreeze(JSON.parse(JSON.stringify(parameters))) };
}

async function serialize(document: Record<string, unknown>): Promise<R3DocumentBytes> {
  const bytes = JSON.stringify(document);
  return { bytes, s256: encodeBase64Url(await sha256(utf8Encode(bytes))) };
}

/** Several operations' texts as one display: each member's distinct lines, in order. */
function mergeDisplays(displays: readonly R3Display[]): R3Display {
  const join = (texts: readonly (string | undefined)[]): string | undefined => {
    const lines = [...new Set(texts.filter((t): t is string => t !== undefined && t !== ''))];
    return lines.length === 0 ? undefined : lines.join('\n');
  };
  const out: Record<string, string> = { summary: join(displays.map((d) => d.summary)) ?? '' };
  for (const name of DISPLAY_TEXTS) {
    const text = join(displays.map((d) => d[name]));
    if (text !== undefined) out[name] = text;
  }
  return out as unknown as R3Display;
}

/** A display from the caller's hook, copied member by member in the document's order. */
function checkedDisplay(display: R3Display): R3Display {
  if (!isRecord(display) || typeof display.summary !== 'string' || display.summary === '')
    throw new TypeError('options.display must return a display with a summary');
  const out: Record<string, string> = { summary: display.summary };
  for (const name of DISPLAY_TEXTS) {
    const text = display[name];
    if (text === undefined) continue;
    if (typeof text !== 'string') throw new TypeError(`options.display: ${name} must be a string`);
    out[name] = text;
  }
  return out as unknown as R3Display;
}

function checkJson(value: unknown, where: string, depth: number): void {
  if (depth > 64) throw new TypeError(`${where} is nested too deeply`);
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return;
    throw new TypeError(`${where} is not a finite number`);
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkJson(v, `${where}[${i}]`, depth + 1);
    });
    return;
  }
  if (isRecord(value) && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkJson(v, `${where}.${k}`, depth + 1);
    return;
  }
  throw new TypeError(`${where} is not a JSON value`);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

function refuse(detail: string): ComposeR3DocumentResult {
  return { ok: false, error: 'invalid_request', detail };
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
