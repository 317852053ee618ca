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
    };

/** The normalised, frozen requirement core works with. */
export interface Requirement {
  readonly level: 'agent' | 'person' | 'auth';
  readonly scopes: readonly string[];
  readonly components: readonly string[];
  readonly policy: PolicyFunction | undefined;
  readonly optional: boolean;
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const COMPONENT = /^(?:@[a-z-]+|[a-z0-9!#$%&'*+.^_`|~-]+)$/;

/** Validate once, at route set-up; throws `TypeError` naming the bad part. */
export function normalizeRequirement(input: RequirementInput | undefined): Requirement {
  if (input === undefined || input === 'agent') return freeze('agent', [], [], undefined, false);
  if (input === 'person') return freeze('person', [], [], undefined, false);
  if (typeof input !== 'object' || input === null) {
    throw new TypeError("requirement must be 'agent', 'person' or an object");
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
  return freeze(level, scopes, components, input.policy, input.optional === true);
}

function freeze(
  level: Requirement['level'],
  scopes: string[],
  components: string[],
  policy: PolicyFunction | undefined,
  optional: boolean,
): Requirement {
  return Object.freeze({
    level,
    scopes: Object.freeze(scopes),
    components: Object.freeze(components),
    policy,
    optional,
  });
}
