import { computeContentDigest } from '@aauth-gate/core';
import { serializeInnerList } from 'structured-headers';
import type { DevKey } from './agent-key.js';

/** What to sign: one request as it will be sent. */
export interface SignRequestInput {
  readonly method: string;
  /** Absolute URL the request goes to. */
  readonly url: string;
  /** Headers already set (lowercase names). `content-type` is covered when a body is sent. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array | string | undefined;
  /** The signing key (the token's `cnf.jwk`). */
  readonly key: DevKey;
  /** The JWT presented in `Signature-Key` (agent, person or auth token). */
  readonly token?: string;
  /**
   * A server signing in its own right (`jwks_uri` scheme, e.g. at a revocation endpoint):
   * its issuer, well-known document and key id. Used instead of `token`.
   */
  readonly jwksUri?: { readonly id: string; readonly dwk: string; readonly kid: string };
  /** Extra covered components, e.g. `['@query']`. */
  readonly components?: readonly string[];
  /** Signing time in unix seconds. Default now. */
  readonly created?: number;
  /** `@authority` value. Default the URL's host. */
  readonly authority?: string;
  readonly label?: string;
  /**
   * A random `nonce` signature parameter, so two identical requests in the same second carry
   * different signatures (Ed25519 is deterministic; resources refuse a repeated signature).
   * Default true.
   */
  readonly nonce?: boolean;
}

/** The headers to send: `signature-input`, `signature`, `signature-key`, plus `content-digest` for bodies. */
export type SignedHeaders = Record<string, string>;

function derived(name: string, url: URL, method: string, authority: string): string | undefined {
  if (name === '@method') return method;
  if (name === '@authority') return authority;
  if (name === '@path') return url.pathname || '/';
  if (name === '@query') return url.search || '?';
  if (name === '@target-uri') return url.href;
  if (name === '@scheme') return url.protocol.slice(0, -1);
  if (name === '@request-target') return `${url.pathname}${url.search}`;
  return undefined;
}

/**
 * Sign a request as an AAuth agent does (AAuth-11 §11.3): covers `@method @authority @path
 * signature-key`, plus `content-type` and `content-digest` when there is a body, plus
 * `authorization` when it is sent, plus `components`.
 */
export async function signRequest(input: SignRequestInput): Promise<SignedHeaders> {
  const url = new URL(input.url);
  const method = input.method.toUpperCase();
  const authority = input.authority ?? url.host;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k.toLowerCase()] = v;
  const body = typeof input.body === 'string' ? new TextEncoder().encode(input.body) : input.body;
  const components = ['@method', '@authority', '@path'];
  if (body !== undefined) {
    headers['content-digest'] = await computeContentDigest(body);
    if (headers['content-type'] !== undefined) components.push('content-type');
    components.push('content-digest');
  }
  if (headers.authorization !== undefined) components.push('authorization');
  for (const c of input.components ?? []) if (!components.includes(c)) components.push(c);
  components.push('signature-key');
  const label = input.label ?? 'sig';
  if (input.jwksUri) {
    const { id, dwk, kid } = input.jwksUri;
    headers['signature-key'] = `${label}=jwks_uri;id="${id}";dwk="${dwk}";kid="${kid}"`;
  } else if (input.token !== undefined) {
    headers['signature-key'] = `${label}=jwt;jwt="${input.token}"`;
  } else {
    throw new TypeError('signRequest needs a token or jwksUri');
  }
  const created = input.created ?? Math.floor(Date.now() / 1000);
  const sigParams = new Map<string, string | number>([['created', created]]);
  if (input.nonce !== false) {
    const random = crypto.getRandomValues(new Uint8Array(12));
    sigParams.set('nonce', Array.from(random, (b) => b.toString(16).padStart(2, '0')).join(''));
  }
  const params = serializeInnerList([components.map((c) => [c, new Map()]), sigParams]);
  const lines = components.map((c) => {
    const value = c.startsWith('@') ? derived(c, url, method, authority) : headers[c];
    if (value === undefined) throw new TypeError(`cannot cover ${c}: it is not on the request`);
    return `"${c}": ${value}`;
  });
  lines.push(`"@signature-params": ${params}`);
  const data = new TextEncoder().encode(lines.join('\n'));
  const algorithm =
    input.key.alg === 'Ed25519' ? { name: 'Ed25519' } : { name: 'ECDSA', hash: 'SHA-256' };
  const signature = new Uint8Array(
    await globalThis.crypto.subtle.sign(algorithm, input.key.privateKey, data),
  );
  return {
    ...headers,
    'signature-input': `${label}=${params}`,
    signature: `${label}=:${btoa(String.fromCharCode(...signature))}:`,
  };
}
