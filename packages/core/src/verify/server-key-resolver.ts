import { isDevServerIdentifier, isServerIdentifier } from '../identifiers/is-server-identifier.js';
import { importPublicJwk, type PublicKey } from '../internal/crypto.js';
import { checkSigningJwk, publicJwk } from '../jwk/check-signing-jwk.js';
import { jwkThumbprint } from '../jwk/jwk-thumbprint.js';
import type { IssuerKeyCache } from '../keys/issuer-key-cache.js';
import { sigFailureResult } from './failure-answer.js';
import type { ServerKeyResolver } from './verify-signed-request.js';

/** What resolving a server caller's key needs. */
export interface ServerKeyDeps {
  readonly dev: boolean;
  readonly trustPerson: (iss: string) => boolean | Promise<boolean>;
  readonly accessServer: string | undefined;
  readonly keys: IssuerKeyCache;
  readonly algorithms: readonly string[];
}

/**
 * Keys of servers signing in their own right (`jwks_uri` scheme, the revocation endpoint):
 * only trusted person servers and the own access server, discovered like token issuers.
 */
export function createServerKeyResolver(deps: ServerKeyDeps): ServerKeyResolver {
  const { dev, trustPerson, accessServer, keys, algorithms } = deps;
  return async (id, dwk, kid) => {
    if (!(dev ? isDevServerIdentifier(id) : isServerIdentifier(id))) {
      return sigFailureResult('invalid_signature', 'the jwks_uri id is not a server identifier');
    }
    const trusted =
      dwk === 'aauth-person.json'
        ? await trustPerson(id)
        : dwk === 'aauth-access.json'
          ? id === accessServer
          : false;
    if (!trusted)
      return {
        ok: false,
        failure: {
          kind: 'problem',
          status: 403,
          code: 'unsupported_iss',
          detail: 'this resource does not take revocations from that issuer',
        },
      };
    const found = await keys.lookup(id, dwk, kid);
    if (!found.ok) {
      if (found.code === 'unavailable') {
        return {
          ok: false,
          failure: {
            kind: 'problem',
            status: 503,
            code: 'temporarily_unavailable',
            detail: 'the caller keys could not be fetched',
            headers: { 'retry-after': String(found.retryAfter ?? 60) },
          },
        };
      }
      return sigFailureResult(found.code, found.detail);
    }
    const check = checkSigningJwk(found.key.jwk, new Set(algorithms));
    if (!check.ok) return sigFailureResult(check.code, check.detail);
    try {
      found.key.imported ??= importPublicJwk(publicJwk(found.key.jwk), check.alg);
      const key = (await found.key.imported) as PublicKey;
      return { ok: true, key, thumbprint: await jwkThumbprint(found.key.jwk) };
    } catch {
      delete found.key.imported;
      return sigFailureResult('invalid_key', 'the caller key is not usable');
    }
  };
}
