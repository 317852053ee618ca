import type { Answer } from '../answers/answer.js';
import { encodeBase64, encodeBase64Url } from '../internal/base64.js';
import { randomBytes } from '../internal/crypto.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import type { HeaderFields } from '../request/header-fields.js';
import type { StateStore } from '../state/state-store.js';
import {
  type HeldInvocation,
  type PendingRecord,
  pendingKey,
  recordTtl,
} from './pending-record.js';

/** Where pending URLs live on the resource's origin. */
export const PENDING_PATH_PREFIX = '/aauth/pending/';

/** Settings of deferred answers, validated by `createAAuth`. */
export interface PendingConfig {
  readonly state: StateStore;
  readonly now: () => number;
  /** `Retry-After` seconds on pending answers. */
  readonly retryAfter: number;
  /** Seconds a pending request waits for the agent before `408 expired`. */
  readonly ttl: number;
  /** Largest body a held invocation keeps. */
  readonly maxBodyBytes: number;
  /** Requests one agent key may have held within `ttl` (bounds what one key can park). */
  readonly maxPerKey: number;
}

// Not replayed: the signature belongs to the original request, hop-by-hop fields to its connection.
const DROPPED = new Set([
  'signature',
  'signature-input',
  'signature-key',
  'authorization',
  'aauth-capabilities',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
]);

/** A `202` pending answer (AAuth-11 §11.8): same-origin `Location`, `Retry-After`, `no-store`. */
export function pendingAnswer(
  id: string,
  retryAfter: number,
  requirement: string | undefined,
  status: 'pending' | 'interacting' = 'pending',
): Answer {
  const headers: Record<string, string> = {
    location: `${PENDING_PATH_PREFIX}${id}`,
    'retry-after': String(retryAfter),
    'cache-control': 'no-store',
    'content-type': 'application/json',
  };
  if (requirement !== undefined) headers['aauth-requirement'] = requirement;
  return { status: 202, headers, body: `{"status":"${status}"}` };
}

/**
 * Copy what replaying the request needs: method, target, field lines and body. `undefined`
 * when the body cannot be kept (unreadable or larger than the limit): then the caller answers
 * `401` instead, which every agent supports.
 */
export async function captureInvocation(
  config: PendingConfig,
  request: AAuthRequest,
  fields: HeaderFields,
): Promise<HeldInvocation | undefined> {
  const length = fields.get('content-length')?.[0];
  const announced =
    fields.has('transfer-encoding') || (length !== undefined && length.trim() !== '0');
  let body: Uint8Array | undefined;
  if (request.body instanceof Uint8Array) body = request.body;
  else if (announced && typeof request.body === 'function') body = await request.body();
  if (announced && body === undefined) return undefined;
  if (body !== undefined && body.length > config.maxBodyBytes) return undefined;
  const headers: [string, string][] = [];
  for (const [name, lines] of fields) {
    if (DROPPED.has(name)) continue;
    for (const line of lines) headers.push([name, line]);
  }
  return {
    method: request.method,
    target: request.target,
    headers,
    ...(body && body.length > 0 ? { body: encodeBase64(body) } : {}),
  };
}

/** A fresh unguessable pending id: 128 random bits (AAuth-11 §13.2). */
export function newPendingId(): string {
  return encodeBase64Url(randomBytes(16));
}

/**
 * Store a new pending record; its TTL leaves room for the result to be kept afterwards.
 * `false` when the key already has `maxPerKey` requests held in this window (the count is
 * approximate under concurrency; it bounds, it does not meter).
 */
export async function storePending(config: PendingConfig, record: PendingRecord): Promise<boolean> {
  const ttl = recordTtl(record, config.now());
  const countKey = `aauth:held-by:${record.jkt}`;
  const count = Number((await config.state.get(countKey)) ?? '0');
  if (!(count < config.maxPerKey)) return false;
  await config.state.set(countKey, String(count + 1), ttl);
  await config.state.set(pendingKey(record.id), JSON.stringify(record), ttl);
  return true;
}
