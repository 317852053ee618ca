import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import type { StateStore } from '../state/state-store.js';
import type { PendingOptions } from '../verify/aauth-options.js';
import { positive } from '../verify/option-checks.js';
import type { SignedRequestVerifier } from '../verify/verify-signed-request.js';
import type { PollConfig } from './handle-poll.js';

/** What answering polls takes from the rest of the resource's configuration. */
export interface PollContext {
  readonly state: StateStore;
  readonly now: () => number;
  readonly verifier: SignedRequestVerifier;
  readonly signingKey: ResourceSigningKey | undefined;
  readonly lifetime: number;
}

/** Validate the `pending` option (AAuth-11 §11.8, §6.5.1) and build the poll settings. */
export function buildPollConfig(
  options: PendingOptions | undefined,
  context: PollContext,
): PollConfig {
  const pendingOptions = options ?? {};
  return {
    state: context.state,
    now: context.now,
    retryAfter: positive('pending.retryAfter', pendingOptions.retryAfter, 5, 3600, 0),
    ttl: positive('pending.ttlSeconds', pendingOptions.ttlSeconds, 600, 86_400),
    maxBodyBytes: positive('pending.maxBodyBytes', pendingOptions.maxBodyBytes, 1_048_576),
    maxResultBytes: positive('pending.maxResultBytes', pendingOptions.maxResultBytes, 1_048_576),
    maxPerKey: positive('pending.maxPerKey', pendingOptions.maxPerKey, 50, 100_000, 1),
    verifier: context.verifier,
    signingKey: context.signingKey,
    lifetime: context.lifetime,
  };
}
