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
    };

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
  readonly level: 'agent' | 'person' | 'auth';
  readonly scopes: readonly string[];
  readonly components: readonly string[];
  readonly policy: PolicyFunction | undefined;
  readonly optional: boolean;
  readonly trust: RouteTrust | undefined;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const COMPONENT = /^(?:@[a-z-]+|[a-z0-9!#$%&'*+.^_`|~-]+)$/;

/** Validate once, at route set-up; throws `TypeError` naming the bad part. */
export function normalizeRequirement(
  input: RequirementInput | Requirement | undefined,
): Requirement {
  if (input === undefined || input === 'agent')
    return freeze('agent', [], [], undefined, false, undefined);
  if (input === 'person') return freeze('person', [], [], undefined, false, undefined);
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
  const level = input.auth !== undefined ? 'auth' : input.person ? 'person' : 'agent';
  return freeze(
    level,
    scopes,
    components,
    input.policy,
    input.optional === true,
    routeTrust(input.trust),
  );
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
  policy: PolicyFunction | undefined,
  optional: boolean,
  trust: RouteTrust | undefined,
): Requirement {
  return Object.freeze({
    level,
    scopes: Object.freeze(scopes),
    components: Object.freeze(components),
    policy,
    optional,
    trust,
  });
}
