// Runs one attack-corpus case in process and checks everything the corpus promises: status,
// code, headers, the invariants every answer keeps, no leaks, nothing stored, no forbidden
// fetches, bounded time.
import { decodeJwt } from 'jose';
import { parseDictionary, Token } from 'structured-headers';
import { expect } from 'vitest';
import type { AAuthRequest, Answer, VerifyResult } from '../../src/index.ts';
import type { AttackCase, AttackExpectation } from '../attacks/attack-case.ts';
import {
  type AttackFixture,
  credentialStrings,
  keyMaterial,
  PS,
  RESOURCE,
} from './attack-fixture.ts';

export function answerOf(result: VerifyResult): Answer {
  return result.ok ? { status: 200, headers: {}, body: '' } : result.answer;
}

function headerLines(request: AAuthRequest): readonly (readonly [string, string])[] {
  return Array.isArray(request.headers)
    ? (request.headers as readonly (readonly [string, string])[])
    : [];
}

/** The JWT of the selected `Signature-Key` member, if it decodes. */
function presentedClaims(request: AAuthRequest): Record<string, unknown> | undefined {
  for (const [n, v] of headerLines(request)) {
    if (n.toLowerCase() !== 'signature-key') continue;
    const m = /jwt="([^"]+)"/.exec(v);
    if (!m) continue;
    try {
      return decodeJwt(m[1] as string) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Invariants that hold for every answer core gives, whatever the input (also used by the
 * property tests): no `WWW-Authenticate`; a `Signature-Error` comes with a problem+json body
 * whose `error` (and `type`) name the same code; a `403` never carries `Signature-Error` or
 * `Accept-Signature-*`; a `200` comes only with `ok: true`.
 */
export function checkAnswerInvariants(result: VerifyResult): void {
  const answer = answerOf(result);
  const h = answer.headers;
  expect(h).not.toHaveProperty('www-authenticate');
  expect([200, 401, 403, 503]).toContain(answer.status);
  if (result.ok) return;
  expect(answer.status).not.toBe(200);
  const sigError = h['signature-error'];
  if (sigError !== undefined) {
    expect(answer.status).toBe(401);
    const error = parseDictionary(sigError).get('error')?.[0];
    expect(error).toBeInstanceOf(Token);
    const code = String(error);
    expect(result.code).toBe(code);
    expect(h['content-type']).toBe('application/problem+json');
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body.error).toBe(code);
    expect(body.type).toBe(`urn:ietf:params:sig-error:${code}`);
    expect(body.status).toBe(401);
  }
  if (answer.status === 403) {
    for (const name of [
      'signature-error',
      'accept-signature-alg',
      'accept-signature-scheme',
      'aauth-requirement',
    ]) {
      expect(h).not.toHaveProperty(name);
    }
  }
  if (answer.status === 401 && sigError === undefined) {
    // A challenge: the requirement alone, no body.
    expect(h['aauth-requirement']).toMatch(/^requirement=(agent-token|person-token|auth-token)/);
    expect(result.code).toBe(/^requirement=([a-z-]+)/.exec(h['aauth-requirement'] as string)?.[1]);
  }
  if (answer.status === 503 || answer.status === 403) {
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    expect(body.error).toBe(result.code);
    expect(h['content-type']).toBe('application/problem+json');
  }
}

function checkExpectation(result: VerifyResult, e: AttackExpectation): void {
  const answer = answerOf(result);
  expect(answer.status, `status (${result.ok ? 'ok' : result.code})`).toBe(e.status);
  expect(result.ok ? null : result.code).toBe(e.code);
  for (const [name, want] of Object.entries(e.headers ?? {})) {
    const got = answer.headers[name];
    expect(got, `header ${name}`).toBeDefined();
    if (want === true) continue;
    if (typeof want === 'string') expect(got, `header ${name}`).toBe(want);
    else expect(got, `header ${name}`).toMatch(want);
  }
  for (const name of e.absent ?? [])
    expect(answer.headers, `absent ${name}`).not.toHaveProperty(name);
}

/** The resource token of an `auth-token` challenge must name the token actually presented. */
function checkResourceToken(answer: Answer, request: AAuthRequest): void {
  const value = answer.headers['aauth-requirement'];
  if (value === undefined || !value.startsWith('requirement=auth-token')) return;
  const [, params] = parseDictionary(value).get('requirement') as [Token, Map<string, unknown>];
  const rt = decodeJwt(params.get('resource-token') as string);
  const presented = presentedClaims(request);
  expect(rt.iss).toBe(RESOURCE);
  expect(rt.aud).toBe(PS);
  expect(rt.presented_jti).toBe(presented?.jti);
  expect(rt.sub).toBe(presented?.sub);
  expect(rt).not.toHaveProperty('cnf');
}

/** Nothing secret in any answer header, body, or event. */
export function checkNoLeak(
  secrets: readonly string[],
  answers: readonly Answer[],
  events: readonly unknown[],
): void {
  const haystacks: [string, string][] = [];
  for (const a of answers) {
    haystacks.push(['body', a.body]);
    for (const [n, v] of Object.entries(a.headers)) haystacks.push([`header ${n}`, v]);
  }
  haystacks.push(['events', JSON.stringify(events)]);
  for (const secret of secrets) {
    for (const [where, text] of haystacks) {
      if (text.includes(secret)) {
        expect.fail(`${where} leaks a credential or key (${secret.slice(0, 12)}…)`);
      }
    }
  }
}

/** Run one case: build, verify, check expectation, invariants, leaks, storage, fetches, time. */
export async function runAttackCase(fx: AttackFixture, c: AttackCase): Promise<void> {
  const s = await c.build(fx);
  const h = fx.harness(s.options ?? {}, s.fetch ?? {});
  const requirement = h.aauth.requirement(s.requirement);
  const answers: Answer[] = [];
  for (const b of s.before ?? []) {
    const r = await h.aauth.verify(b, requirement);
    expect(answerOf(r).status, 'a request sent before the attack').toBe(200);
  }
  const eventsBefore = h.events.length;
  const started = performance.now();
  const result = await h.aauth.verify(s.request, requirement);
  const elapsed = performance.now() - started;
  const answer = answerOf(result);
  answers.push(answer);

  checkExpectation(result, c.expect);
  checkAnswerInvariants(result);
  checkResourceToken(answer, s.request);
  if (s.withinMs !== undefined) expect(elapsed).toBeLessThan(s.withinMs);

  // One event per decision, agreeing with the answer.
  const events = h.events.slice(eventsBefore);
  expect(events).toHaveLength(1);
  expect(events[0]?.status).toBe(answer.status);
  expect(events[0]?.code).toBe(result.ok ? undefined : result.code);

  if (s.fetched) expect(h.fetched).toEqual(s.fetched);
  for (const host of s.neverFetchHosts ?? []) {
    for (const u of h.fetched) expect(new URL(u).hostname, `fetched ${u}`).not.toBe(host);
  }

  if (s.followUp) {
    const follow = await h.aauth.verify(
      s.followUp,
      s.followUpRequirement === undefined ? requirement : s.followUpRequirement,
    );
    const fa = answerOf(follow);
    answers.push(fa);
    expect(fa.status, `genuine follow-up (${follow.ok ? 'ok' : follow.code})`).toBe(200);
  }

  const secrets = [
    ...credentialStrings(s.request),
    ...(s.followUp ? credentialStrings(s.followUp) : []),
    ...keyMaterial(fx.keys),
    ...(s.secrets ?? []),
  ];
  checkNoLeak(secrets, answers, h.events);
}
