// Replays core's attack corpus (packages/core/test/attacks) over real HTTP on 127.0.0.1 through
// an adapter's app. Every portable case (`isPortable`: no option or fetch overrides, not
// in-process only) goes over the wire exactly as the corpus wrote it, and the adapter's answer
// must equal, byte for byte, what a second, identically built core answers in process for the
// same request; it must also meet the case's own expectation. The corpus is imported from core's
// test files by relative path: this package is private and test-only.
import { request as httpRequest, METHODS } from 'node:http';
import type { AAuth, AAuthRequest, Answer, RequirementInput, VerifyResult } from '@aauth-gate/core';
import { decodeJwt } from 'jose';
import { parseDictionary } from 'structured-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttackExpectation,
  type AttackScenario,
  isPortable,
} from '../../core/test/attacks/attack-case.ts';
import { attackCases } from '../../core/test/attacks/attack-cases.ts';
import { AttackFixture, type Harness } from '../../core/test/support/attack-fixture.ts';
import type { ConformanceApp } from './app.js';

/** The body every attack-corpus app answers with (`200`, `application/json`) once the request passed. */
export const attackCorpusBody = '{"ok":true}';

/**
 * The header section size the app's HTTP server must accept (`http.createServer({ maxHeaderSize })`):
 * the corpus sends tokens of 100 KB so that core's own caps, not Node's 16 KiB default, answer.
 */
export const attackCorpusMaxHeaderSize = 262_144;

/**
 * Starts the app under test on 127.0.0.1 with `core`: the adapter's well-known/handle
 * middleware first, then EVERY method and path through the adapter's per-route middleware with
 * the `'agent'` requirement, answering `200` `application/json` {@link attackCorpusBody}.
 * `core` delegates to the current case's verifier, with the case's own requirement.
 */
export type StartAttackCorpusApp = (core: AAuth) => Promise<ConformanceApp>;

/**
 * Cases where an adapter's answer differs from core's: adapter bugs to fix, by adapter name
 * (as given to `runAttackCorpus`) and case id. They run as `it.fails` so they turn red once
 * fixed (then delete the entry); ATTACK_SHOW_ADAPTER_BUGS=1 runs them as plain tests.
 */
const KNOWN_ADAPTER_BUGS: Readonly<Record<string, Readonly<Record<string, string>>>> = (() => {
  return {
    'nestjs-fastify': {
      'covered-header-removed':
        'Fastify answers 415 Unsupported Media Type to a body without content-type before Nest ' +
        'runs the guard, so core’s 401 invalid_signature never reaches the wire',
      'digest-empty-body-accepted':
        'Fastify’s JSON parser answers 400 "Body cannot be empty when content-type is set to ' +
        "'application/json'\" before Nest runs the guard, so a genuine signed POST core accepts is refused",
    },
  };
})();

/**
 * Portable cases that HTTP/1.1 cannot carry exactly as written, and why. The tally test insists
 * on exactly these, so a change in what gets skipped is always seen.
 */
const NOT_SENDABLE_OVER_HTTP: Readonly<Record<string, string>> = {
  'method-case': 'a lower-case method: node:http upper-cases it and Node’s parser refuses it',
};

/** Answer headers whose presence means "AAuth answered": none may appear unless core set it. */
const AAUTH_HEADERS = [
  'www-authenticate',
  'signature-error',
  'accept-signature-alg',
  'accept-signature-scheme',
  'aauth-requirement',
  'retry-after',
] as const;

/** Methods node:http sends without body framing when no body is given. */
const UNFRAMED_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT']);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;
/** Lines the sender writes itself (request framing and routing). */
const FRAMING = new Set(['host', 'content-length', 'transfer-encoding', 'connection']);

type Lines = readonly (readonly [string, string])[];

interface Reply {
  readonly status: number;
  /** Response headers, lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Why `request` cannot go over HTTP/1.1 exactly as written, or `undefined` when it can. */
function unsendable(request: AAuthRequest): string | undefined {
  if (request.authority !== undefined || request.scheme !== undefined)
    return 'it sets authority or scheme, which only an adapter hands to core';
  if (typeof request.body === 'function') return 'its body is a reader, not bytes';
  if (!METHODS.includes(request.method))
    return `Node's HTTP/1.1 parser refuses the method ${JSON.stringify(request.method)} (and node:http upper-cases it)`;
  if (!ORIGIN_FORM.test(request.target)) return 'its target is not an origin-form request target';
  if (!Array.isArray(request.headers)) return 'its headers are not ordered field lines';
  for (const [name, value] of request.headers as Lines) {
    if (!TOKEN.test(name)) return `field name ${JSON.stringify(name)} is not a token`;
    if (!FIELD_VALUE.test(value)) return `field ${name} has a character HTTP/1.1 cannot carry`;
    if (FRAMING.has(name.toLowerCase())) return `it sets the framing field ${name}`;
  }
  if (request.body === undefined && !UNFRAMED_METHODS.has(request.method))
    return `node:http cannot send a ${request.method} with no body framing at all`;
  return undefined;
}

function scenarioUnsendable(s: AttackScenario): string | undefined {
  for (const r of [...(s.before ?? []), s.request, ...(s.followUp ? [s.followUp] : [])]) {
    const reason = unsendable(r);
    if (reason !== undefined) return reason;
  }
  return undefined;
}

/**
 * One request over node:http with the exact target (not re-normalised by WHATWG URL), the
 * field lines in order (repeated names as repeated lines), and the body bytes with their length.
 */
function send(base: string, request: AAuthRequest): Promise<Reply> {
  const { hostname, port } = new URL(base);
  const raw: string[] = ['host', `${hostname}:${port}`];
  for (const [name, value] of request.headers as Lines) raw.push(name, value);
  const body = request.body as Uint8Array | undefined;
  if (body !== undefined) raw.push('content-length', String(body.byteLength));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: hostname,
        port,
        method: request.method,
        path: request.target,
        headers: raw,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) {
            if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.setTimeout(10_000, () =>
      req.destroy(new Error(`no answer to ${request.method} ${request.target}`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** What differs between two mints of one resource token (jti, iat, exp, signature) masked. */
function maskHeader(name: string, value: string | undefined): string | undefined {
  if (name !== 'aauth-requirement' || value === undefined) return value;
  const token = parseDictionary(value).get('requirement')?.[1].get('resource-token');
  if (typeof token !== 'string') return value;
  const { jti: _j, iat, exp, ...rest } = decodeJwt(token);
  const lifetime = (exp as number) - (iat as number);
  return value.replace(token, JSON.stringify({ ...rest, lifetime }));
}

/**
 * The adapter's answer equals core's: status, every header core set, body bytes; no AAuth
 * header core did not set; no content-type on an empty body. A pass: `200` JSON `{"ok":true}`.
 */
function expectCoreAnswer(got: Reply, want: VerifyResult): void {
  const answer: Answer = want.ok
    ? { status: 200, headers: {}, body: attackCorpusBody }
    : want.answer;
  const names = new Set<string>([...Object.keys(answer.headers), ...AAUTH_HEADERS]);
  const pick = (headers: Readonly<Record<string, string>>) =>
    Object.fromEntries([...names].map((n) => [n, maskHeader(n, headers[n])]));
  expect({ status: got.status, headers: pick(got.headers), body: got.body }).toEqual({
    status: answer.status,
    headers: pick(answer.headers),
    body: answer.body,
  });
  if (want.ok) expect(got.headers['content-type'], 'content-type').toMatch(/^application\/json/);
  else if (answer.body === '') expect(got.headers['content-type'], 'content-type').toBeUndefined();
}

/** The code an answer on the wire carries: Signature-Error, the challenged requirement, or the problem's. */
function wireCode(got: Reply): string | null {
  if (got.status === 200) return null;
  const sigError = got.headers['signature-error'];
  if (sigError !== undefined) return String(parseDictionary(sigError).get('error')?.[0]);
  const requirement = got.headers['aauth-requirement'];
  if (requirement !== undefined)
    return String(parseDictionary(requirement).get('requirement')?.[0]);
  return String((JSON.parse(got.body) as { error?: unknown }).error);
}

/** The case's own expectation, checked on the wire: status, code, headers present and absent. */
function expectCaseExpectation(got: Reply, e: AttackExpectation): void {
  expect(got.status, 'status').toBe(e.status);
  expect(wireCode(got), 'code').toBe(e.code);
  for (const [name, want] of Object.entries(e.headers ?? {})) {
    const value = got.headers[name];
    expect(value, `header ${name}`).toBeDefined();
    if (typeof want === 'string') expect(value, `header ${name}`).toBe(want);
    else if (want !== true) expect(value, `header ${name}`).toMatch(want);
  }
  for (const name of e.absent ?? []) expect(got.headers[name], `absent ${name}`).toBeUndefined();
}

/**
 * Registers the attack corpus over real HTTP for one adapter. `start` is called once; the `AAuth`
 * it gets forwards every call to the current case's fresh verifier (`verify` with the case's
 * requirement, whatever the app passes), so cases run one after another.
 */
export function runAttackCorpus(name: string, start: StartAttackCorpusApp): void {
  describe(`attack corpus over HTTP: ${name}`, () => {
    let fx: AttackFixture;
    let app: ConformanceApp;
    let current: { harness: Harness; requirement: RequirementInput | undefined };
    const tally = { sent: 0, notPortable: 0, notSendable: [] as string[] };

    const core = (): AAuth => current.harness.aauth;
    const delegate: AAuth = Object.freeze({
      get resource() {
        return core().resource;
      },
      requirement: (input?: RequirementInput) => core().requirement(input),
      verify: (request: AAuthRequest) => core().verify(request, current.requirement),
      wellKnown: (method: string, target: string) => core().wellKnown(method, target),
      handle: (request: AAuthRequest) => core().handle(request),
      get metadata() {
        return core().metadata;
      },
      stats: () => core().stats(),
      get jwks() {
        return core().jwks;
      },
    });

    beforeAll(async () => {
      fx = await AttackFixture.create();
      current = { harness: fx.harness(), requirement: undefined };
      app = await start(delegate);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('serves core’s own endpoints before verifying (resource metadata)', async () => {
      current = { harness: fx.harness(), requirement: undefined };
      const request = { method: 'GET', target: '/.well-known/aauth-resource.json', headers: [] };
      const got = await send(app.url, request);
      const want = current.harness.aauth.wellKnown('GET', request.target) as Answer;
      expect(got.status).toBe(200);
      expect(got.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(got.body)).toEqual(JSON.parse(want.body));
      expect(current.harness.events).toHaveLength(0);
    });

    const adapterBugs = KNOWN_ADAPTER_BUGS[name] ?? {};
    const showBugs = process.env.ATTACK_SHOW_ADAPTER_BUGS === '1';
    for (const c of attackCases) {
      const bug = adapterBugs[c.id];
      const title = `${c.id}: ${c.title}`;
      const run = async (ctx: { skip(note: string): never }): Promise<void> => {
        const s = await c.build(fx);
        if (!isPortable(s)) {
          tally.notPortable += 1;
          const why = [
            s.options && 'verifier options',
            s.fetch && 'fetch-map overrides',
            s.inProcessOnly && 'in-process only',
          ];
          ctx.skip(`not portable: ${why.filter(Boolean).join(', ')}`);
        }
        const reason = scenarioUnsendable(s);
        if (reason !== undefined) {
          tally.notSendable.push(c.id);
          ctx.skip(`not sendable over HTTP/1.1: ${reason}`);
        }
        tally.sent += 1;
        const harness = fx.harness();
        const reference = fx.harness();
        current = { harness, requirement: s.requirement };
        for (const b of s.before ?? []) {
          expect((await send(app.url, b)).status, 'a request sent before the attack').toBe(200);
          expect((await reference.aauth.verify(b, s.requirement)).ok).toBe(true);
        }
        const eventsBefore = harness.events.length;
        const got = await send(app.url, s.request);
        const want = await reference.aauth.verify(s.request, s.requirement);
        expectCoreAnswer(got, want);
        expect(harness.events.length - eventsBefore, 'core decided the attack once').toBe(1);
        // A core bug (`knownBug`) is tracked by core's own corpus run; the adapter must still agree.
        if (c.knownBug === undefined) expectCaseExpectation(got, c.expect);
        if (s.followUp) {
          current = {
            harness,
            requirement:
              s.followUpRequirement === undefined ? s.requirement : s.followUpRequirement,
          };
          const follow = await send(app.url, s.followUp);
          expect(follow.status, `genuine follow-up (${wireCode(follow)})`).toBe(200);
        }
      };
      if (bug !== undefined && !showBugs) it.fails(`${title} — KNOWN ADAPTER BUG: ${bug}`, run);
      else it(title, run);
    }

    it('sent every portable case HTTP/1.1 can carry', () => {
      expect(tally.notSendable).toEqual(
        attackCases.map((c) => c.id).filter((id) => id in NOT_SENDABLE_OVER_HTTP),
      );
      expect(tally.sent + tally.notPortable + tally.notSendable.length).toBe(attackCases.length);
      expect(tally.sent).toBeGreaterThan(attackCases.length / 2);
    });
  });
}
