import { type AAuthRequest, heldRunOf, readStreamUpTo } from '@aauth-gate/core';
import type { Context } from 'hono';

/** What the translation needs from the adapter's options. */
export interface TranslateSettings {
  readonly maxBodyBytes: number;
  readonly useHostHeader: boolean;
}

/**
 * The request target exactly as on the wire. On `@hono/node-server` the raw request line's
 * target (`c.env.incoming.url`), which the `Request` URL may have re-normalised; elsewhere the
 * `Request` URL with its origin sliced off (never re-parsed) and no fragment.
 */
export function wireTarget(c: Context): string {
  // A replayed held request: its own target, not the poll's request line.
  const held = heldRunOf(c.req.raw);
  if (held) return held.target;
  const incoming = (c.env as { incoming?: { url?: unknown } } | undefined)?.incoming;
  if (typeof incoming?.url === 'string' && incoming.url !== '') return incoming.url;
  const url = c.req.raw.url;
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start === -1) return '/';
  const hash = url.indexOf('#', start);
  return url.slice(start, hash === -1 ? undefined : hash);
}

/**
 * Translate a Hono request into core's neutral request. The body is read only if core asks
 * (the signature covers `content-digest`), so unsigned requests are never buffered.
 */
export function toAAuthRequest(c: Context, s: TranslateSettings): AAuthRequest {
  const raw = c.req.raw;
  return {
    method: raw.method,
    target: wireTarget(c),
    headers: raw.headers,
    authority: s.useHostHeader ? (raw.headers.get('host') ?? undefined) : undefined,
    body: () => readBody(c, s.maxBodyBytes),
    // Set on the replay of a held request (deferred delivery) only.
    deferred: heldRunOf(raw)?.run,
  };
}

async function readBody(c: Context, max: number): Promise<Uint8Array | undefined> {
  const raw = c.req.raw;
  if (raw.method === 'GET' || raw.method === 'HEAD') return undefined;
  const declared = raw.headers.get('content-length');
  const known = declared !== null && !raw.headers.has('transfer-encoding');
  if (known && !(Number(declared) <= max)) return undefined;
  if (known || raw.bodyUsed) {
    // Hono caches the bytes (or converts what an earlier middleware cached), so `c.req.json()`
    // & co. still work in the handler.
    return c.req.arrayBuffer().then(
      (bytes) => (bytes.byteLength <= max ? new Uint8Array(bytes) : undefined),
      () => undefined,
    );
  }
  return raw.body === null ? undefined : readBounded(c, raw.body, max);
}

/** A body of unknown length: read at most `max` bytes; the handler gets the whole body back. */
async function readBounded(
  c: Context,
  body: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array | undefined> {
  const { bytes, replay } = await readStreamUpTo(body, max);
  const { url, method, headers, signal } = c.req.raw;
  c.req.raw = new Request(url, {
    method,
    headers,
    signal,
    body: replay,
    duplex: 'half',
  } as RequestInit);
  return bytes;
}
