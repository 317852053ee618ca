import {
  type Dictionary,
  type InnerList,
  type Item,
  isInnerList,
  parseDictionary,
  parseItem,
  parseList,
  serializeDictionary,
  serializeInnerList,
  serializeItem,
  serializeList,
  serializeParameters,
} from 'structured-headers';
import { encodeBase64, utf8Encode } from '../internal/base64.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import { type ComponentIdentifier, parseComponentIdentifier } from './component-identifier.js';
import { deriveComponent, type RequestComponents } from './derive-component.js';

/** RFC 9651 top-level type of a structured field. */
export type StructuredFieldType = 'dictionary' | 'list' | 'item';

export interface SignatureBaseOptions {
  /**
   * Structured types of fields covered with `;sf` or `;key`, by lowercase field name. Merged
   * over a built-in table of registered structured fields (`content-digest`, `signature-key`,
   * …). Default: none. A field in neither is parsed as a Dictionary, then as a List.
   */
  readonly fieldTypes?: Readonly<Record<string, StructuredFieldType>> | undefined;
}

export type SignatureBaseResult =
  | {
      readonly ok: true;
      /** The signature base (RFC 9421 §2.5): LF-separated lines, no trailing LF. */
      readonly base: string;
      /** The covered component lines, in signed order, without the `@signature-params` line. */
      readonly componentLines: readonly string[];
      /** The `@signature-params` value: the canonical re-serialisation of the member. */
      readonly signatureParams: string;
      /** The covered components, in signed order. */
      readonly components: readonly ComponentIdentifier[];
    }
  | { readonly ok: false; readonly reason: string };

// Structured fields whose type is registered (IANA HTTP Field Name registry, AAuth headers).
const KNOWN_TYPES: ReadonlyMap<string, StructuredFieldType> = new Map<string, StructuredFieldType>([
  ['accept-signature', 'dictionary'],
  ['aauth-requirement', 'dictionary'],
  ['cdn-cache-control', 'dictionary'],
  ['content-digest', 'dictionary'],
  ['priority', 'dictionary'],
  ['repr-digest', 'dictionary'],
  ['signature', 'dictionary'],
  ['signature-error', 'dictionary'],
  ['signature-input', 'dictionary'],
  ['signature-key', 'dictionary'],
  ['want-content-digest', 'dictionary'],
  ['want-repr-digest', 'dictionary'],
  ['aauth-capabilities', 'list'],
  ['accept-signature-alg', 'list'],
  ['accept-signature-scheme', 'list'],
  ['cache-status', 'list'],
  ['client-cert-chain', 'list'],
  ['proxy-status', 'list'],
  ['client-cert', 'item'],
]);

const OBS_FOLD = /\r\n[ \t]+/g;

function fail(reason: string): SignatureBaseResult {
  return { ok: false, reason };
}

function typeOf(
  name: string,
  options: SignatureBaseOptions | undefined,
): StructuredFieldType | undefined {
  // Own properties only: a field named `constructor` must not find Object's.
  const hints = options?.fieldTypes;
  if (hints !== undefined && Object.hasOwn(hints, name)) return hints[name];
  return KNOWN_TYPES.get(name);
}

// RFC 9421 §2.1.1: strict re-serialisation. Without a known type, a Dictionary is tried first;
// every Item also parses as a one-member List, so a List is the only other candidate.
function strictValue(value: string, type: StructuredFieldType | undefined): string | undefined {
  try {
    if (type === 'dictionary') return serializeDictionary(parseDictionary(value));
    if (type === 'list') return serializeList(parseList(value));
    if (type === 'item') return serializeItem(parseItem(value));
    try {
      return serializeDictionary(parseDictionary(value));
    } catch {
      return serializeList(parseList(value));
    }
  } catch {
    return undefined;
  }
}

// RFC 9421 §2.1.2: one Dictionary member, strictly serialised.
function memberValue(value: string, key: string): string | undefined {
  let dict: Dictionary;
  try {
    dict = parseDictionary(value);
  } catch {
    return undefined;
  }
  const m = dict.get(key);
  if (m === undefined) return undefined;
  try {
    return isInnerList(m) ? serializeInnerList(m) : serializeItem(m);
  } catch {
    return undefined;
  }
}

// Header bytes: JS header strings hold one octet per code unit (Node and Fetch ByteStrings);
// a value with wider characters came from a decoder, so its UTF-8 is the best guess.
function fieldBytes(value: string): Uint8Array {
  const out = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 255) return utf8Encode(value);
    out[i] = c;
  }
  return out;
}

// RFC 9421 §2.1.3: every field line separately, as a List of Byte Sequences.
function binaryWrapped(lines: readonly string[]): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).replace(OBS_FOLD, ' ').trim();
    out += `${i === 0 ? '' : ', '}:${encodeBase64(fieldBytes(line))}:`;
  }
  return out;
}

function fieldComponent(
  fields: HeaderFields,
  id: ComponentIdentifier,
  options: SignatureBaseOptions | undefined,
): string | { reason: string } {
  const p = id.params;
  if (p.req) return { reason: ';req is only valid in a response signature' };
  if (p.tr) return { reason: 'trailer fields are not supported' };
  if (p.name !== undefined) return { reason: ';name is only valid on @query-param' };
  if (p.bs && (p.sf || p.key !== undefined))
    return { reason: ';bs cannot be combined with ;sf or ;key' };
  const lines = fields.get(id.name);
  if (lines === undefined) return { reason: 'a covered field is absent' };
  if (p.bs) return binaryWrapped(lines);
  const value = fieldValue(fields, id.name) as string;
  if (p.key !== undefined) {
    const type = typeOf(id.name, options);
    if (type !== undefined && type !== 'dictionary')
      return { reason: ';key on a field that is not a Dictionary' };
    return memberValue(value, p.key) ?? { reason: ';key names no member of the Dictionary' };
  }
  if (p.sf)
    return (
      strictValue(value, typeOf(id.name, options)) ?? {
        reason: ';sf on a field that does not parse',
      }
    );
  return value;
}

// Two identifiers with the same name and parameters in another order are the same component
// (RFC 9421 §2), so with two or more parameters the key lists them in a fixed order.
function identity(id: ComponentIdentifier): string {
  const p = id.params;
  const n =
    (p.sf ? 1 : 0) +
    (p.bs ? 1 : 0) +
    (p.req ? 1 : 0) +
    (p.tr ? 1 : 0) +
    (p.key !== undefined ? 1 : 0) +
    (p.name !== undefined ? 1 : 0);
  if (n < 2) return id.serialized;
  let k = id.name;
  if (p.sf) k += ';sf';
  if (p.bs) k += ';bs';
  if (p.req) k += ';req';
  if (p.tr) k += ';tr';
  if (p.key !== undefined) k += `;key=${JSON.stringify(p.key)}`;
  if (p.name !== undefined) k += `;name=${JSON.stringify(p.name)}`;
  return k;
}

/**
 * Build the signature base (RFC 9421 §2.5) of a request for one parsed `Signature-Input`
 * member. Fails, without throwing, whenever RFC 9421 forbids producing a base: a component
 * that is absent, repeated, unknown, response-only or wrongly parameterised.
 */
export function buildSignatureBase(
  ctx: RequestComponents,
  member: InnerList,
  options?: SignatureBaseOptions,
): SignatureBaseResult {
  const items = member[0];
  if (!Array.isArray(items)) return fail('the Signature-Input member is not an Inner List');
  const componentLines: string[] = new Array(items.length);
  const components: ComponentIdentifier[] = new Array(items.length);
  const seen = new Set<string>();
  let base = '';
  let params = '(';
  for (let i = 0; i < items.length; i++) {
    const parsed = parseComponentIdentifier(items[i] as Item);
    if (!parsed.ok) return parsed;
    const id = parsed.id;
    if (id.name === '@signature-params') return fail('@signature-params cannot be covered');
    const key = identity(id);
    if (seen.has(key)) return fail('a component is covered twice');
    seen.add(key);
    let value: string;
    if (id.name.charCodeAt(0) === 64 /* @ */) {
      const derived = deriveComponent(ctx, id);
      if (!derived.ok) return derived;
      value = derived.value;
    } else {
      const field = fieldComponent(ctx.fields, id, options);
      if (typeof field !== 'string') return fail(field.reason);
      value = field;
    }
    // A raw CR or LF would forge extra lines in the base.
    if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1) {
      return fail('a component value contains a line break');
    }
    const line = `${id.serialized}: ${value}`;
    componentLines[i] = line;
    components[i] = id;
    base += `${line}\n`;
    params += i === 0 ? id.serialized : ` ${id.serialized}`;
  }
  let signatureParams: string;
  try {
    signatureParams = `${params})${serializeParameters(member[1])}`;
  } catch {
    return fail('the signature parameters cannot be serialised');
  }
  base += `"@signature-params": ${signatureParams}`;
  return { ok: true, base, componentLines, signatureParams, components };
}
