import type { Answer } from '../answers/answer.js';
import { buildProblem, buildRequirementChallenge } from '../answers/build-answer.js';
import { decodeBase64 } from '../internal/base64.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import { mintResourceToken } from '../resource/mint-resource-token.js';
import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import { failureResult } from '../verify/failure-answer.js';
import type { AAuthPrincipal } from '../verify/principal.js';
import { toPrincipal } from '../verify/to-principal.js';
import type { SignedRequestVerifier } from '../verify/verify-signed-request.js';
import { type CapturedResponse, type HeldDispatch, newRun } from './deferred-run.js';
import { type PendingConfig, pendingAnswer } from './hold-invocation.js';
import {
  completedByKey,
  type PendingRecord,
  parsePendingRecord,
  pendingKey,
  recordTtl,
  type StoredResponse,
} from './pending-record.js';

/** What answering polls needs beyond the pending settings. */
export interface PollConfig extends PendingConfig {
  readonly verifier: SignedRequestVerifier;
  readonly signingKey: ResourceSigningKey | undefined;
  readonly lifetime: number;
  /** Largest result body kept for repeats. */
  readonly maxResultBytes: number;
  /** Whether an auth token grants the held R3 operation (or carries the held proposal). */
  readonly grantsOperation?: (
    principal: AAuthPrincipal,
    operation: NonNullable<PendingRecord['operation']>,
    proposal: string | undefined,
  ) => boolean;
  /** Two-party: seal a session for an approved interaction (`AAuth-Access`). */
  readonly issueSession?: (
    record: PendingRecord,
    principal: AAuthPrincipal,
  ) => Promise<{ token: string; principal: AAuthPrincipal }>;
}

const ID = /^[A-Za-z0-9_-]{22}$/;

const gone = (): Answer =>
  buildProblem(410, 'invalid_code', 'this pending request is unknown or already finished');

/**
 * A signed `GET` of a pending URL (AAuth-11 §11.8, §6.5.1): verify the poll, check it comes
 * from the key that made the request, and either answer (`202`, `403`, `408`, `410`, the kept
 * result) or claim the record — exactly one poll wins — and hand the held request back to the
 * adapter to run.
 */
export async function handlePendingPoll(
  config: PollConfig,
  request: AAuthRequest,
  fields: HeaderFields,
  id: string,
): Promise<Answer | HeldDispatch> {
  if (request.method !== 'GET') {
    return buildProblem(405, 'invalid_request', 'poll a pending URL with GET', { allow: 'GET' });
  }
  if (!ID.test(id)) return gone();
  const key = pendingKey(id);
  const raw = await config.state.get(key);
  const record = parsePendingRecord(raw);
  if (raw === undefined || record === undefined) return gone();

  const signature = fieldValue(fields, 'signature');
  const input = fieldValue(fields, 'signature-input');
  const sigKey = fieldValue(fields, 'signature-key');
  if (signature === undefined || input === undefined || sigKey === undefined)
    return buildRequirementChallenge('agent-token');
  const outcome = await config.verifier.verify(
    request,
    fields,
    { input, signature, key: sigKey },
    [],
  );
  if (!outcome.ok) {
    const failed = failureResult(outcome.failure);
    return 'answer' in failed ? failed.answer : gone();
  }
  const principal = toPrincipal(outcome.verified);
  // The pending URL is bound to the key that made the request (digest §20 A32).
  if (principal.keyThumbprint !== record.jkt) {
    return buildProblem(403, 'denied', 'this pending request belongs to another key');
  }

  if (record.state === 'done') {
    // A repeated presentation of the completing token gets the kept result (AAuth-11 §6.5.1).
    if (record.result && principal.jti === record.jti) return storedAnswer(record.result);
    return gone();
  }
  if (record.state === 'running') return pendingAnswer(id, 1, undefined);

  const now = config.now();
  if (now > record.expires) {
    const result = buildProblem(408, 'expired', 'the pending request expired');
    await finish(config, key, raw, record, now + 60);
    return result;
  }
  if (record.kind === 'interaction') return interactionPoll(config, key, raw, record, principal);

  if (!qualifies(config, record, principal)) return authTokenPending(config, key, raw, record);
  return claim(config, key, raw, record, principal, principal, {});
}

async function interactionPoll(
  config: PollConfig,
  key: string,
  raw: string,
  record: PendingRecord,
  principal: AAuthPrincipal,
): Promise<Answer | HeldDispatch> {
  if (record.decision === 'denied') {
    const result = buildProblem(403, 'denied', 'the user denied the request');
    await finish(config, key, raw, record, config.now() + 60);
    return result;
  }
  if (record.decision === 'approved' && config.issueSession) {
    const session = await config.issueSession(record, principal);
    return claim(config, key, raw, record, principal, session.principal, {
      'aauth-access': session.token,
    });
  }
  const slow = await slowDown(config, record.id);
  if (slow) return slow;
  const status = record.interacting ? 'interacting' : 'pending';
  return pendingAnswer(record.id, config.retryAfter, record.requirement, status);
}

/**
 * `429 slow_down` for a poll that changes nothing and comes sooner than half of `Retry-After`
 * after the previous one (AAuth-11 §11.9): each poll costs a signature verification. Polls
 * that complete the request are never slowed down.
 */
async function slowDown(config: PollConfig, id: string): Promise<Answer | undefined> {
  const window = Math.floor(config.retryAfter / 2);
  if (window < 1) return undefined;
  if (await config.state.add(`aauth:polled:${id}`, '1', window)) return undefined;
  return buildProblem(429, 'slow_down', 'poll less often: add 5 seconds to the interval', {
    'retry-after': String(config.retryAfter + 5),
  });
}

function qualifies(config: PollConfig, record: PendingRecord, p: AAuthPrincipal): boolean {
  if (p.tokenType !== 'auth' || !record.mint) return false;
  // Consent must come from the person the request was held for.
  if (p.ps !== record.mint.ps || p.sub !== record.mint.sub) return false;
  if (!(record.scopes ?? []).every((s) => p.scope.includes(s))) return false;
  if (record.operation) {
    return config.grantsOperation?.(p, record.operation, record.proposal) ?? false;
  }
  return true;
}

/** Still waiting for an auth token: the same requirement, with a fresh resource token if needed. */
async function authTokenPending(
  config: PollConfig,
  key: string,
  raw: string,
  record: PendingRecord,
): Promise<Answer> {
  const slow = await slowDown(config, record.id);
  if (slow) return slow;
  let token = record.resourceToken;
  const now = config.now();
  if (
    config.signingKey &&
    record.mint &&
    (token === undefined || (record.resourceTokenExp ?? 0) - now < 10)
  ) {
    const minted = await mintResourceToken(config.signingKey, {
      ...record.mint,
      now,
      lifetime: config.lifetime,
    });
    token = minted.token;
    const next: PendingRecord = {
      ...record,
      resourceToken: token,
      resourceTokenExp: Math.floor(now) + config.lifetime,
    };
    // Best effort: a concurrent poll may have refreshed it too; both tokens are valid.
    await config.state.compareAndSet(key, raw, JSON.stringify(next), recordTtl(record, now));
  }
  const requirement =
    token === undefined ? undefined : `requirement=auth-token;resource-token="${token}"`;
  return pendingAnswer(record.id, config.retryAfter, requirement);
}

/** Claim the record for this poll; exactly one concurrent poll succeeds and runs the request. */
async function claim(
  config: PollConfig,
  key: string,
  raw: string,
  record: PendingRecord,
  poll: AAuthPrincipal,
  runAs: AAuthPrincipal,
  responseHeaders: Readonly<Record<string, string>>,
): Promise<Answer | HeldDispatch> {
  const now = config.now();
  const exp = typeof poll.claims.exp === 'number' ? poll.claims.exp : now + 60;
  const running: PendingRecord = { ...record, state: 'running', jti: poll.jti, tokenExp: exp };
  const runningJson = JSON.stringify(running);
  // Long enough to answer repeats until the completing token expires (AAuth-11 §6.5.1).
  const keep = Math.max(60, Math.ceil(exp - now) + 60);
  if (!(await config.state.compareAndSet(key, raw, runningJson, keep)))
    return pendingAnswer(record.id, 1, undefined);
  const body = record.held.body === undefined ? undefined : decodeBase64(record.held.body);
  let completed = false;
  return {
    kind: 'dispatch',
    method: record.held.method,
    target: record.held.target,
    headers: record.held.headers,
    body,
    responseHeaders,
    run: newRun(record.id, runAs),
    async complete(response: CapturedResponse): Promise<void> {
      if (completed) return;
      completed = true;
      const result = keepable(response, config.maxResultBytes);
      const done: PendingRecord = { ...running, state: 'done', result };
      await config.state.compareAndSet(key, runningJson, JSON.stringify(done), keep);
      // A later presentation of the same token elsewhere is answered from this result too.
      await config.state.set(completedByKey(poll.iss, poll.jti), record.id, keep);
    },
  };
}

async function finish(
  config: PollConfig,
  key: string,
  raw: string,
  record: PendingRecord,
  until: number,
): Promise<void> {
  // Terminal: later polls get 410 (AAuth-11 §13.2).
  const done: PendingRecord = { ...record, state: 'done', result: null };
  await config.state.compareAndSet(
    key,
    raw,
    JSON.stringify(done),
    Math.max(1, Math.ceil(until - config.now())),
  );
}

export function storedAnswer(result: StoredResponse): Answer {
  return { status: result.status, headers: result.headers, body: result.body };
}

// Not kept: they describe the original connection or would set state twice.
const NOT_KEPT = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'date',
  'set-cookie',
]);

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The response as kept for repeats; `null` when it cannot be kept as text within the limit. */
export function keepable(response: CapturedResponse, max: number): StoredResponse | null {
  let body = '';
  if (response.body !== undefined) {
    if (response.body.length > max) return null;
    try {
      body = decoder.decode(response.body);
    } catch {
      return null;
    }
  } else if (response.status !== 204 && response.status !== 304) {
    return null;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) {
    const n = name.toLowerCase();
    if (value === undefined || NOT_KEPT.has(n)) continue;
    headers[n] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return { status: response.status, headers, body };
}

/** The kept result of the held request an auth token completed, if any. */
export async function keptResultOf(
  state: PendingConfig['state'],
  iss: string,
  jti: string,
): Promise<Answer | undefined> {
  const id = await state.get(completedByKey(iss, jti));
  const record = id === undefined ? undefined : parsePendingRecord(await state.get(pendingKey(id)));
  return record?.state === 'done' && record.result && record.jti === jti
    ? storedAnswer(record.result)
    : undefined;
}
