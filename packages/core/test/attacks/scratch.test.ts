import { it } from 'vitest';
import {
  AP,
  AttackFixture,
  DWK,
  fromB64,
  issuerDocuments,
  metadataUrl,
  NOW,
} from '../support/attack-fixture.ts';

const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
function malleate(sig: Uint8Array): Uint8Array {
  const r = sig.slice(0, 32);
  const s = BigInt('0x' + Buffer.from(sig.slice(32)).toString('hex'));
  const s2 = (N - s).toString(16).padStart(64, '0');
  const out = new Uint8Array(64);
  out.set(r);
  out.set(Buffer.from(s2, 'hex'), 32);
  return out;
}

it('probe', async () => {
  const fx = await AttackFixture.create();
  const log = async (name: string, p: Promise<unknown>) => {
    const t = performance.now();
    const r = await Promise.race([p, new Promise((res) => setTimeout(() => res('HANG'), 1500))]);
    console.log(name, (performance.now() - t).toFixed(0), JSON.stringify(r).slice(0, 260));
  };
  // ES256 malleability
  {
    const h = fx.harness();
    const tok = await fx.token('agent', { cnf: fx.keys.agentEs256 });
    const s = await fx.sign({ method: 'POST', body: 'x', key: fx.keys.agentEs256, token: tok });
    await log('es256 first', h.aauth.verify(s.request));
    const sig2 = malleate(fromB64(s.signature));
    const headers = (s.request.headers as [string, string][]).map(([n, v]) =>
      n === 'signature'
        ? ([n, `sig=:${Buffer.from(sig2).toString('base64')}:`] as [string, string])
        : ([n, v] as [string, string]),
    );
    await log('es256 malleated replay', h.aauth.verify({ ...s.request, headers }));
    await log('es256 exact replay', h.aauth.verify(s.request));
  }
  // fetch ignoring signal
  {
    const h = fx.harness(
      { fetchTimeoutMs: 200 },
      { [metadataUrl(AP, DWK.agent)]: () => new Promise<Response>(() => {}) },
    );
    const s = await fx.sign({});
    await log('hang ignoring signal', h.aauth.verify(s.request));
  }
  {
    const h = fx.harness(
      { fetchTimeoutMs: 200 },
      {
        [metadataUrl(AP, DWK.agent)]: (_u, init) =>
          new Promise<Response>((_res, rej) =>
            init?.signal?.addEventListener('abort', () => rej(new Error('aborted'))),
          ),
      },
    );
    const s = await fx.sign({});
    await log('hang honoring signal', h.aauth.verify(s.request));
  }
  {
    const h = fx.harness(
      { fetchTimeoutMs: 200 },
      {
        [metadataUrl(AP, DWK.agent)]: async () =>
          new Response(
            new ReadableStream({
              start(c) {
                c.enqueue(new TextEncoder().encode('{"issuer":'));
              },
            }),
            { status: 200 },
          ),
      },
    );
    const s = await fx.sign({});
    await log('stalled body', h.aauth.verify(s.request));
  }
  // crit / nbf
  {
    const h = fx.harness();
    await log(
      'crit',
      h.aauth.verify(
        (
          await fx.sign({
            token: await fx.token('agent', { header: { crit: ['urn:x'], 'urn:x': 1 } }),
          })
        ).request,
      ),
    );
    await log(
      'nbf',
      h.aauth.verify(
        (await fx.sign({ token: await fx.token('agent', { claims: { nbf: NOW + 3600 } }) }))
          .request,
      ),
    );
  }
  // localhost.
  for (const u of [
    'https://localhost./jwks',
    'https://foo.localhost/jwks',
    'https://127.1/jwks',
    'https://0x7f000001/jwks',
    'https://[::ffff:127.0.0.1]/jwks',
    'https://[fe80::1]/jwks',
    'https://[::]/jwks',
    'https://0.0.0.0/jwks',
    'https://2130706433/x',
  ]) {
    const h = fx.harness(
      {},
      { ...issuerDocuments(AP, DWK.agent, [{ ...fx.keys.ap.publicJwk, kid: 'ap-key-1' }], u) },
    );
    await log(u, h.aauth.verify((await fx.sign({})).request));
    console.log(h.fetched);
  }
  // duplicate Authorization
  {
    const h = fx.harness();
    const s = await fx.sign({
      headers: [
        ['authorization', 'Bearer abc'],
        ['authorization', 'AAuth sessiontoken'],
      ],
    });
    await log('dup authz', h.aauth.verify(s.request));
  }
  // prepended signature-input line
  {
    const h = fx.harness();
    const s = await fx.sign({});
    const headers = [
      ['signature-input', 'sig=("@method");created=1'] as [string, string],
      ...(s.request.headers as [string, string][]),
    ];
    await log('prepended SI', h.aauth.verify({ ...s.request, headers }));
  }
});
