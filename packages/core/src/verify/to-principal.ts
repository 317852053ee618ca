import type { AAuthPrincipal } from './principal.js';
import type { VerifiedRequest } from './verify-signed-request.js';

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function toPrincipal(v: VerifiedRequest): AAuthPrincipal {
  const t = v.token;
  const c = t.claims;
  return Object.freeze({
    tokenType: t.kind,
    iss: t.iss,
    sub: t.sub,
    jti: t.jti,
    ps: t.ps,
    aud: t.aud,
    scope: t.scope,
    missionS256: str(c.mission_s256),
    tenant: str(c.tenant),
    account: t.kind === 'auth' ? str(c.account) : undefined,
    agent:
      t.kind === 'agent' ? { iss: t.iss, sub: t.sub, parentAgent: str(c.parent_agent) } : undefined,
    person: t.kind === 'agent' ? undefined : { iss: t.ps as string, sub: t.sub },
    keyThumbprint: v.keyThumbprint,
    signature: v.signature,
    claims: c,
  });
}
