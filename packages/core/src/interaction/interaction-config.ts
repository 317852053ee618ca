import type { PollConfig } from '../pending/handle-poll.js';
import { createSessionSealer } from '../session/session-token.js';
import { positive } from '../verify/option-checks.js';
import type { InteractionConfig } from './interaction-flow.js';
import type { SessionOptions } from './session-options.js';

/** Validate the `sessions` option; `undefined` when the resource runs no interaction of its own. */
export function interactionConfig(
  s: SessionOptions | undefined,
  pending: PollConfig,
  resource: string,
  dev: boolean,
  now: () => number,
): InteractionConfig | undefined {
  if (s === undefined) return undefined;
  if (typeof s !== 'object' || s === null) throw new TypeError('sessions must be an object');
  if (typeof s.authenticateUser !== 'function')
    throw new TypeError('sessions.authenticateUser must be a function');
  const path = s.interactionPath ?? '/aauth/interaction';
  if (typeof path !== 'string' || !/^\/[A-Za-z0-9._~/-]*$/.test(path))
    throw new TypeError('sessions.interactionPath must be an absolute path');
  if (s.loginUrl !== undefined && typeof s.loginUrl !== 'string')
    throw new TypeError('sessions.loginUrl must be a URL string');
  return {
    pending,
    sealer: createSessionSealer(s.secret, { now }),
    resource,
    dev,
    path,
    ttl: positive('sessions.ttlSeconds', s.ttlSeconds, 3600, 30 * 86_400),
    maxAttempts: positive('sessions.maxCodeAttempts', s.maxCodeAttempts, 5, 100),
    loginUrl: s.loginUrl,
    resourceName: s.resourceName,
    authenticateUser: s.authenticateUser,
  };
}
