// Runs the attack corpus (attack-cases.ts) in process against core, with a fixed clock and an
// in-memory fetch map. Each case checks status, code and headers, the invariants every answer
// keeps, that nothing leaks (answer and onEvent events never carry the presented JWT, the
// signature or key material), that nothing is stored (a genuine follow-up on the same
// verifier still succeeds), which URLs were fetched, and time bounds.
// Cases with `knownBug` run as `it.fails`; ATTACK_SHOW_KNOWN_BUGS=1 runs them as plain tests
// to show how they fail.
import { beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../testing/src/sign-request.ts';
import { AttackFixture, AUTHORITY, NOW } from '../support/attack-fixture.ts';
import { checkNoLeak, runAttackCase } from '../support/attack-harness.ts';
import type { AttackArea } from './attack-case.ts';
import { attackCases } from './attack-cases.ts';

let fx: AttackFixture;
beforeAll(async () => {
  fx = await AttackFixture.create();
});

describe('attack corpus', () => {
  it('has at least 80 uniquely named cases over every area, each naming the rule it defends', () => {
    expect(attackCases.length).toBeGreaterThanOrEqual(80);
    const ids = attackCases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of attackCases) expect(c.defends.length, c.id).toBeGreaterThan(0);
    const areas = new Set<AttackArea>(attackCases.map((c) => c.area));
    expect(areas.size).toBe(15);
  });

  it('the leak check itself catches a credential in a body, a header or an event', () => {
    const secret = 'eyJhbGciOiJFZDI1NTE5In0.secret-payload.signature';
    const clean = { status: 401, headers: { 'signature-error': 'error=invalid_jwt' }, body: '{}' };
    expect(() => checkNoLeak([secret], [clean], [{ code: 'invalid_jwt' }])).not.toThrow();
    expect(() =>
      checkNoLeak([secret], [{ ...clean, body: `{"detail":"${secret}"}` }], []),
    ).toThrow();
    expect(() => checkNoLeak([secret], [{ ...clean, headers: { x: secret } }], [])).toThrow();
    expect(() => checkNoLeak([secret], [clean], [{ detail: secret }])).toThrow();
  });

  it('the fixture is sound: the testing kit signRequest and the corpus signer both verify', async () => {
    const h = fx.harness();
    const token = await fx.token('agent');
    const kit = await signRequest({
      method: 'POST',
      url: `https://${AUTHORITY}/notes`,
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      key: fx.keys.agent,
      token,
      created: NOW,
    });
    const kitResult = await h.aauth.verify({
      method: 'POST',
      target: '/notes',
      headers: Object.entries(kit),
      body: new TextEncoder().encode('{"a":1}'),
    });
    expect(kitResult.ok).toBe(true);
    const ours = await fx.sign({
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body: '{"a":1}',
      token,
    });
    expect((await h.aauth.verify(ours.request)).ok).toBe(true);
  });

  const showBugs = process.env.ATTACK_SHOW_KNOWN_BUGS === '1';
  for (const c of attackCases) {
    const title = `${c.id}: ${c.title} [${c.defends}]`;
    if (c.knownBug && !showBugs) {
      it.fails(`${title} — KNOWN CORE BUG: ${c.knownBug}`, () => runAttackCase(fx, c));
    } else {
      it(title, () => runAttackCase(fx, c));
    }
  }
});
