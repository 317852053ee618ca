import type { Answer } from '../answers/answer.js';
import { buildProblem } from '../answers/build-answer.js';
import { encodeBase64Url } from '../internal/base64.js';
import { randomBytes } from '../internal/crypto.js';
import {
  captureInvocation,
  newPendingId,
  type PendingConfig,
  pendingAnswer,
  storePending,
} from '../pending/hold-invocation.js';
import {
  type PendingRecord,
  parsePendingRecord,
  pendingKey,
  recordTtl,
} from '../pending/pending-record.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import { callbackUrl, withError } from '../session/callback-url.js';
import {
  formatInteractionCode,
  newInteractionCode,
  normalizeInteractionCode,
} from '../session/interaction-code.js';
import { completionPage, consentPage, redirectTo } from '../session/interaction-page.js';
import { parseAuthorizationAAuth } from '../session/parse-authorization.js';
import { parseForm } from '../session/parse-form.js';
import type { SessionSealer } from '../session/session-token.js';
import type { AAuthPrincipal } from '../verify/principal.js';

/** What the resource's own interaction needs, validated by `createAAuth`. */
export interface InteractionConfig {
  readonly pending: PendingConfig;
  readonly sealer: SessionSealer;
  readonly resource: string;
  readonly dev: boolean;
  readonly path: string;
  readonly ttl: number;
  readonly maxAttempts: number;
  readonly loginUrl: string | undefined;
  readonly resourceName: string | undefined;
  readonly authenticateUser: (
    request: AAuthRequest,
  ) => string | undefined | Promise<string | undefined>;
}

const codeKey = (code: string): string => `aauth:code:${code}`;
const failKey = (user: string): string => `aauth:code-failures:${user}`;
const FAILURE_WINDOW = 900;

/** Whether the agent declared it can send a user to an interaction (AAuth-11 §11.7). */
export function declaresInteraction(fields: HeaderFields): boolean {
  const value = fieldValue(fields, 'aauth-capabilities');
  if (value === undefined) return false;
  // A List of Tokens; parameters are ignored.
  return value.split(',').some((member) => member.split(';')[0]?.trim() === 'interaction');
}

/**
 * A session route reached without a live session: hold the request behind the resource's
 * interaction (`202 requirement=interaction`, AAuth-11 §6.2). `undefined` when it cannot be
 * held (body too large).
 */
export async function holdForInteraction(
  config: InteractionConfig,
  request: AAuthRequest,
  fields: HeaderFields,
  principal: AAuthPrincipal,
): Promise<Answer | undefined> {
  const held = await captureInvocation(config.pending, request, fields);
  if (!held || !principal.agent) return undefined;
  const shown = newInteractionCode();
  const code = normalizeInteractionCode(shown) as string;
  const id = newPendingId();
  const url = `${config.resource}${config.path}`;
  const requirement = `requirement=interaction;url="${url}";code="${shown}"`;
  const expires = config.pending.now() + config.pending.ttl;
  const record: PendingRecord = {
    v: 1,
    id,
    kind: 'interaction',
    state: 'pending',
    jkt: principal.keyThumbprint,
    expires,
    held,
    requirement,
    code,
    agent: { iss: principal.agent.iss, sub: principal.agent.sub },
  };
  if (!(await storePending(config.pending, record))) return undefined;
  // The code expires with the pending request (AAuth-11 §11.6.3.1).
  await config.pending.state.set(codeKey(code), id, config.pending.ttl);
  return pendingAnswer(id, config.pending.retryAfter, requirement);
}

/** The session carried in `Authorization: AAuth`, when it is live and bound to this key. */
export async function readSession(
  sealer: SessionSealer,
  fields: HeaderFields,
  principal: AAuthPrincipal,
): Promise<AAuthPrincipal> {
  const lines = fields.get('authorization');
  if (!lines) return principal;
  const parsed = parseAuthorizationAAuth(lines.length === 1 ? lines[0] : lines.join(', '));
  if (!('token' in parsed)) return principal;
  const s = await sealer.open(parsed.token);
  // Never a bearer token: only the key (and agent) that established it may use it (§6.3).
  if (!s || s.jkt !== principal.keyThumbprint) return principal;
  if (principal.agent && (principal.agent.sub !== s.agent || principal.agent.iss !== s.agentIssuer))
    return principal;
  return { ...principal, session: { user: s.user, id: s.sid, expiresAt: s.exp } };
}

/** Seal the session an approved interaction establishes, for the completing poll. */
export async function issueSession(
  config: InteractionConfig,
  record: PendingRecord,
  principal: AAuthPrincipal,
): Promise<{ token: string; principal: AAuthPrincipal }> {
  const now = Math.floor(config.pending.now());
  const sid = encodeBase64Url(randomBytes(16));
  const exp = now + config.ttl;
  const token = await config.sealer.seal({
    jkt: record.jkt,
    agent: record.agent?.sub ?? '',
    agentIssuer: record.agent?.iss ?? '',
    user: record.user ?? '',
    iat: now,
    exp,
    sid,
  });
  return {
    token,
    principal: { ...principal, session: { user: record.user ?? '', id: sid, expiresAt: exp } },
  };
}

/**
 * The interaction page (AAuth-11 §7.2.3, §7.3): `GET ?code=&callback=` shows the consent page
 * to the signed-in user; the form's `POST` records the decision, consumes the code and
 * redirects to the callback (with `?error=` on refusal). Visitors sign in first; wrong codes are
 * then counted per user and refused after a few (§11.6.3.1).
 */
export async function handleInteraction(
  config: InteractionConfig,
  request: AAuthRequest,
): Promise<Answer> {
  if (request.method !== 'GET' && request.method !== 'POST') {
    return buildProblem(405, 'invalid_request', 'use GET or POST', { allow: 'GET, POST' });
  }
  const input =
    request.method === 'GET' ? queryOf(request.target) : parseForm(await bodyOf(request));
  const callback =
    input.callback === undefined ? undefined : callbackUrl(input.callback, { dev: config.dev });
  if (input.callback !== undefined && callback === undefined)
    return completionPage('error', 'The return address is not acceptable.');
  const user = await config.authenticateUser(request);
  // Sign-in comes first: the code is not even looked up for an anonymous visitor (no oracle).
  if (user === undefined) {
    if (config.loginUrl === undefined || request.method !== 'GET')
      return {
        ...completionPage('error', 'Sign in to this service, then open the link again.'),
        status: 401,
      };
    const back = `${config.resource}${request.target}`;
    const login = new URL(config.loginUrl, config.resource);
    login.searchParams.set('return', back);
    return redirectTo(login);
  }
  const state = config.pending.state;
  const failures = Number((await state.get(failKey(user))) ?? '0');
  if (failures >= config.maxAttempts) return tooMany();
  const code = normalizeInteractionCode(input.code);
  const id = code === undefined ? undefined : await state.get(codeKey(code));
  const key = id === undefined ? undefined : pendingKey(id);
  const raw = key === undefined ? undefined : await state.get(key);
  const record = parsePendingRecord(raw);
  if (record?.state !== 'pending' || record.decision !== undefined) {
    await state.set(failKey(user), String(failures + 1), FAILURE_WINDOW);
    return callback
      ? redirectTo(withError(callback, 'interaction_expired'))
      : { ...completionPage('error', 'This code is unknown or has expired.'), status: 410 };
  }
  // Only the record this page read may be replaced: a concurrent answer wins, this one fails.
  const replace = (next: PendingRecord): Promise<boolean> =>
    state.compareAndSet(
      key as string,
      raw as string,
      JSON.stringify(next),
      recordTtl(record, config.pending.now()),
    );
  if (request.method === 'GET') {
    const nonce = encodeBase64Url(randomBytes(16));
    if (!(await replace({ ...record, interacting: true, nonce })))
      return completionPage('error', 'Try again.');
    return consentPage({
      agent: record.agent?.sub ?? '',
      agentIssuer: record.agent?.iss ?? '',
      code: formatInteractionCode(record.code) ?? '',
      formNonce: nonce,
      action: config.path,
      ...(callback ? { callback: callback.href } : {}),
      ...(config.resourceName ? { resourceName: config.resourceName } : {}),
    });
  }
  // POST: the form the consent page showed to this user.
  if (record.nonce === undefined || input.nonce !== record.nonce)
    return completionPage('error', 'This form has expired. Open the link again.');
  const approved = input.decision === 'approve';
  const { nonce: _used, ...rest } = record;
  if (!(await replace({ ...rest, decision: approved ? 'approved' : 'denied', user })))
    return completionPage('error', 'This request was already answered.');
  // Single use (§11.6.3.1).
  await state.delete(codeKey(record.code as string));
  if (callback) return redirectTo(approved ? callback : withError(callback, 'access_denied'));
  return completionPage(approved ? 'approved' : 'denied');
}

function tooMany(): Answer {
  return { ...completionPage('error', 'Too many wrong codes. Try again later.'), status: 429 };
}

function queryOf(target: string): Record<string, string> {
  const q = target.indexOf('?');
  const out: Record<string, string> = Object.create(null);
  if (q === -1) return out;
  try {
    for (const [k, v] of new URLSearchParams(target.slice(q + 1))) if (!(k in out)) out[k] = v;
  } catch {
    // A malformed query is no input.
  }
  return out;
}

async function bodyOf(request: AAuthRequest): Promise<Uint8Array | undefined> {
  return typeof request.body === 'function' ? request.body() : request.body;
}
