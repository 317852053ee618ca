import type { Answer } from '../answers/answer.js';
import { buildProblem, buildRequirementChallenge } from '../answers/build-answer.js';
import { keptResultOf, storedAnswer } from '../pending/handle-poll.js';
import type { MintClaims } from '../pending/pending-record.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { mintResourceToken } from '../resource/mint-resource-token.js';
import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import {
  enforceR3,
  keptPerCallResult,
  type R3Enforcement,
  type R3Reference,
} from './authorize-r3.js';
import type { SelectedOperation } from './operation-selector.js';
import type { AAuthPrincipal } from './principal.js';
import type { Requirement } from './requirement.js';

/** What the authorization step needs from the verifier. */
export interface AuthorizeConfig {
  readonly resource: string;
  readonly accessServer: string | undefined;
  readonly signingKey: ResourceSigningKey | undefined;
  readonly resourceTokenLifetime: number;
  readonly now: () => number;
  /** R3 enforcement for routes naming an operation. */
  readonly r3?: R3Enforcement | undefined;
}

const noParameters = async (): Promise<Readonly<Record<string, unknown>>> => ({});

/** What the selected operation tells about this call. */
export type CallDetails = Partial<Pick<SelectedOperation, 'parameters' | 'rewrap'>>;

/** The decision on a verified principal. */
export type Authorization =
  | {
      readonly ok: true;
      /** A per-call grant consumed by this call: where its response is kept for repeats. */
      readonly consumed?: { readonly key: string; readonly ttl: number };
    }
  | {
      readonly ok: false;
      readonly answer: Answer;
      readonly outcome: 'challenged' | 'denied';
      readonly code: string;
      /** Auth-token challenges: what the resource token was minted from, for deferred delivery. */
      readonly mint?: MintClaims;
      readonly resourceToken?: string;
      /** The R3 document the resource token names (a proposal for a per-call operation). */
      readonly document?: R3Reference;
    };

function challenge(requirement: 'agent-token' | 'person-token'): Authorization {
  return {
    ok: false,
    answer: buildRequirementChallenge(requirement),
    outcome: 'challenged',
    code: requirement,
  };
}

function deny(detail: string): Authorization {
  return {
    ok: false,
    answer: buildProblem(403, 'denied', detail),
    outcome: 'denied',
    code: 'denied',
  };
}

/**
 * Apply the route requirement and policy to a verified principal (digest §2.1 steps 8–10):
 * the ladder auth ⊇ person ⊇ agent; a person or auth token short of what the route needs
 * gets a resource-token challenge; a policy denial is a `403` with no signature headers.
 */
export async function authorize(
  config: AuthorizeConfig,
  principal: AAuthPrincipal,
  requirement: Requirement,
  request: AAuthRequest,
  call: CallDetails = {},
): Promise<Authorization> {
  const parameters = call.parameters ?? noParameters;
  const kind = principal.tokenType;
  if (requirement.trust && !(await trustedByRoute(requirement, principal))) {
    return deny('this route does not accept tokens from that issuer');
  }
  if (requirement.level === 'session') {
    // Holding the request behind an interaction happens before this, in verify().
    if (!principal.session) return deny('this route needs a session with this resource');
  } else if (requirement.level !== 'agent' && kind === 'agent') return challenge('person-token');
  let needed: readonly string[] = [];
  let document: R3Reference | undefined;
  let consumed: { key: string; ttl: number } | undefined;
  if (requirement.level === 'auth') {
    if (kind === 'person') needed = requirement.scopes;
    else needed = requirement.scopes.filter((s) => !principal.scope.includes(s));
    const op = requirement.operation;
    if (op && config.r3) {
      const ps = principal.ps as string;
      const outcome = await enforceR3(
        config.r3,
        principal,
        op,
        requirement.scopes,
        parameters,
        [config.accessServer ?? ps, ps],
        config.now(),
      );
      if (outcome.kind === 'used') {
        // Never a second execution: the same token gets the kept result (R3 §7 step 4).
        const stored = await keptPerCallResult(config.r3, principal);
        const kept =
          (await keptResultOf(config.r3.state, principal.iss, principal.jti)) ??
          (stored ? storedAnswer(stored) : undefined);
        if (kept)
          return {
            ok: false,
            answer: call.rewrap ? call.rewrap(kept) : kept,
            outcome: 'challenged',
            code: 'kept_result',
          };
        return deny('this per-call grant was already used');
      }
      if (outcome.kind === 'ask') document = outcome.document;
      if (outcome.kind === 'served') consumed = outcome.consumed;
    } else if (op) return deny('this resource does not enforce R3 operations');
  }
  if (needed.length === 0 && document === undefined && requirement.policy) {
    const decision = await requirement.policy(principal, request);
    if (decision === 'deny') return deny('the request is not allowed');
    if (typeof decision === 'object' && 'deny' in decision) return deny(decision.deny);
    if (typeof decision === 'object' && 'needScopes' in decision) {
      needed = decision.needScopes.filter((s) => kind === 'person' || !principal.scope.includes(s));
      if (needed.length === 0) return deny('the request is not allowed');
    }
  }
  if (needed.length === 0 && document === undefined)
    return consumed ? { ok: true, consumed } : { ok: true };
  if (kind === 'agent') return challenge('person-token');
  return stepUp(config, principal, needed, document);
}

/** The route's own issuer trust, narrowing the instance's (RequirementInput `trust`). */
async function trustedByRoute(requirement: Requirement, p: AAuthPrincipal): Promise<boolean> {
  const t = requirement.trust;
  if (!t) return true;
  if (p.tokenType === 'agent') return t.agentProviders ? t.agentProviders(p.iss) : true;
  if (t.personServers && !(await t.personServers(p.ps as string))) return false;
  // A four-party auth token is issued by an access server, not by its person server.
  if (p.tokenType === 'auth' && p.iss !== p.ps && t.accessServers) return t.accessServers(p.iss);
  return true;
}

/** Mint a resource token from the presented person or auth token (AAuth-11 §6.7, §12 A40). */
async function stepUp(
  config: AuthorizeConfig,
  principal: AAuthPrincipal,
  needed: readonly string[],
  document: R3Reference | undefined,
): Promise<Authorization> {
  const key = config.signingKey;
  if (!key) return deny('this resource cannot issue resource tokens');
  const ps = principal.ps as string;
  // Step-up asks for the union of what the auth token holds and what is needed (digest §20 A40).
  const scope =
    principal.tokenType === 'auth' ? [...new Set([...principal.scope, ...needed])] : [...needed];
  const claims: MintClaims = {
    iss: config.resource,
    aud: config.accessServer ?? ps,
    ps,
    sub: principal.sub,
    presentedJti: principal.jti,
    agentJkt: principal.keyThumbprint,
    scope,
    missionS256: principal.missionS256,
    tenant: principal.tenant,
    account: principal.account,
    ...(document ? { r3Uri: document.uri, r3S256: document.s256 } : {}),
  };
  const { token } = await mintResourceToken(key, {
    ...claims,
    now: config.now(),
    lifetime: config.resourceTokenLifetime,
  });
  return {
    ok: false,
    answer: buildRequirementChallenge('auth-token', token),
    outcome: 'challenged',
    code: 'auth-token',
    mint: claims,
    resourceToken: token,
    ...(document ? { document } : {}),
  };
}
