import type { Answer } from '../answers/answer.js';
import { checkSigningJwk, publicJwk } from '../jwk/check-signing-jwk.js';
import type { ResourceSigningKey } from './resource-signing-key.js';

const DOC_HEADERS = Object.freeze({
  'content-type': 'application/json',
  'cache-control': 'public, max-age=300',
  'access-control-allow-origin': '*',
});

/** The public JWKS: the active key first, then keys kept until their tokens expire. */
export function buildJwks(
  active: ResourceSigningKey | undefined,
  previous: readonly Readonly<Record<string, unknown>>[],
): { keys: Record<string, unknown>[] } {
  const keys: Record<string, unknown>[] = [];
  const kids = new Set<string>();
  const add = (jwk: Readonly<Record<string, unknown>>, where: string): void => {
    if (typeof jwk.kid !== 'string' || jwk.kid === '')
      throw new TypeError(`${where}: every published key needs a kid`);
    if (kids.has(jwk.kid)) throw new TypeError(`${where}: kid ${jwk.kid} is published twice`);
    if (!checkSigningJwk(jwk, new Set(['Ed25519', 'ES256'])).ok)
      throw new TypeError(`${where}: key ${jwk.kid} needs a fully specified alg matching its type`);
    kids.add(jwk.kid);
    keys.push({ ...publicJwk(jwk), kid: jwk.kid, alg: jwk.alg });
  };
  if (active) add(active.publicJwk, 'signingKey');
  for (const jwk of previous) add(jwk, 'previousKeys');
  return { keys };
}

/** Paths of the two documents, derived from the configured URLs. */
export interface WellKnownRoutes {
  readonly metadataPath: string;
  readonly jwksPath: string | undefined;
  readonly metadataBody: string;
  readonly jwksBody: string;
}

/** Answer `GET`/`HEAD` of the metadata or JWKS path; `undefined` for any other request. */
export function serveWellKnown(
  routes: WellKnownRoutes,
  method: string,
  target: string,
): Answer | undefined {
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const body =
    path === routes.metadataPath
      ? routes.metadataBody
      : path === routes.jwksPath
        ? routes.jwksBody
        : undefined;
  if (body === undefined) return undefined;
  if (method === 'OPTIONS') {
    return {
      status: 204,
      headers: { ...DOC_HEADERS, 'access-control-allow-methods': 'GET, HEAD, OPTIONS' },
      body: '',
    };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD, OPTIONS' }, body: '' };
  }
  return { status: 200, headers: DOC_HEADERS, body: method === 'HEAD' ? '' : body };
}
