import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createGuardedFetch,
  EgressError,
  type EgressErrorCode,
  type GuardedFetchOptions,
  type LookupAll,
} from '../src/index.js';
import { createSelfSignedCertificate, type TestCertificate } from './support/certificate.js';
import {
  type Echo,
  fakeLookup,
  startHttpServer,
  startHttpsServer,
  type TestServer,
  watchOutgoingRequests,
} from './support/servers.js';

let certificate: TestCertificate;
let otherCertificate: TestCertificate;
let https: TestServer;
let http: TestServer;
let outgoing: ReturnType<typeof watchOutgoingRequests>;

beforeAll(async () => {
  certificate = createSelfSignedCertificate('jwks.test', 'DNS:jwks.test,IP:127.0.0.1');
  otherCertificate = createSelfSignedCertificate('other.test', 'DNS:other.test');
  https = await startHttpsServer(certificate);
  http = await startHttpServer();
});

afterAll(async () => {
  await Promise.all([https.close(), http.close()]);
});

beforeEach(() => {
  outgoing = watchOutgoingRequests();
});

afterEach(() => {
  outgoing.stop();
});

/** Resolves to the EgressError the promise rejects with; fails the test if it resolves. */
async function egressError(promise: Promise<unknown>): Promise<EgressError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EgressError);
  return error as EgressError;
}

async function expectRefused(
  promise: Promise<unknown>,
  code: EgressErrorCode,
  message?: RegExp,
): Promise<EgressError> {
  const error = await egressError(promise);
  expect(error.code).toBe(code);
  expect(error.name).toBe('EgressError');
  if (message) expect(error.message).toMatch(message);
  return error;
}

/** Options for reaching the https test server as `jwks.test` (pinned to 127.0.0.1). */
function viaJwksTest(
  extra: GuardedFetchOptions = {},
  table: Record<string, readonly string[]> = {},
): GuardedFetchOptions & { lookup: ReturnType<typeof fakeLookup> } {
  return {
    allowLoopback: true,
    ca: certificate.cert,
    ...extra,
    lookup: fakeLookup({ 'jwks.test': ['127.0.0.1'], ...table }),
  };
}

describe('createGuardedFetch options', () => {
  it.each([
    [{ bogus: true }, TypeError, /unknown option "bogus"/],
    [{ allowLoopback: 'yes' }, TypeError, /"allowLoopback" must be a boolean/],
    [{ allowPrivate: 1 }, TypeError, /"allowPrivate" must be a boolean/],
    [{ allowHttpLoopback: null }, TypeError, /"allowHttpLoopback" must be a boolean/],
    [{ timeoutMs: '3000' }, TypeError, /"timeoutMs" must be a number/],
    [{ timeoutMs: 0 }, RangeError, /"timeoutMs" must be an integer from 1 to 60000/],
    [{ timeoutMs: 60_001 }, RangeError, /"timeoutMs"/],
    [{ timeoutMs: 1.5 }, RangeError, /"timeoutMs"/],
    [{ timeoutMs: Number.NaN }, RangeError, /"timeoutMs"/],
    [{ maxBytes: 0 }, RangeError, /"maxBytes"/],
    [{ maxBytes: Number.POSITIVE_INFINITY }, RangeError, /"maxBytes"/],
    [{ maxRedirects: -1 }, RangeError, /"maxRedirects" must be an integer from 0 to 10/],
    [{ maxRedirects: 11 }, RangeError, /"maxRedirects"/],
    [{ lookup: 'dns' }, TypeError, /"lookup" must be a function/],
    [{ ca: 42 }, TypeError, /"ca" must be PEM strings or bytes/],
    [{ ca: ['pem', 42] }, TypeError, /"ca"/],
    [{ ca: [] }, RangeError, /"ca" must not be empty/],
  ])('rejects %o', (options, ErrorClass, message) => {
    expect(() => createGuardedFetch(options as GuardedFetchOptions)).toThrow(ErrorClass);
    expect(() => createGuardedFetch(options as GuardedFetchOptions)).toThrow(message);
  });

  it('rejects a non-object', () => {
    expect(() => createGuardedFetch(null as unknown as GuardedFetchOptions)).toThrow(TypeError);
  });

  it('accepts no options and explicit defaults', () => {
    expect(typeof createGuardedFetch()).toBe('function');
    expect(
      typeof createGuardedFetch({
        allowHttpLoopback: false,
        allowLoopback: false,
        allowPrivate: false,
        timeoutMs: 3000,
        maxBytes: 262_144,
        maxRedirects: 0,
      }),
    ).toBe('function');
  });

  it('neither mutates the caller’s object nor follows later changes to it', async () => {
    const options: GuardedFetchOptions = { timeoutMs: 1000 };
    const guarded = createGuardedFetch(options);
    expect(options).toEqual({ timeoutMs: 1000 });
    options.allowHttpLoopback = true;
    options.allowLoopback = true;
    await expectRefused(guarded(`http://127.0.0.1:${http.port}/echo`), 'scheme_refused');
    expect(http.connections()).toBe(0);
  });
});

describe('schemes', () => {
  it.each([
    'ftp://example.com/jwks',
    'file:///etc/passwd',
    'data:application/json,{}',
    'gopher://127.0.0.1:70/',
    'ws://example.com/',
    'not a url',
    '/relative/path',
  ])('refuses %s before any I/O', async (url) => {
    const lookup = fakeLookup({});
    await expectRefused(createGuardedFetch({ lookup })(url), 'scheme_refused');
    expect(lookup.calls).toEqual([]);
    expect(outgoing.count()).toBe(0);
  });

  it('refuses URLs carrying credentials', async () => {
    const lookup = fakeLookup({ 'jwks.test': ['127.0.0.1'] });
    const error = await expectRefused(
      createGuardedFetch({ lookup, allowLoopback: true })('https://user:s3cret@jwks.test/jwks'),
      'scheme_refused',
    );
    expect(error.message).not.toContain('s3cret');
    expect(outgoing.count()).toBe(0);
  });

  it('refuses http: on loopback by default', async () => {
    await expectRefused(
      createGuardedFetch({ allowLoopback: true })(`http://127.0.0.1:${http.port}/echo`),
      'scheme_refused',
      /only https: is allowed/,
    );
    expect(http.connections()).toBe(0);
    expect(outgoing.count()).toBe(0);
  });

  it('allows http: to a loopback IP literal with allowHttpLoopback', async () => {
    const before = http.connections();
    const response = await createGuardedFetch({ allowHttpLoopback: true })(
      `http://127.0.0.1:${http.port}/echo?x=1`,
    );
    expect(response.status).toBe(200);
    const echo = (await response.json()) as Echo;
    expect(echo.path).toBe('/echo?x=1');
    expect(echo.host).toBe(`127.0.0.1:${http.port}`);
    expect(http.connections()).toBe(before + 1);
  });

  it('allows http: to a name resolving to loopback with allowHttpLoopback', async () => {
    const lookup = fakeLookup({ 'dev.test': ['127.0.0.1'] });
    const response = await createGuardedFetch({ allowHttpLoopback: true, lookup })(
      `http://dev.test:${http.port}/echo`,
    );
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).host).toBe(`dev.test:${http.port}`);
    expect(lookup.calls).toEqual(['dev.test']);
  });

  it('refuses http: to a non-loopback answer even with allowHttpLoopback', async () => {
    const lookup = fakeLookup({ 'lan.test': ['10.0.0.5'] });
    await expectRefused(
      createGuardedFetch({ allowHttpLoopback: true, lookup })('http://lan.test/jwks'),
      'scheme_refused',
      /only to loopback/,
    );
    expect(outgoing.count()).toBe(0);
  });

  it('refuses http: when only some answers are loopback', async () => {
    const lookup = fakeLookup({ 'mixed.test': ['127.0.0.1', '10.0.0.5'] });
    await expectRefused(
      createGuardedFetch({ allowHttpLoopback: true, allowPrivate: true, lookup })(
        `http://mixed.test:${http.port}/echo`,
      ),
      'scheme_refused',
    );
    expect(outgoing.count()).toBe(0);
  });
});

describe('destination addresses', () => {
  it('refuses https: to loopback unless allowLoopback', async () => {
    const before = https.connections();
    await expectRefused(
      createGuardedFetch({ ca: certificate.cert })(`https://127.0.0.1:${https.port}/echo`),
      'address_refused',
      /\(loopback\)/,
    );
    expect(https.connections()).toBe(before);
    expect(outgoing.count()).toBe(0);

    const response = await createGuardedFetch({ ca: certificate.cert, allowLoopback: true })(
      `https://127.0.0.1:${https.port}/echo`,
    );
    expect(response.status).toBe(200);
    // An IP literal sends no SNI; the certificate is checked against its IP SAN.
    expect(((await response.json()) as Echo).servername).toBe(null);
    expect(https.connections()).toBe(before + 1);
  });

  it.each([
    ['https://127.0.0.1/', 'loopback'],
    ['https://127.8.9.10/', 'loopback'],
    ['https://2130706433/', 'loopback'], // WHATWG URL normalises numeric hosts
    ['https://0x7f.1/', 'loopback'],
    ['https://[::1]/', 'loopback'],
    ['https://[::ffff:127.0.0.1]/', 'loopback'],
    ['https://[::ffff:7f00:1]/', 'loopback'],
    ['https://10.0.0.5/', 'private'],
    ['https://192.168.0.1/', 'private'],
    ['https://100.64.0.1/', 'private'],
    ['https://[fd00::1]/', 'private'],
    ['https://169.254.169.254/latest/meta-data/', 'link_local'],
    ['https://[::ffff:169.254.169.254]/', 'link_local'],
    ['https://[fe80::1]/', 'link_local'],
    ['https://0.0.0.0/', 'unspecified'],
    ['https://[::]/', 'unspecified'],
    ['https://224.0.0.1/', 'multicast'],
    ['https://255.255.255.255/', 'broadcast'],
    ['https://192.0.2.1/', 'documentation'],
    ['https://240.0.0.1/', 'reserved'],
  ])('refuses the IP literal %s (%s) without resolving or connecting', async (url, cls) => {
    const lookup = fakeLookup({});
    await expectRefused(
      createGuardedFetch({ lookup })(url),
      'address_refused',
      new RegExp(`\\(${cls}\\)`),
    );
    expect(lookup.calls).toEqual([]);
    expect(outgoing.count()).toBe(0);
  });

  it.each([
    ['10.0.0.5', {}],
    ['172.16.3.4', {}],
    ['192.168.1.1', {}],
    ['100.64.0.1', {}],
    ['fd00::5', {}],
    ['127.0.0.1', {}],
    ['::1', {}],
    ['::ffff:127.0.0.1', {}],
    ['::ffff:7f00:1', {}],
    ['10.0.0.5', { allowLoopback: true }],
    ['169.254.169.254', { allowLoopback: true, allowPrivate: true }],
    ['::ffff:a9fe:a9fe', { allowLoopback: true, allowPrivate: true }],
    ['fe80::1', { allowLoopback: true, allowPrivate: true }],
    ['0.0.0.0', { allowLoopback: true, allowPrivate: true }],
    ['::', { allowLoopback: true, allowPrivate: true }],
    ['224.0.0.251', { allowLoopback: true, allowPrivate: true }],
  ] as const)('refuses a DNS answer of %s with %o before connecting', async (address, policy) => {
    const lookup = fakeLookup({ 'issuer.test': [address] });
    await expectRefused(
      createGuardedFetch({ ...policy, lookup })('https://issuer.test/.well-known/jwks.json'),
      'address_refused',
    );
    expect(lookup.calls).toEqual(['issuer.test']);
    expect(outgoing.count()).toBe(0);
  });

  it('refuses when any one DNS answer is refused', async () => {
    const lookup = fakeLookup({ 'jwks.test': ['127.0.0.1', '10.0.0.5'] });
    const before = https.connections();
    await expectRefused(
      createGuardedFetch({ allowLoopback: true, ca: certificate.cert, lookup })(
        `https://jwks.test:${https.port}/echo`,
      ),
      'address_refused',
      /\(private\)/,
    );
    expect(https.connections()).toBe(before);
    expect(outgoing.count()).toBe(0);
  });

  it('refuses a non-IP resolver answer as a DNS failure', async () => {
    const lookup: LookupAll = async () => [{ address: 'not-an-ip', family: 4 }];
    await expectRefused(
      createGuardedFetch({ lookup })('https://issuer.test/jwks'),
      'dns_failed',
      /non-IP/,
    );
    expect(outgoing.count()).toBe(0);
  });
});

describe('TLS and DNS pinning', () => {
  it('connects to the checked address and verifies the certificate for the hostname', async () => {
    const options = viaJwksTest();
    const before = https.connections();
    const response = await createGuardedFetch(options)(`https://jwks.test:${https.port}/echo`);

    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(200);
    expect(response.ok).toBe(true);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-test')).toBe('yes');
    const echo = (await response.json()) as Echo;
    expect(echo.servername).toBe('jwks.test');
    expect(echo.host).toBe(`jwks.test:${https.port}`);
    expect(echo.accept).toBe('application/json');
    expect(echo.localAddress).toBe('127.0.0.1');
    expect(options.lookup.calls).toEqual(['jwks.test']);
    expect(https.connections()).toBe(before + 1);
    expect(outgoing.count()).toBe(1);
  });

  it('sends caller headers, which override the default accept', async () => {
    const response = await createGuardedFetch(viaJwksTest())(
      `https://jwks.test:${https.port}/echo`,
      { headers: { Accept: 'application/jwk-set+json', 'x-extra': 'hello' } },
    );
    const echo = (await response.json()) as Echo;
    expect(echo.accept).toBe('application/jwk-set+json');
    expect(echo.extra).toBe('hello');
  });

  it('fails when the certificate does not cover the hostname (SNI name is what is verified)', async () => {
    const options = viaJwksTest({}, { 'other.test': ['127.0.0.1'] });
    await expectRefused(
      createGuardedFetch(options)(`https://other.test:${https.port}/echo`),
      'network',
      /ERR_TLS_CERT_ALTNAME_INVALID/,
    );
  });

  it('fails against a certificate it was not told to trust', async () => {
    await expectRefused(
      createGuardedFetch(viaJwksTest({ ca: otherCertificate.cert }))(
        `https://jwks.test:${https.port}/echo`,
      ),
      'network',
      /connection failed/,
    );
    const lookup = fakeLookup({ 'jwks.test': ['127.0.0.1'] });
    await expectRefused(
      createGuardedFetch({ allowLoopback: true, lookup })(`https://jwks.test:${https.port}/echo`),
      'network',
    );
  });

  it('accepts the CA as bytes', async () => {
    const response = await createGuardedFetch(
      viaJwksTest({ ca: [new TextEncoder().encode(certificate.cert)] }),
    )(`https://jwks.test:${https.port}/echo`);
    expect(response.status).toBe(200);
  });

  it('resolves once per fetch even when later answers would differ (DNS rebinding)', async () => {
    let calls = 0;
    const rebinding: LookupAll = async () => {
      calls++;
      return [{ address: calls === 1 ? '127.0.0.1' : '10.0.0.5', family: 4 }];
    };
    const guarded = createGuardedFetch({
      allowLoopback: true,
      ca: certificate.cert,
      maxRedirects: 3,
      lookup: rebinding,
    });
    const response = await guarded(`https://jwks.test:${https.port}/r/3`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).path).toBe('/r/0');
    expect(calls).toBe(1);
    // The next fetch resolves afresh and is judged on its own answer.
    await expectRefused(guarded(`https://jwks.test:${https.port}/echo`), 'address_refused');
    expect(calls).toBe(2);
  });

  it('returns error statuses as responses and a 204 with a null body', async () => {
    const guarded = createGuardedFetch(viaJwksTest());
    const failed = await guarded(`https://jwks.test:${https.port}/server-error`);
    expect(failed.status).toBe(500);
    expect(await failed.json()).toEqual({ error: 'boom' });
    const empty = await guarded(`https://jwks.test:${https.port}/no-content`);
    expect(empty.status).toBe(204);
    expect(empty.body).toBe(null);
    const missing = await guarded(`https://jwks.test:${https.port}/nope`);
    expect(missing.status).toBe(404);
  });
});

describe('redirects', () => {
  it('refuses every redirect by default', async () => {
    const options = viaJwksTest();
    await expectRefused(
      createGuardedFetch(options)(`https://jwks.test:${https.port}/r/1`),
      'redirect_refused',
      /more than 0 redirect/,
    );
  });

  it('follows same-origin redirects within maxRedirects', async () => {
    const options = viaJwksTest({ maxRedirects: 2 });
    const start = https.requests.length;
    const response = await createGuardedFetch(options)(`https://jwks.test:${https.port}/r/2`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as Echo).path).toBe('/r/0');
    expect(https.requests.slice(start)).toEqual(['/r/2', '/r/1', '/r/0']);
    expect(options.lookup.calls).toEqual(['jwks.test']);
  });

  it('refuses the redirect beyond maxRedirects', async () => {
    const start = https.requests.length;
    await expectRefused(
      createGuardedFetch(viaJwksTest({ maxRedirects: 1 }))(`https://jwks.test:${https.port}/r/2`),
      'redirect_refused',
      /more than 1 redirect/,
    );
    expect(https.requests.slice(start)).toEqual(['/r/2', '/r/1']);
  });

  describe('to another origin', () => {
    let redirector: TestServer;
    beforeAll(async () => {
      redirector = await startHttpsServer(certificate, {
        '/to-other-host': (_req, res, port) => {
          res.writeHead(302, { location: `https://evil.test:${port}/echo` });
          res.end();
        },
        '/to-other-port': (_req, res) => {
          res.writeHead(307, { location: `https://jwks.test:${https.port}/echo` });
          res.end();
        },
        '/to-http': (_req, res, port) => {
          res.writeHead(301, { location: `http://jwks.test:${port}/echo` });
          res.end();
        },
        '/to-ip': (_req, res, port) => {
          res.writeHead(308, { location: `https://127.0.0.1:${port}/echo` });
          res.end();
        },
        '/bad-location': (_req, res) => {
          res.writeHead(302, { location: 'https://[nope/' });
          res.end();
        },
      });
    });
    afterAll(() => redirector.close());

    it.each(['/to-other-host', '/to-other-port', '/to-http', '/to-ip'])(
      'refuses %s even with maxRedirects 5',
      async (path) => {
        const options = viaJwksTest(
          { maxRedirects: 5, allowHttpLoopback: true },
          { 'evil.test': ['127.0.0.1'] },
        );
        const served = https.requests.length;
        await expectRefused(
          createGuardedFetch(options)(`https://jwks.test:${redirector.port}${path}`),
          'redirect_refused',
          /another origin/,
        );
        expect(options.lookup.calls).toEqual(['jwks.test']);
        expect(redirector.requests.at(-1)).toBe(path);
        expect(https.requests.length).toBe(served);
        expect(outgoing.count()).toBe(1);
      },
    );

    it('refuses an unparsable Location', async () => {
      await expectRefused(
        createGuardedFetch(viaJwksTest({ maxRedirects: 5 }))(
          `https://jwks.test:${redirector.port}/bad-location`,
        ),
        'redirect_refused',
      );
    });
  });
});

describe('limits', () => {
  it('times out a server that never answers, within the bound', async () => {
    const started = Date.now();
    await expectRefused(
      createGuardedFetch(viaJwksTest({ timeoutMs: 300 }))(
        `https://jwks.test:${https.port}/slow-headers`,
      ),
      'timeout',
      /within 300 ms/,
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(1500);
  });

  it('times out a body that never completes', async () => {
    const started = Date.now();
    await expectRefused(
      createGuardedFetch(viaJwksTest({ timeoutMs: 300 }))(
        `https://jwks.test:${https.port}/slow-body`,
      ),
      'timeout',
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('times out a resolver that never answers', async () => {
    const hanging: LookupAll = () => new Promise(() => {});
    const started = Date.now();
    await expectRefused(
      createGuardedFetch({ lookup: hanging, timeoutMs: 200 })('https://issuer.test/jwks'),
      'timeout',
    );
    expect(Date.now() - started).toBeLessThan(1500);
    expect(outgoing.count()).toBe(0);
  });

  it('counts redirect hops against the one deadline', async () => {
    const guarded = createGuardedFetch(viaJwksTest({ timeoutMs: 350, maxRedirects: 1 }));
    // Each hop takes 200 ms: fine per hop, too slow in total.
    const started = Date.now();
    await expectRefused(guarded(`https://jwks.test:${https.port}/delayed-redirect`), 'timeout');
    expect(Date.now() - started).toBeLessThan(1500);
    const fast = createGuardedFetch(viaJwksTest({ timeoutMs: 2000, maxRedirects: 1 }));
    const response = await fast(`https://jwks.test:${https.port}/delayed-redirect`);
    expect(((await response.json()) as Echo).path).toBe('/delayed-echo');
  });

  it('stops reading a chunked body beyond maxBytes', async () => {
    await expectRefused(
      createGuardedFetch(viaJwksTest({ maxBytes: 1024 }))(`https://jwks.test:${https.port}/huge`),
      'too_large',
      /exceeds 1024 bytes/,
    );
  });

  it('refuses a body beyond the default 256 KiB', async () => {
    await expectRefused(
      createGuardedFetch(viaJwksTest())(`https://jwks.test:${https.port}/huge`),
      'too_large',
      /exceeds 262144 bytes/,
    );
  });

  it('refuses a huge content-length without waiting for the body', async () => {
    const started = Date.now();
    await expectRefused(
      createGuardedFetch(viaJwksTest({ timeoutMs: 2000 }))(
        `https://jwks.test:${https.port}/huge-length`,
      ),
      'too_large',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('accepts a body of exactly maxBytes', async () => {
    const response = await createGuardedFetch(viaJwksTest({ maxBytes: 1024 }))(
      `https://jwks.test:${https.port}/exact-1024`,
    );
    expect(new Uint8Array(await response.arrayBuffer()).byteLength).toBe(1024);
    await expectRefused(
      createGuardedFetch(viaJwksTest({ maxBytes: 1023 }))(
        `https://jwks.test:${https.port}/exact-1024`,
      ),
      'too_large',
    );
  });

  it('honours the caller’s signal', async () => {
    const guarded = createGuardedFetch(viaJwksTest({ timeoutMs: 5000 }));
    const url = `https://jwks.test:${https.port}/slow-headers`;
    const started = Date.now();
    await expectRefused(guarded(url, { signal: AbortSignal.timeout(150) }), 'timeout');
    expect(Date.now() - started).toBeLessThan(1500);

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expectRefused(guarded(url, { signal: controller.signal }), 'network', /aborted/);

    const lookup = fakeLookup({ 'jwks.test': ['127.0.0.1'] });
    await expectRefused(
      createGuardedFetch({ lookup })(url, { signal: AbortSignal.abort() }),
      'network',
    );
    expect(lookup.calls).toEqual([]);
  });
});

describe('DNS and network failures', () => {
  it('reports a resolver error as dns_failed', async () => {
    const lookup = fakeLookup({});
    await expectRefused(
      createGuardedFetch({ lookup })('https://nowhere.test/jwks'),
      'dns_failed',
      /ENOTFOUND/,
    );
    expect(lookup.calls).toEqual(['nowhere.test']);
    expect(outgoing.count()).toBe(0);
  });

  it('reports an empty answer and a throwing resolver as dns_failed', async () => {
    await expectRefused(
      createGuardedFetch({ lookup: async () => [] })('https://empty.test/jwks'),
      'dns_failed',
      /no addresses/,
    );
    const throwing: LookupAll = () => {
      throw new Error('resolver exploded');
    };
    await expectRefused(
      createGuardedFetch({ lookup: throwing })('https://boom.test/jwks'),
      'dns_failed',
    );
    expect(outgoing.count()).toBe(0);
  });

  it('reports a refused connection as network', async () => {
    const closed = createServer();
    const port = await new Promise<number>((resolve) => {
      closed.listen(0, '127.0.0.1', () => {
        const address = closed.address();
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await expectRefused(
      createGuardedFetch(viaJwksTest())(`https://jwks.test:${port}/jwks`),
      'network',
      /ECONNREFUSED/,
    );
  });

  it('reports a body cut short as network', async () => {
    await expectRefused(
      createGuardedFetch(viaJwksTest())(`https://jwks.test:${https.port}/cut`),
      'network',
    );
  });
});
