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
 * an auth token at the person server, and retries.
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
}

interface Held {
  person?: string | undefined;
  auth?: string | undefined;
}

function requirementOf(
  res: Response,
): { requirement: string; resourceToken: string | undefined } | undefined {
  const value = res.headers.get('aauth-requirement');
  if (!value) return undefined;
  try {
    const member = parseDictionary(value).get('requirement');
    if (!member || Array.isArray(member[0])) return undefined;
    const token = member[1].get('resource-token');
    return {
      requirement: String(member[0]),
      resourceToken: typeof token === 'string' ? token : undefined,
    };
  } catch {
    return undefined;
  }
}

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

export async function createTestAgent(options: TestAgentOptions): Promise<TestAgent> {
  const key = options.key ?? (await generateDevKey(options.alg ?? 'Ed25519'));
  let agentToken: string | undefined;
  const holdings = new Map<string, Held>();
  const identifiers = new Map<string, string>();
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
    const out: OutgoingRequest = { method, url, headers: { ...headers }, body };
    if (token) {
      const authority = toResource && options.authority ? { authority: options.authority } : {};
      Object.assign(
        out.headers,
        await signRequest({ method, url, headers, body, key, token, ...authority }),
      );
    }
    if (toResource) options.tamper?.(out);
    const res = await fetch(out.url, {
      method: out.method,
      headers: out.headers,
      ...(out.body ? { body: out.body as Uint8Array<ArrayBuffer> } : {}),
    });
    const text = await res.text();
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

  return {
    key,
    agentToken: getAgentToken,
    forget(origin) {
      if (origin) holdings.delete(origin);
      else holdings.clear();
    },
    held: (origin) => ({ ...holdings.get(origin) }),
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
      const tokenFor = async (p: AgentExchange['presented']): Promise<string | undefined> =>
        p === 'none'
          ? undefined
          : p === 'auth'
            ? held.auth
            : p === 'person'
              ? held.person
              : getAgentToken();
      let res = await send(method, url, headers, body, presented, await tokenFor(presented), true);
      const tried = new Set<string>();
      for (let round = 0; round < 6 && init.followChallenges !== false; round += 1) {
        const req = requirementOf(res);
        if (!req || (res.status !== 401 && res.status !== 202)) break;
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
          const current = await tokenFor(presented);
          const at = current ? await authToken(req.resourceToken, current) : undefined;
          if (!at) break;
          held.auth = at;
          presented = 'auth';
        } else {
          break;
        }
        res = await send(method, url, headers, body, presented, await tokenFor(presented), true);
      }
      return res;
    },
  };
}
