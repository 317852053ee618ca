import type { AAuthRequest } from '../request/aauth-request.js';
import type { AAuthPrincipal } from './principal.js';

/** What a policy function decides about a verified principal. */
export type PolicyDecision =
  | 'allow'
  | 'deny'
  | { readonly deny: string }
  | { readonly needScopes: readonly string[] };

/** Application policy run after the requirement is met (AAuth-11 §4.4). */
export type PolicyFunction = (
  principal: AAuthPrincipal,
  request: AAuthRequest,
) => PolicyDecision | Promise<PolicyDecision>;

/**
 * What a route needs, as users write it: `'agent'`, `'person'`, `{ auth: ['notes:read'] }`,
 * or an object with the options below. `{}` means agent identity.
 */
export type RequirementInput =
  | 'agent'
  | 'person'
  | {
      /** Require a verified person (person or auth token). Default false. */
      readonly person?: boolean;
      /** Require an auth token granting these scopes. */
      readonly auth?: string | readonly string[];
      /** Extra components the signature must cover on this route, e.g. `content-digest`. */
      readonly components?: readonly string[];
      /** Application policy after the requirement is met. */
      readonly policy?: PolicyFunction;
      /** Let unsigned requests through with no principal (signed ones are still verified). */
      readonly optional?: boolean;
      /**
       * Narrow the issuers this route accepts (on top of the instance's `trust`): agent
       * providers of agent tokens, person servers of person and auth tokens (`ps`), access
       * servers of four-party auth tokens. Others get `403 denied`. Default: the instance's.
       */
      readonly trust?: RouteTrustInput;
      /**
       * Resource-managed access (AAuth-11 §6.2–§6.3): the agent needs a session this resource
       * issued after its own interaction (`Authorization: AAuth`). Needs the `sessions` option.
       */
      readonly session?: boolean;
      /**
       * Hold the invocation when an auth token is missing (AAuth-11 §6.5.1): answer `202` with a
       * pending URL and run the request once, on the first poll presenting a valid auth token.
       * Default false (`401`).
       */
      readonly defer?: boolean;
      /** The R3 operation this route is (R3 §6.3), usually set by an operation matcher. */
      readonly operation?: RequirementOperation;
    };

/** An R3 operation a route serves (R3 §2, §3.2). */
export interface RequirementOperation {
  /** Vocabulary URI, e.g. `urn:aauth:vocabulary:openapi`. */
  readonly vocabulary: string;
  /** The operation's identifier in that vocabulary (`operationId`, MCP tool name). */
  readonly id: string;
  /** `per-call`: every invocation is challenged with a proposal (R3 §7). Default false. */
  readonly perCall?: boolean;
}

/** Issuers a route accepts: identifiers, or a function deciding. */
export type IssuerList = readonly string[] | ((iss: string) => boolean | Promise<boolean>);

/** Per-route issuer trust, as users write it. */
export interface RouteTrustInput {
  readonly agentProviders?: IssuerList;
  readonly personServers?: IssuerList;
  readonly accessServers?: IssuerList;
}

/** Per-route issuer trust, normalised to functions. */
export interface RouteTrust {
  readonly agentProviders: ((iss: string) => boolean | Promise<boolean>) | undefined;
  readonly personServers: ((iss: string) => boolean | Promise<boolean>) | undefined;
  readonly accessServers: ((iss: string) => boolean | Promise<boolean>) | undefined;
}

/** The normalised, frozen requirement core works with. */
export interface Requirement {
  readonly level: 'agent' | 'session' | 'person' | 'auth';
  readonly scopes: readonly string[];
  readonly components: readonly string[];
  readonly policy: PolicyFunction | undefined;
  readonly optional: boolean;
  readonly trust: RouteTrust | undefined;
  readonly defer: boolean;
  readonly operation: Readonly<Required<RequirementOperation>> | undefined;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const COMPONENT = /^(?:@[a-z-]+|[a-z0-9!#$%&'*+.^_`|~-]+)$/;

/** Validate once, at route set-up; throws `TypeError` naming the bad part. */
export function normalizeRequirement(
  input: RequirementInput | Requirement | undefined,
): Requirement {
  if (input === undefined || input === 'agent') return freeze('agent', [], [], {});
  if (input === 'person') return freeze('person', [], [], {});
  if (typeof input !== 'object' || input === null) {
    throw new TypeError("requirement must be 'agent', 'person' or an object");
  }
  // An already normalised requirement (e.g. from an operation matcher) is used as it is.
  if ('level' in input) {
    if (Object.isFrozen(input)) return input as unknown as Requirement;
    throw new TypeError(
      'requirement: pass what normalizeRequirement() returned, or a requirement input',
    );
  }
  const scopes =
    input.auth === undefined
      ? []
      : typeof input.auth === 'string'
        ? input.auth.split(' ').filter(Boolean)
        : [...input.auth];
  for (const s of scopes) {
    if (typeof s !== 'string' || !SCOPE_TOKEN.test(s))
      throw new TypeError(`requirement.auth: invalid scope ${JSON.stringify(s)}`);
  }
  if (input.auth !== undefined && scopes.length === 0)
    throw new TypeError('requirement.auth: name at least one scope');
  const components = [...(input.components ?? [])];
  for (const c of components) {
    if (typeof c !== 'string' || !COMPONENT.test(c))
      throw new TypeError(`requirement.components: invalid component ${JSON.stringify(c)}`);
  }
  if (input.policy !== undefined && typeof input.policy !== 'function')
    throw new TypeError('requirement.policy must be a function');
  if (input.session !== undefined && typeof input.session !== 'boolean')
    throw new TypeError('requirement.session must be a boolean');
  if (input.defer !== undefined && typeof input.defer !== 'boolean')
    throw new TypeError('requirement.defer must be a boolean');
  const operation = operationOf(input.operation);
  if (input.session && (input.auth !== undefined || input.person || operation))
    throw new TypeError('requirement.session cannot be combined with person, auth or operation');
  const level =
    input.auth !== undefined || operation
      ? 'auth'
      : input.person
        ? 'person'
        : input.session
          ? 'session'
          : 'agent';
  return freeze(level, scopes, components, {
    policy: input.policy,
    optional: input.optional === true,
    trust: routeTrust(input.trust),
    defer: input.defer === true,
    operation,
  });
}

const VOCABULARY = /^[a-z][a-z0-9+.-]*:\S+$/;

function operationOf(
  input: RequirementOperation | undefined,
): Readonly<Required<RequirementOperation>> | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null)
    throw new TypeError('requirement.operation must be an object');
  if (typeof input.vocabulary !== 'string' || !VOCABULARY.test(input.vocabulary))
    throw new TypeError('requirement.operation.vocabulary must be a URI');
  if (typeof input.id !== 'string' || input.id === '')
    throw new TypeError('requirement.operation.id must be a non-empty string');
  if (input.perCall !== undefined && typeof input.perCall !== 'boolean')
    throw new TypeError('requirement.operation.perCall must be a boolean');
  return Object.freeze({
    vocabulary: input.vocabulary,
    id: input.id,
    perCall: input.perCall === true,
  });
}

function issuerCheck(name: string, list: IssuerList | undefined): RouteTrust['agentProviders'] {
  if (list === undefined) return undefined;
  if (typeof list === 'function') return list;
  if (!Array.isArray(list) || list.some((i) => typeof i !== 'string')) {
    throw new TypeError(
      `requirement.trust.${name} must be a list of issuer identifiers or a function`,
    );
  }
  const set = new Set(list);
  return (iss) => set.has(iss);
}

function routeTrust(input: RouteTrustInput | undefined): RouteTrust | undefined {
  if (input === undefined) return undefined;
  if (typeof input !== 'object' || input === null)
    throw new TypeError('requirement.trust must be an object');
  return Object.freeze({
    agentProviders: issuerCheck('agentProviders', input.agentProviders),
    personServers: issuerCheck('personServers', input.personServers),
    accessServers: issuerCheck('accessServers', input.accessServers),
  });
}

function freeze(
  level: Requirement['level'],
  scopes: string[],
  components: string[],
  rest: Partial<Pick<Requirement, 'policy' | 'optional' | 'trust' | 'defer' | 'operation'>>,
): Requirement {
  return Object.freeze({
    level,
    scopes: Object.freeze(scopes),
    components: Object.freeze(components),
    policy: rest.policy,
    optional: rest.optional ?? false,
    trust: rest.trust,
    defer: rest.defer ?? false,
    operation: rest.operation,
  });
}
