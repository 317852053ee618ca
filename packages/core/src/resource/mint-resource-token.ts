import {
  asciiBytes,
  encodeBase64Url,
  encodeBase64UrlText,
  utf8Encode,
} from '../internal/base64.js';
import { randomBytes } from '../internal/crypto.js';

// One CSPRNG call per 256 token ids: a call costs several µs, as much as the rest of minting.
const POOL_IDS = 256;
let pool: Uint8Array = new Uint8Array(0);
let offset = 0;

/** A fresh 128-bit token id, base64url. */
function freshJti(): string {
  if (offset >= pool.length) {
    pool = randomBytes(16 * POOL_IDS);
    offset = 0;
  }
  const id = pool.subarray(offset, offset + 16);
  offset += 16;
  return encodeBase64Url(id);
}

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
  /** The R3 document's URI (R3 §6.1); give both `r3Uri` and `r3S256` or neither. */
  readonly r3Uri?: string | undefined;
  /** base64url SHA-256 of the R3 document's bytes. */
  readonly r3S256?: string | undefined;
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
 * identifier are never included (§6.7.1). `r3_uri` and `r3_s256` come together or not at all
 * (R3 §5): one without the other is a `TypeError`.
 */
export async function mintResourceToken(
  key: ResourceSigningKey,
  input: ResourceTokenInput,
): Promise<{ token: string; jti: string; exp: number }> {
  if ((input.r3Uri === undefined) !== (input.r3S256 === undefined))
    throw new TypeError('r3Uri and r3S256 must be given together');
  const jti = input.jti ?? freshJti();
  const iat = Math.floor(input.now);
  const exp = iat + Math.min(Math.max(1, Math.floor(input.lifetime)), 300);
  // Compact JSON written in claim order (what JSON.stringify of the same object gives, without
  // building the object): minting stays close to the cost of its one signature.
  const q = JSON.stringify;
  let json = `{"iss":${q(input.iss)},"dwk":"aauth-resource.json","aud":${q(input.aud)},"jti":${q(jti)},"ps":${q(input.ps)},"sub":${q(input.sub)},"presented_jti":${q(input.presentedJti)},"agent_jkt":${q(input.agentJkt)},"iat":${iat},"exp":${exp}`;
  if (input.scope.length > 0) json += `,"scope":${q(input.scope.join(' '))}`;
  if (input.missionS256 !== undefined) json += `,"mission_s256":${q(input.missionS256)}`;
  if (input.tenant !== undefined) json += `,"tenant":${q(input.tenant)}`;
  if (input.account !== undefined) json += `,"account":${q(input.account)}`;
  if (input.loginHint !== undefined) json += `,"login_hint":${q(input.loginHint)}`;
  if (input.r3Uri !== undefined) json += `,"r3_uri":${q(input.r3Uri)},"r3_s256":${q(input.r3S256)}`;
  const signingInput = `${encodedHeader(key)}.${encodeBase64UrlText(`${json}}`)}`;
  const signed = key.sign(asciiBytes(signingInput));
  const signature = signed instanceof Uint8Array ? signed : await signed;
  return { token: `${signingInput}.${encodeBase64Url(signature)}`, jti, exp };
}
