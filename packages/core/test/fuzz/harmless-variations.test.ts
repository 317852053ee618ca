// Variations that change nothing a verifier may depend on must still verify: extra unrelated
// headers, header-name case, unknown signature parameters (nonce, tag, alg, keyid: P§11.3.3.2),
// any label name (SK§3.1), an unselected Signature-Key member with an unknown scheme (SK§3.2:
// MUST NOT cause rejection), RFC 9651 optional whitespace, split field lines, created anywhere
// in the window (digest §4.3), a future expires, Ed25519 or ES256 keys, every token kind.
// Each variation is signed as sent, so the signature base is over exactly what was signed.
import { fc, test } from '@fast-check/vitest';
import { beforeAll, describe, expect } from 'vitest';
import type { RequirementInput } from '../../src/index.ts';
import { PROP_TIMEOUT_MS, RUNS, sfKey, sfStringBody } from '../support/attack-arbitraries.ts';
import {
  AttackFixture,
  type Harness,
  NOW,
  type SignOptions,
  type TokenKindName,
} from '../support/attack-fixture.ts';
import { answerOf, checkAnswerInvariants } from '../support/attack-harness.ts';

const ROUTES: Readonly<Record<TokenKindName, RequirementInput>> = {
  agent: 'agent',
  person: 'person',
  auth: { auth: 'notes:write' },
};
const RESERVED = new Set([
  'signature',
  'signature-input',
  'signature-key',
  'content-type',
  'content-digest',
  'authorization',
]);

let fx: AttackFixture;
let h: Harness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  fx = await AttackFixture.create();
  // Identical variations sign identically (Ed25519 is deterministic): no replay store here.
  h = fx.harness({ replay: false });
  for (const kind of ['agent', 'person', 'auth'] as const) {
    tokens[`${kind}-Ed25519`] = await fx.token(kind, { cnf: fx.keys.agent });
    tokens[`${kind}-ES256`] = await fx.token(kind, { cnf: fx.keys.agentEs256 });
  }
});

const sfQuote = (s: string): string => `"${s.replace(/[\\"]/g, '\\$&')}"`;

const variation = fc.record({
  kind: fc.constantFrom<TokenKindName>('agent', 'person', 'auth'),
  alg: fc.constantFrom('Ed25519', 'ES256'),
  post: fc.boolean(),
  label: fc.oneof(fc.constant('sig'), sfKey),
  extraHeaders: fc.array(
    fc.tuple(fc.stringMatching(/^x-[a-z0-9-]{1,12}$/), fc.string({ maxLength: 30 })),
    { maxLength: 4 },
  ),
  caseMask: fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
  createdOffset: fc.integer({ min: -60, max: 60 }),
  expiresIn: fc.option(fc.integer({ min: 60, max: 3600 }), { nil: undefined }),
  nonce: fc.option(sfStringBody, { nil: undefined }),
  tag: fc.option(sfStringBody, { nil: undefined }),
  ignoredParams: fc.boolean(),
  unselectedKeyMember: fc.option(
    fc.tuple(sfKey, fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), sfStringBody),
    { nil: undefined },
  ),
  splitKeyLines: fc.boolean(),
  owsKey: fc.constantFrom('', ' ', '  '),
  owsInput: fc.constantFrom('', ' '),
  owsComma: fc.constantFrom('', ' ', '\t'),
  extraInputMember: fc.boolean(),
  coverQuery: fc.boolean(),
});

type Variation = typeof variation extends fc.Arbitrary<infer T> ? T : never;

function recase(name: string, mask: readonly boolean[]): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    out += mask[i % mask.length] ? name.charAt(i).toUpperCase() : name.charAt(i);
  }
  return out;
}

async function build(v: Variation) {
  const key = v.alg === 'Ed25519' ? fx.keys.agent : fx.keys.agentEs256;
  const token = tokens[`${v.kind}-${v.alg}`] as string;
  const label = v.label;
  const created = NOW + v.createdOffset;
  const parts = [`created=${created}`];
  if (v.expiresIn !== undefined) parts.push(`expires=${NOW + v.expiresIn}`);
  if (v.nonce !== undefined) parts.push(`nonce=${sfQuote(v.nonce)}`);
  if (v.tag !== undefined) parts.push(`tag=${sfQuote(v.tag)}`);
  if (v.ignoredParams) parts.push('alg="rsa-v1_5-sha256"', 'keyid="not-the-key"');
  // Canonical parameters are signed; the field as sent may carry OWS after each ';'.
  const params = parts.map((p) => `;${p}`).join('');
  const spacedParams = parts.map((p) => `;${v.owsInput}${p}`).join('');
  // Signature-Key as sent (and covered): OWS after ';' and around ',' are RFC 9651-legal.
  const main = `${label}=jwt;${v.owsKey}jwt="${token}"`;
  const other =
    v.unselectedKeyMember && v.unselectedKeyMember[0] !== label
      ? `${v.unselectedKeyMember[0]}=${v.unselectedKeyMember[1]};${v.owsKey}p=${sfQuote(v.unselectedKeyMember[2])}`
      : undefined;
  const sign: SignOptions = {
    method: v.post ? 'POST' : 'GET',
    target: v.coverQuery ? '/notes?id=7&x=a%20b' : '/notes',
    key,
    token,
    label,
    created,
    params,
    headers: [
      ...(v.post ? [['content-type', 'application/json'] as const] : []),
      ...v.extraHeaders.filter(([n]) => !RESERVED.has(n)),
    ],
    ...(v.post ? { body: '{"title":"Q3 plan"}' } : {}),
    ...(v.coverQuery
      ? {
          components: [
            '@method',
            '@authority',
            '@path',
            '@query',
            ...(v.post ? ['content-type', 'content-digest'] : []),
            'signature-key',
          ],
        }
      : {}),
    ...(other === undefined
      ? { signatureKey: main }
      : v.splitKeyLines
        ? { signatureKey: main, extraSignatureKeyLines: [other] }
        : { signatureKey: `${main},${v.owsComma}${other}` }),
    // Whitespace after ';' in Signature-Input: the base uses the canonical re-serialisation.
    formatInput: (member, l) => {
      const spaced = `${member.slice(0, member.length - params.length)}${spacedParams}`;
      const extra = v.extraInputMember && l !== 'zz' ? `, zz=("@method");created=${created}` : '';
      return `${l}=${spaced}${extra}`;
    },
  };
  const s = await fx.sign(sign);
  const headers = (s.request.headers as readonly (readonly [string, string])[]).map(
    ([n, val]): [string, string] => [recase(n, v.caseMask), val],
  );
  return { ...s.request, headers };
}

describe('harmless variations of a valid request', () => {
  test.prop([variation], { numRuns: RUNS })(
    'still verify (200)',
    async (v) => {
      const request = await build(v);
      const result = await h.aauth.verify(request, ROUTES[v.kind]);
      checkAnswerInvariants(result);
      expect(result.ok ? 200 : `${answerOf(result).status} ${result.code}`).toBe(200);
    },
    PROP_TIMEOUT_MS,
  );
});
