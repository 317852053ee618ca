/** What reading a body stream up to a limit gives back. */
export interface StreamPeek {
  /** The whole body, or `undefined` when it was larger than the limit or failed. */
  readonly bytes: Uint8Array | undefined;
  /** The same body again, in full, for the application (the original stream is consumed). */
  readonly replay: ReadableStream<Uint8Array>;
}

/**
 * Read a Web `ReadableStream` body up to `maxBytes` for `content-digest`, and hand back a
 * stream with the very same bytes (all of them, also past the limit) for the application.
 * For fetch-style adapters (Hono, Workers, Bun); runtime-neutral.
 */
export async function readStreamUpTo(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<StreamPeek> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  let failed = false;
  try {
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      chunks.push(r.value);
      size += r.value.byteLength;
      if (size > maxBytes) break;
    }
  } catch {
    failed = true;
  }
  let bytes: Uint8Array | undefined;
  if (!failed && size <= maxBytes) {
    bytes = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      bytes.set(c, offset);
      offset += c.byteLength;
    }
  }
  const replay = new ReadableStream<Uint8Array>({
    start(ctl) {
      for (const chunk of chunks) ctl.enqueue(chunk);
      if (bytes !== undefined || failed) ctl.close();
    },
    async pull(ctl) {
      const r = await reader.read();
      if (r.done) ctl.close();
      else ctl.enqueue(r.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { bytes, replay };
}
