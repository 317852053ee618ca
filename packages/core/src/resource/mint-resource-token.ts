import { encodeBase64Url, utf8Encode } from '../internal/base64.js';
import { randomBytes } from '../internal/crypto.js';
import type { ResourceSigningKey } from './resource-signing-key.js';

/** Claims derived from the verified presented token and the resource's decision (AAuth-11 §6.7.1). */
export interface ResourceTokenInput {
  readonly iss: string;
  /** The person server (three-party) or the resource's access server (four-party). */
  readonly aud: string;
  readonly ps: string;
  readonly sub: string;
  /** `jti` of the token the request carried: person token, or auth token on step-up. */
  readonly presentedJti: string;
  /** RFC 7638 SHA-256 thumbprint of the presented token's `cnf.jwk`. */
  readonly agentJkt: string;
  /** Scopes the resource will grant; omitted when empty (R3 may replace scope). */
  readonly scope: readonly string[];
  readonly missionS256?: string | undefined;
  readonly tenant?: string | undefined;
  readonly account?: string | undefined;
  readonly loginHint?: string | undefined;
  /** Unix seconds. */
  readonly now: number;
  /** Lifetime in seconds; at most 300 (SHOULD NOT exceed five minutes). */
  readonly lifetime: number;
  /** Override for deterministic tests; default 128 random bits. */
  readonly jti?: string;
}

const headers = new WeakMap<ResourceSigningKey, string>();

/** The encoded protected header is the same for every token of one key: encode it once. */
function encodedHeader(key: ResourceSigningKey): string {
  let h = headers.get(key);
  if (h === undefined) {
    h = encodeBase64Url(
      utf8Encode(
        `{"typ":"aa-resource+jwt","alg":${JSON.stringify(key.alg)},"kid":${JSON.stringify(key.kid)}}`,
      ),
    );
    headers.set(key, h);
  }
  return h;
}

/**
 * Mint an `aa-resource+jwt`. Claim order is fixed (compact JSON, same order as the digest's
 * examples), so the same key and claims give the same bytes. `cnf`, `act` and any agent
 * identifier are never included (§6.7.1).
 */
export async function mintResourceToken(
  key: ResourceSigningKey,
  input: ResourceTokenInput,
): Promise<{ token: string; jti: string; exp: number }> {
  const jti = input.jti ?? encodeBase64Url(randomBytes(16));
  const iat = Math.floor(input.now);
  const exp = iat + Math.min(Math.max(1, Math.floor(input.lifetime)), 300);
  const claims: Record<string, unknown> = {
    iss: input.iss,
    dwk: 'aauth-resource.json',
    aud: input.aud,
    jti,
    ps: input.ps,
    sub: input.sub,
    presented_jti: input.presentedJti,
    agent_jkt: input.agentJkt,
    iat,
    exp,
  };
  if (input.scope.length > 0) claims.scope = input.scope.join(' ');
  if (input.missionS256 !== undefined) claims.mission_s256 = input.missionS256;
  if (input.tenant !== undefined) claims.tenant = input.tenant;
  if (input.account !== undefined) claims.account = input.account;
  if (input.loginHint !== undefined) claims.login_hint = input.loginHint;
  const signingInput = `${encodedHeader(key)}.${encodeBase64Url(utf8Encode(JSON.stringify(claims)))}`;
  const signature = await key.sign(utf8Encode(signingInput));
  return { token: `${signingInput}.${encodeBase64Url(signature)}`, jti, exp };
}
