import { utf8Encode } from '../internal/base64.js';
import type { HeaderFields } from '../request/header-fields.js';
import type { ComponentIdentifier } from './component-identifier.js';

/** What the signature base is derived from: one request, exactly as it arrived. */
export interface RequestComponents {
  /** Method as sent (no case change). */
  readonly method: string;
  /** `https` or `http`. */
  readonly scheme: string;
  /** `host[:port]` the request was addressed to (configured, or the trusted `Host`). */
  readonly authority: string;
  /**
   * The request-target as on the request line: origin-form (`/a%2Fb?x=1`), absolute-form,
   * authority-form (`host:port`, CONNECT) or `*`.
   */
  readonly target: string;
  /** Header fields by lowercase name. */
  readonly fields: HeaderFields;
}

export type DeriveComponentResult =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly reason: string };

function fail(reason: string): DeriveComponentResult {
  return { ok: false, reason };
}

function ok(value: string): DeriveComponentResult {
  return { ok: true, value };
}

interface TargetParts {
  /** Path as on the wire; '' when the target has none. */
  readonly path: string;
  /** Query without `?`; undefined when the target has no `?`. */
  readonly query: string | undefined;
}

// Split the request-target per RFC 9110 §7.1 without any URL normalisation: the signer signed
// the bytes it sent, so percent-encoding, case and dot segments are kept as they are.
function splitTarget(target: string): TargetParts {
  if (target.charCodeAt(0) === 47 /* / */) {
    const q = target.indexOf('?');
    return q === -1
      ? { path: target, query: undefined }
      : { path: target.slice(0, q), query: target.slice(q + 1) };
  }
  const sep = target.indexOf('://');
  if (sep > 0) {
    const start = sep + 3;
    let end = start;
    while (end < target.length) {
      const c = target.charCodeAt(end);
      if (c === 47 /* / */ || c === 63 /* ? */) break;
      end++;
    }
    const q = target.indexOf('?', end);
    return q === -1
      ? { path: target.slice(end), query: undefined }
      : { path: target.slice(end, q), query: target.slice(q + 1) };
  }
  // Authority-form (CONNECT) and asterisk-form (OPTIONS *) have no path or query.
  return { path: '', query: undefined };
}

/** Lowercase host, default port dropped (RFC 9421 §2.2.3, RFC 9110 §4.2.3). */
function normalizeAuthority(authority: string, scheme: string): string {
  const a = authority.toLowerCase();
  const defaultPort = scheme === 'https' ? ':443' : scheme === 'http' ? ':80' : undefined;
  if (defaultPort !== undefined && a.endsWith(defaultPort)) {
    return a.slice(0, a.length - defaultPort.length);
  }
  // An empty port is the same as no port (RFC 3986 §6.2.3).
  return a.endsWith(':') ? a.slice(0, -1) : a;
}

// Bytes left as they are by the application/x-www-form-urlencoded percent-encode set
// (WHATWG URL): ASCII alphanumerics, `*`, `-`, `.`, `_`. Everything else is percent-encoded,
// which is why encodeURIComponent (it keeps `!`, `~`, `'`, `(`, `)`) is wrong here.
const FORM_SAFE = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  FORM_SAFE[c] =
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    c === 42 ||
    c === 45 ||
    c === 46 ||
    c === 95
      ? 1
      : 0;
}
const HEX = '0123456789ABCDEF';
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * RFC 9421 §2.2.8: parse a name or value as application/x-www-form-urlencoded does (`+` is
 * a space, percent-decode, UTF-8 decode), then percent-encode it with the form set and
 * spaces as `%20`.
 */
function reencode(s: string): string {
  let safe = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || FORM_SAFE[c] === 0) {
      safe = false;
      break;
    }
  }
  if (safe) return s;
  const raw = utf8Encode(s);
  const decoded = new Uint8Array(raw.length);
  let n = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b === 43 /* + */) {
      decoded[n++] = 32;
    } else if (b === 37 /* % */ && i + 2 < raw.length) {
      const hi = hexValue(raw[i + 1] as number);
      const lo = hexValue(raw[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        decoded[n++] = (hi << 4) | lo;
        i += 2;
      } else {
        decoded[n++] = b;
      }
    } else {
      decoded[n++] = b;
    }
  }
  // Decoding and re-encoding UTF-8 turns invalid sequences into U+FFFD, as the WHATWG parser does.
  const bytes = utf8Encode(lenientUtf8.decode(decoded.subarray(0, n)));
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out +=
      b < 128 && FORM_SAFE[b] === 1
        ? String.fromCharCode(b)
        : `%${HEX.charAt(b >>> 4)}${HEX.charAt(b & 15)}`;
  }
  return out;
}

function queryParam(query: string | undefined, name: string): DeriveComponentResult {
  if (query === undefined) return fail('@query-param: the request has no query');
  let found: string | undefined;
  let start = 0;
  const len = query.length;
  while (start < len) {
    let end = query.indexOf('&', start);
    if (end === -1) end = len;
    if (end > start) {
      let eq = query.indexOf('=', start);
      if (eq === -1 || eq > end) eq = end;
      if (reencode(query.slice(start, eq)) === name) {
        // RFC 9421 §2.2.8: a parameter that occurs more than once cannot be signed this way.
        if (found !== undefined) return fail('@query-param: the parameter occurs more than once');
        found = eq === end ? '' : reencode(query.slice(eq + 1, end));
      }
    }
    start = end + 1;
  }
  return found === undefined ? fail('@query-param: the parameter is not in the query') : ok(found);
}

// RFC 9110 §7.1 reconstruction: absolute-form is the URI itself; authority-form names the
// authority; authority-form and `*` have an empty path and query.
function targetUri(ctx: RequestComponents): string {
  const t = ctx.target;
  const scheme = ctx.scheme.toLowerCase();
  if (t.charCodeAt(0) === 47 /* / */) return `${scheme}://${ctx.authority}${t}`;
  if (t === '*') return `${scheme}://${ctx.authority}`;
  if (t.indexOf('://') > 0) return t;
  return `${scheme}://${t}`;
}

/**
 * The value of a derived component (RFC 9421 §2.2) of a request. Fails for `@status` and
 * `;req` (responses only), unknown components, parameters that do not apply, and a
 * `@query-param` whose parameter is missing or repeated.
 */
export function deriveComponent(
  ctx: RequestComponents,
  id: ComponentIdentifier,
): DeriveComponentResult {
  const p = id.params;
  if (p.req) return fail(';req is only valid in a response signature');
  if (id.name === '@query-param') {
    if (p.name === undefined) return fail('@query-param needs a name parameter');
    if (p.sf || p.bs || p.tr || p.key !== undefined) return fail('parameter not valid here');
    return queryParam(splitTarget(ctx.target).query, p.name);
  }
  if (p.sf || p.bs || p.tr || p.key !== undefined || p.name !== undefined) {
    return fail('parameter not valid on a derived component');
  }
  switch (id.name) {
    case '@method':
      return ok(ctx.method);
    case '@target-uri':
      return ok(targetUri(ctx));
    case '@authority':
      return ok(normalizeAuthority(ctx.authority, ctx.scheme.toLowerCase()));
    case '@scheme':
      return ok(ctx.scheme.toLowerCase());
    case '@request-target':
      return ok(ctx.target);
    case '@path': {
      const path = splitTarget(ctx.target).path;
      return ok(path === '' ? '/' : path);
    }
    case '@query': {
      const query = splitTarget(ctx.target).query;
      return ok(query === undefined ? '?' : `?${query}`);
    }
    case '@status':
      return fail('@status is only valid in a response signature');
    default:
      return fail('unknown derived component');
  }
}
