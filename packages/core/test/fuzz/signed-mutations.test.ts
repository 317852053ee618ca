// Any single change to what a valid request signed (signature bytes, the JWT, method, path,
// query, authority, a covered header, the body, a signature parameter, the component list)
// must never verify (P§11.3.4 step 7, RFC 9421 §3.2, RFC 9530).
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import type { AAuthRequest, RequirementInput } from '../../src/index.ts';
import { PROP_TIMEOUT_MS, RUNS } from '../support/attack-arbitraries.ts';
import {
  ALT_AUTHORITY,
  AttackFixture,
  b64,
  fromB64,
  type Harness,
  NOW,
  type SignedRequest,
  type TokenKindName,
} from '../support/attack-fixture.ts';
import { answerOf, checkAnswerInvariants } from '../support/attack-harness.ts';

type Lines = [string, string][];

interface Baseline {
  readonly kind: TokenKindName;
  readonly route: RequirementInput;
  readonly signed: SignedRequest;
}

const ROUTES: Readonly<Record<TokenKindName, RequirementInput>> = {
  agent: 'agent',
  person: 'person',
  auth: { auth: 'notes:write' },
};
const COMPONENTS = [
  '@method',
  '@authority',
  '@path',
  '@query',
  'content-type',
  'content-digest',
  'signature-key',
];
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BODY = '{"title":"Q3 plan","text":"Draft"}';

let fx: AttackFixture;
let h: Harness;
const baselines: Baseline[] = [];

beforeAll(async () => {
  fx = await AttackFixture.create();
  // No replay store: a mutation that verified must show up as a 200, not hide behind a replay.
  h = fx.harness({ replay: false });
  for (const kind of ['agent', 'person', 'auth'] as const) {
    for (const key of [fx.keys.agent, fx.keys.agentEs256]) {
      const signed = await fx.sign({
        method: 'POST',
        target: '/notes?id=1',
        headers: [['content-type', 'application/json']],
        body: BODY,
        key,
        token: await fx.token(kind, { cnf: key }),
        components: COMPONENTS,
      });
      baselines.push({ kind, route: ROUTES[kind], signed });
    }
  }
  for (const b of baselines) {
    expect(answerOf(await h.aauth.verify(b.signed.request, b.route)).status).toBe(200);
  }
});

function lines(r: AAuthRequest): Lines {
  return (r.headers as readonly (readonly [string, string])[]).map(([n, v]) => [n, v]);
}

function withHeader(r: AAuthRequest, name: string, value: string | undefined): AAuthRequest {
  const out: Lines = [];
  for (const [n, v] of lines(r)) {
    if (n !== name) out.push([n, v]);
    else if (value !== undefined) out.push([n, value]);
  }
  return { ...r, headers: out };
}

function header(r: AAuthRequest, name: string): string {
  return lines(r).find(([n]) => n === name)?.[1] ?? '';
}

type Mutation = { readonly name: string; readonly apply: (b: Baseline) => AAuthRequest };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]) => ({
    name: `signature byte ${i} bit ${bit}`,
    apply: (b: Baseline) => {
      const sig = fromB64(b.signed.signature);
      sig[i % sig.length] = (sig[i % sig.length] as number) ^ (1 << bit);
      return withHeader(b.signed.request, 'signature', `sig=:${b64(sig)}:`);
    },
  })),
  fc.nat().map((n) => ({
    name: `signature truncated to ${n}`,
    apply: (b: Baseline) => {
      const sig = fromB64(b.signed.signature);
      return withHeader(
        b.signed.request,
        'signature',
        `sig=:${b64(sig.slice(0, n % sig.length))}:`,
      );
    },
  })),
  fc.tuple(fc.nat(), fc.nat()).map(([i, c]) => ({
    name: `jwt char ${i} → alphabet[${c}]`,
    apply: (b: Baseline) => {
      const jwt = b.signed.jwt as string;
      const at = i % jwt.length;
      const old = jwt.charAt(at);
      // A different character: another base64url letter, or a dot.
      const pool = `${B64URL.replace(old, '')}.`;
      const next = `${jwt.slice(0, at)}${pool.charAt(c % pool.length)}${jwt.slice(at + 1)}`;
      return withHeader(b.signed.request, 'signature-key', `sig=jwt;jwt="${next}"`);
    },
  })),
  fc
    .oneof(fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE', 'post', 'Post', 'POST '), fc.string())
    .filter((m) => m !== 'POST')
    .map((m) => ({
      name: `method ${JSON.stringify(m)}`,
      apply: (b: Baseline) => ({ ...b.signed.request, method: m }),
    })),
  fc
    .oneof(
      fc.constantFrom('/Notes', '/notes/', '/notes/..', '/%6Eotes', '//notes', '/admin'),
      fc.webPath(),
    )
    .filter((p) => p !== '/notes' && !p.includes('?'))
    .map((p) => ({
      name: `path ${JSON.stringify(p)}`,
      apply: (b: Baseline) => ({ ...b.signed.request, target: `${p}?id=1` }),
    })),
  fc
    .oneof(
      fc.constantFrom('', '?', '?id=2', '?id=1&x=1', '?ID=1', '?id=1#'),
      fc.webQueryParameters().map((q) => `?${q}`),
    )
    .filter((q) => q !== '?id=1')
    .map((q) => ({
      name: `query ${JSON.stringify(q)}`,
      apply: (b: Baseline) => ({ ...b.signed.request, target: `/notes${q}` }),
    })),
  fc.constant<Mutation>({
    name: `authority ${ALT_AUTHORITY}`,
    apply: (b) => ({ ...b.signed.request, authority: ALT_AUTHORITY }),
  }),
  fc
    .oneof(
      fc.constantFrom('text/plain', 'application/json; charset=utf-8', 'APPLICATION/JSON'),
      fc.string(),
    )
    .filter((v) => v.trim() !== 'application/json')
    .map((v) => ({
      name: `content-type ${JSON.stringify(v)}`,
      apply: (b: Baseline) => withHeader(b.signed.request, 'content-type', v),
    })),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([i, bit]) => ({
    name: `body byte ${i} bit ${bit}`,
    apply: (b: Baseline) => {
      const body = (b.signed.request.body as Uint8Array).slice();
      body[i % body.length] = (body[i % body.length] as number) ^ (1 << bit);
      return { ...b.signed.request, body };
    },
  })),
  fc.uint8Array({ maxLength: 64 }).map((extra) => ({
    name: `body extended by ${extra.length} bytes`,
    apply: (b: Baseline) => {
      const body = b.signed.request.body as Uint8Array;
      const out = new Uint8Array(body.length + extra.length + 1);
      out.set(body);
      out.set(extra, body.length + 1);
      return { ...b.signed.request, body: out };
    },
  })),
  fc
    .integer({ min: -60, max: 60 })
    .filter((d) => d !== 0)
    .map((d) => ({
      name: `created ${d > 0 ? '+' : ''}${d}`,
      apply: (b: Baseline) =>
        withHeader(
          b.signed.request,
          'signature-input',
          header(b.signed.request, 'signature-input').replace(
            `created=${NOW}`,
            `created=${NOW + d}`,
          ),
        ),
    })),
  fc.nat().map((i) => ({
    name: `component ${i} dropped`,
    apply: (b: Baseline) => {
      const drop = COMPONENTS[i % COMPONENTS.length] as string;
      return withHeader(
        b.signed.request,
        'signature-input',
        header(b.signed.request, 'signature-input')
          .replace(` "${drop}"`, '')
          .replace(`"${drop}" `, ''),
      );
    },
  })),
  fc.nat().map((i) => ({
    name: `components reordered (${i})`,
    apply: (b: Baseline) => {
      const k = i % (COMPONENTS.length - 1);
      const order = [...COMPONENTS];
      [order[k], order[k + 1]] = [order[k + 1] as string, order[k] as string];
      return withHeader(
        b.signed.request,
        'signature-input',
        header(b.signed.request, 'signature-input').replace(
          COMPONENTS.map((c) => `"${c}"`).join(' '),
          order.map((c) => `"${c}"`).join(' '),
        ),
      );
    },
  })),
  fc.constantFrom('expires=1790000030', 'nonce="n"', 'tag="t"').map((p) => ({
    name: `parameter ;${p} added after signing`,
    apply: (b: Baseline) =>
      withHeader(
        b.signed.request,
        'signature-input',
        `${header(b.signed.request, 'signature-input')};${p}`,
      ),
  })),
);

describe('mutations of a valid signed request', () => {
  test.prop([fc.nat(), mutation], { numRuns: RUNS })(
    'never verify (401, or 403 for a JWT now naming an untrusted issuer)',
    async (which, m) => {
      const b = baselines[which % baselines.length] as Baseline;
      const result = await h.aauth.verify(m.apply(b), b.route);
      checkAnswerInvariants(result);
      expect(result.ok, `${b.kind} ${m.name}`).toBe(false);
      // 401, or 403 when a flipped JWT character now names an issuer outside the trust list
      // (untrusted issuers are refused before any fetch or signature check, digest §6 step 1).
      const status = answerOf(result).status;
      expect([401, 403]).toContain(status);
      if (status === 403) expect(result.ok ? '' : result.code).toBe('denied');
    },
    PROP_TIMEOUT_MS,
  );
});
