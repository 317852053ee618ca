import type { AAuthPrincipal, RequirementInput } from '@aauth-gate/core';

/** One route every adapter's conformance app exposes, with the requirement it applies. */
export interface ConformanceRoute {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** `null`: the route is not protected at all. */
  readonly requirement: RequirementInput | null;
}

/**
 * The routes of the conformance app. Each adapter builds them with its own idioms; every
 * protected handler answers `200` with `conformanceBody(principal, parsedJsonBody)`.
 */
export const conformanceRoutes = {
  agent: { method: 'GET', path: '/agent', requirement: 'agent' },
  person: { method: 'GET', path: '/person', requirement: 'person' },
  notesRead: { method: 'GET', path: '/notes', requirement: { auth: ['notes:read'] } },
  notesWrite: {
    method: 'POST',
    path: '/notes',
    requirement: { auth: ['notes:write'], components: ['content-type', 'content-digest'] },
  },
  denied: {
    method: 'GET',
    path: '/denied',
    requirement: { policy: () => ({ deny: 'not for this agent' }) },
  },
  optional: { method: 'GET', path: '/optional', requirement: { optional: true } },
  deferred: {
    method: 'POST',
    path: '/deferred',
    requirement: {
      auth: ['notes:write'],
      defer: true,
      components: ['content-type', 'content-digest'],
    },
  },
  session: { method: 'GET', path: '/session', requirement: { session: true } },
  report: {
    method: 'GET',
    path: '/report',
    requirement: { operation: { vocabulary: 'urn:aauth:vocabulary:openapi', id: 'readReport' } },
  },
  open: { method: 'GET', path: '/open', requirement: null },
} as const satisfies Record<string, ConformanceRoute>;

/** The JSON every conformance handler answers with (`content-type: application/json`). */
export function conformanceBody(principal: AAuthPrincipal | undefined, body?: unknown): string {
  return JSON.stringify({
    principal: principal
      ? {
          tokenType: principal.tokenType,
          iss: principal.iss,
          sub: principal.sub,
          scope: principal.scope,
          keyThumbprint: principal.keyThumbprint,
          ...(principal.session ? { session: principal.session.user } : {}),
        }
      : null,
    ...(body === undefined ? {} : { body }),
  });
}
