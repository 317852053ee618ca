// localhost and every *.localhost name resolve to loopback (RFC 6761 §6.3).
const LOOPBACK_HOST = /^(?:(?:[a-z0-9-]+\.)*localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether an IPv4 literal lies in a range key discovery must never reach by default. */
function isRefusedIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  if (!m) return false;
  const a = Number(m[1]);
  const b = Number(m[2]);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    a >= 224
  );
}

/** The URL-level part of egress admission that needs no DNS (digest §6). */
export type EgressUrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly detail: string };

/**
 * `https` only; plain `http` only to a loopback host in development mode. IP literals in
 * loopback, private, link-local and reserved ranges are refused unless development mode
 * allows loopback. Names are resolved by the fetch itself: on Node, `@aauth-gate/node` checks
 * and pins every resolved address.
 */
export function checkEgressUrl(raw: string, dev: boolean): EgressUrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, detail: 'not a URL' };
  }
  if (url.username || url.password) return { ok: false, detail: 'credentials in URL' };
  // A trailing dot names the same host (`localhost.`): compare without it.
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const loopback = LOOPBACK_HOST.test(host);
  if (url.protocol === 'http:') {
    return dev && loopback ? { ok: true, url } : { ok: false, detail: 'plain http refused' };
  }
  if (url.protocol !== 'https:') return { ok: false, detail: 'scheme refused' };
  if (loopback && !dev) return { ok: false, detail: 'loopback address refused' };
  if (!loopback && isRefusedIpv4(host)) return { ok: false, detail: 'address refused' };
  if (host.startsWith('[') && !loopback) {
    // IPv6 literals: only global unicast (2000::/3) is allowed.
    if (!/^\[[23][0-9a-f]{3}:/.test(host)) return { ok: false, detail: 'address refused' };
  }
  return { ok: true, url };
}
