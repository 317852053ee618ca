import type { AAuthRequest } from '../request/aauth-request.js';
import type { AAuthEvent } from './aauth-event.js';
import type { VerifyResult } from './create-aauth.js';
import type { Requirement } from './requirement.js';
import type { VerifiedRequest } from './verify-signed-request.js';

/** The request a decision was made for, as far as verification got. */
export interface EventContext {
  readonly request: AAuthRequest;
  readonly requirement: Requirement;
  readonly verified: VerifiedRequest | undefined;
  /** `performance.now()` when verification started. */
  readonly started: number;
}

/** Tell the `onEvent` observer about one decision, without tokens or signatures. */
export function reportEvent(
  onEvent: (event: AAuthEvent) => void,
  context: EventContext,
  result: VerifyResult,
  outcome: AAuthEvent['outcome'],
  detail: string | undefined,
): void {
  const { request, requirement, verified, started } = context;
  const token = verified?.token;
  const q = request.target.indexOf('?');
  try {
    onEvent({
      outcome,
      code: result.ok ? undefined : (result.code as AAuthEvent['code']),
      status: result.ok ? 200 : result.answer.status,
      method: request.method,
      path: q === -1 ? request.target : request.target.slice(0, q),
      requirement: requirement.level,
      tokenType: token?.kind,
      iss: token?.iss,
      sub: token?.sub,
      jti: token?.jti,
      keyThumbprint: verified?.keyThumbprint,
      durationMs: performance.now() - started,
      detail,
    });
  } catch {
    // An observer must never change the answer.
  }
}
