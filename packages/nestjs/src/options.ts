import {
  type AAuth,
  type AAuthOptions,
  type OperationSelector,
  type Requirement,
  type RouteRequirement,
} from '@aauth-gate/core';
import { coreFromOptions } from '@aauth-gate/node';

/** Injection token of the `AAuth` core instance the module uses. */
export const AAUTH: unique symbol = Symbol('aauth-gate:core');
/** Injection token of the module options (as given, before validation). */
export const AAUTH_MODULE_OPTIONS: unique symbol = Symbol('aauth-gate:module-options');
/** Internal: the validated settings the guard works with. */
export const AAUTH_GATE: unique symbol = Symbol('aauth-gate:gate');

/** Options of the Nest adapter itself, on top of core's. */
export interface AAuthAdapterOptions {
  /**
   * Take the authority and scheme from the platform's trust-proxy decision (`req.host`,
   * `req.protocol`; enable trust proxy on the platform too). Default `false`: core uses its
   * first configured authority and the resource's scheme.
   */
  readonly trustProxy?: boolean;
  /** Requirement (or operation selector) of guarded routes without `@RequireAAuth()` or `@Public()`. Default `'agent'`. */
  readonly defaultRequirement?: RouteRequirement;
}

/**
 * `AAuthModule` options: core's `AAuthOptions` (core is created once, with the guarded fetch
 * of `@aauth-gate/node` unless `fetch` is given), or a ready `{ core }`; plus adapter options.
 */
export type AAuthModuleOptions = (AAuthOptions | { readonly core: AAuth }) & AAuthAdapterOptions;

/** Options decided when the module is defined (not by an async factory). */
export interface AAuthModuleExtras {
  /** Register `AAuthGuard` as a global guard (`APP_GUARD`). Default `true`. */
  readonly global?: boolean;
}

/** The validated, frozen settings shared by the guard and the module. */
export interface AAuthGate {
  readonly core: AAuth;
  readonly trustProxy: boolean;
  /** Normalise a route requirement (cached per decorator value); `undefined` → the default. */
  requirementOf(input: RouteRequirement | undefined): Requirement | OperationSelector;
}

/** Validate the module options and create core once. Throws `TypeError` naming the option. */
export function createGate(options: AAuthModuleOptions): AAuthGate {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('AAuthModule: options must be an object');
  const { trustProxy = false, defaultRequirement = 'agent', ...rest } = options;
  if (typeof trustProxy !== 'boolean')
    throw new TypeError('AAuthModule: trustProxy must be a boolean');
  const core = coreFromOptions(rest, []);
  const cache = new Map<RouteRequirement, Requirement | OperationSelector>();
  const requirementOf = (
    input: RouteRequirement = defaultRequirement,
  ): Requirement | OperationSelector => {
    let requirement = cache.get(input);
    if (requirement === undefined) {
      requirement = core.requirement(input);
      cache.set(input, requirement);
    }
    return requirement;
  };
  requirementOf(undefined);
  return Object.freeze({ core, trustProxy, requirementOf });
}
