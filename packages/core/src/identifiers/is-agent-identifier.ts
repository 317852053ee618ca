import { isServerIdentifier } from './is-server-identifier.js';

const LOCAL = /^[A-Za-z0-9\-_+.]{1,255}$/;

/**
 * AAuth-11 §5.2: `aauth:local@domain`; `local` is 1–255 of `A-Za-z0-9-_+.` (uppercase allowed
 * since #164, compared case-sensitively), `domain` follows the server-identifier host rules.
 */
export function isAgentIdentifier(value: unknown): value is string {
  if (typeof value !== 'string' || !value.startsWith('aauth:')) return false;
  const at = value.lastIndexOf('@');
  if (at < 7) return false;
  const local = value.slice(6, at);
  const domain = value.slice(at + 1);
  return LOCAL.test(local) && isServerIdentifier(`https://${domain}`);
}
