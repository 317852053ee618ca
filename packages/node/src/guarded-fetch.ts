import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, isAddressAllowed } from './address-policy.js';
import { EgressError } from './egress-error.js';

/**
 * The fetch shape `@aauth-gate/core` uses for key discovery (a copy of core's interface, so
 * this package does not depend on core).
 */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

/** One resolver answer, as `dns.lookup(host, { all: true })` returns it. */
export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** A resolver with the shape of `dns.promises.lookup(host, { all: true })`. */
export type LookupAll = (
  hostname: string,
  options: { all: true },
) => Promise<readonly LookupAddress[]>;

/** Certificate authorities to trust, as PEM text or bytes. */
export type CaInput = string | Uint8Array | readonly (string | Uint8Array)[];

export interface GuardedFetchOptions {
  /**
   * Allow plain `http:` when every DNS answer (or the IP literal) is loopback; for local
   * development. Also admits loopback addresses over `https:` (implies `allowLoopback`).
   * Default `false`: only `https:`.
   */
  allowHttpLoopback?: boolean;
  /** Admit loopback destinations (127.0.0.0/8, ::1 and their IPv4-mapped forms). Default `false`. */
  allowLoopback?: boolean;
  /**
   * Admit private destinations (10/8, 172.16/12, 192.168/16, 100.64/10 CGNAT, fc00::/7,
   * fec0::/10). Link-local (169.254/16, fe80::/10) stays refused. Default `false`.
   */
  allowPrivate?: boolean;
  /** Total budget in ms for DNS, connect, TLS, headers and body, 1–60000. Default `3000`. */
  timeoutMs?: number;
  /** Largest response body in bytes, 1–16 MiB. Default `262144` (256 KiB). */
  maxBytes?: number;
  /**
   * Redirects to follow, 0–10, and only to the same origin (scheme, host, port); a redirect to
   * any other origin is always refused. Default `0`: every redirect is refused.
   */
  maxRedirects?: number;
  /**
   * Resolver used once per fetch. Default `dns.promises.lookup` (the OS resolver, as
   * `dns.lookup(host, { all: true })`).
   */
  lookup?: LookupAll;
  /** Trusted CA certificates (PEM); replaces Node's default roots. Default: Node's default trust. */
  ca?: CaInput;
}

interface Settings {
  readonly allowHttpLoopback: boolean;
  readonly allowLoopback: boolean;
  readonly allowPrivate: boolean;
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly lookup: LookupAll;
  readonly ca: readonly (string | Buffer)[] | undefined;
}

interface Target {
  readonly url: URL;
  /** Host to connect to and name in `Host`: a DNS name, or an IP literal without brackets. */
  readonly host: string;
  readonly address: string;
  readonly family: 4 | 6;
}

interface Exchange {
  readonly status: number;
  readonly statusText: string;
  readonly rawHeaders: readonly string[];
  readonly body: Uint8Array | undefined;
  readonly location: string | undefined;
}

const KNOWN_OPTIONS = new Set([
  'allowHttpLoopback',
  'allowLoopback',
  'allowPrivate',
  'timeoutMs',
  'maxBytes',
  'maxRedirects',
  'lookup',
  'ca',
]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

/**
 * Creates the fetch core's key discovery should use on Node: `GET` only, `https:` only, every
 * destination address checked (IP literals and every DNS answer), the checked address pinned
 * for the connection, one deadline and a byte limit on every fetch, redirects only within the
 * origin. Rejects only with `EgressError`.
 */
export function createGuardedFetch(options: GuardedFetchOptions = {}): FetchLike {
  const settings = normalise(options);
  return (url, init) => guardedFetch(settings, url, init);
}

function normalise(options: GuardedFetchOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createGuardedFetch: options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new TypeError(`createGuardedFetch: unknown option "${key}"`);
  }
  const lookup = options.lookup ?? (dnsLookup as LookupAll);
  if (typeof lookup !== 'function') {
    throw new TypeError('createGuardedFetch: "lookup" must be a function');
  }
  const allowHttpLoopback = flag(options, 'allowHttpLoopback');
  return Object.freeze({
    allowHttpLoopback,
    allowLoopback: flag(options, 'allowLoopback') || allowHttpLoopback,
    allowPrivate: flag(options, 'allowPrivate'),
    timeoutMs: integer(options, 'timeoutMs', 3000, 1, 60_000),
    maxBytes: integer(options, 'maxBytes', 256 * 1024, 1, 16 * 1024 * 1024),
    maxRedirects: integer(options, 'maxRedirects', 0, 0, 10),
    lookup,
    ca: normaliseCa(options.ca),
  });
}

function flag(options: GuardedFetchOptions, key: keyof GuardedFetchOptions): boolean {
  const value = options[key];
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new TypeError(`createGuardedFetch: "${key}" must be a boolean`);
  return value;
}

function integer(
  options: GuardedFetchOptions,
  key: keyof GuardedFetchOptions,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number')
    throw new TypeError(`createGuardedFetch: "${key}" must be a number`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`createGuardedFetch: "${key}" must be an integer from ${min} to ${max}`);
  }
  return value;
}

function normaliseCa(ca: CaInput | undefined): readonly (string | Buffer)[] | undefined {
  if (ca === undefined) return undefined;
  const list: readonly unknown[] = Array.isArray(ca) ? ca : [ca];
  if (list.length === 0) throw new RangeError('createGuardedFetch: "ca" must not be empty');
  for (const item of list) {
    if (typeof item !== 'string' && !(item instanceof Uint8Array)) {
      throw new TypeError('createGuardedFetch: "ca" must be PEM strings or bytes');
    }
  }
  // Copy so later changes to the caller's array cannot change what is trusted.
  return Object.freeze(
    (list as readonly (string | Uint8Array)[]).map((c) =>
      typeof c === 'string' ? c : Buffer.from(c),
    ),
  );
}

async function guardedFetch(
  settings: Settings,
  url: string,
  init: Parameters<FetchLike>[1],
): Promise<Response> {
  // One deadline for the whole fetch (DNS, every redirect hop, body), so no path can hang.
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(
      new EgressError('timeout', `no complete response within ${settings.timeoutMs} ms`),
    );
  }, settings.timeoutMs);
  const callerSignal = init?.signal;
  const onCallerAbort = (): void => deadline.abort(callerAbortError(callerSignal?.reason));
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  try {
    return await fetchWithin(settings, url, init?.headers, deadline.signal);
  } finally {
    clearTimeout(timer);
    callerSignal?.removeEventListener('abort', onCallerAbort);
  }
}

function callerAbortError(reason: unknown): EgressError {
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  return timedOut
    ? new EgressError('timeout', 'the caller’s signal timed out', { cause: reason })
    : new EgressError('network', 'aborted by the caller’s signal', { cause: reason });
}

async function fetchWithin(
  settings: Settings,
  rawUrl: string,
  extraHeaders: Record<string, string> | undefined,
  signal: AbortSignal,
): Promise<Response> {
  if (signal.aborted) throw signal.reason;
  const headers: Record<string, string> = {
    accept: 'application/json',
    // Bodies are returned as received; ask for them uncompressed.
    'accept-encoding': 'identity',
  };
  for (const [name, value] of Object.entries(extraHeaders ?? {})) {
    headers[name.toLowerCase()] = value;
  }

  let target = await admit(settings, parseUrl(rawUrl), signal);
  for (let redirects = 0; ; redirects++) {
    const exchange = await send(settings, target, headers, signal);
    if (exchange.location === undefined) return toResponse(exchange);
    let next: URL;
    try {
      next = new URL(exchange.location, target.url);
    } catch (cause) {
      throw new EgressError('redirect_refused', 'redirect Location is not a valid URL', { cause });
    }
    if (next.origin !== target.url.origin) {
      throw new EgressError('redirect_refused', 'redirect to another origin refused');
    }
    if (redirects >= settings.maxRedirects) {
      throw new EgressError(
        'redirect_refused',
        `redirect refused: more than ${settings.maxRedirects} redirect(s)`,
      );
    }
    // Same origin means same host: reuse the address already checked, never resolve again.
    target = { ...target, url: next };
  }
}

function parseUrl(rawUrl: string): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch (cause) {
    throw new EgressError('scheme_refused', 'not an absolute URL', { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new EgressError(
      'scheme_refused',
      `scheme ${url.protocol} refused: only https: is allowed`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new EgressError('scheme_refused', 'URLs with credentials are refused');
  }
  return url;
}

/** Resolves the host once and decides whether the fetch may connect, and to which address. */
async function admit(settings: Settings, url: URL, signal: AbortSignal): Promise<Target> {
  const isHttp = url.protocol === 'http:';
  if (isHttp && !settings.allowHttpLoopback) {
    throw new EgressError('scheme_refused', 'scheme http: refused: only https: is allowed');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const answers: readonly LookupAddress[] =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await resolve(settings, host, signal);

  for (const { address } of answers) {
    if (isHttp && classifyAddress(address) !== 'loopback') {
      throw new EgressError('scheme_refused', 'plain http: is allowed only to loopback addresses');
    }
    if (!isAddressAllowed(address, settings)) {
      throw new EgressError(
        'address_refused',
        `destination address refused (${classifyAddress(address)})`,
      );
    }
  }
  const first = answers[0] as LookupAddress;
  return { url, host, address: first.address, family: isIP(first.address) === 6 ? 6 : 4 };
}

async function resolve(
  settings: Settings,
  host: string,
  signal: AbortSignal,
): Promise<readonly LookupAddress[]> {
  const lookup = Promise.resolve()
    .then(() => settings.lookup(host, { all: true }))
    .catch((cause: unknown) => {
      const code = (cause as { code?: unknown } | null)?.code;
      const detail = typeof code === 'string' && /^[A-Z_]{1,40}$/.test(code) ? ` (${code})` : '';
      throw new EgressError('dns_failed', `DNS lookup failed${detail}`, { cause });
    });
  // getaddrinfo cannot be cancelled; stop waiting for it at the deadline instead.
  const answers = await untilAborted(lookup, signal);
  if (!Array.isArray(answers) || answers.length === 0) {
    throw new EgressError('dns_failed', 'DNS lookup returned no addresses');
  }
  for (const answer of answers as readonly unknown[]) {
    const address = (answer as { address?: unknown } | null)?.address;
    if (typeof address !== 'string' || isIP(address) === 0) {
      throw new EgressError('dns_failed', 'DNS lookup returned a non-IP answer');
    }
  }
  return answers;
}

function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** One GET over a fresh connection to the pinned address. */
function send(
  settings: Settings,
  target: Target,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Exchange> {
  return new Promise<Exchange>((resolvePromise, reject) => {
    let settled = false;
    let responded = false;
    let req: ReturnType<typeof httpRequest> | undefined;
    const finish = (error: unknown, exchange?: Exchange): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (exchange !== undefined) resolvePromise(exchange);
      else reject(error);
    };
    const onAbort = (): void => {
      finish(signal.reason);
      req?.destroy();
    };
    if (signal.aborted) {
      finish(signal.reason);
      return;
    }

    // Hand the socket the checked address: no second resolution, so no DNS rebinding.
    const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [{ address: target.address, family: target.family }]);
      else callback(null, target.address, target.family);
    };
    const isHttps = target.url.protocol === 'https:';
    const requestOptions: RequestOptions = {
      method: 'GET',
      host: target.host,
      port: target.url.port === '' ? (isHttps ? 443 : 80) : Number(target.url.port),
      path: `${target.url.pathname}${target.url.search}`,
      headers,
      agent: false,
      lookup: pinnedLookup,
    };

    try {
      req = isHttps
        ? httpsRequest({
            ...requestOptions,
            // Verify the certificate against the hostname, not the pinned IP.
            ...(isIP(target.host) === 0 ? { servername: target.host.replace(/\.$/, '') } : {}),
            ...(settings.ca === undefined ? {} : { ca: [...settings.ca] }),
            minVersion: 'TLSv1.2',
          })
        : httpRequest(requestOptions);
    } catch (cause) {
      finish(new EgressError('network', 'request could not be created', { cause }));
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });

    req.on('error', (cause: Error) => finish(networkError('connection failed', cause)));
    req.on('close', () => {
      // After a response, the socket may close while its body is still buffered: `res` decides.
      if (!responded) finish(new EgressError('network', 'connection closed without a response'));
    });
    req.on('response', (res: IncomingMessage) => {
      responded = true;
      const status = res.statusCode ?? 0;
      const base = {
        status,
        statusText: res.statusMessage ?? '',
        rawHeaders: res.rawHeaders,
      };
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        res.destroy();
        finish(undefined, { ...base, body: undefined, location });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > settings.maxBytes) {
        res.destroy();
        finish(tooLarge(settings.maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let received = 0;
      res.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > settings.maxBytes) {
          finish(tooLarge(settings.maxBytes));
          res.destroy();
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        finish(undefined, {
          ...base,
          body: new Uint8Array(Buffer.concat(chunks, received)),
          location: undefined,
        });
      });
      res.on('error', (cause: Error) => finish(networkError('response failed', cause)));
      res.on('close', () => finish(new EgressError('network', 'response body was cut short')));
    });
    req.end();
  });
}

function tooLarge(maxBytes: number): EgressError {
  return new EgressError('too_large', `response body exceeds ${maxBytes} bytes`);
}

function networkError(what: string, cause: Error): EgressError {
  const code = (cause as { code?: unknown }).code;
  const detail = typeof code === 'string' && /^[A-Z0-9_]{1,60}$/.test(code) ? ` (${code})` : '';
  return new EgressError('network', `${what}${detail}`, { cause });
}

function toResponse(exchange: Exchange): Response {
  const { status } = exchange;
  if (status < 200 || status > 599) {
    throw new EgressError('network', `unsupported response status ${status}`);
  }
  try {
    const headers = new Headers();
    for (let i = 0; i + 1 < exchange.rawHeaders.length; i += 2) {
      headers.append(exchange.rawHeaders[i] as string, exchange.rawHeaders[i + 1] as string);
    }
    const body = NULL_BODY_STATUSES.has(status)
      ? null
      : ((exchange.body ?? null) as Uint8Array<ArrayBuffer> | null);
    return new Response(body, { status, statusText: exchange.statusText, headers });
  } catch (cause) {
    throw new EgressError('network', 'response could not be represented', { cause });
  }
}
