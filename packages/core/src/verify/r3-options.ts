import { createR3Store } from '../r3/r3-store.js';
import type { ResourceMetadataOptions } from '../resource/resource-metadata.js';
import type { StateStore } from '../state/state-store.js';
import type { R3Options } from './aauth-options.js';
import type { R3Enforcement } from './authorize-r3.js';
import { positive } from './option-checks.js';

/** Validate the `r3` option; throws `TypeError` naming the member that is wrong. */
export function checkR3Options(r3Options: R3Options | undefined): void {
  if (r3Options === undefined) return;
  if (typeof r3Options !== 'object' || r3Options === null || !(r3Options.definition instanceof Map))
    throw new TypeError(
      'r3.definition must come from r3DefinitionFromOpenApi() or r3DefinitionFromMcpTools()',
    );
  const v = r3Options.vocabularies;
  if (typeof v !== 'object' || v === null || Object.keys(v).length === 0)
    throw new TypeError('r3.vocabularies must map each vocabulary to its discovery URL');
  for (const vocabulary of r3Options.definition.keys())
    if (typeof v[vocabulary] !== 'string')
      throw new TypeError(`r3.vocabularies: no discovery URL for ${vocabulary}`);
  if (r3Options.describeCall !== undefined && typeof r3Options.describeCall !== 'function')
    throw new TypeError('r3.describeCall must be a function');
}

/** The metadata options, with `r3_vocabularies` published when R3 is configured (R3 §3.1). */
export function metadataWithR3(
  metadata: ResourceMetadataOptions | undefined,
  r3Options: R3Options | undefined,
): ResourceMetadataOptions {
  return r3Options === undefined
    ? (metadata ?? {})
    : {
        ...metadata,
        extra: { ...metadata?.extra, r3_vocabularies: { ...r3Options.vocabularies } },
      };
}

/** What enforcing R3 grants needs, or `undefined` without the `r3` option. */
export function r3Enforcement(
  r3Options: R3Options | undefined,
  state: StateStore,
  resource: string,
  now: () => number,
  pendingTtl: number,
): R3Enforcement | undefined {
  if (!r3Options) return undefined;
  return {
    resource,
    definition: r3Options.definition,
    store: createR3Store(state, { now }),
    state,
    documentTtl: positive('r3.documentTtlSeconds', r3Options.documentTtlSeconds, 2_592_000),
    // A proposal must outlive the held request and the per-call auth token (≤ 1 hour).
    proposalTtl: pendingTtl + 3600,
    describeCall: r3Options.describeCall,
  };
}
