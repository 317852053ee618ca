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
