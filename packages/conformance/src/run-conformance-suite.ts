import type { AAuthRequest, Answer, VerifyResult } from '@aauth-gate/core';
import { type DevKey, signRequest, type TestAgent } from '@aauth-gate/testing';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { parseDictionary } from 'structured-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConformanceApp, StartConformanceApp } from './app.js';
import { AUTHORITY, createFixture, type Fixture, RESOURCE } from './fixture.js';
import { conformanceBody, conformanceRoutes } from './routes.js';

/** A raw request the suite sends to the app and, unchanged, to the reference core. */
interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: Uint8Array;
}

interface Observed {
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

const ROUTE_BY_KEY = Object.values(conformanceRoutes);

function requirementOf(method: string, path: string) {
  const route = ROUTE_BY_KEY.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no conformance route ${method} ${path}`);
  return route.requirement;
}

function resourceTokenOf(headers: Headers | Record<string, string>): string | undefined {
  const value =
    headers instanceof Headers ? headers.get('aauth-requirement') : headers['aauth-requirement'];
  if (!value) return undefined;
  const token = parseDictionary(value).get('requirement')?.[1].get('resource-token');
  return typeof token === 'string' ? token : undefined;
}

/** Mask what differs between two mints of the same resource token (jti, iat, exp, signature). */
function maskResourceToken(token: string): string {
  const { jti: _j, iat: _i, exp, ...rest } = decodeJwt(token);
  return JSON.stringify({ ...rest, lifetime: (exp as number) - (_i as number) });
}

function maskHeader(name: string, value: string): string {
  if (name === 'aauth-requirement') {
    const rt = resourceTokenOf({ [name]: value });
    return rt ? value.replace(rt, maskResourceToken(rt)) : value;
  }
  return value;
}

/**
 * Runs the one conformance suite over real HTTP on 127.0.0.1 against an adapter's app.
 * Every answer must equal, byte for byte, what core itself answers for the same request
 * (resource tokens compared by claims): so all adapters answer alike.
 */
export function runConformanceSuite(name: string, start: StartConformanceApp): void {
  describe(`conformance: ${name}`, () => {
    let fx: Fixture;
    let app: ConformanceApp;
    let agent: TestAgent;

    beforeAll(async () => {
      fx = await createFixture();
      app = await start({ aauth: fx.app });
      fx.setAppUrl(app.url);
      agent = await fx.newAgent();
    });
    afterAll(async () => {
      await app?.close();
      await fx?.close();
    });

    const send = async (req: RawRequest): Promise<Observed> => {
      const res = await fetch(`${app.url}${req.path}`, {
        method: req.method,
        headers: req.headers,
        ...(req.body ? { body: req.body as Uint8Array<ArrayBuffer> } : {}),
      });
      return { status: res.status, headers: res.headers, body: await res.text() };
    };

    const expected = (req: RawRequest): Promise<VerifyResult> => {
      const request: AAuthRequest = {
        method: req.method,
        target: req.path,
        headers: req.headers,
        body: req.body ?? new Uint8Array(0),
      };
      return fx.reference.verify(request, requirementOf(req.method, req.path) ?? undefined);
    };

    /** The adapter's answer equals core's: status, every header core sets, body bytes; nothing AAuth added on top. */
    const expectCoreAnswer = (got: Observed, answer: Answer): void => {
      expect(got.status).toBe(answer.status);
      for (const [k, v] of Object.entries(answer.headers)) {
        if (k === 'date') continue; // clock_skew's Date: the server's own clock line
        expect(maskHeader(k, got.headers.get(k) ?? '<absent>'), k).toBe(maskHeader(k, v));
      }
      for (const k of [
        'www-authenticate',
        'signature-error',
        'accept-signature-alg',
        'accept-signature-scheme',
        'aauth-requirement',
      ]) {
        if (!(k in answer.headers)) expect(got.headers.get(k), k).toBeNull();
      }
      expect(got.body).toBe(answer.body);
      if (answer.body === '') expect(got.headers.get('content-type')).toBeNull();
    };

    const roundTrip = async (req: RawRequest): Promise<Observed> => {
      const got = await send(req);
      const want = await expected(req);
      if (want.ok) {
        expect(got.status).toBe(200);
        expect(got.headers.get('content-type')).toMatch(/^application\/json/);
        const parsed = req.body ? JSON.parse(new TextDecoder().decode(req.body)) : undefined;
        expect(got.body).toBe(conformanceBody(want.principal, parsed));
      } else {
        expectCoreAnswer(got, want.answer);
      }
      return got;
    };

    const signed = async (
      method: string,
      path: string,
      token: string,
      key: DevKey,
      extra: {
        body?: string;
        created?: number;
        authority?: string;
        headers?: Record<string, string>;
      } = {},
    ): Promise<RawRequest> => {
      const body = extra.body === undefined ? undefined : new TextEncoder().encode(extra.body);
      const headers = await signRequest({
        method,
        url: `${app.url}${path}`,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...extra.headers },
        body,
        key,
        token,
        authority: extra.authority ?? AUTHORITY,
        ...(extra.created === undefined ? {} : { created: extra.created }),
      });
      return { method, path, headers, ...(body ? { body } : {}) };
    };

    const now = (): number => Math.floor(Date.now() / 1000);

    it('serves the resource metadata and JWKS', async () => {
      for (const [path, doc] of [
        ['/.well-known/aauth-resource.json', fx.app.metadata],
        ['/.well-known/jwks.json', fx.app.jwks],
      ] as const) {
        const got = await send({ method: 'GET', path, headers: {} });
        expect(got.status).toBe(200);
        expect(got.headers.get('content-type')).toMatch(/^application\/json/);
        expect(got.headers.get('cache-control')).toBe('public, max-age=300');
        expect(got.headers.get('access-control-allow-origin')).toBe('*');
        expect(JSON.parse(got.body)).toEqual(doc);
      }
      expect(fx.app.metadata.issuer).toBe(RESOURCE);
    });

    it('answers unsigned requests with the route’s minimum requirement', async () => {
      for (const [path, requirement] of [
        ['/agent', 'requirement=agent-token'],
        ['/person', 'requirement=person-token'],
        ['/notes', 'requirement=person-token'],
      ] as const) {
        const got = await roundTrip({ method: 'GET', path, headers: {} });
        expect(got.status).toBe(401);
        expect(got.headers.get('aauth-requirement')).toBe(requirement);
        expect(got.headers.get('signature-error')).toBeNull();
      }
    });

    it('passes an agent-token request with the principal', async () => {
      const got = await roundTrip(
        await signed('GET', '/agent', await agent.agentToken(), agent.key),
      );
      expect(JSON.parse(got.body).principal).toMatchObject({
        tokenType: 'agent',
        iss: fx.agentProvider.issuer,
        keyThumbprint: agent.key.thumbprint,
      });
    });

    it('challenges an agent token on a person route with person-token', async () => {
      const got = await roundTrip(
        await signed('GET', '/person', await agent.agentToken(), agent.key),
      );
      expect(got.status).toBe(401);
      expect(got.headers.get('aauth-requirement')).toBe('requirement=person-token');
    });

    it('passes a person token on a person route', async () => {
      const token = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      const got = await roundTrip(await signed('GET', '/person', token, agent.key));
      expect(JSON.parse(got.body).principal).toMatchObject({
        tokenType: 'person',
        iss: fx.personServer.issuer,
      });
    });

    it('answers a person token on an auth route with a resource token that verifies against the served JWKS', async () => {
      const token = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      const got = await roundTrip(await signed('GET', '/notes', token, agent.key));
      expect(got.status).toBe(401);
      const rt = resourceTokenOf(got.headers) as string;
      const jwks = JSON.parse(
        (await send({ method: 'GET', path: '/.well-known/jwks.json', headers: {} })).body,
      );
      const { payload, protectedHeader } = await jwtVerify(rt, createLocalJWKSet(jwks), {
        typ: 'aa-resource+jwt',
        issuer: RESOURCE,
        audience: fx.personServer.issuer,
      });
      expect(protectedHeader.alg).toBe('Ed25519');
      expect(payload).toMatchObject({
        dwk: 'aauth-resource.json',
        ps: fx.personServer.issuer,
        presented_jti: decodeJwt(token).jti,
        agent_jkt: agent.key.thumbprint,
        scope: 'notes:read',
      });
      expect(payload).not.toHaveProperty('cnf');
    });

    it('climbs the whole ladder to an auth token and serves the notes', async () => {
      const ladder = await fx.newAgent();
      const res = await ladder.fetch(`${app.url}/notes`);
      expect(res.status).toBe(200);
      const body = JSON.parse(await res.text());
      expect(body.principal).toMatchObject({
        tokenType: 'auth',
        iss: fx.personServer.issuer,
        scope: ['notes:read'],
      });
      const write = await ladder.fetch(`${app.url}/notes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"text":"hello"}',
      });
      expect(write.status).toBe(200);
      const written = JSON.parse(await write.text());
      expect(written.body).toEqual({ text: 'hello' });
      expect(written.principal.scope).toEqual(['notes:read', 'notes:write']);
    });

    it('steps up an auth token that lacks the scope, naming it in presented_jti', async () => {
      const token = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:read'],
      });
      const got = await roundTrip(
        await signed('POST', '/notes', token, agent.key, { body: '{"text":"x"}' }),
      );
      expect(got.status).toBe(401);
      const claims = decodeJwt(resourceTokenOf(got.headers) as string);
      expect(claims.presented_jti).toBe(decodeJwt(token).jti);
      expect(String(claims.scope).split(' ').sort()).toEqual(['notes:read', 'notes:write']);
    });

    it('passes an auth token with the scope and a covered, matching body', async () => {
      const token = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const got = await roundTrip(
        await signed('POST', '/notes', token, agent.key, { body: '{"text":"ok"}' }),
      );
      expect(JSON.parse(got.body).body).toEqual({ text: 'ok' });
    });

    it('refuses a tampered body with invalid_signature', async () => {
      const token = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const req = await signed('POST', '/notes', token, agent.key, { body: '{"text":"ok"}' });
      const got = await roundTrip({ ...req, body: new TextEncoder().encode('{"text":"no"}') });
      expect(got.status).toBe(401);
      expect(got.headers.get('signature-error')).toBe('error=invalid_signature');
    });

    it('refuses a bad signature, a wrong authority, a stale and a future created', async () => {
      const token = await agent.agentToken();
      const bad = await signed('GET', '/agent', token, agent.key);
      const flipped = bad.headers.signature?.replace(
        /:(.)/,
        (_m, c: string) => `:${c === 'A' ? 'B' : 'A'}`,
      ) as string;
      const cases: [RawRequest, string][] = [
        [{ ...bad, headers: { ...bad.headers, signature: flipped } }, 'error=invalid_signature'],
        [
          await signed('GET', '/agent', token, agent.key, { authority: 'evil.test' }),
          'error=invalid_signature',
        ],
        [
          await signed('GET', '/agent', token, agent.key, { created: now() - 120 }),
          'error=invalid_signature',
        ],
        [
          await signed('GET', '/agent', token, agent.key, { created: now() + 120 }),
          'error=clock_skew',
        ],
      ];
      for (const [req, error] of cases) {
        const got = await roundTrip(req);
        expect(got.status).toBe(401);
        expect(got.headers.get('signature-error')).toBe(error);
        expect(got.headers.get('content-type')).toBe('application/problem+json');
      }
    });

    it('refuses a replayed request', async () => {
      const token = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const req = await signed('POST', '/notes', token, agent.key, { body: '{"text":"once"}' });
      expect((await send(req)).status).toBe(200);
      const again = await send(req);
      expect(again.status).toBe(401);
      expect(again.headers.get('signature-error')).toBe('error=invalid_signature');
    });

    it('refuses an expired agent token with expired_jwt', async () => {
      const iat = now() - 7200;
      const token = await fx.agentProvider.issueAgentToken({
        agentKey: agent.key,
        claims: { iat, exp: iat + 3600 },
      });
      const got = await roundTrip(await signed('GET', '/agent', token, agent.key));
      expect(got.headers.get('signature-error')).toBe('error=expired_jwt');
    });

    it('refuses other schemes and partial signature headers', async () => {
      const req = await signed('GET', '/agent', await agent.agentToken(), agent.key);
      const hwk = await roundTrip({
        ...req,
        headers: {
          ...req.headers,
          'signature-key': 'sig=hwk;kty="OKP";crv="Ed25519";x="AAAA";alg="Ed25519"',
        },
      });
      expect(hwk.headers.get('signature-error')).toBe('error=unsupported_scheme');
      expect(hwk.headers.get('accept-signature-scheme')).toBe('jwt');
      const { signature: _s, ...partial } = req.headers;
      const got = await roundTrip({ ...req, headers: partial });
      expect(got.headers.get('signature-error')).toBe('error=invalid_signature');
    });

    it('denies by policy with 403 and no signature headers', async () => {
      const got = await roundTrip(
        await signed('GET', '/denied', await agent.agentToken(), agent.key),
      );
      expect(got.status).toBe(403);
      expect(got.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(got.body)).toMatchObject({ error: 'denied', detail: 'not for this agent' });
    });

    it('lets unsigned requests through an optional route, and still verifies signed ones', async () => {
      const open = await roundTrip({ method: 'GET', path: '/optional', headers: {} });
      expect(JSON.parse(open.body).principal).toBeNull();
      const signedReq = await roundTrip(
        await signed('GET', '/optional', await agent.agentToken(), agent.key),
      );
      expect(JSON.parse(signedReq.body).principal.tokenType).toBe('agent');
    });

    it('takes revocations from the person server at the revocation endpoint, then refuses the token', async () => {
      const token = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      expect((await send(await signed('GET', '/person', token, agent.key))).status).toBe(200);
      expect(await fx.personServer.revoke(token)).toBe(200);
      const got = await send(
        await signed('GET', '/person', token, agent.key, { created: now() - 1 }),
      );
      expect(got.status).toBe(401);
      expect(got.headers.get('signature-error')).toBe('error=revoked_jwt');
    });

    it('holds a deferred request with 202 and runs it once, on the first poll with an auth token', async () => {
      const person = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      const first = await send(
        await signed('POST', '/deferred', person, agent.key, { body: '{"text":"later"}' }),
      );
      expect(first.status).toBe(202);
      const location = first.headers.get('location') as string;
      expect(location).toMatch(/^\/aauth\/pending\/[A-Za-z0-9_-]{22}$/);
      expect(first.headers.get('retry-after')).toBe('5');
      expect(first.headers.get('cache-control')).toBe('no-store');
      expect(resourceTokenOf(first.headers)).toBeDefined();
      expect(JSON.parse(first.body)).toEqual({ status: 'pending' });

      const waiting = await send(await signed('GET', location, person, agent.key));
      expect(waiting.status).toBe(202);
      expect(waiting.headers.get('aauth-requirement')).toBe(first.headers.get('aauth-requirement'));

      const auth = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const done = await send(await signed('GET', location, auth, agent.key));
      expect(done.status).toBe(200);
      expect(done.headers.get('content-type')).toMatch(/^application\/json/);
      const body = JSON.parse(done.body);
      expect(body.body).toEqual({ text: 'later' });
      expect(body.principal).toMatchObject({ tokenType: 'auth', scope: ['notes:write'] });

      // A repeated presentation of the same auth token: the kept result, not a second run.
      const again = await send(
        await signed('GET', location, auth, agent.key, { created: now() - 1 }),
      );
      expect(again.status).toBe(200);
      expect(again.body).toBe(done.body);
      const other = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const gone = await send(await signed('GET', location, other, agent.key));
      expect(gone.status).toBe(410);
      expect(JSON.parse(gone.body).error).toBe('invalid_code');
    });

    it('holds a session route behind the resource’s interaction, then accepts the session it issued', async () => {
      const token = await agent.agentToken();
      const refused = await send(await signed('GET', '/session', token, agent.key));
      expect(refused.status).toBe(403);
      const first = await send(
        await signed('GET', '/session', token, agent.key, {
          headers: { 'aauth-capabilities': 'interaction' },
        }),
      );
      expect(first.status).toBe(202);
      const requirement = parseDictionary(first.headers.get('aauth-requirement') ?? '').get(
        'requirement',
      );
      expect(requirement?.[0].toString()).toBe('interaction');
      const code = String(requirement?.[1].get('code'));
      expect(String(requirement?.[1].get('url'))).toBe(`${RESOURCE}/aauth/interaction`);
      const location = first.headers.get('location') as string;

      const page = await send({
        method: 'GET',
        path: `/aauth/interaction?code=${code}`,
        headers: { 'x-user': 'alice' },
      });
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const nonce = /name="nonce" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
      const approved = await send({
        method: 'POST',
        path: '/aauth/interaction',
        headers: { 'x-user': 'alice', 'content-type': 'application/x-www-form-urlencoded' },
        body: new TextEncoder().encode(`code=${code}&nonce=${nonce}&decision=approve`),
      });
      expect(approved.status).toBe(200);

      const done = await send(await signed('GET', location, token, agent.key));
      expect(done.status).toBe(200);
      const session = done.headers.get('aauth-access') as string;
      expect(session).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(JSON.parse(done.body).principal).toMatchObject({
        tokenType: 'agent',
        session: 'alice',
      });

      const later = await send(
        await signed('GET', '/session', token, agent.key, {
          headers: { authorization: `AAuth ${session}` },
          created: now() - 1,
        }),
      );
      expect(later.status).toBe(200);
      expect(JSON.parse(later.body).principal.session).toBe('alice');
    });

    it('takes r3_operations at the authorization endpoint and serves the operation to the auth token granting it (R3)', async () => {
      const vocabulary = 'urn:aauth:vocabulary:openapi';
      const person = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      // Unauthorised, the operation asks for an auth token naming its R3 document.
      const challenged = await send(await signed('GET', '/report', person, agent.key));
      expect(challenged.status).toBe(401);
      expect(decodeJwt(resourceTokenOf(challenged.headers) as string).r3_s256).toBeDefined();

      const body = JSON.stringify({
        r3_operations: { vocabulary, operations: [{ operationId: 'readReport' }] },
      });
      const authorized = await send(
        await signed('POST', '/aauth/authorize', person, agent.key, { body }),
      );
      expect(authorized.status).toBe(200);
      const rt = JSON.parse(authorized.body).resource_token as string;
      const claims = decodeJwt(rt);
      expect(claims.scope).toBeUndefined();
      const uri = String(claims.r3_uri);
      expect(uri).toBe(`${RESOURCE}/aauth/r3/${claims.r3_s256}`);

      // Agents never read R3 documents (agent opacity, R3 §4.4).
      const peek = await send(await signed('GET', new URL(uri).pathname, person, agent.key));
      expect(peek.status).toBe(401);

      // The person server fetches the document signed as itself, checks its hash, grants it.
      const tokenBody = JSON.stringify({ resource_token: rt, presented_token: person });
      const tokenHeaders = await signRequest({
        method: 'POST',
        url: `${fx.personServer.issuer}/token`,
        headers: { 'content-type': 'application/json' },
        body: tokenBody,
        key: agent.key,
        token: await agent.agentToken(),
      });
      const traded = await fetch(`${fx.personServer.issuer}/token`, {
        method: 'POST',
        headers: tokenHeaders,
        body: tokenBody,
      });
      expect(traded.status).toBe(200);
      const auth = (await traded.json()).auth_token as string;
      expect(decodeJwt(auth)).toMatchObject({
        r3_uri: uri,
        r3_s256: claims.r3_s256,
        r3_granted: { vocabulary, operations: [{ operationId: 'readReport' }] },
      });
      const served = await send(await signed('GET', '/report', auth, agent.key));
      expect(served.status).toBe(200);
      expect(JSON.parse(served.body).principal.tokenType).toBe('auth');
    });

    it('refuses attacks on pending URLs: another key, other methods, unknown ids', async () => {
      const person = await fx.personServer.issuePersonToken({
        resource: RESOURCE,
        agentKey: agent.key,
      });
      const held = await send(
        await signed('POST', '/deferred', person, agent.key, { body: '{"text":"mine"}' }),
      );
      expect(held.status).toBe(202);
      const location = held.headers.get('location') as string;
      // Another agent that learned the URL, even with a valid auth token of its own.
      const thief = await fx.newAgent();
      const stolen = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: thief.key,
        scope: ['notes:write'],
      });
      const foreign = await send(await signed('GET', location, stolen, thief.key));
      expect(foreign.status).toBe(403);
      expect(JSON.parse(foreign.body).error).toBe('denied');
      expect(foreign.headers.get('signature-error')).toBeNull();
      expect(foreign.headers.get('aauth-requirement')).toBeNull();
      const post = await send({ method: 'POST', path: location, headers: {} });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET');
      const unsigned = await send({ method: 'GET', path: location, headers: {} });
      expect(unsigned.status).toBe(401);
      const unknown = await send(
        await signed('GET', '/aauth/pending/AAAAAAAAAAAAAAAAAAAAAA', person, agent.key),
      );
      expect(unknown.status).toBe(410);
      // The owner still completes, and its body was kept intact.
      const auth = await fx.personServer.issueAuthToken({
        resource: RESOURCE,
        agentKey: agent.key,
        scope: ['notes:write'],
      });
      const done = await send(await signed('GET', location, auth, agent.key));
      expect(done.status).toBe(200);
      expect(JSON.parse(done.body).body).toEqual({ text: 'mine' });
    });

    it('refuses attacks on the interaction page and on session tokens', async () => {
      const page = (path: string, headers: Record<string, string> = {}, body?: string) =>
        send({
          method: body === undefined ? 'GET' : 'POST',
          path,
          headers,
          ...(body === undefined ? {} : { body: new TextEncoder().encode(body) }),
        });
      const token = await agent.agentToken();
      const first = await send(
        await signed('GET', '/session', token, agent.key, {
          headers: { 'aauth-capabilities': 'interaction' },
        }),
      );
      const code = String(
        parseDictionary(first.headers.get('aauth-requirement') ?? '')
          .get('requirement')?.[1]
          .get('code'),
      );
      // Not signed in: nothing about the code is revealed.
      expect((await page(`/aauth/interaction?code=${code}`)).status).toBe(401);
      // A script or plain-http callback is refused before anything else.
      const evil = encodeURIComponent('javascript:alert(1)');
      expect(
        (await page(`/aauth/interaction?code=${code}&callback=${evil}`, { 'x-user': 'eve' }))
          .status,
      ).toBe(400);
      // A wrong code, and a forged form without the page's nonce.
      expect((await page('/aauth/interaction?code=ZZZZZ-ZZZZZ', { 'x-user': 'eve' })).status).toBe(
        410,
      );
      const form = { 'x-user': 'eve', 'content-type': 'application/x-www-form-urlencoded' };
      expect(
        (await page('/aauth/interaction', form, `code=${code}&nonce=x&decision=approve`)).status,
      ).toBe(400);
      const shown = await page(`/aauth/interaction?code=${code}`, { 'x-user': 'eve' });
      expect(shown.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
      expect(shown.headers.get('x-frame-options')).toBe('DENY');
      const nonce = /name="nonce" value="([^"]+)"/.exec(shown.body)?.[1] ?? '';
      expect(
        (await page('/aauth/interaction', form, `code=${code}&nonce=${nonce}&decision=approve`))
          .status,
      ).toBe(200);
      const done = await send(
        await signed('GET', first.headers.get('location') as string, token, agent.key),
      );
      const session = done.headers.get('aauth-access') as string;
      expect(session).toBeTruthy();
      // The session token is bound to the key that established it.
      const thief = await fx.newAgent();
      const replayed = await send(
        await signed('GET', '/session', await thief.agentToken(), thief.key, {
          headers: { authorization: `AAuth ${session}` },
        }),
      );
      expect(replayed.status).toBe(403);
      // Sent without covering `authorization`: a signature error, not a session.
      const plain = await signed('GET', '/session', token, agent.key, { created: now() - 2 });
      const uncovered = await send({
        ...plain,
        headers: { ...plain.headers, authorization: `AAuth ${session}` },
      });
      expect(uncovered.status).toBe(401);
      expect(uncovered.headers.get('signature-error')).toMatch(
        /^error=invalid_input, required_input=\(.*"authorization"/,
      );
    });

    it('leaves unprotected routes alone', async () => {
      const got = await send({ method: 'GET', path: '/open', headers: {} });
      expect(got.status).toBe(200);
      expect(got.body).toBe(conformanceBody(undefined));
    });
  });
}
