import type { Item } from 'structured-headers';

/** Parameters a component identifier may carry (RFC 9421 §2.1, §2.2.8, §2.4; RFC 9651 §6). */
export interface ComponentParams {
  /** `;sf`: strict Structured Field re-serialisation of the field value. */
  readonly sf?: true;
  /** `;key="k"`: one member of a Dictionary field. */
  readonly key?: string;
  /** `;bs`: each field line wrapped as a Byte Sequence. */
  readonly bs?: true;
  /** `;req`: component taken from the related request (responses only). */
  readonly req?: true;
  /** `;tr`: the field comes from the trailers. */
  readonly tr?: true;
  /** `;name="n"`: the query parameter named by `@query-param`. */
  readonly name?: string;
}

/** One entry of a `Signature-Input` inner list, typed. */
export interface ComponentIdentifier {
  /** The component name: a lowercase field name or a derived component such as `@method`. */
  readonly name: string;
  readonly params: ComponentParams;
  /** The identifier as it appears in the signature base, e.g. `"example-dict";key="a"`. */
  readonly serialized: string;
}

export type ComponentIdentifierResult =
  | { readonly ok: true; readonly id: ComponentIdentifier }
  | { readonly ok: false; readonly reason: string };

// Field names are tokens (RFC 9110 §5.1); RFC 9421 §2.1 requires the lowercased form.
const LOWER_TCHAR = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
const DERIVED_NAME = /^@[a-z0-9-]+$/;
// Visible ASCII, as an sf-string may hold; `"` and `\` need escaping.
const NEEDS_ESCAPE = /["\\]/g;

function quote(s: string): string {
  return `"${s.replace(NEEDS_ESCAPE, '\\$&')}"`;
}

const NO_PARAMS: ComponentParams = Object.freeze({});

function fail(reason: string): ComponentIdentifierResult {
  return { ok: false, reason };
}

/**
 * Type one item of a parsed `Signature-Input` inner list. Rejects items that are not
 * sf-strings, malformed names and parameters it does not understand (RFC 9421 §2.5: an
 * unknown parameter is an error). Whether a parameter fits the component is checked when the
 * value is derived.
 */
export function parseComponentIdentifier(item: Item): ComponentIdentifierResult {
  const [bare, params] = item;
  if (typeof bare !== 'string') return fail('component identifier is not a string');
  if (!(bare.charCodeAt(0) === 64 ? DERIVED_NAME : LOWER_TCHAR).test(bare)) {
    return fail('invalid component name');
  }
  let serialized = quote(bare);
  if (params.size === 0) return { ok: true, id: { name: bare, params: NO_PARAMS, serialized } };
  const out: { -readonly [K in keyof ComponentParams]: ComponentParams[K] } = {};
  for (const [k, v] of params) {
    switch (k) {
      case 'sf':
      case 'bs':
      case 'req':
      case 'tr':
        // Boolean flags: only the true form (`;sf`) has a meaning.
        if (v !== true) return fail(`parameter ${k} must be true`);
        out[k] = true;
        serialized += `;${k}`;
        break;
      case 'key':
      case 'name':
        if (typeof v !== 'string') return fail(`parameter ${k} must be a string`);
        out[k] = v;
        serialized += `;${k}=${quote(v)}`;
        break;
      default:
        return fail('unknown component parameter');
    }
  }
  return { ok: true, id: { name: bare, params: out, serialized } };
}
