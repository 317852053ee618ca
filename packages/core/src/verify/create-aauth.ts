import type { Answer } from '../answers/answer.js';
import { buildProblem, buildRequirementChallenge } from '../answers/build-answer.js';
import { isDevServerIdentifier, isServerIdentifier } from '../identifiers/is-server-identifier.js';
import { interactionConfig } from '../interaction/interaction-config.js';
import {
  declaresInteraction,
  holdForInteraction,
  issueSession,
  readSession,
} from '../interaction/interaction-flow.js';
import type { FetchLike } from '../keys/fetch-like.js';
import { IssuerKeyCache } from '../keys/issuer-key-cache.js';
import { type CapturedResponse, type HeldDispatch, runPrincipal } from '../pending/deferred-run.js';
import { keepable, type PollConfig } from '../pending/handle-poll.js';
import { holdForAuthToken } from '../pending/hold-for-auth-token.js';
import { buildPollConfig } from '../pending/pending-options.js';
import { createMemoryReplayStore } from '../replay/replay-store.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { collectHeaderFields, fieldValue } from '../request/header-fields.js';
import { buildResourceMetadata } from '../resource/resource-metadata.js';
import { sameOriginPath } from '../resource/same-origin-path.js';
import { buildJwks, serveWellKnown } from '../resource/serve-well-known.js';
import { createMemoryRevocationStore } from '../revocation/revocation-store.js';
import { createMemoryStateStore } from '../state/state-store.js';
import type { TokenKind } from '../tokens/token-kind.js';
import { TokenVerifier } from '../tokens/verify-aauth-jwt.js';
import type { AAuthEvent } from './aauth-event.js';
import type { AAuthOptions } from './aauth-options.js';
import { authorize, type CallDetails } from './authorize.js';
import { grantsHeld } from './authorize-r3.js';
import { createRequirementCheck } from './check-requirement.js';
import { failureResult } from './failure-answer.js';
import { createEndpointHandler } from './handle-endpoints.js';
import { isOperationSelector, type OperationSelector } from './operation-selector.js';
import {
  AUTHORITY,
  positive,
  replayMethods,
  SUPPORTED_ALGS,
  SUPPORTED_TOKEN_ALGS,
  trustFunction,
} from './option-checks.js';
import type { AAuthPrincipal } from './principal.js';
import { checkR3Options, metadataWithR3, r3Enforcement } from './r3-options.js';
import { reportEvent } from './report-event.js';
import type { Requirement, RequirementInput } from './requirement.js';
import { createServerKeyResolver } from './server-key-resolver.js';
import { toPrincipal } from './to-principal.js';
import {
  normalizeAuthority,
  SignedRequestVerifier,
  type VerifiedRequest,
} from './verify-signed-request.js';

/** The outcome of `verify()`: a principal, or the complete answer to send. */
export type VerifyResult =
  | {
      readonly ok: true;
      /** `undefined` only on an `optional` route reached without any signature. */
      readonly principal: AAuthPrincipal | undefined;
      /**
       * Set when this call consumed a per-call grant (R3 §7): hand it the response the route
       * sends, so a repeated presentation of the token is answered with it, never run again.
       */
      readonly keep?: (response: CapturedResponse) => Promise<void>;
    }
  | {
      readonly ok: false;
      readonly answer: Answer;
      /** The error code, or the requirement the challenge asks for. */
      readonly code: string;
    };

/** What a route needs: one requirement, or a selector picking each request's operation. */
export type RouteRequirement = RequirementInput | Requirement | OperationSelector;

/** A configured AAuth resource: verifies requests and builds every answer. */
export interface AAuth {
  /** The resource identifier. */
  readonly resource: string;
  /**
   * Validate a route requirement once (at route set-up); throws `TypeError` when wrong. An
   * operation selector (`selectOpenApiOperations`, `selectMcpTools`) is returned as it is.
   */
  requirement(input?: RequirementInput | Requirement): Requirement;
  requirement(input?: RouteRequirement): Requirement | OperationSelector;
  /** Verify one request against a route requirement. Never throws for bad input. */
  verify(request: AAuthRequest, requirement?: RouteRequirement): Promise<VerifyResult>;
  /**
   * The answer for the resource metadata or JWKS path (`GET`, `HEAD`, `OPTIONS`), or
   * `undefined` when `target` is neither. Serve it before any verification.
   */
  wellKnown(method: string, target: string): Answer | undefined;
  /**
   * Answer the endpoints core owns — resource metadata, JWKS, pending URLs and, when configured
   * on this origin, the revocation and authorization endpoints — or `undefined` for any other
   * request. A poll that completes a held invocation returns a `HeldDispatch`: the adapter
   * replays that request through the application and reports its response.
   */
  handle(request: AAuthRequest): Promise<Answer | HeldDispatch | undefined>;
  /** The published `aauth-resource.json` document. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /** Sizes of the bounded caches, for monitoring (issuers, verified tokens, confirmation keys). */
  stats(): { readonly issuers: number; readonly tokens: number; readonly confirmationKeys: number };
  /** The published JWKS (public members, `kid`, `alg`). */
  readonly jwks: { readonly keys: readonly Readonly<Record<string, unknown>>[] };
}

function isRequirement(value: unknown): value is Requirement {
  return typeof value === 'object' && value !== null && 'level' in value && Object.isFrozen(value);
}

/** Create the resource verifier. Validates every option once; bad options throw here. */
export function createAAuth(options: AAuthOptions): AAuth {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const dev = options.dev === true;
  const resource = options.resource;
  if (!(dev ? isDevServerIdentifier(resource) : isServerIdentifier(resource))) {
    throw new TypeError(
      'resource must be a server identifier: https, host only, lowercase (e.g. https://api.example)',
    );
  }
  if (typeof options.trust !== 'object' || options.trust === null)
    throw new TypeError('trust is required');
  const trustAgent = trustFunction('trust.agentProviders', options.trust.agentProviders, dev);
  const trustPerson = trustFunction('trust.personServers', options.trust.personServers, dev);
  const accessServer = options.trust.accessServer;
  if (
    accessServer !== undefined &&
    !(dev ? isDevServerIdentifier(accessServer) : isServerIdentifier(accessServer))
  ) {
    throw new TypeError('trust.accessServer must be a server identifier');
  }
  const authorities = options.authorities ?? [new URL(resource).host];
  if (!Array.isArray(authorities) || authorities.length === 0)
    throw new TypeError('authorities must be a non-empty list');
  for (const a of authorities) {
    if (typeof a !== 'string' || !AUTHORITY.test(a))
      throw new TypeError(`authorities: ${JSON.stringify(a)} is not a lowercase host[:port]`);
  }
  const algorithms = options.algorithms ?? ['Ed25519', 'ES256'];
  for (const a of algorithms)
    if (!SUPPORTED_ALGS.has(a)) throw new TypeError(`algorithms: ${String(a)} is not supported`);
  const tokenAlgorithms = options.tokenAlgorithms ?? ['Ed25519', 'ES256', 'ES384'];
  for (const a of tokenAlgorithms)
    if (!SUPPORTED_TOKEN_ALGS.has(a))
      throw new TypeError(`tokenAlgorithms: ${String(a)} is not supported`);
  const window = positive('signatureWindow', options.signatureWindow, 60, 3600);
  const iatBound =
    options.iatBound === false ? undefined : positive('iatBound', options.iatBound, window);
  const lifetime = positive('resourceTokenLifetime', options.resourceTokenLifetime, 300, 300);
  const now = options.now ?? (() => Date.now() / 1000);
  if (typeof now !== 'function') throw new TypeError('now must be a function');
  const fetch: FetchLike =
    options.fetch ?? ((url, init) => globalThis.fetch(url, { ...init, redirect: 'manual' }));
  if (typeof fetch !== 'function') throw new TypeError('fetch must be a function');
  const signingKey = options.signingKey;
  if (
    signingKey !== undefined &&
    (typeof signingKey.sign !== 'function' || typeof signingKey.kid !== 'string')
  ) {
    throw new TypeError(
      'signingKey must come from loadResourceKey() or provide kid, alg, publicJwk and sign',
    );
  }
  const onEvent = options.onEvent;
  const additional = [...(options.additionalSignatureComponents ?? [])];

  const revocationStore = options.revocation ?? createMemoryRevocationStore({ now });
  const keys = new IssuerKeyCache({
    fetch,
    now,
    dev,
    maxIssuers: positive('maxIssuers', options.maxIssuers, 1000),
    minRefreshSeconds: 60,
    maxAgeSeconds: 86_400,
    defaultTtlSeconds: 300,
    timeoutMs: positive('fetchTimeoutMs', options.fetchTimeoutMs, 3000, 60_000),
    maxBytes: positive('maxDocumentBytes', options.maxDocumentBytes, 262_144),
    shared: options.sharedKeyCache,
  });
  const isTrustedIssuer = (
    kind: TokenKind,
    iss: string,
    claims: Readonly<Record<string, unknown>>,
  ): boolean | Promise<boolean> => {
    if (kind === 'agent') return trustAgent(iss);
    if (kind === 'person') return trustPerson(iss);
    // Auth tokens: four-party only from the own AS, three-party from a trusted PS (§18 item 2).
    if (accessServer !== undefined)
      return claims.dwk === 'aauth-access.json' && iss === accessServer;
    return claims.dwk === 'aauth-person.json' && trustPerson(iss);
  };
  const tokens = new TokenVerifier({
    resource,
    now,
    dev,
    keys,
    tokenAlgorithms: new Set(tokenAlgorithms),
    iatBound,
    isTrustedIssuer,
    cacheSize: options.tokenCacheSize ?? 10_000,
  });
  const serverKeys = createServerKeyResolver({ dev, trustPerson, accessServer, keys, algorithms });
  const signed = new SignedRequestVerifier({
    serverKeys,
    now,
    window,
    algorithms: new Set(algorithms),
    acceptAlgorithms: Object.freeze([...algorithms]),
    additionalComponents: additional,
    authorities: new Set(
      authorities.map((a) => normalizeAuthority(a, new URL(resource).protocol.slice(0, -1))),
    ),
    defaultAuthority: authorities[0] as string,
    defaultScheme: new URL(resource).protocol.slice(0, -1),
    maxHeaderBytes: positive('maxHeaderBytes', options.maxHeaderBytes, 16_384),
    tokens,
    replay:
      options.replay === false ? undefined : (options.replay ?? createMemoryReplayStore({ now })),
    replayMethods: replayMethods(options.replayMethods),
    revocation: revocationStore,
  });
  checkR3Options(options.r3);
  const metadata = buildResourceMetadata(metadataWithR3(options.metadata, options.r3), {
    resource,
    signatureWindow: window,
    additionalSignatureComponents: additional,
    algorithms,
    dev,
  });
  const jwks = buildJwks(signingKey, options.previousKeys ?? []);
  const routes = {
    metadataPath: '/.well-known/aauth-resource.json',
    jwksPath: sameOriginPath(metadata.jwks_uri, resource),
    metadataBody: JSON.stringify(metadata),
    jwksBody: JSON.stringify(jwks),
  };
  const describedScopes = options.metadata?.scopeDescriptions;
  const revocationPath = sameOriginPath(metadata.revocation_endpoint, resource);
  const revocationConfig = { verifier: signed, store: revocationStore, now, window };
  const authorizationPath = sameOriginPath(metadata.authorization_endpoint, resource);
  if (
    metadata.authorization_endpoint !== undefined &&
    (signingKey === undefined || (describedScopes === undefined && !options.r3))
  ) {
    throw new TypeError(
      'metadata.authorizationEndpoint needs signingKey and metadata.scopeDescriptions (or r3)',
    );
  }
  if (options.accountHolder !== undefined && typeof options.accountHolder !== 'function')
    throw new TypeError('accountHolder must be a function');
  const state = options.state ?? createMemoryStateStore({ now });
  const pollConfig = buildPollConfig(options.pending, {
    state,
    now,
    verifier: signed,
    signingKey,
    lifetime,
  });
  const interaction = interactionConfig(options.sessions, pollConfig, resource, dev, now);
  if (interaction) {
    const config = interaction;
    (pollConfig as { issueSession?: PollConfig['issueSession'] }).issueSession = (record, p) =>
      issueSession(config, record, p);
  }
  const r3 = r3Enforcement(options.r3, state, resource, now, pollConfig.ttl);
  if (r3)
    (pollConfig as { grantsOperation?: PollConfig['grantsOperation'] }).grantsOperation =
      grantsHeld;
  const authorizeConfig = {
    resource,
    accessServer,
    signingKey,
    resourceTokenLifetime: lifetime,
    now,
    r3,
  };

  const requirementOf = createRequirementCheck({
    sessions: interaction !== undefined,
    signingKey,
    describedScopes,
    r3: r3 !== undefined,
  });

  const verify = async (request: AAuthRequest, input?: RouteRequirement): Promise<VerifyResult> => {
    const started = performance.now();
    const selector = isOperationSelector(input) ? input : undefined;
    let requirement: Requirement = selector
      ? selector.unmatched
      : isRequirement(input)
        ? input
        : requirementOf(input as RequirementInput | undefined);
    let call: CallDetails = {};
    let verified: VerifiedRequest | undefined;
    const finish = (
      result: VerifyResult,
      outcome: AAuthEvent['outcome'],
      detail?: string,
    ): VerifyResult => {
      if (onEvent)
        reportEvent(onEvent, { request, requirement, verified, started }, result, outcome, detail);
      return result;
    };
    try {
      if (selector) {
        // The resource's own definition picks the operation (R3 §6.4).
        const selected = await selector.select(request);
        if (selected) {
          requirement = selected.requirement;
          call = selected;
        }
      }
      const replayed = runPrincipal(request.deferred);
      if (replayed) {
        // The replay of a held invocation: its poll was verified; apply this route's requirement.
        const decision = await authorize(authorizeConfig, replayed, requirement, request, call);
        return decision.ok
          ? finish({ ok: true, principal: replayed }, 'verified', 'deferred')
          : finish({ ok: false, answer: decision.answer, code: decision.code }, decision.outcome);
      }
      const fields = collectHeaderFields(request.headers);
      const signature = fieldValue(fields, 'signature');
      const input = fieldValue(fields, 'signature-input');
      const key = fieldValue(fields, 'signature-key');
      if (signature === undefined && input === undefined && key === undefined) {
        if (requirement.optional)
          return finish({ ok: true, principal: undefined }, 'verified', 'unsigned, optional route');
        const level = requirement.level === 'agent' ? 'agent-token' : 'person-token';
        return finish(
          { ok: false, answer: buildRequirementChallenge(level), code: level },
          'challenged',
        );
      }
      if (signature === undefined || input === undefined || key === undefined) {
        return finish(
          failureResult({
            kind: 'signature',
            code: 'invalid_signature',
            detail: 'Signature, Signature-Input and Signature-Key must all be present',
          }),
          'error',
        );
      }
      const outcome = await signed.verify(
        request,
        fields,
        { input, signature, key },
        requirement.components,
      );
      if (!outcome.ok) {
        const f = outcome.failure;
        return finish(
          failureResult(f),
          f.kind === 'problem' && f.status === 403 ? 'denied' : 'error',
          f.detail,
        );
      }
      verified = outcome.verified;
      let principal = toPrincipal(verified);
      if (interaction && fields.has('authorization'))
        principal = await readSession(interaction.sealer, fields, principal);
      if (requirement.level === 'session' && !principal.session && interaction) {
        if (declaresInteraction(fields)) {
          const held = await holdForInteraction(interaction, request, fields, principal);
          if (held) return finish({ ok: false, answer: held, code: 'interaction' }, 'challenged');
        }
        return finish(
          {
            ok: false,
            answer: buildProblem(
              403,
              'denied',
              principal.agent
                ? 'this route needs a session established through this resource; declare the interaction capability to start one'
                : 'this route needs a session established through this resource, started with an agent token',
            ),
            code: 'denied',
          },
          'denied',
        );
      }
      const decision = await authorize(authorizeConfig, principal, requirement, request, call);
      if (!decision.ok) {
        if (requirement.defer && decision.mint) {
          const held = await holdForAuthToken(
            pollConfig,
            request,
            fields,
            principal,
            requirement,
            decision,
          );
          if (held) return finish({ ok: false, answer: held, code: decision.code }, 'challenged');
        }
        return finish(
          { ok: false, answer: decision.answer, code: decision.code },
          decision.outcome,
        );
      }
      if (decision.consumed) {
        // A per-call grant used on the 401 path: keep this call's response for repeats.
        const { key, ttl } = decision.consumed;
        const keep = async (response: CapturedResponse): Promise<void> => {
          const kept = keepable(response, pollConfig.maxResultBytes);
          if (kept) await state.set(key, JSON.stringify(kept), ttl);
        };
        return finish({ ok: true, principal, keep }, 'verified');
      }
      return finish({ ok: true, principal }, 'verified');
    } catch {
      // Defensive: bad input must never become a 500 or an unhandled rejection.
      return finish(
        failureResult({
          kind: 'signature',
          code: 'invalid_signature',
          detail: 'the request could not be verified',
        }),
        'error',
      );
    }
  };

  return Object.freeze({
    resource,
    requirement: requirementOf,
    verify,
    wellKnown: (method: string, target: string) => serveWellKnown(routes, method, target),
    handle: createEndpointHandler({
      routes,
      verifier: signed,
      interaction,
      r3,
      pending: pollConfig,
      revocationPath,
      revocation: revocationConfig,
      authorizationPath,
      resource,
      accessServer,
      signingKey,
      describedScopes,
      lifetime,
      now,
      accountHolder: options.accountHolder,
      onEvent,
    }),
    metadata,
    jwks,
    stats: () => ({
      issuers: keys.entriesSize,
      tokens: tokens.cachedTokens,
      confirmationKeys: signed.cachedKeys,
    }),
  });
}
