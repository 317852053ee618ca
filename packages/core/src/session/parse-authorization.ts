/** Result of reading `Authorization` for an AAuth session token. */
export type AuthorizationAAuthResult =
  | { readonly token: string }
  | { readonly error: 'absent' | 'malformed' };

// RFC 9110 §11.2: token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 9110 §5.6.2 token, for the auth-scheme.
const SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Above any session token `open` reads (4096) plus the scheme; refuse before scanning.
const MAX_LENGTH = 4160;

/**
 * Read `Authorization: AAuth <token68>` (AAuth-11 §6.3). The scheme is matched
 * case-insensitively and followed by exactly one space; everything else is strict: an empty
 * field or token, embedded whitespace, control characters, a comma (a second credential) or
 * a character outside token68 is `malformed`. A missing field, or one credential of another
 * scheme, is `absent`: the request carries no session token. Never throws.
 */
export function parseAuthorizationAAuth(value: string | undefined): AuthorizationAAuthResult {
  if (value === undefined) return { error: 'absent' };
  if (typeof value !== 'string' || value === '' || value.length > MAX_LENGTH) {
    return { error: 'malformed' };
  }
  // Control characters and commas make the whole field unusable, whatever the scheme.
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x2c) return { error: 'malformed' };
  }
  const sp = value.indexOf(' ');
  const scheme = sp === -1 ? value : value.slice(0, sp);
  if (!SCHEME.test(scheme)) return { error: 'malformed' };
  if (scheme.toLowerCase() !== 'aauth') return { error: 'absent' };
  const token = sp === -1 ? '' : value.slice(sp + 1);
  if (!TOKEN68.test(token)) return { error: 'malformed' };
  return { token };
}
