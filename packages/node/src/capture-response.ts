import type { OutgoingHttpHeader, OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** A copy of the response an application sent, kept to answer repeats of the same poll. */
export interface CapturedResponse {
  /**
   * `true` when the application ended the response (`res.end()`), even if the client left
   * before the last bytes were flushed. `false` when the response closed before that (the
   * connection dropped mid-stream, a piped stream failed, the handler destroyed `res`): then
   * `status` is 500, `headers` is empty and `body` is `undefined`, since no full answer exists.
   */
  readonly complete: boolean;
  readonly status: number;
  /**
   * The headers the application set (`setHeader`, `writeHead`'s inline headers), lower-cased.
   * Headers Node adds on its own (`date`, `connection`, `transfer-encoding`, an implicit
   * `content-length`) are not included.
   */
  readonly headers: Record<string, string | string[]>;
  /**
   * The body bytes as passed to `write`/`end`; empty for `HEAD`, 1xx, 204 and 304 (Node sends
   * none); `undefined` when larger than `maxBytes`.
   */
  readonly body: Uint8Array | undefined;
}

type Write = ServerResponse['write'];
type End = ServerResponse['end'];
type WriteHead = ServerResponse['writeHead'];

/**
 * Copy what an application sends on `res` while it is sent normally, and hand the copy to
 * `onDone` once, when the response finishes or closes. Wraps `write`, `end` and `writeHead` on
 * this `res` only, so it works under Express (`res.send`/`res.json`), Koa (`res.end(body)`,
 * streams piped into `res`) and anything else that writes through them. Install it before
 * the application runs; wrappers installed later (e.g. compression) then hand it the bytes
 * that go on the wire.
 *
 * Throws `RangeError` for a negative or non-number `maxBytes`, `Error` when `res` has already
 * started.
 */
export function captureResponse(
  res: ServerResponse,
  maxBytes: number,
  onDone: (response: CapturedResponse) => void,
): void {
  if (typeof maxBytes !== 'number' || Number.isNaN(maxBytes) || maxBytes < 0) {
    throw new RangeError('captureResponse: maxBytes must be a number >= 0');
  }
  if (res.headersSent || res.writableEnded) {
    throw new Error('captureResponse: the response has already started');
  }

  let chunks: Uint8Array[] | undefined = [];
  let size = 0;
  let inline: Record<string, string | string[]> = {};
  let done = false;

  const copy = (chunk: unknown, encoding: unknown): void => {
    if (chunks === undefined || chunk === undefined || chunk === null) return;
    let bytes: Uint8Array;
    if (typeof chunk === 'string') {
      bytes = Buffer.from(
        chunk,
        typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
      );
    } else if (chunk instanceof Uint8Array) {
      // Copied: the kept response must not share memory with the application's buffers.
      bytes = new Uint8Array(chunk);
    } else {
      return;
    }
    size += bytes.length;
    if (size > maxBytes) chunks = undefined;
    else if (bytes.length > 0) chunks.push(bytes);
  };

  const write = res.write;
  const end = res.end;
  const writeHead = res.writeHead;

  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    const open = !res.writableEnded;
    const result = (write as (...args: unknown[]) => boolean).call(this, chunk, ...rest);
    if (open) copy(chunk, rest[0]);
    return result;
  } as Write;

  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    const open = !res.writableEnded;
    const result = (end as (...args: unknown[]) => ServerResponse).call(this, chunk, ...rest);
    if (open && typeof chunk !== 'function') copy(chunk, rest[0]);
    return result;
  } as End;

  res.writeHead = function (this: ServerResponse, status: number, ...rest: unknown[]) {
    // Node's own reading: `(status, reason, headers)` or `(status, headers)`.
    const headers = typeof rest[0] === 'string' ? rest[1] : (rest[1] ?? rest[0]);
    const result = (writeHead as (...args: unknown[]) => ServerResponse).call(
      this,
      status,
      ...rest,
    );
    // Without a prior setHeader, Node sends inline headers without storing them.
    inline = normalise(headers as OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined);
    return result;
  } as WriteHead;

  const finish = (): void => {
    if (done) return;
    done = true;
    res.off('finish', finish).off('close', finish);
    if (!res.writableEnded) {
      chunks = undefined;
      onDone({ complete: false, status: 500, headers: {}, body: undefined });
      return;
    }
    const status = res.statusCode;
    const headers = { ...inline, ...normalise(res.getHeaders()) };
    const bodyless = res.req?.method === 'HEAD' || status < 200 || status === 204 || status === 304;
    const body = bodyless ? new Uint8Array(0) : chunks && join(chunks, size);
    chunks = undefined;
    onDone({ complete: true, status, headers, body });
  };
  res.once('finish', finish).once('close', finish);
}

function normalise(
  headers: OutgoingHttpHeaders | OutgoingHttpHeader[] | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const add = (name: unknown, value: unknown): void => {
    if (typeof name !== 'string' || name === '' || value === undefined) return;
    const key = name.toLowerCase();
    const values = Array.isArray(value) ? value.map(String) : [String(value)];
    const prior = out[key];
    if (prior === undefined) out[key] = values.length === 1 ? (values[0] as string) : values;
    else out[key] = [...(Array.isArray(prior) ? prior : [prior]), ...values];
  };
  if (Array.isArray(headers)) {
    // Node accepts `[[name, value], …]` and the flat `[name, value, name, value, …]`.
    if (Array.isArray(headers[0])) for (const pair of headers as string[][]) add(pair[0], pair[1]);
    else for (let i = 0; i + 1 < headers.length; i += 2) add(headers[i], headers[i + 1]);
  } else if (headers !== undefined && headers !== null) {
    for (const name of Object.keys(headers)) add(name, headers[name]);
  }
  return out;
}

function join(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
