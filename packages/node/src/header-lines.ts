import type { IncomingMessage } from 'node:http';

/**
 * The request's header field lines exactly as received, in order, as `[name, value]` pairs.
 * Node's `req.headers` keeps only the first of repeated `content-type`, `authorization`,
 * `host`, … lines; RFC 9421 joins every line, so adapters hand core these instead.
 */
export function headerLines(req: Pick<IncomingMessage, 'rawHeaders'>): [string, string][] {
  const raw = req.rawHeaders;
  const lines: [string, string][] = new Array(raw.length >> 1);
  for (let i = 0; i + 1 < raw.length; i += 2)
    lines[i >> 1] = [raw[i] as string, raw[i + 1] as string];
  return lines;
}
