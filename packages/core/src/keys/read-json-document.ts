import { utf8Decode } from '../internal/base64.js';
import { checkEgressUrl } from './egress-url.js';
import type { FetchLike } from './fetch-like.js';

/** Limits for one discovery fetch. */
export interface DocumentFetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly dev: boolean;
}

/** A fetched JSON object with the freshness its cache headers ask for. */
export type FetchedDocument =
  | {
      readonly ok: true;
      readonly json: Record<string, unknown>;
      readonly maxAge: number | undefined;
    }
  | { readonly ok: false; readonly detail: string };

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) return undefined;
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function parseMaxAge(cacheControl: string | null): number | undefined {
  if (!cacheControl) return undefined;
  if (/(?:^|,)\s*(?:no-store|no-cache)\b/i.test(cacheControl)) return 0;
  const m = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?/i.exec(cacheControl);
  return m ? Number(m[1]) : undefined;
}

/** GET one metadata or JWKS document under egress admission, bounded in time and size. */
export async function readJsonDocument(
  fetch: FetchLike,
  url: string,
  limits: DocumentFetchLimits,
): Promise<FetchedDocument> {
  const admitted = checkEgressUrl(url, limits.dev);
  if (!admitted.ok) return { ok: false, detail: `egress refused: ${admitted.detail}` };
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The deadline holds even when a fetch ignores its signal: race it.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error('timed out'));
    }, limits.timeoutMs);
  });
  try {
    return await Promise.race([
      fetchDocument(fetch, admitted.url.href, controller.signal, limits.maxBytes),
      deadline,
    ]);
  } catch (error) {
    return {
      ok: false,
      detail: controller.signal.aborted
        ? 'timed out'
        : error instanceof SyntaxError
          ? 'invalid JSON'
          : 'fetch failed',
    };
  } finally {
    clearTimeout(timer);
  }
}

async function fetchDocument(
  fetch: FetchLike,
  url: string,
  signal: AbortSignal,
  maxBytes: number,
): Promise<FetchedDocument> {
  const response = await fetch(url, { signal, headers: { accept: 'application/json' } });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, detail: `status ${response.status}` };
  }
  const bytes = await readCapped(response, maxBytes);
  if (!bytes) return { ok: false, detail: 'document too large' };
  const json: unknown = JSON.parse(utf8Decode(bytes));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, detail: 'document is not a JSON object' };
  }
  return {
    ok: true,
    json: json as Record<string, unknown>,
    maxAge: parseMaxAge(response.headers.get('cache-control')),
  };
}
