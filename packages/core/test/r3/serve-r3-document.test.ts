import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryStateStore, type StateStore } from '../../src/index.ts';
import { createR3Store, type R3Store } from '../../src/r3/r3-store.ts';
import { handleR3Document } from '../../src/r3/serve-r3-document.ts';
import { collectHeaderFields } from '../../src/request/header-fields.ts';
import type { SignedRequestVerifier } from '../../src/verify/verify-signed-request.ts';
import { createWorld, type MemoryIssuer, memoryIssuer, type World } from '../support/issuers.ts';
import { buildVerifier, signedGet } from './r3-harness.ts';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');
const BYTES =
  '{"vocabulary":"urn:aauth:vocabulary:mcp","operations":[{"tool":"read_file"}],"display":{"summary":"Lire — read"}}';
const S256 = sha(BYTES);
const PATH = `/aauth/r3/${S256}`;

describe('handleR3Document (R3 §4.4, §9)', () => {
  let w: World;
  let ps2: MemoryIssuer;
  let verifier: SignedRequestVerifier;
  let store: R3Store;
  let state: StateStore;
  beforeAll(async () => {
    w = await createWorld();
    ps2 = await memoryIssuer('https://ps2.example', 'aauth-person.json');
    verifier = buildVerifier(w, { personServers: [w.ps, ps2], accessServer: w.as.iss });
    state = createMemoryStateStore({ now: () => w.clock.now });
    store = createR3Store(state, { now: () => w.clock.now });
    // Four-party: the resource token named the AS (aud) and the PS (ps).
    await store.put({ bytes: BYTES, s256: S256, kind: 'class' }, [w.as.iss, w.ps.iss], 3600);
  });

  const serve = async (request: {
    method: string;
    target: string;
    headers: HeadersInit | Record<string, string>;
  }) =>
    handleR3Document(
      { verifier, store },
      request as never,
      collectHeaderFields(request.headers as Record<string, string>),
    );

  it('serves the stored bytes exactly to the entitled AS and PS; HEAD without a body', async () => {
    for (const server of [w.as, w.ps]) {
      const a = await serve(await signedGet(w, PATH, { server }));
      expect(a).toEqual({
        status: 200,
        headers: { 'content-type': 'application/json', 'cache-control': 'no-store, no-transform' },
        body: BYTES,
      });
      expect(sha(a.body)).toBe(S256);
      expect(S256).toHaveLength(43);
    }
    const head = await serve(await signedGet(w, PATH, { server: w.ps }, 'HEAD'));
    expect(head).toMatchObject({ status: 200, body: '' });
    expect(head.headers['content-type']).toBe('application/json');
    // Absolute-form targets address the same document.
    const absolute = await signedGet(w, PATH, { server: w.as });
    expect((await serve({ ...absolute, target: `https://resource.example${PATH}` })).body).toBe(
      BYTES,
    );
  });

  it('answers a trusted but unentitled server, and an unknown document, with the same 403 denied', async () => {
    const unentitled = await serve(await signedGet(w, PATH, { server: ps2 }));
    const unknown = await serve(
      await signedGet(w, `/aauth/r3/${sha('nothing here')}`, { server: w.ps }),
    );
    const malformed = await serve(await signedGet(w, '/aauth/r3/short', { server: w.ps }));
    const deeper = await serve(await signedGet(w, `${PATH}/x`, { server: w.ps }));
    const elsewhere = await serve(await signedGet(w, `/other/${S256}`, { server: w.ps }));
    for (const a of [unentitled, unknown, malformed, deeper, elsewhere]) {
      expect(a.status).toBe(403);
      expect(a.headers).toEqual({ 'content-type': 'application/problem+json' });
      expect(JSON.parse(a.body)).toMatchObject({ error: 'denied', status: 403 });
    }
    expect(unknown).toEqual(unentitled);
  });

  it('refuses agents, even those holding a person or auth token: 401 unsupported_scheme', async () => {
    for (const token of [
      await w.agentToken(),
      await w.personToken(),
      await w.asAuthToken('files', { r3_s256: S256 }),
    ]) {
      const a = await serve(await signedGet(w, PATH, { token }));
      expect(a.status).toBe(401);
      expect(a.headers['signature-error']).toBe('error=unsupported_scheme');
      expect(a.headers['accept-signature-scheme']).toBe('jwks_uri');
      expect(a.body).not.toContain('read_file');
    }
  });

  it('refuses servers it does not deal with (agent provider, untrusted PS) with 403', async () => {
    const stranger = await memoryIssuer('https://ps3.example', 'aauth-person.json');
    await store.put({ bytes: BYTES, s256: S256, kind: 'class' }, [stranger.iss], 3600);
    for (const server of [w.ap, stranger]) {
      const a = await serve(await signedGet(w, PATH, { server }));
      expect(a.status).toBe(403);
      expect(a.body).not.toContain('read_file');
    }
  });

  it('asks unsigned requests for a jwks_uri signature, and refuses bad signatures with 401', async () => {
    const unsigned = await serve({ method: 'GET', target: PATH, headers: {} });
    expect(unsigned.status).toBe(401);
    expect(unsigned.headers['signature-error']).toBe('error=invalid_signature');
    expect(unsigned.headers['accept-signature-scheme']).toBe('jwks_uri');
    const signed = await signedGet(w, PATH, { server: w.as });
    const partial = await serve({
      ...signed,
      headers: { 'signature-input': signed.headers['signature-input'] as string },
    });
    expect(partial.status).toBe(401);
    // The signature covers @path: another document's path does not verify.
    const moved = await serve({ ...signed, target: `/aauth/r3/${sha('other')}` });
    expect(moved.status).toBe(401);
    expect(moved.headers['signature-error']).toBe('error=invalid_signature');
    // A signature by another key under the AS's name.
    const forged = await signedGet(w, PATH, {
      server: { ...w.as, key: w.ps.key },
    });
    const refused = await serve(forged);
    expect(refused.status).toBe(401);
    const stale = await signedGet(w, PATH, { server: w.as });
    w.clock.now += 120;
    try {
      expect((await serve(stale)).headers['signature-error']).toBe('error=invalid_signature');
    } finally {
      w.clock.now -= 120;
    }
  });

  it('answers other methods with 405 and a down store with 503', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const a = await serve({ method, target: PATH, headers: {} });
      expect(a).toEqual({ status: 405, headers: { allow: 'GET, HEAD' }, body: '' });
    }
    const down: R3Store = {
      put: async () => undefined,
      get: async () => {
        throw new Error('down');
      },
      isEntitled: async () => true,
    };
    const a = await handleR3Document(
      { verifier, store: down },
      await signedGet(w, PATH, { server: w.ps }),
      collectHeaderFields((await signedGet(w, PATH, { server: w.ps })).headers),
    );
    expect(a.status).toBe(503);
    expect(a.headers['retry-after']).toBe('1');
  });

  it('does not serve bytes altered in the store', async () => {
    const altered = BYTES.replace('read_file', 'wipe_disk');
    const record = JSON.parse((await state.get(`r3:doc:${S256}`)) ?? '{}');
    await state.set(`r3:doc:${S256}`, JSON.stringify({ ...record, bytes: altered }), 3600);
    try {
      const a = await serve(await signedGet(w, PATH, { server: w.ps }));
      expect(a.status).toBe(403);
      expect(a.body).not.toContain('wipe_disk');
    } finally {
      await state.set(`r3:doc:${S256}`, JSON.stringify(record), 3600);
    }
  });

  it('serves under a configured prefix', async () => {
    const a = await handleR3Document(
      { verifier, store, pathPrefix: '/r3/' },
      await signedGet(w, `/r3/${S256}`, { server: w.ps }),
      collectHeaderFields((await signedGet(w, `/r3/${S256}`, { server: w.ps })).headers),
    );
    expect(a.status).toBe(200);
  });
});
