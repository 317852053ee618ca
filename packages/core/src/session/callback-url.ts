// The `callback` an agent or a PS appends to the interaction URL (AAuth-11 §7.3, §7.3.1).
// It is where the user's browser goes next, so it must be an absolute URL the resource can
// state exactly (in `Location` and in the consent page's `form-action`).

const MAX_LENGTH = 2048;
// Lowercase LDH labels (IDNs arrive as xn-- after URL parsing) or IPv4, optional final dot;
// or a bracketed IPv6 literal. WHATWG hosts may hold `;`, `,` or `'`, which must never
// reach a header value.
const HOST =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?|\[[0-9a-f:.]+\])$/;
// localhost and *.localhost resolve to loopback (RFC 6761 §6.3).
const LOOPBACK = /^(?:(?:[a-z0-9-]+\.)*localhost\.?|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;

/** Options for `callbackUrl`. */
export interface CallbackUrlOptions {
  /** Development mode: also accept plain `http` to a loopback host. */
  readonly dev: boolean;
}

/**
 * A validated callback: an absolute `https` URL (plain `http` only to a loopback host in
 * development mode), no credentials, no fragment, at most 2048 characters, a plain DNS or IP
 * host. A query is kept. Anything else → `undefined`. Never throws.
 */
export function callbackUrl(callback: unknown, options: CallbackUrlOptions): URL | undefined {
  if (typeof callback !== 'string' || callback.length > MAX_LENGTH) return undefined;
  // Judge the raw text: the URL parser would quietly drop whitespace and `\` means `/`.
  for (let i = 0; i < callback.length; i++) {
    const c = callback.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c || c === 0x23) return undefined;
  }
  if (!/^https?:\/\//i.test(callback)) return undefined;
  let url: URL;
  try {
    url = new URL(callback);
  } catch {
    return undefined;
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') return undefined;
  if (url.href.length > MAX_LENGTH || !HOST.test(url.hostname)) return undefined;
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && options.dev === true && LOOPBACK.test(url.hostname)) return url;
  return undefined;
}

/** The errors a resource returns to a callback (AAuth-11 §7.3.1). */
export type CallbackError =
  | 'access_denied'
  | 'user_abandoned'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'interaction_expired';

const CALLBACK_ERRORS: ReadonlySet<string> = new Set<CallbackError>([
  'access_denied',
  'user_abandoned',
  'server_error',
  'temporarily_unavailable',
  'interaction_expired',
]);

/**
 * `callback` with `error=<code>` added to its query. Existing parameters keep their exact
 * spelling (no re-encoding); an existing `error` parameter is replaced, so the recipient sees
 * one unambiguous value. Returns a new URL.
 */
export function withError(callback: URL, error: CallbackError): URL {
  if (!CALLBACK_ERRORS.has(error)) throw new TypeError(`unknown callback error "${error}"`);
  const url = new URL(callback.href);
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && pair.split('=', 1)[0] !== 'error');
  kept.push(`error=${error}`);
  url.search = `?${kept.join('&')}`;
  return url;
}
