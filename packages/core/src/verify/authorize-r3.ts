import type { StoredResponse } from '../pending/pending-record.js';
import { isParameterDigest, sameParameters } from '../r3/compare-parameters.js';
import { OPENAPI_VOCABULARY, type R3Definition } from '../r3/r3-definition.js';
import { buildProposal, composeR3Document } from '../r3/r3-document.js';
import { hasR3Grant, r3Decision } from '../r3/r3-grant.js';
import { type R3Store, type R3StoredDocument, r3Uri } from '../r3/r3-store.js';
import type { StateStore } from '../state/state-store.js';
import type { R3Options } from './aauth-options.js';
import { excerptOf } from './operation-selector.js';
import type { AAuthPrincipal } from './principal.js';
import type { RequirementOperation } from './requirement.js';

/** R3 enforcement settings, validated by `createAAuth`. */
export interface R3Enforcement {
  readonly resource: string;
  readonly definition: R3Definition;
  readonly store: R3Store;
  readonly state: StateStore;
  /** Seconds class documents are kept after their latest resource token. */
  readonly documentTtl: number;
  /** Seconds a per-call proposal stays usable (held request, consent, one call). */
  readonly proposalTtl: number;
  /** The resource's own description of one call, for its proposal. */
  readonly describeCall?: R3Options['describeCall'];
}

/** The R3 document a resource token must name, and whether it is a per-call proposal. */
export interface R3Reference {
  readonly uri: string;
  readonly s256: string;
  readonly proposal: boolean;
}

/** What the operation's R3 grant decides: served, a document to ask for, or refused. */
export type R3Outcome =
  | { readonly kind: 'served'; readonly consumed?: { readonly key: string; readonly ttl: number } }
  | { readonly kind: 'scopes' }
  | { readonly kind: 'ask'; readonly document: R3Reference }
  | { readonly kind: 'used' };

type Op = Readonly<Required<RequirementOperation>>;

/**
 * Enforce an operation's R3 grant (R3 §6.3, §7): `r3_granted` serves; `per-call` operations
 * and `r3_per_call` grants are served only for the exact call a per-call token approved, once;
 * anything else asks for a document (the operation's class document, or a proposal built from
 * this call's parameters) in a fresh resource token. Without any R3 claim the route's scopes
 * decide (`scopes`) — unless it names none, since an operation is never silently open.
 */
export async function enforceR3(
  r3: R3Enforcement,
  principal: AAuthPrincipal,
  op: Op,
  routeScopes: readonly string[],
  parameters: () => Promise<Readonly<Record<string, unknown>>>,
  entitled: readonly string[],
  now: number,
): Promise<R3Outcome> {
  if (principal.tokenType !== 'auth') {
    return {
      kind: 'ask',
      document: await documentFor(r3, op, principal, parameters, entitled, now),
    };
  }
  const claims = principal.claims;
  const perCall = op.perCall || r3Decision(claims, { ...op, perCall: false }) === 'per-call';
  if (perCall) {
    const approved = await approvedCall(r3, claims, op, parameters);
    if (approved) {
      // One execution per per-call token (R3 §7 step 4).
      const exp = typeof claims.exp === 'number' ? claims.exp : now + 3600;
      const key = `aauth:r3-call:${principal.iss}:${principal.jti}`;
      const ttl = Math.max(60, Math.ceil(exp - now) + 60);
      const first = await r3.state.add(key, '1', ttl);
      // The call's response is kept under this key for repeats (R3 §7 step 4).
      return first
        ? {
            kind: 'served',
            consumed: { key: `aauth:r3-result:${principal.iss}:${principal.jti}`, ttl },
          }
        : { kind: 'used' };
    }
    return {
      kind: 'ask',
      document: await proposalFor(r3, op, principal, parameters, entitled, now),
    };
  }
  if (hasR3Grant(claims)) {
    if (r3Decision(claims, op) === 'granted') return { kind: 'served' };
    return { kind: 'ask', document: await classDocument(r3, op, principal, entitled) };
  }
  if (routeScopes.length > 0) return { kind: 'scopes' };
  return { kind: 'ask', document: await classDocument(r3, op, principal, entitled) };
}

/** Whether an auth token grants a held operation, or carries the held call's proposal. */
export function grantsHeld(
  principal: AAuthPrincipal,
  op: { readonly vocabulary: string; readonly id: string },
  proposal: string | undefined,
): boolean {
  const claims = principal.claims;
  const granted = r3Decision(claims, { ...op, perCall: false }) === 'granted';
  return proposal === undefined ? granted : granted && claims.r3_s256 === proposal;
}

async function documentFor(
  r3: R3Enforcement,
  op: Op,
  principal: AAuthPrincipal,
  parameters: () => Promise<Readonly<Record<string, unknown>>>,
  entitled: readonly string[],
  now: number,
): Promise<R3Reference> {
  return op.perCall
    ? proposalFor(r3, op, principal, parameters, entitled, now)
    : classDocument(r3, op, principal, entitled);
}

async function approvedCall(
  r3: R3Enforcement,
  claims: Readonly<Record<string, unknown>>,
  op: Op,
  parameters: () => Promise<Readonly<Record<string, unknown>>>,
): Promise<boolean> {
  if (typeof claims.r3_s256 !== 'string') return false;
  if (r3Decision(claims, { ...op, perCall: false }) !== 'granted') return false;
  const stored = await r3.store.get(claims.r3_s256);
  const p = stored?.kind === 'proposal' ? stored.proposal : undefined;
  if (!p || p.vocabulary !== op.vocabulary || p.id !== op.id) return false;
  return sameParameters(p.parameters, await parameters());
}

async function classDocument(
  r3: R3Enforcement,
  op: Op,
  principal: AAuthPrincipal,
  entitled: readonly string[],
): Promise<R3Reference> {
  const table = r3.definition.get(op.vocabulary);
  const key = table?.entryKey ?? 'operationId';
  // Ask for what the token already holds plus this operation, so grants accumulate instead of
  // replacing each other (R3 §4.2; the scope rule of digest §20 A40). Per-call operations
  // never enter a class document: each of their calls has its own proposal.
  const ids = new Set<string>();
  const held = principal.tokenType === 'auth' ? principal.claims.r3_granted : undefined;
  if (
    typeof held === 'object' &&
    held !== null &&
    (held as { vocabulary?: unknown }).vocabulary === op.vocabulary &&
    Array.isArray((held as { operations?: unknown }).operations)
  ) {
    for (const entry of (held as { operations: unknown[] }).operations) {
      const id =
        typeof entry === 'object' && entry !== null
          ? (entry as Record<string, unknown>)[key]
          : undefined;
      const known = typeof id === 'string' ? table?.operations.get(id) : undefined;
      if (known && known.accessMode !== 'per-call') ids.add(known.id);
    }
  }
  ids.add(op.id);
  const composed = await composeR3Document(
    r3.definition,
    { vocabulary: op.vocabulary, operations: [...ids].map((id) => ({ [key]: id })) },
    { account: principal.account },
  );
  if (!composed.ok) throw new TypeError(`operation ${op.id}: ${composed.detail}`);
  return keep(
    r3,
    { bytes: composed.bytes, s256: composed.s256, kind: 'class' },
    entitled,
    r3.documentTtl,
  );
}

/** Keep a document for the servers entitled to it, and reference it from a resource token. */
async function keep(
  r3: R3Enforcement,
  doc: R3StoredDocument,
  entitled: readonly string[],
  ttl: number,
): Promise<R3Reference> {
  await r3.store.put(doc, entitled, ttl);
  return { uri: r3Uri(r3.resource, doc.s256), s256: doc.s256, proposal: doc.kind === 'proposal' };
}

async function proposalFor(
  r3: R3Enforcement,
  op: Op,
  principal: AAuthPrincipal,
  parameters: () => Promise<Readonly<Record<string, unknown>>>,
  entitled: readonly string[],
  now: number,
): Promise<R3Reference> {
  const values = await parameters();
  // Large or private values stay between agent and resource as a digest (R3 §7): an OpenAPI
  // call's raw body, and any value shaped like a digest object (it would be compared as one).
  const digest: { name: string; excerpt?: string }[] = [];
  for (const [name, value] of Object.entries(values)) {
    if (op.vocabulary === OPENAPI_VOCABULARY && name === 'body' && typeof value === 'string')
      digest.push({ name, excerpt: excerptOf(value) });
    else if (isParameterDigest(value)) digest.push({ name });
  }
  const described = await describe(r3, op, values, principal);
  const proposal = await buildProposal(r3.definition, {
    vocabulary: op.vocabulary,
    id: op.id,
    parameters: values,
    ...(digest.length === 0 ? {} : { digest }),
    ...(described.summary ? { summary: described.summary } : {}),
    // Unique per invocation, so two identical calls never share one proposal (R13).
    detail: `${described.detail ? `${described.detail}\n\n` : ''}## Requested\n${new Date(now * 1000).toISOString()}`,
    ...(principal.account === undefined ? {} : { account: principal.account }),
  });
  return keep(
    r3,
    {
      bytes: proposal.bytes,
      s256: proposal.s256,
      kind: 'proposal',
      proposal: { vocabulary: op.vocabulary, id: op.id, parameters: proposal.parameters },
    },
    entitled,
    r3.proposalTtl,
  );
}

/** The response kept for a per-call token's one call, when it was run on the `401` path. */
export async function keptPerCallResult(
  r3: R3Enforcement,
  principal: AAuthPrincipal,
): Promise<StoredResponse | undefined> {
  const raw = await r3.state.get(`aauth:r3-result:${principal.iss}:${principal.jti}`);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as StoredResponse;
  } catch {
    return undefined;
  }
}

/** The resource's own words for one call; its default texts when the hook fails or says nothing. */
async function describe(
  r3: R3Enforcement,
  op: Op,
  parameters: Readonly<Record<string, unknown>>,
  principal: AAuthPrincipal,
): Promise<{ summary?: string; detail?: string }> {
  if (!r3.describeCall) return {};
  try {
    const d = await r3.describeCall({
      operation: { vocabulary: op.vocabulary, id: op.id },
      parameters,
      principal,
    });
    return {
      ...(typeof d?.summary === 'string' && d.summary !== '' ? { summary: d.summary } : {}),
      ...(typeof d?.detail === 'string' && d.detail !== '' ? { detail: d.detail } : {}),
    };
  } catch {
    return {};
  }
}
