/**
 * The path of a published endpoint URL when it is on the resource's own origin, where core
 * answers it; `undefined` when the URL is absent or served elsewhere.
 */
export function sameOriginPath(url: unknown, resource: string): string | undefined {
  if (url === undefined) return undefined;
  const parsed = new URL(url as string);
  return parsed.origin === new URL(resource).origin ? parsed.pathname : undefined;
}
