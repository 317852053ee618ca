import type { IncomingMessage, ServerResponse } from 'node:http';

/** Whether the message framing announces a body (`content-length` or `transfer-encoding`). */
export function hasBody(req: IncomingMessage): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined
  );
}

/**
 * Read an unread request body without consuming it: collect up to `max` bytes, then put
 * them back with `unshift()`, so a body parser later in the chain reads the same stream.
 * Resolves the bytes when the whole body arrived, `undefined` when it is larger than `max`
 * or the stream failed (core then answers; nothing is lost for later readers).
 */
export function peekBody(
  req: IncomingMessage,
  res: ServerResponse,
  max: number,
): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length']) > max) return Promise.resolve(undefined);
  // Nothing announced or nothing left: the empty body is the body (no 'readable' would come).
  if (req.headers['content-length'] === '0' && req.headers['transfer-encoding'] === undefined) {
    return Promise.resolve(Buffer.alloc(0));
  }
  // Reading opts out of Node's own draining of unread bodies; restore it, or a keep-alive
  // connection stalls behind a body nobody reads.
  res.once('finish', () => req.readableEnded || req.resume());
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (complete: boolean): void => {
      req.off('readable', onReadable).off('error', onStop).off('close', onStop);
      const bytes = Buffer.concat(chunks);
      // Before 'end' is emitted the stream accepts the bytes back, and 'end' waits for them.
      if (bytes.length > 0 && !req.readableEnded && !req.destroyed) req.unshift(bytes);
      resolve(complete ? bytes : undefined);
    };
    const onStop = (): void => finish(false);
    const onReadable = (): void => {
      for (let chunk: Buffer | null = req.read(); chunk !== null; chunk = req.read()) {
        chunks.push(chunk);
        size += chunk.length;
        if (size > max) break;
      }
      // `complete` turns true when the parser has seen the end of the message.
      if (size > max) finish(false);
      else if (req.complete) finish(true);
    };
    req.on('readable', onReadable).once('error', onStop).once('close', onStop);
    // The whole body may already be buffered (its 'readable' came before anyone listened).
    if (req.complete) onReadable();
  });
}
