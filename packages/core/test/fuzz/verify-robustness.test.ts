// verify() on arbitrary input: it always resolves, in bounded time, with a well-formed answer
// (digest §5, STYLE §1.3 "results for requests, exceptions for programmers").
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import type { AAuthRequest, RequirementInput, VerifyResult } from '../../src/index.ts';
import {
  anyString,
  bodyArb,
  headerValueFor,
  methodArb,
  PROP_TIMEOUT_MS,
  PROTOCOL_HEADERS,
  protocolHeaderLines,
  RUNS,
  signatureTriple,
  targetArb,
  VERIFY_BOUND_MS,
} from '../support/attack-arbitraries.ts';
import { AttackFixture, type Harness, type SignedRequest } from '../support/attack-fixture.ts';
import { answerOf, checkAnswerInvariants } from '../support/attack-harness.ts';

const ROUTES: readonly RequirementInput[] = ['agent', 'person', { auth: 'notes:write' }];
const SIGNATURE_HEADERS = new Set(['signature', 'signature-input', 'signature-key']);

let fx: AttackFixture;
let h: Harness;
let valid: SignedRequest;

beforeAll(async () => {
  fx = await AttackFixture.create();
  h = fx.harness({ replay: false });
  valid = await fx.sign({
    method: 'POST',
    target: '/notes',
    headers: [['content-type', 'application/json']],
    body: '{"a":1}',
  });
  expect(answerOf(await h.aauth.verify(valid.request)).status).toBe(200);
});

/** verify() must resolve (never reject, never throw) within the bound. */
async function timedVerify(request: AAuthRequest, route: RequirementInput): Promise<VerifyResult> {
  const started = performance.now();
  let result: VerifyResult | undefined;
  let thrown: unknown;
  try {
    result = await h.aauth.verify(request, route);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'verify() threw or rejected').toBeUndefined();
  expect(performance.now() - started).toBeLessThan(VERIFY_BOUND_MS);
  return result as VerifyResult;
}

const route = fc.constantFrom(...ROUTES);

function hasSignatureHeader(lines: readonly (readonly [string, string])[]): boolean {
  return lines.some(([n]) => SIGNATURE_HEADERS.has(n.toLowerCase()));
}

describe('verify() on arbitrary input', () => {
  test.prop([methodArb, targetArb, protocolHeaderLines, bodyArb, route], { numRuns: RUNS })(
    'arbitrary protocol headers, methods, targets and bodies: resolves with a well-formed answer',
    async (method, target, headers, body, r) => {
      const result = await timedVerify({ method, target, headers, body }, r);
      checkAnswerInvariants(result);
      if (!hasSignatureHeader(headers)) {
        // Unsigned: the route's minimum requirement, never a Signature-Error (digest §20 A3).
        const a = answerOf(result);
        expect(a.status).toBe(401);
        expect(a.headers['aauth-requirement']).toBe(
          r === 'agent' ? 'requirement=agent-token' : 'requirement=person-token',
        );
        expect(a.headers).not.toHaveProperty('signature-error');
      }
    },
    PROP_TIMEOUT_MS,
  );

  test.prop(
    [
      methodArb,
      targetArb,
      signatureTriple,
      fc.array(
        fc
          .constantFrom(...PROTOCOL_HEADERS)
          .chain((n) => fc.tuple(fc.constant(n), headerValueFor(n))),
        {
          maxLength: 3,
        },
      ),
      bodyArb,
      route,
    ],
    { numRuns: RUNS },
  )(
    'structured-header-shaped signature headers: 401/403/503, never 200, never WWW-Authenticate',
    async (method, target, [input, signature, key], extra, body, r) => {
      const headers: [string, string][] = [
        ['signature-input', input],
        ['signature', signature],
        ['signature-key', key],
        ...extra,
      ];
      const result = await timedVerify({ method, target, headers, body }, r);
      checkAnswerInvariants(result);
      // Random signatures never verify.
      expect(result.ok).toBe(false);
      expect([401, 403, 503]).toContain(answerOf(result).status);
    },
    PROP_TIMEOUT_MS,
  );

  test.prop(
    [
      fc.constantFrom(
        'signature',
        'signature-input',
        'signature-key',
        'content-digest',
        'authorization',
      ),
      fc.oneof(anyString, headerValueFor('signature-input'), headerValueFor('signature-key')),
      fc.boolean(),
      route,
    ],
    { numRuns: RUNS },
  )(
    'one header of a valid request replaced or added with garbage: never throws, never 200 unless harmless',
    async (name, value, append, r) => {
      const lines = (valid.request.headers as readonly (readonly [string, string])[]).filter(
        ([n]) => append || n !== name,
      );
      const headers: [string, string][] = [
        ...lines.map(([n, v]): [string, string] => [n, v]),
        [name, value],
      ];
      const result = await timedVerify({ ...valid.request, headers }, r);
      checkAnswerInvariants(result);
      if (result.ok) {
        // Only harmless changes can still verify: an Authorization line that is not an AAuth
        // session (not covered, not required), or an extra member under another label appended
        // to the uncovered Signature / Signature-Input fields.
        const harmless =
          name === 'authorization' ||
          (append && (name === 'signature' || name === 'signature-input'));
        expect(harmless, `${name} ${append ? 'appended' : 'replaced'}: ${value}`).toBe(true);
      }
    },
    PROP_TIMEOUT_MS,
  );

  test.prop([fc.uint8Array({ maxLength: 2048 }), fc.constantFrom(...PROTOCOL_HEADERS)], {
    numRuns: RUNS,
  })(
    'raw bytes (as latin-1) in a protocol header: resolves',
    async (bytes, name) => {
      const value = String.fromCharCode(...bytes);
      const result = await timedVerify(
        { method: 'GET', target: '/notes', headers: [[name, value]] },
        'agent',
      );
      checkAnswerInvariants(result);
    },
    PROP_TIMEOUT_MS,
  );
});
