import { parseDictionary } from 'structured-headers';
import { type DevKey, generateDevKey } from './agent-key.js';
import type { DevAgentProvider } from './dev-agent-provider.js';
import { signRequest } from './sign-request.js';

/** One HTTP exchange the agent made, for logs and narration (tokens included: test use only). */
export interface AgentExchange {
  readonly method: string;
  readonly url: string;
  /** Which token signed it: `agent`, `person`, `auth`, or `none` (unsigned). */
  readonly presented: 'none' | 'agent' | 'person' | 'auth';
  readonly token: string | undefined;
  readonly status: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string;
}

/** A request about to be sent, after signing: change it to break any part (negative tests). */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | undefined;
}

export interface TestAgentOptions {
  readonly agentProvider: DevAgentProvider;
  /** The person server used for person and auth tokens. Default: none (agent identity only). */
  readonly personServer?: { readonly issuer: string };
  readonly alg?: 'Ed25519' | 'ES256';
  /** The agent's key (keep it across runs). Default: generated. */
  readonly key?: DevKey;
  /** Local part of the agent identifier. Default `assistant`. */
  readonly local?: string;
  /** Called for every exchange (challenges, token requests, retries). */
  readonly onExchange?: (exchange: AgentExchange) => void;
  /** `@authority` to sign for resources behind a proxy (requests still go to the URL). Default: the URL's host. */
  readonly authority?: string;
  /** Called after signing each request to the resource; mutate it to tamper. */
  readonly tamper?: (request: OutgoingRequest) => void;
  /**
   * Gets the user to a resource's interaction page (`requirement=interaction` on a `202`); the
   * agent then polls `Location`. Only when it is set does the agent send
   * `AAuth-Capabilities: interaction` to resources (AAuth-11 §11.7).
   */
  readonly onInteraction?: (interaction: InteractionRequest) => void | Promise<void>;
  /** Longest single wait between polls of a pending URL, in ms (to shorten `Retry-After` in tests). Default: no cap. */
  readonly maxPollWaitMs?: number;
  /** How long to keep polling a pending URL before returning its last `202`, in ms. Default 60 000. */
  readonly pollTimeoutMs?: number;
}

/** What `onInteraction` receives: where to send the user, and the pending URL being polled. */
export interface InteractionRequest {
  /** The interaction endpoint (`url` parameter); the user visits `{url}?code={code}`. */
  readonly url: string;
  readonly code: string;
  /** The absolute pending URL (`Location`). */
  readonly location: string;
}

export interface AgentFetchInit {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Uint8Array;
  /** Send unsigned (first rung of the ladder). Default false. */
  readonly unsigned?: boolean;
  /** Follow `AAuth-Requirement` challenges. Default true. */
  readonly followChallenges?: boolean;
}

/**
 * A signing agent that climbs the AAuth ladder by itself: it signs with the best token it holds
 * for a resource, reads `AAuth-Requirement`, gets a person token, trades a resource token for
 * an auth token at the person server, and retries. A `202` is followed to its end: the
 * requirement it carries is met (auth token, `onInteraction`), then `Location` is polled and its
 * final answer returned. Session tokens from `AAuth-Access` are kept per origin and sent back.
 */
export interface TestAgent {
  readonly key: DevKey;
  agentToken(): Promise<string>;
  fetch(url: string, init?: AgentFetchInit): Promise<Response>;
  /** Forget the person and auth tokens held for a resource origin (or all). */
  forget(origin?: string): void;
  /** The tokens currently held for a resource origin. */
  held(origin: string): {
    readonly person?: string | undefined;
    readonly auth?: string | undefined;
  };
  /** The session token (`AAuth-Access`) held for a resource origin, sent as `Authorization: AAuth`. */
  sessionToken(origin: string): string | undefined;
  /** Forget the session token of a resource origin (or all). */
  forgetSession(origin?: string): void;
}

interface Held {
  person?: string | undefined;
  auth?: string | undefined;
}

interface Requirement {
  readonly requirement: string;
  readonly resourceToken: string | undefined;
  readonly url: string | undefined;
  readonly code: string | undefined;
}

function requirementOf(res: Response): Requirement | undefined {
  const value = res.headers.get('aauth-requirement');
  if (!value) return undefined;
  try {
    const member = parseDictionary(value).get('requirement');
    if (!member || Array.isArray(member[0])) return undefined;
    const text = (name: string) => {
      const v = member[1].get(name);
      return typeof v === 'string' ? v : undefined;
    };
    return {
      requirement: String(member[0]),
      resourceToken: text('resource-token'),
      url: text('url'),
      code: text('code'),
    };
  } catch {
    return undefined;
  }
}

// RFC 9110 token68; anything else (empty, spaces, two values joined by a comma) is refused (AAuth-11 §6.3).
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** `Retry-After` in seconds (delta-seconds or an HTTP date), if present and readable. */
function retryAfter(res: Response): number | undefined {
  const value = res.headers.get('retry-after')?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

export async function createTestAgent(options: TestAgentOptions): Promise<TestAgent> {
  for (const name of ['maxPollWaitMs', 'pollTimeoutMs'] as const) {
    const v = options[name];
    if (v !== undefined && !(v >= 0)) throw new RangeError(`${name} must be a number ≥ 0`);
  }
  const maxPollWaitMs = options.maxPollWaitMs ?? Number.POSITIVE_INFINITY;
  const pollTimeoutMs = options.pollTimeoutMs ?? 60_000;
  const key = options.key ?? (await generateDevKey(options.alg ?? 'Ed25519'));
  let agentToken: string | undefined;
  const holdings = new Map<string, Held>();
  const identifiers = new Map<string, string>();
  const sessions = new Map<string, string>();
  const getAgentToken = async (): Promise<string> => {
    agentToken ??= await options.agentProvider.issueAgentToken({
      agentKey: key,
      ...(options.local ? { local: options.local } : {}),
    });
    return agentToken;
  };

  const send = async (
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    presented: AgentExchange['presented'],
    token: string | undefined,
    toResource: boolean,
  ): Promise<Response> => {
    const origin = new URL(url).origin;
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);
    const toSign = { ...headers };
    // Only on signed requests: a session token is bound to the signature, never a bearer token.
    if (token && toResource) {
      const session = sessions.get(origin);
      if (session && !has('authorization')) toSign.authorization = `AAuth ${session}`;
      if (options.onInteraction && !has('aauth-capabilities'))
        toSign['aauth-capabilities'] = 'interaction';
    }
    const out: OutgoingRequest = { method, url, headers: { ...toSign }, body };
    if (token) {
      const authority = toResource && options.authority ? { authority: options.authority } : {};
      Object.assign(
        out.headers,
        await signRequest({ method, url, headers: toSign, body, key, token, ...authority }),
      );
    }
    if (toResource) options.tamper?.(out);
    const res = await fetch(out.url, {
      method: out.method,
      headers: out.headers,
      ...(out.body ? { body: out.body as Uint8Array<ArrayBuffer> } : {}),
    });
    const text = await res.text();
    const access = res.headers.get('aauth-access');
    // Any response may issue or replace the session token; the newest one wins (AAuth-11 §6.3).
    if (toResource && access !== null && TOKEN68.test(access)) sessions.set(origin, access);
    options.onExchange?.({
      method,
      url,
      presented,
      token,
      status: res.status,
      responseHeaders: headersOf(res),
      responseBody: text,
    });
    return new Response(res.status === 204 || res.status === 304 ? null : text, {
      status: res.status,
      headers: res.headers,
    });
  };

  const postJson = async (url: string, value: unknown): Promise<Response> =>
    send(
      'POST',
      url,
      { 'content-type': 'application/json' },
      new TextEncoder().encode(JSON.stringify(value)),
      'agent',
      await getAgentToken(),
      false,
    );

  const resourceIdentifier = async (origin: string): Promise<string> => {
    let id = identifiers.get(origin);
    if (!id) {
      const meta = (await (await fetch(`${origin}/.well-known/aauth-resource.json`)).json()) as {
        issuer?: string;
      };
      id = meta.issuer ?? origin;
      identifiers.set(origin, id);
    }
    return id;
  };

  const personToken = async (origin: string): Promise<string | undefined> => {
    if (!options.personServer) return undefined;
    const res = await postJson(`${options.personServer.issuer}/person`, {
      resource: await resourceIdentifier(origin),
    });
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { person_token?: string }).person_token;
  };

  const authToken = async (
    resourceToken: string,
    presented: string,
  ): Promise<string | undefined> => {
    if (!options.personServer) return undefined;
    let res = await postJson(`${options.personServer.issuer}/token`, {
      resource_token: resourceToken,
      presented_token: presented,
    });
    for (let polls = 0; res.status === 202 && polls < 50; polls += 1) {
      const location = res.headers.get('location');
      if (!location) return undefined;
      await new Promise((r) =>
        setTimeout(r, Math.min(Number(res.headers.get('retry-after') ?? '1'), 1) * 100),
      );
      res = await send(
        'GET',
        new URL(location, options.personServer.issuer).href,
        {},
        undefined,
        'agent',
        await getAgentToken(),
        false,
      );
    }
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { auth_token?: string }).auth_token;
  };

  const tokenFor = async (
    held: Held,
    p: AgentExchange['presented'],
  ): Promise<string | undefined> =>
    p === 'none'
      ? undefined
      : p === 'auth'
        ? held.auth
        : p === 'person'
          ? held.person
          : getAgentToken();

  /**
   * Follow a `202` to its end (AAuth-11 §11.8, §6.5.1): satisfy its requirement, then poll
   * `Location` with signed bodiless GETs until something other than `202` (or `429`) comes back.
   */
  const deferred = async (
    first: Response,
    requestUrl: string,
    held: Held,
    presentedAtFirst: AgentExchange['presented'],
  ): Promise<Response> => {
    const origin = new URL(requestUrl).origin;
    const deadline = Date.now() + pollTimeoutMs;
    let presented = presentedAtFirst;
    let pending = first;
    let res = first;
    let pollUrl: string | undefined;
    // The token the first exchange presented: a fresh resource token names it as `presented_jti` too.
    let exchangeWith: string | undefined;
    let exchanged: string | undefined;
    const shown = new Set<string>();
    let interval = 5;
    let backoff = 0;
    for (;;) {
      let wait: number;
      if (res.status === 202) {
        pending = res;
        const location = res.headers.get('location');
        if (location) {
          const target = new URL(location, pollUrl ?? requestUrl);
          // The pending URL is on the responding origin; never send signed polls elsewhere.
          if (target.origin !== origin) return res;
          pollUrl = target.href;
        }
        if (!pollUrl) return res;
        const req = requirementOf(res);
        if (req?.requirement === 'auth-token') {
          if (!req.resourceToken) return res;
          if (req.resourceToken !== exchanged) {
            exchangeWith ??= await tokenFor(held, presented);
            const at = exchangeWith ? await authToken(req.resourceToken, exchangeWith) : undefined;
            if (!at) return res;
            held.auth = at;
            presented = 'auth';
            exchanged = req.resourceToken;
          }
        } else if (req?.requirement === 'interaction') {
          if (!options.onInteraction || !req.url || !req.code) return res;
          const seen = `${req.url} ${req.code}`;
          if (!shown.has(seen)) {
            shown.add(seen);
            await options.onInteraction({ url: req.url, code: req.code, location: pollUrl });
          }
        } else if (req && req.requirement !== 'approval') {
          // A requirement this agent cannot meet: hand the 202 back.
          return res;
        }
        interval = retryAfter(res) ?? 5;
        wait = interval + backoff;
      } else if (res.status === 429 && pollUrl) {
        backoff += 5;
        wait = Math.max(retryAfter(res) ?? 0, interval + backoff);
      } else {
        return res;
      }
      const ms = Math.min(wait * 1000, maxPollWaitMs);
      if (Date.now() + ms > deadline) return pending;
      if (ms > 0) await sleep(ms);
      res = await send(
        'GET',
        pollUrl,
        {},
        undefined,
        presented,
        await tokenFor(held, presented),
        true,
      );
    }
  };

  return {
    key,
    agentToken: getAgentToken,
    forget(origin) {
      if (origin) holdings.delete(origin);
      else holdings.clear();
    },
    held: (origin) => ({ ...holdings.get(origin) }),
    sessionToken: (origin) => sessions.get(new URL(origin).origin),
    forgetSession(origin) {
      if (origin) sessions.delete(new URL(origin).origin);
      else sessions.clear();
    },
    async fetch(url, init = {}) {
      const origin = new URL(url).origin;
      const held = holdings.get(origin) ?? {};
      holdings.set(origin, held);
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = { ...init.headers };
      const body = typeof init.body === 'string' ? new TextEncoder().encode(init.body) : init.body;
      let presented: AgentExchange['presented'] = init.unsigned
        ? 'none'
        : held.auth
          ? 'auth'
          : held.person
            ? 'person'
            : 'agent';
      let res = await send(
        method,
        url,
        headers,
        body,
        presented,
        await tokenFor(held, presented),
        true,
      );
      const tried = new Set<string>();
      for (let round = 0; round < 6 && init.followChallenges !== false; round += 1) {
        const req = requirementOf(res);
        if (!req || res.status !== 401) break;
        const attempt = `${req.requirement}:${presented}`;
        if (tried.has(attempt)) break;
        tried.add(attempt);
        if (req.requirement === 'agent-token') {
          presented = 'agent';
        } else if (req.requirement === 'person-token') {
          held.auth = undefined;
          const pt = await personToken(origin);
          if (!pt) break;
          held.person = pt;
          presented = 'person';
        } else if (req.requirement === 'auth-token' && req.resourceToken) {
          const current = await tokenFor(held, presented);
          const at = current ? await authToken(req.resourceToken, current) : undefined;
          if (!at) break;
          held.auth = at;
          presented = 'auth';
        } else {
          break;
        }
        res = await send(
          method,
          url,
          headers,
          body,
          presented,
          await tokenFor(held, presented),
          true,
        );
      }
      // Polls are signed: an unsigned 202 is handed back as it is.
      if (res.status === 202 && init.followChallenges !== false && presented !== 'none')
        res = await deferred(res, url, held, presented);
      return res;
    },
  };
}
