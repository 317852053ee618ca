/**
 * The shape core needs to fetch issuer metadata and JWKS. Any `fetch`-compatible function fits;
 * on Node, `createGuardedFetch()` from `@aauth-gate/node` adds DNS pinning and address checks.
 */
export type FetchLike = (
  url: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;
