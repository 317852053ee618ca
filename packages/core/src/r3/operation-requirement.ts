import {
  normalizeRequirement,
  type Requirement,
  type RequirementOperation,
  type RouteTrust,
  type RouteTrustInput,
} from '../verify/requirement.js';

/**
 * A copy of a normalised requirement that also names an R3 operation: how an unannotated
 * operation inherits a resource-wide `auth-token` default and still has its grants enforced.
 */
export function withOperation(
  requirement: Requirement,
  operation: RequirementOperation,
): Requirement {
  return normalizeRequirement({
    ...(requirement.scopes.length > 0 ? { auth: requirement.scopes } : {}),
    components: requirement.components,
    ...(requirement.policy ? { policy: requirement.policy } : {}),
    optional: requirement.optional,
    ...(requirement.trust ? { trust: trustInput(requirement.trust) } : {}),
    defer: requirement.defer,
    operation,
  });
}

function trustInput(trust: RouteTrust): RouteTrustInput {
  const out: { -readonly [K in keyof RouteTrustInput]: RouteTrustInput[K] } = {};
  if (trust.agentProviders) out.agentProviders = trust.agentProviders;
  if (trust.personServers) out.personServers = trust.personServers;
  if (trust.accessServers) out.accessServers = trust.accessServers;
  return out;
}

/** A copy of a normalised requirement whose signature must also cover `components`. */
export function withComponents(
  requirement: Requirement,
  components: readonly string[],
): Requirement {
  return normalizeRequirement({
    ...(requirement.level === 'person' ? { person: true } : {}),
    ...(requirement.level === 'session' ? { session: true } : {}),
    ...(requirement.scopes.length > 0 ? { auth: requirement.scopes } : {}),
    components: [...new Set([...requirement.components, ...components])],
    ...(requirement.policy ? { policy: requirement.policy } : {}),
    optional: requirement.optional,
    ...(requirement.trust ? { trust: trustInput(requirement.trust) } : {}),
    defer: requirement.defer,
    ...(requirement.operation ? { operation: requirement.operation } : {}),
  });
}
