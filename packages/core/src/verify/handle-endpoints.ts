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
import type { AAuthEvent } from './aauth-event.js';
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
  readonly onEvent: ((event: AAuthEvent) => void) | undefined;
}

type Endpoint = NonNullable<AAuthEvent['endpoint']>;
type Result = Answer | HeldDispatch;

/**
 * Answer the endpoints core owns — resource metadata, JWKS, the interaction page, R3 documents,
 * pending URLs, and the revocation and authorization endpoints — or `undefined` for any other
 * request. Each answer at an endpoint is one decision for `onEvent`.
 */
export function createEndpointHandler(
  c: EndpointConfig,
): (request: AAuthRequest) => Promise<Answer | HeldDispatch | undefined> {
  const route = (
    request: AAuthRequest,
    path: string,
  ): { endpoint: Endpoint; run: () => Promise<Result> } | undefined => {
    const fields = () => collectHeaderFields(request.headers);
    if (c.interaction && path === c.interaction.path) {
      const interaction = c.interaction;
      return { endpoint: 'interaction', run: () => handleInteraction(interaction, request) };
    }
    if (c.r3 && path.startsWith(R3_PATH_PREFIX)) {
      const store = c.r3.store;
      return {
        endpoint: 'r3-document',
        run: () => handleR3Document({ verifier: c.verifier, store }, request, fields()),
      };
    }
    if (path.startsWith(PENDING_PATH_PREFIX)) {
      const id = path.slice(PENDING_PATH_PREFIX.length);
      return {
        endpoint: 'pending',
        run: () => handlePendingPoll(c.pending, request, fields(), id),
      };
    }
    if (c.revocationPath !== undefined && path === c.revocationPath)
      return {
        endpoint: 'revocation',
        run: () => handleRevocation(c.revocation, request, fields()),
      };
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
      return {
        endpoint: 'authorization',
        run: () => handleAuthorization(config, request, fields()),
      };
    }
    return undefined;
  };

  return async (request) => {
    const known = serveWellKnown(c.routes, request.method, request.target);
    if (known) return known;
    const q = request.target.indexOf('?');
    const path = q === -1 ? request.target : request.target.slice(0, q);
    const target = route(request, path);
    if (!target) return undefined;
    const started = performance.now();
    let result: Result;
    try {
      result = await target.run();
    } catch {
      result = buildProblem(400, 'invalid_request', 'the request could not be processed');
    }
    if (c.onEvent) reportEndpointEvent(c.onEvent, target.endpoint, request, path, result, started);
    return result;
  };
}

/** One endpoint decision for `onEvent`: outcome and code read from the answer, no secrets. */
function reportEndpointEvent(
  onEvent: (event: AAuthEvent) => void,
  endpoint: Endpoint,
  request: AAuthRequest,
  path: string,
  result: Result,
  started: number,
): void {
  const answer = 'kind' in result ? undefined : result;
  const status = answer?.status ?? 200;
  const h = answer?.headers ?? {};
  const code =
    /^error=([a-z_]+)/.exec(h['signature-error'] ?? '')?.[1] ??
    /^requirement=([a-z-]+)/.exec(h['aauth-requirement'] ?? '')?.[1] ??
    (h['content-type'] === 'application/problem+json' ? problemCode(answer?.body) : undefined);
  const outcome: AAuthEvent['outcome'] =
    status < 400 && status !== 202
      ? 'verified'
      : status === 202 || (status === 401 && h['signature-error'] === undefined)
        ? 'challenged'
        : status === 403
          ? 'denied'
          : 'error';
  try {
    onEvent({
      outcome,
      code: code as AAuthEvent['code'],
      status,
      method: request.method,
      path: endpoint === 'pending' ? PENDING_PATH_PREFIX : path,
      requirement: undefined,
      endpoint,
      tokenType: undefined,
      iss: undefined,
      sub: undefined,
      jti: undefined,
      keyThumbprint: undefined,
      durationMs: performance.now() - started,
      detail: answer ? undefined : 'held request replayed',
    });
  } catch {
    // An observer must never change the answer.
  }
}

function problemCode(body: string | undefined): string | undefined {
  try {
    const error = (JSON.parse(body ?? '') as { error?: unknown }).error;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined;
  }
}
