import type { AAuthPrincipal } from '@aauth-gate/core';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/**
 * The SDK's `AuthInfo` for a verified AAuth principal. The Node transport reads it from
 * `req.auth` and hands it to every handler as `extra.authInfo`; the principal rides in `extra`.
 * AAuth has no bearer token, so `token` holds the presented token's `jti` (an identifier, not a
 * credential), and `clientId` the agent identifier when the token reveals it (agent tokens),
 * otherwise the thumbprint of the agent's signing key.
 */
export function toAuthInfo(principal: AAuthPrincipal, resource: string): AuthInfo {
  const exp = principal.claims.exp;
  return {
    token: principal.jti,
    clientId: principal.agent?.sub ?? `jkt:${principal.keyThumbprint}`,
    scopes: [...principal.scope],
    ...(typeof exp === 'number' ? { expiresAt: exp } : {}),
    resource: new URL(resource),
    extra: { aauth: principal },
  };
}

/** The verified principal inside a tool handler: `principalOf(extra)`. */
export function principalOf(extra: { readonly authInfo?: AuthInfo | undefined }): AAuthPrincipal {
  const principal = extra.authInfo?.extra?.aauth as AAuthPrincipal | undefined;
  // Every /mcp request is verified before the MCP server sees it; missing means a wiring bug.
  if (principal === undefined) throw new Error('no verified AAuth principal on this request');
  return principal;
}

/** The person a person or auth token speaks for; the gate's requirement guarantees one. */
export function personOf(principal: AAuthPrincipal): { iss: string; sub: string } {
  if (principal.person === undefined) throw new Error('this tool needs a verified person');
  return { iss: principal.person.iss, sub: principal.person.sub };
}
