import type { Answer } from '../answers/answer.js';
import { buildProblem } from '../answers/build-answer.js';
import { handleInteraction, type InteractionConfig } from '../interaction/interaction-flow.js';
import type { HeldDispatch } from '../pending/deferred-run.js';
import { handlePendingPoll, type PollConfig } from '../pending/handle-poll.js';
import { PENDING_PATH_PREFIX } from '../pending/hold-invocation.js';
import { R3_PATH_PREFIX } from '../r3/r3-store.js';
import { handleR3Document } from '../r3/serve-r3-document.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { collectHeaderFields } from '../request/header-fields.js';
import {
  type AuthorizationEndpointConfig,
  handleAuthorization,
} from '../resource/handle-authorization.js';
import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import { serveWellKnown, type WellKnownRoutes } from '../resource/serve-well-known.js';
import {
  handleRevocation,
  type RevocationEndpointConfig,
} from '../revocation/handle-revocation.js';
import type { R3Enforcement } from './authorize-r3.js';
import type { SignedRequestVerifier } from './verify-signed-request.js';

/** What answering the endpoints core owns needs, validated by `createAAuth`. */
export interface EndpointConfig {
  readonly routes: WellKnownRoutes;
  readonly verifier: SignedRequestVerifier;
  readonly interaction: InteractionConfig | undefined;
  readonly r3: R3Enforcement | undefined;
  readonly pending: PollConfig;
  /** Path of the revocation endpoint when it is on the resource's origin. */
  readonly revocationPath: string | undefined;
  readonly revocation: RevocationEndpointConfig;
  /** Path of the authorization endpoint when it is on the resource's origin. */
  readonly authorizationPath: string | undefined;
  readonly resource: string;
  readonly accessServer: string | undefined;
  readonly signingKey: ResourceSigningKey | undefined;
  readonly describedScopes: Readonly<Record<string, string>> | undefined;
  readonly lifetime: number;
  readonly now: () => number;
  readonly accountHolder: AuthorizationEndpointConfig['accountHolder'];
}

/**
 * Answer the endpoints core owns — resource metadata, JWKS, the interaction page, R3 documents,
 * pending URLs, and the revocation and authorization endpoints — or `undefined` for any other
 * request.
 */
export function createEndpointHandler(
  c: EndpointConfig,
): (request: AAuthRequest) => Promise<Answer | HeldDispatch | undefined> {
  return async (request) => {
    const known = serveWellKnown(c.routes, request.method, request.target);
    if (known) return known;
    const q = request.target.indexOf('?');
    const path = q === -1 ? request.target : request.target.slice(0, q);
    try {
      if (c.interaction && path === c.interaction.path)
        return await handleInteraction(c.interaction, request);
      if (c.r3 && path.startsWith(R3_PATH_PREFIX)) {
        return await handleR3Document(
          { verifier: c.verifier, store: c.r3.store },
          request,
          collectHeaderFields(request.headers),
        );
      }
      if (path.startsWith(PENDING_PATH_PREFIX)) {
        return await handlePendingPoll(
          c.pending,
          request,
          collectHeaderFields(request.headers),
          path.slice(PENDING_PATH_PREFIX.length),
        );
      }
      if (c.revocationPath !== undefined && path === c.revocationPath) {
        return await handleRevocation(c.revocation, request, collectHeaderFields(request.headers));
      }
      if (c.authorizationPath !== undefined && path === c.authorizationPath && c.signingKey) {
        const r3 = c.r3;
        const config = {
          verifier: c.verifier,
          resource: c.resource,
          accessServer: c.accessServer,
          signingKey: c.signingKey,
          scopes: new Set(Object.keys(c.describedScopes ?? {})),
          lifetime: c.lifetime,
          now: c.now,
          accountHolder: c.accountHolder,
          r3: r3 && { definition: r3.definition, store: r3.store, documentTtl: r3.documentTtl },
        };
        return await handleAuthorization(config, request, collectHeaderFields(request.headers));
      }
    } catch {
      return buildProblem(400, 'invalid_request', 'the request could not be processed');
    }
    return undefined;
  };
}
