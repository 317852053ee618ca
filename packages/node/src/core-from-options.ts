import { type AAuth, type AAuthOptions, createAAuth } from '@aauth-gate/core';
import { createGuardedFetch } from './guarded-fetch.js';

/**
 * The core an adapter uses: the `core` it was given, or one created once from core options
 * with the guarded fetch as the discovery default (loopback http allowed only with `dev`).
 * `adapterKeys` are the adapter's own option names, left out of core's options.
 */
export function coreFromOptions(
  options: AAuthOptions | { readonly core: AAuth },
  adapterKeys: readonly string[],
): AAuth {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  if ('core' in options && options.core !== undefined) {
    const c = options.core;
    if (
      typeof c?.verify !== 'function' ||
      typeof c.requirement !== 'function' ||
      'resource' in options
    ) {
      throw new TypeError(
        'core must be an AAuth instance from createAAuth(), given without core options',
      );
    }
    return c;
  }
  const core: Record<string, unknown> = { ...options };
  for (const key of adapterKeys) delete core[key];
  const opts = core as unknown as AAuthOptions;
  return createAAuth({
    ...opts,
    fetch: opts.fetch ?? createGuardedFetch({ allowHttpLoopback: opts.dev === true }),
  });
}

/** The settings every Node adapter takes next to core's options. */
export interface NodeAdapterSettings {
  readonly core: AAuth;
  readonly trustProxy: boolean;
  readonly maxBodyBytes: number;
}

/**
 * Validate a Node adapter's own options (`trustProxy`, default `false`; `maxBodyBytes`, default
 * 1 MiB) and create its core once. Throws `TypeError`/`RangeError` naming the option.
 */
export function nodeAdapterSettings(
  options: (AAuthOptions | { readonly core: AAuth }) & {
    readonly trustProxy?: boolean;
    readonly maxBodyBytes?: number;
  },
): NodeAdapterSettings {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const { trustProxy = false, maxBodyBytes = 1_048_576 } = options;
  if (typeof trustProxy !== 'boolean') throw new TypeError('trustProxy must be a boolean');
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    throw new RangeError('maxBodyBytes must be a non-negative integer');
  return {
    core: coreFromOptions(options, ['trustProxy', 'maxBodyBytes']),
    trustProxy,
    maxBodyBytes,
  };
}
