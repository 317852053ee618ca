import type { Answer } from '../answers/answer.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import type { HeaderFields } from '../request/header-fields.js';
import type { R3Reference } from '../verify/authorize-r3.js';
import type { AAuthPrincipal } from '../verify/principal.js';
import type { Requirement } from '../verify/requirement.js';
import type { PollConfig } from './handle-poll.js';
import { captureInvocation, newPendingId, pendingAnswer, storePending } from './hold-invocation.js';
import type { MintClaims } from './pending-record.js';

/** Hold the invocation and answer `202` (AAuth-11 §6.5.1); `undefined` → answer `401`. */
export async function holdForAuthToken(
  pollConfig: PollConfig,
  request: AAuthRequest,
  fields: HeaderFields,
  principal: AAuthPrincipal,
  requirement: Requirement,
  decision: {
    answer: Answer;
    mint?: MintClaims;
    resourceToken?: string;
    document?: R3Reference;
  },
): Promise<Answer | undefined> {
  try {
    const held = await captureInvocation(pollConfig, request, fields);
    if (!held || !decision.mint) return undefined;
    const id = newPendingId();
    const t = pollConfig.now();
    const proposal = decision.document?.proposal ? decision.document.s256 : undefined;
    const stored = await storePending(pollConfig, {
      ...(proposal === undefined ? {} : { proposal }),
      v: 1,
      id,
      kind: 'auth-token',
      state: 'pending',
      jkt: principal.keyThumbprint,
      expires: t + pollConfig.ttl,
      held,
      scopes: decision.mint.scope,
      mint: decision.mint,
      ...(decision.resourceToken === undefined ? {} : { resourceToken: decision.resourceToken }),
      resourceTokenExp: Math.floor(t) + pollConfig.lifetime,
      ...(requirement.operation
        ? {
            operation: {
              vocabulary: requirement.operation.vocabulary,
              id: requirement.operation.id,
            },
          }
        : {}),
    });
    if (!stored) return undefined;
    return pendingAnswer(id, pollConfig.retryAfter, decision.answer.headers['aauth-requirement']);
  } catch {
    // A state store that fails must not lose the request: the 401 path needs no state.
    return undefined;
  }
}
