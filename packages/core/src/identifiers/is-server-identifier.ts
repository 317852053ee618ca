// A DNS host in A-label form: lowercase LDH labels separated by dots (IDNs as xn-- labels).
const HOST =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const LOOPBACK_DEV = /^http:\/\/(?:localhost|127\.0\.0\.1|\[::1\])(?::\d{1,5})?$/;

/**
 * AAuth-11 §11.1.1: `https`, scheme and host only — no port, path, query, fragment or
 * trailing slash; lowercase; exact string. Compared as strings, never normalised.
 */
export function isServerIdentifier(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('https://')) return false;
  return HOST.test(value.slice(8));
}

/**
 * Development only (digest §20 A23): a loopback origin with a port and plain `http`
 * (`http://localhost:4000`, `http://127.0.0.1:4000`), or a host-only `https` identifier
 * with a port. Never accepted unless the operator enables development mode.
 */
export function isDevServerIdentifier(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  if (isServerIdentifier(value)) return true;
  if (LOOPBACK_DEV.test(value)) return true;
  const m = /^https:\/\/([^/:?#]+):(\d{1,5})$/.exec(value);
  return m !== null && HOST.test(m[1] as string);
}
