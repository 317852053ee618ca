import type { AAuthPrincipal, RouteRequirement } from '@aauth-gate/core';
import { type CustomDecorator, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { type ReflectableDecorator, Reflector } from '@nestjs/core';

/** Marks a route that skips AAuth entirely (stored under the same key as a requirement). */
export const PUBLIC: unique symbol = Symbol('aauth-gate:public');

/** Internal: the metadata both decorators write; handler-level overrides class-level. */
export const RouteAAuth: ReflectableDecorator<RouteRequirement | typeof PUBLIC> =
  Reflector.createDecorator<RouteRequirement | typeof PUBLIC>();

/**
 * What a controller or handler needs: `'agent'` (default), `'person'`, `{ auth: [...] }` or an
 * object with `components`, `policy`, `optional`. Validated by core when the app starts.
 */
export function RequireAAuth(requirement: RouteRequirement = 'agent'): CustomDecorator {
  return RouteAAuth(requirement);
}

/** The controller or handler skips AAuth verification (a handler-level requirement wins). */
export function Public(): CustomDecorator {
  return RouteAAuth(PUBLIC);
}

/** The request slot the guard fills. */
export interface AAuthSlot {
  aauth?: AAuthPrincipal | undefined;
}

/**
 * Injects the verified principal (`request.aauth`): type the parameter
 * `AAuthPrincipal | undefined` (`undefined` on `@Public()` routes and unsigned optional ones).
 */
export const Principal: () => ParameterDecorator = createParamDecorator(
  (_data: unknown, context: ExecutionContext): AAuthPrincipal | undefined =>
    context.switchToHttp().getRequest<AAuthSlot>().aauth,
);
