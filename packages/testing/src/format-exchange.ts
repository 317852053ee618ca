import { decodeJwt } from 'jose';
import type { AgentExchange } from './test-agent.js';

const AAUTH_HEADERS = [
  'aauth-requirement',
  'signature-error',
  'accept-signature-alg',
  'accept-signature-scheme',
  'location',
  'retry-after',
  'aauth-access',
];

/** Text styles for narration. */
export interface Palette {
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly green: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly cyan: (s: string) => string;
}

/** Colour only on a terminal (and never when NO_COLOR is set). */
export function palette(tty: boolean): Palette {
  const on = tty && !process.env.NO_COLOR;
  const wrap = (code: number) => (s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);
  return {
    dim: wrap(2),
    bold: wrap(1),
    green: wrap(32),
    red: wrap(31),
    yellow: wrap(33),
    cyan: wrap(36),
  };
}

function shorten(value: string, max = 96): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/** Claims worth showing, never the signature. */
export function describeToken(token: string): string {
  const c = decodeJwt(token);
  const pick = ['iss', 'sub', 'aud', 'ps', 'scope', 'jti', 'exp'].filter((k) => c[k] !== undefined);
  const parts = pick.map((k) => `${k}=${typeof c[k] === 'string' ? c[k] : JSON.stringify(c[k])}`);
  // R3: the document named (by its path) and the operations granted.
  if (typeof c.r3_uri === 'string') parts.push(`r3_uri=${new URL(c.r3_uri).pathname}`);
  for (const claim of ['r3_granted', 'r3_per_call'] as const) {
    const ops = (c[claim] as { operations?: Record<string, string>[] } | undefined)?.operations;
    if (Array.isArray(ops))
      parts.push(`${claim}=${ops.map((o) => Object.values(o).join('')).join(',')}`);
  }
  return parts.join(' ');
}

/** One exchange as a few readable lines. */
export function formatExchange(e: AgentExchange, c: Palette, seen: Set<string>): string[] {
  const url = new URL(e.url);
  const lines = [
    `  ${c.cyan('→')} ${c.bold(e.method)} ${url.pathname}${url.search}  ${c.dim(`[${e.presented === 'none' ? 'unsigned' : `signed with ${e.presented} token`}]`)}`,
  ];
  if (e.token && !seen.has(e.token)) {
    seen.add(e.token);
    lines.push(`      ${c.dim(`${e.presented} token: ${describeToken(e.token)}`)}`);
  }
  const status =
    e.status < 300
      ? c.green(String(e.status))
      : e.status < 500
        ? c.yellow(String(e.status))
        : c.red(String(e.status));
  lines.push(`  ${c.cyan('←')} ${status}`);
  for (const h of AAUTH_HEADERS) {
    const v = e.responseHeaders[h];
    if (v) lines.push(`      ${h}: ${shorten(v)}`);
  }
  const rt = /resource-token="([^"]+)"/.exec(e.responseHeaders['aauth-requirement'] ?? '')?.[1];
  if (rt) lines.push(`      ${c.dim(`resource token: ${describeToken(rt)}`)}`);
  const type = e.responseHeaders['content-type'] ?? '';
  if (e.responseBody && type.includes('json')) {
    // Tokens in bodies are shown by their claims when presented, not as raw JWTs.
    const body = e.responseBody.replace(/"(ey[\w-]+\.[\w-]+\.[\w-]+)"/g, '"<jwt>"');
    lines.push(`      ${c.dim(shorten(body, 140))}`);
  }
  return lines;
}
