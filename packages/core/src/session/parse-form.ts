// The consent form's POST body (application/x-www-form-urlencoded). It comes from a browser
// anyone can script, so parsing is bounded and strict and never throws.

const MAX_BYTES = 16 * 1024;
const MAX_FIELDS = 20;
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeComponent(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * Fields of a urlencoded body. `+` is a space, `%XX` is UTF-8; a pair without `=` has an
 * empty value; empty pairs are skipped. Anything suspicious yields `{}` as a whole (so the
 * caller sees missing fields): no body, over 16 KiB, over 20 fields, a repeated name (which
 * value would count is ambiguous), an empty name, a malformed `%` escape, invalid UTF-8.
 * The result has no prototype, so names such as `__proto__` are plain keys.
 */
export function parseForm(bytes: Uint8Array | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_BYTES) return out;
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return out;
  }
  const pairs = text.split('&');
  let count = 0;
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = decodeComponent(eq === -1 ? '' : pair.slice(eq + 1));
    if (name === undefined || value === undefined || name === '') return Object.create(null);
    if (Object.hasOwn(out, name) || ++count > MAX_FIELDS) return Object.create(null);
    out[name] = value;
  }
  return out;
}
