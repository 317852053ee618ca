// Builders the attack table is written with: genuine requests, token swaps, tampering.
import type { AAuthRequest, RequirementInput } from '../../src/index.ts';
import {
  AP,
  type AttackFixture,
  type AttackOptions,
  DWK,
  type FetchOverrides,
  issuerDocuments,
  type SignedRequest,
  type SignOptions,
  type TokenKindName,
  type TokenOptions,
} from '../support/attack-fixture.ts';
import type { AttackScenario } from './attack-case.ts';

export type Build = (fx: AttackFixture) => Promise<AttackScenario>;
type Lines = readonly (readonly [string, string])[];

/** The route each token kind is normally presented on. */
export const ROUTE: Readonly<Record<TokenKindName, RequirementInput | undefined>> = {
  agent: undefined,
  person: 'person',
  auth: { auth: 'notes:write' },
};

/** A JSON POST: an unsafe method, so the replay store sees it even with core's defaults. */
export const POST: SignOptions = {
  method: 'POST',
  target: '/notes',
  headers: [['content-type', 'application/json']],
  body: '{"title":"Q3 plan","text":"Draft"}',
};

/** A genuine request presenting a fresh, valid token of `kind`. */
export async function genuine(
  fx: AttackFixture,
  kind: TokenKindName = 'agent',
  sign: SignOptions = POST,
): Promise<SignedRequest> {
  return fx.sign({ ...sign, token: sign.token ?? (await fx.token(kind)) });
}

function lines(request: AAuthRequest): Lines {
  return request.headers as Lines;
}

/** Replace every line of `name` by one line `value` (at the first one's place), or drop it. */
export function setHeader(
  request: AAuthRequest,
  name: string,
  value: string | undefined,
): AAuthRequest {
  const out: [string, string][] = [];
  let placed = false;
  for (const [n, v] of lines(request)) {
    if (n.toLowerCase() !== name) {
      out.push([n, v]);
    } else if (!placed && value !== undefined) {
      out.push([n, value]);
      placed = true;
    }
  }
  if (!placed && value !== undefined) out.push([name, value]);
  return { ...request, headers: out };
}

/** Add one more field line, at the end or at the start. */
export function addHeader(
  request: AAuthRequest,
  name: string,
  value: string,
  at: 'start' | 'end' = 'end',
): AAuthRequest {
  const list: [string, string][] = lines(request).map(([n, v]) => [n, v]);
  if (at === 'start') list.unshift([name, value]);
  else list.push([name, value]);
  return { ...request, headers: list };
}

export function headerValue(request: AAuthRequest, name: string): string {
  return lines(request)
    .filter(([n]) => n.toLowerCase() === name)
    .map(([, v]) => v)
    .join(', ');
}

export interface TokenAttack {
  /** Route requirement (default: the route of `kind`). */
  readonly requirement?: RequirementInput;
  readonly options?: AttackOptions;
  readonly fetch?: (fx: AttackFixture) => FetchOverrides;
  /** Key that signs the HTTP request (default: the agent's Ed25519 key). */
  readonly signKey?: (fx: AttackFixture) => SignOptions['key'];
  readonly sign?: SignOptions;
  readonly fetched?: (fx: AttackFixture) => readonly string[];
  readonly neverFetchHosts?: readonly string[];
  /**
   * The genuine follow-up: a fresh token of the same kind (default), a person token on the
   * agent route (when the attack breaks the agent provider's documents), or none.
   */
  readonly followUp?: 'same-kind' | 'person' | 'none';
  readonly withinMs?: number;
}

/** A request presenting a token of `kind` built with `token(fx)` options. */
export function tokenAttack(
  kind: TokenKindName,
  token: (fx: AttackFixture) => TokenOptions | Promise<TokenOptions>,
  more: TokenAttack = {},
): Build {
  return async (fx) => {
    const jwt = await fx.token(kind, await token(fx));
    return rawTokenScenario(fx, kind, jwt, more);
  };
}

/** A request presenting this exact JWT string. */
export function rawTokenAttack(
  kind: TokenKindName,
  jwt: (fx: AttackFixture) => string | Promise<string>,
  more: TokenAttack = {},
): Build {
  return async (fx) => rawTokenScenario(fx, kind, await jwt(fx), more);
}

async function rawTokenScenario(
  fx: AttackFixture,
  kind: TokenKindName,
  jwt: string,
  more: TokenAttack,
): Promise<AttackScenario> {
  const sign = more.sign ?? POST;
  const key = more.signKey?.(fx) ?? fx.keys.agent;
  const attack = await fx.sign({ ...sign, key, token: jwt });
  const requirement = more.requirement ?? ROUTE[kind];
  const mode = more.followUp ?? 'same-kind';
  let followUp: AAuthRequest | undefined;
  let followUpRequirement: RequirementInput | undefined;
  if (mode === 'same-kind') {
    followUp = (await fx.sign({ ...sign, token: await fx.token(kind) })).request;
  } else if (mode === 'person') {
    followUp = (await fx.sign({ ...sign, token: await fx.token('person') })).request;
    followUpRequirement = 'person';
  }
  return {
    request: attack.request,
    ...(requirement === undefined ? {} : { requirement }),
    ...(more.options ? { options: more.options } : {}),
    ...(more.fetch ? { fetch: more.fetch(fx) } : {}),
    ...(followUp ? { followUp } : {}),
    ...(followUpRequirement ? { followUpRequirement } : {}),
    ...(more.fetched ? { fetched: more.fetched(fx) } : {}),
    ...(more.neverFetchHosts ? { neverFetchHosts: more.neverFetchHosts } : {}),
    ...(more.withinMs === undefined ? {} : { withinMs: more.withinMs }),
  };
}

/**
 * Sign a genuine request, then change it with `mutate`: the genuine one (same signature) is
 * the follow-up, so a rejected attack that left anything in the replay store shows up.
 */
export function tamper(
  mutate: (s: SignedRequest, fx: AttackFixture) => AAuthRequest | Promise<AAuthRequest>,
  sign: (fx: AttackFixture) => SignOptions | Promise<SignOptions> = () => POST,
  more: {
    requirement?: RequirementInput;
    options?: AttackOptions;
    inProcessOnly?: boolean;
    followUp?: boolean;
  } = {},
): Build {
  return async (fx) => {
    const s = await fx.sign(await sign(fx));
    return {
      request: await mutate(s, fx),
      ...(more.followUp === false ? {} : { followUp: s.request }),
      ...(more.requirement === undefined ? {} : { requirement: more.requirement }),
      ...(more.options ? { options: more.options } : {}),
      ...(more.inProcessOnly ? { inProcessOnly: true } : {}),
    };
  };
}

/** A request signed with `sign(fx)` options (the signature is genuine over what was signed). */
export function signed(
  sign: (fx: AttackFixture) => SignOptions | Promise<SignOptions>,
  more: {
    requirement?: RequirementInput;
    options?: AttackOptions;
    inProcessOnly?: boolean;
    followUp?: boolean;
  } = {},
): Build {
  return async (fx) => {
    const s = await fx.sign(await sign(fx));
    const follow = more.followUp === false ? undefined : await genuine(fx);
    return {
      request: s.request,
      ...(follow ? { followUp: follow.request, followUpRequirement: 'agent' } : {}),
      ...(more.requirement === undefined ? {} : { requirement: more.requirement }),
      ...(more.options ? { options: more.options } : {}),
      ...(more.inProcessOnly ? { inProcessOnly: true } : {}),
    };
  };
}

/** The agent provider's documents with its JWKS moved to `jwksUri` (served there too). */
export function apJwksAt(fx: AttackFixture, jwksUri: string): FetchOverrides {
  return issuerDocuments(
    AP,
    DWK.agent,
    [{ ...fx.keys.ap.publicJwk, kid: fx.keys.ap.kid }],
    jwksUri,
  );
}

/** Flip one bit of `bytes` at `index` (a copy). */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  const i = ((index % out.length) + out.length) % out.length;
  out[i] = (out[i] as number) ^ (1 << bit);
  return out;
}

// P-256 group order and Ed25519 group order, for signature malleability.
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

function toBig(bytes: Uint8Array, littleEndian = false): bigint {
  const b = littleEndian ? bytes.slice().reverse() : bytes;
  return BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);
}

function fromBig(n: bigint, length: number, littleEndian = false): Uint8Array {
  const out = new Uint8Array(Buffer.from(n.toString(16).padStart(length * 2, '0'), 'hex'));
  return littleEndian ? out.reverse() : out;
}

/** ECDSA (r, s) → (r, n − s): the other valid signature of the same message and key. */
export function malleateEs256(sig: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(sig.slice(0, 32));
  out.set(fromBig(P256_N - toBig(sig.slice(32)), 32), 32);
  return out;
}

/** Ed25519 (R, S) → (R, S + L): rejected by strict verifiers (S must be < L). */
export function malleateEd25519(sig: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  out.set(sig.slice(0, 32));
  out.set(fromBig(toBig(sig.slice(32), true) + ED25519_L, 32, true), 32);
  return out;
}
