import type { RequirementOperation } from '../verify/requirement.js';
import { entryKeyOf } from './r3-definition.js';

/** What an auth token's R3 claims say about one operation (R3 §6.3). */
export type R3Decision = 'granted' | 'per-call' | 'none';

/**
 * Decide one request from the token alone (R3 §6.3, recommended order): a `per-call`
 * operation is always `'per-call'` (R10; whether the token's `r3_s256` names this call's
 * proposal is checked before, by the caller); listed in `r3_granted` → `'granted'`; in
 * `r3_per_call` → `'per-call'`; otherwise `'none'`. A claim's vocabulary must be the
 * operation's (R24). Malformed R3 claims decide `'none'`; never throws.
 */
export function r3Decision(
  claims: Readonly<Record<string, unknown>>,
  op: RequirementOperation,
): R3Decision {
  try {
    if (op.perCall === true) return 'per-call';
    const key = entryKeyOf(op.vocabulary);
    if (key === undefined || typeof claims !== 'object' || claims === null) return 'none';
    const granted = listed(claims.r3_granted, key, op);
    const perCall = listed(claims.r3_per_call, key, op);
    if (granted === 'malformed' || perCall === 'malformed') return 'none';
    if (granted) return 'granted';
    if (perCall) return 'per-call';
    return 'none';
  } catch {
    return 'none';
  }
}

/** Whether the token carries R3 grant claims at all (then they decide, R23). */
export function hasR3Grant(claims: Readonly<Record<string, unknown>>): boolean {
  return (
    typeof claims === 'object' &&
    claims !== null &&
    (claims.r3_granted !== undefined || claims.r3_per_call !== undefined)
  );
}

/** Whether a `{vocabulary, operations}` claim lists `op`; absent → `false`. */
function listed(claim: unknown, key: string, op: RequirementOperation): boolean | 'malformed' {
  if (claim === undefined) return false;
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return 'malformed';
  const { vocabulary, operations } = claim as Record<string, unknown>;
  if (typeof vocabulary !== 'string' || !Array.isArray(operations)) return 'malformed';
  // Another vocabulary lists nothing here: no translation between vocabularies (R24).
  if (vocabulary !== op.vocabulary) return false;
  let found = false;
  for (const entry of operations) {
    const id =
      typeof entry === 'object' && entry !== null ? (entry as Record<string, unknown>)[key] : 0;
    if (typeof id !== 'string') return 'malformed';
    if (id === op.id) found = true;
  }
  return found;
}
