import { isIP } from 'node:net';

/**
 * What an IP address is, as far as egress admission cares. Only `public` is reachable by
 * default; `loopback` and `private` can be opted into; everything else is always refused.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'reserved'
  | 'invalid';

/** Which non-public classes an egress policy admits. */
export interface AddressPolicy {
  /** Admit loopback (127.0.0.0/8, ::1). Default `false`. */
  readonly allowLoopback?: boolean;
  /** Admit private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7, fec0::/10). Default `false`. */
  readonly allowPrivate?: boolean;
}

type Range4 = readonly [base: number, prefix: number, cls: AddressClass];

// IANA IPv4 special-purpose registry, most specific first where ranges nest.
const V4_RANGES: readonly Range4[] = [
  [ipv4(255, 255, 255, 255), 32, 'broadcast'],
  [ipv4(0, 0, 0, 0), 8, 'unspecified'], // "this network": connecting to 0.x reaches the host itself
  [ipv4(10, 0, 0, 0), 8, 'private'],
  [ipv4(100, 64, 0, 0), 10, 'private'], // CGNAT shared space
  [ipv4(127, 0, 0, 0), 8, 'loopback'],
  [ipv4(169, 254, 0, 0), 16, 'link_local'], // incl. 169.254.169.254 cloud metadata
  [ipv4(172, 16, 0, 0), 12, 'private'],
  [ipv4(192, 0, 0, 0), 24, 'reserved'], // IETF protocol assignments
  [ipv4(192, 0, 2, 0), 24, 'documentation'],
  [ipv4(192, 31, 196, 0), 24, 'reserved'], // AS112
  [ipv4(192, 52, 193, 0), 24, 'reserved'], // AMT
  [ipv4(192, 88, 99, 0), 24, 'reserved'], // deprecated 6to4 relay anycast
  [ipv4(192, 168, 0, 0), 16, 'private'],
  [ipv4(192, 175, 48, 0), 24, 'reserved'], // direct delegation AS112
  [ipv4(198, 18, 0, 0), 15, 'reserved'], // benchmarking
  [ipv4(198, 51, 100, 0), 24, 'documentation'],
  [ipv4(203, 0, 113, 0), 24, 'documentation'],
  [ipv4(224, 0, 0, 0), 4, 'multicast'],
  [ipv4(240, 0, 0, 0), 4, 'reserved'],
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function inV4(value: number, base: number, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (value & mask) >>> 0 === base;
}

function parseV4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = value * 256 + n;
  }
  return value;
}

function classifyV4(value: number): AddressClass {
  for (const [base, prefix, cls] of V4_RANGES) {
    if (inV4(value, base, prefix)) return cls;
  }
  return 'public';
}

/** Parses an IPv6 literal (no brackets, zone id already removed) into eight 16-bit groups. */
function parseV6(text: string): number[] | undefined {
  let head = text;
  const tail: number[] = [];
  // An embedded dotted IPv4 tail (::ffff:127.0.0.1) fills the last two groups.
  const lastColon = head.lastIndexOf(':');
  const maybeV4 = head.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    const v4 = parseV4(maybeV4);
    if (v4 === undefined) return undefined;
    tail.push(v4 >>> 16, v4 & 0xffff);
    head = head.slice(0, lastColon + 1);
    // Keep "::" intact; drop a single trailing ':' that only separated the IPv4 part.
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (part: string | undefined): number[] | undefined => {
    if (part === undefined || part === '') return [];
    const groups: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
      groups.push(Number.parseInt(g, 16));
    }
    return groups;
  };
  const left = toGroups(halves[0]);
  const right = toGroups(halves[1]);
  if (left === undefined || right === undefined) return undefined;
  const explicit = left.length + right.length + tail.length;
  if (halves.length === 2) {
    if (explicit > 7) return undefined;
    return [...left, ...new Array<number>(8 - explicit).fill(0), ...right, ...tail];
  }
  if (explicit !== 8) return undefined;
  return [...left, ...tail];
}

function classifyV6(g: readonly number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const embedded = ((g6 << 16) | g7) >>> 0;
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0) {
    if (g7 === 0) return 'unspecified'; // ::
    if (g7 === 1) return 'loopback'; // ::1
  }
  // IPv4-mapped ::ffff:a.b.c.d is how dual-stack sockets reach IPv4: judge the IPv4 address.
  if (upperZero && g5 === 0xffff) return classifyV4(embedded);
  // Deprecated IPv4-compatible (::a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d).
  if (upperZero) return 'reserved';
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return 'reserved';
  // NAT64 well-known prefix 64:ff9b::/96 reaches the embedded IPv4 address via a translator.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) {
    return classifyV4(embedded);
  }
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'reserved'; // local-use NAT64 64:ff9b:1::/48
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard 100::/64
  if ((g0 & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if ((g0 & 0xffc0) === 0xfe80) return 'link_local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local fec0::/10
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if (g0 === 0x2001 && g1 === 0x0db8) return 'documentation'; // 2001:db8::/32
  if (g0 === 0x3fff && (g1 & 0xf000) === 0) return 'documentation'; // 3fff::/20
  // 6to4 2002::/16 tunnels to the embedded IPv4 address in groups 1–2.
  if (g0 === 0x2002) {
    return classifyV4(((g1 << 16) | g2) >>> 0);
  }
  // IETF protocol assignments 2001::/23 (Teredo, benchmarking, ORCHID, …): never an issuer.
  if (g0 === 0x2001 && g1 < 0x0200) return 'reserved';
  if (g0 === 0x3ffe) return 'reserved'; // former 6bone
  // Only global unicast 2000::/3 is public; the rest of the space is unassigned.
  if ((g0 & 0xe000) === 0x2000) return 'public';
  return 'reserved';
}

/**
 * Classifies an IP address literal (IPv4 dotted quad or IPv6, with or without brackets or a
 * zone id). IPv4-mapped IPv6 (`::ffff:127.0.0.1`, `::ffff:7f00:1`), NAT64 and 6to4 forms are
 * judged by the IPv4 address they reach. Anything that is not an IP literal is `invalid`.
 */
export function classifyAddress(address: string): AddressClass {
  let text = address.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const zone = text.indexOf('%');
  if (zone !== -1) text = text.slice(0, zone);
  const family = isIP(text);
  if (family === 4) {
    const v4 = parseV4(text);
    return v4 === undefined ? 'invalid' : classifyV4(v4);
  }
  if (family === 6) {
    const groups = parseV6(text);
    return groups === undefined ? 'invalid' : classifyV6(groups);
  }
  return 'invalid';
}

/**
 * Whether egress to this IP address is admitted: public addresses always; loopback and private
 * ranges only when the policy says so; link-local (cloud metadata), unspecified, multicast,
 * broadcast, documentation, reserved and non-IP input never.
 */
export function isAddressAllowed(address: string, policy: AddressPolicy = {}): boolean {
  switch (classifyAddress(address)) {
    case 'public':
      return true;
    case 'loopback':
      return policy.allowLoopback === true;
    case 'private':
      return policy.allowPrivate === true;
    default:
      return false;
  }
}
