import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import type { RouteRequirement } from './create-aauth.js';
import { isOperationSelector, type OperationSelector } from './operation-selector.js';
import { normalizeRequirement, type Requirement, type RequirementInput } from './requirement.js';

/** What decides whether this resource can serve a route requirement. */
export interface RequirementCheckConfig {
  /** Whether the `sessions` option is configured. */
  readonly sessions: boolean;
  readonly signingKey: ResourceSigningKey | undefined;
  readonly describedScopes: Readonly<Record<string, string>> | undefined;
  /** Whether the `r3` option is configured. */
  readonly r3: boolean;
}

/** Validates a route requirement once, at route set-up; throws `TypeError` when wrong. */
export interface RequirementCheck {
  (input?: RequirementInput | Requirement): Requirement;
  (input?: RouteRequirement): Requirement | OperationSelector;
}

/** The requirement check of `AAuth.requirement()`, against what the resource is configured for. */
export function createRequirementCheck(config: RequirementCheckConfig): RequirementCheck {
  const { sessions, signingKey, describedScopes, r3 } = config;
  const checkRequirement = (req: Requirement): Requirement => {
    if (req.level === 'session' && !sessions) {
      throw new TypeError('a route that needs a session requires the sessions option');
    }
    if (signingKey === undefined && req.level === 'auth') {
      throw new TypeError(
        'a route that needs an auth token requires the signingKey option (resource tokens)',
      );
    }
    // Resource tokens may only carry scopes the resource describes (AAuth-11 §11.10).
    if (describedScopes) {
      for (const s of req.scopes)
        if (!Object.hasOwn(describedScopes, s))
          throw new TypeError(`requirement.auth: scope ${s} is not in metadata.scopeDescriptions`);
    }
    if (req.operation && !r3)
      throw new TypeError(
        `operation ${req.operation.id} needs its R3 grant enforced: configure the r3 option`,
      );
    return req;
  };
  function requirementOf(input?: RequirementInput | Requirement): Requirement;
  function requirementOf(input?: RouteRequirement): Requirement | OperationSelector;
  function requirementOf(input?: RouteRequirement): Requirement | OperationSelector {
    if (isOperationSelector(input)) {
      checkRequirement(input.unmatched);
      for (const r of input.requirements) checkRequirement(r);
      return input;
    }
    return checkRequirement(normalizeRequirement(input));
  }
  return requirementOf;
}
