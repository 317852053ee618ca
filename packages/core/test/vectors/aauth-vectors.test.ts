import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { parseDictionary, parseList, Token } from 'structured-headers';
import { describe, expect, it } from 'vitest';
import type { Answer, VerifyResult } from '../../src/index.ts';
import {
  group,
  type Json,
  requirementFor,
  toRequest,
  vectors,
  verifierFor,
} from '../support/vectors.ts';

const resourceJwks = JSON.parse(
  vectors.fetchProfiles.standard['https://resource.example/.well-known/jwks.json'].body,
);

function tokenList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return parseList(value).map(([v]) => String(v));
}

async function checkResourceToken(token: string, exp: Json, now: number): Promise<void> {
  expect(decodeProtectedHeader(token)).toEqual(exp.header);
  const claims = decodeJwt(token);
  for (const [k, v] of Object.entries(exp.claims)) expect(claims[k], k).toEqual(v);
  expect(typeof claims.jti === 'string' && claims.jti.length > 0).toBe(true);
  expect(claims.iat).toBeGreaterThanOrEqual(exp.rules.iat.min);
  expect(claims.iat).toBeLessThanOrEqual(exp.rules.iat.max);
  expect((claims.exp as number) > (claims.iat as number)).toBe(true);
  expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(
    exp.rules.exp.maxLifetime,
  );
  const scopes = String(claims.scope ?? '').split(' ');
  for (const s of exp.rules.scopeIncludes) expect(scopes).toContain(s);
  for (const absent of exp.absentClaims) expect(claims, absent).not.toHaveProperty(absent);
  // Independent check: jose verifies it against the resource's published JWKS.
  const verified = await jwtVerify(token, createLocalJWKSet(resourceJwks), {
    typ: 'aa-resource+jwt',
    algorithms: ['Ed25519'],
    currentDate: new Date(now * 1000),
  });
  expect(verified.payload.iss).toBe('https://resource.example');
}

function answerOf(result: VerifyResult): Answer {
  return result.ok ? { status: 200, headers: {}, body: '' } : result.answer;
}

async function checkExpected(result: VerifyResult, e: Json, now: number): Promise<void> {
  const answer = answerOf(result);
  expect(answer.status).toBe(e.status);
  const h = answer.headers;
  expect(h).not.toHaveProperty('www-authenticate');
  if (e.signatureError === null || e.signatureError === undefined) {
    expect(h['signature-error']).toBeUndefined();
  } else {
    const dict = parseDictionary(h['signature-error'] as string);
    const error = dict.get('error')?.[0];
    expect(error).toBeInstanceOf(Token);
    expect(String(error)).toBe(e.signatureError.error);
    if (e.signatureError.required_input) {
      const items = ((dict.get('required_input') ?? [[]])[0] as unknown as [string][]).map(
        ([v]) => v,
      );
      expect(new Set(items)).toEqual(new Set(e.signatureError.required_input));
    }
    const body = JSON.parse(answer.body);
    expect(body.error).toBe(e.signatureError.error);
    expect(body.type).toBe(`urn:ietf:params:sig-error:${e.signatureError.error}`);
    expect(h['content-type']).toBe('application/problem+json');
  }
  if (e.acceptSignatureAlg)
    expect(new Set(tokenList(h['accept-signature-alg']))).toEqual(new Set(e.acceptSignatureAlg));
  if (e.acceptSignatureScheme)
    expect(new Set(tokenList(h['accept-signature-scheme']))).toEqual(
      new Set(e.acceptSignatureScheme),
    );
  if (e.aauthRequirement === null) {
    expect(h['aauth-requirement']).toBeUndefined();
  } else if (e.aauthRequirement) {
    const dict = parseDictionary(h['aauth-requirement'] as string);
    const [value, params] = dict.get('requirement') as [Token, Map<string, unknown>];
    expect(String(value)).toBe(e.aauthRequirement.requirement);
    for (const p of e.aauthRequirement.params) expect(params.has(p)).toBe(true);
    if (e.resourceToken)
      await checkResourceToken(params.get('resource-token') as string, e.resourceToken, now);
  }
  for (const absent of e.absentHeaders ?? []) expect(h).not.toHaveProperty(absent);
  if (e.principal) {
    expect(result.ok).toBe(true);
    const p = result.ok ? result.principal : undefined;
    if (!p) throw new Error('no principal');
    const actual: Record<string, unknown> = {
      tokenType: p.tokenType,
      iss: p.iss,
      sub: p.sub,
      jti: p.jti,
      ps: p.ps,
      aud: p.aud,
      scope: p.scope.join(' '),
      mission_s256: p.missionS256,
      tenant: p.tenant,
      keyThumbprint: p.keyThumbprint,
      label: p.signature.label,
      created: p.signature.created,
      expires: p.signature.expires,
      coveredComponents: p.signature.coveredComponents,
    };
    for (const [k, v] of Object.entries(e.principal)) expect(actual[k], k).toEqual(v);
  }
}

async function runCase(c: Json): Promise<void> {
  const steps = c.sequence ?? [{ now: c.now, request: c.request, expected: c.expected }];
  const clock = { now: steps[0].now };
  const aauth = await verifierFor(c, clock);
  const requirement = aauth.requirement(requirementFor(c.route));
  for (const step of steps) {
    clock.now = step.now;
    const result = await aauth.verify(toRequest(step.request), requirement);
    await checkExpected(result, step.expected, step.now);
  }
}

for (const name of ['aauth-ok', 'aauth-reject']) {
  describe(name, () => {
    for (const c of group(name)) it(`${c.id}: ${c.title}`, () => runCase(c));
  });
}

describe('rfc9421-verify: AAuth profile of the RFC requests', () => {
  for (const c of group('rfc9421-verify').filter((x: Json) => x.aauthProfile)) {
    it(c.id, () => runCase({ ...c.aauthProfile, id: c.id, request: c.request }));
  }
});
