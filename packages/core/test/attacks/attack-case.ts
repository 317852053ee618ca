// The shape of one attack-corpus case and the expectation helpers the table uses.
import type { AAuthRequest, RequirementInput } from '../../src/index.ts';
import type { AttackFixture, AttackOptions, FetchOverrides } from '../support/attack-fixture.ts';

/** Areas of the corpus (the report counts cases per area). */
export type AttackArea =
  | 'algorithm'
  | 'token-kind'
  | 'key-binding'
  | 'issuer-trust'
  | 'discovery'
  | 'token-time'
  | 'signature-params'
  | 'coverage'
  | 'duplicates'
  | 'tampering'
  | 'content-digest'
  | 'replay'
  | 'authorization'
  | 'scheme'
  | 'malformed';

/** What one case sends, to a fresh verifier built from the fixture. */
export interface AttackScenario {
  /** The attack request. */
  readonly request: AAuthRequest;
  /** Route requirement (default: agent). */
  readonly requirement?: RequirementInput;
  /**
   * Verifier option overrides (`undefined` restores core's default, e.g. `replayMethods`).
   * A case with overrides needs a specially configured resource over HTTP.
   */
  readonly options?: AttackOptions;
  /** Fetch-map overrides (`null` removes a document). */
  readonly fetch?: FetchOverrides;
  /**
   * The request cannot travel over real HTTP unchanged (a header with CR/LF or non-Latin-1
   * characters, an `authority` or missing `body` that only an adapter bug produces).
   */
  readonly inProcessOnly?: boolean;
  /** Requests sent first on the same verifier; each must be accepted (200). */
  readonly before?: readonly AAuthRequest[];
  /**
   * A genuine request sent after the attack on the same verifier; it must be accepted, which
   * shows the rejected attack stored nothing (replay store, key cache, token cache). Usually
   * the very request the attack was derived from, same signature bytes.
   */
  readonly followUp?: AAuthRequest;
  /** Requirement for `followUp` (default: the scenario's). */
  readonly followUpRequirement?: RequirementInput;
  /** Exactly the URLs core may fetch, in order (asserted when given). */
  readonly fetched?: readonly string[];
  /** Hosts (WHATWG `hostname`) core must never contact. */
  readonly neverFetchHosts?: readonly string[];
  /** Extra strings that must never appear in the answer or in events. */
  readonly secrets?: readonly string[];
  /** The answer must arrive within this many milliseconds. */
  readonly withinMs?: number;
}

export interface AttackExpectation {
  readonly status: number;
  /** `Signature-Error` / problem `error` code, the challenged requirement, or `null` for 200. */
  readonly code: string | null;
  /** Headers that must be present: exact value, pattern, or `true` for "any value". */
  readonly headers?: Readonly<Record<string, string | RegExp | true>>;
  /** Headers that must be absent. */
  readonly absent?: readonly string[];
}

export interface AttackCase {
  readonly id: string;
  readonly area: AttackArea;
  readonly title: string;
  /** The rule it defends: digest §, P§ (AAuth -11), SK§ (Signature-Key -09), RFC. */
  readonly defends: string;
  readonly build: (fx: AttackFixture) => Promise<AttackScenario>;
  readonly expect: AttackExpectation;
  /**
   * Set when core currently misbehaves: the case runs as `it.fails` and the text says what
   * goes wrong. Remove it once core is fixed (the case then fails, as a reminder).
   */
  readonly knownBug?: string;
}

const SIG_COMPANIONS = ['accept-signature-alg', 'accept-signature-scheme'] as const;

/** A signature-layer failure: `401`, `Signature-Error: error=<code>`, problem+json. */
export function sigError(
  code: string,
  more: {
    headers?: Readonly<Record<string, string | RegExp | true>>;
    absent?: readonly string[];
  } = {},
): AttackExpectation {
  const companions =
    code === 'unsupported_algorithm'
      ? { 'accept-signature-alg': 'Ed25519, ES256' }
      : code === 'unsupported_scheme'
        ? { 'accept-signature-scheme': 'jwt' }
        : {};
  const extra: Record<string, string | RegExp | true> = {};
  if (code === 'invalid_input') extra['signature-error'] = /required_input=\(/;
  if (code === 'clock_skew') extra.date = true;
  return {
    status: 401,
    code,
    headers: {
      'signature-error': new RegExp(`^error=${code}(?:,|$)`),
      'content-type': 'application/problem+json',
      ...companions,
      ...extra,
      ...more.headers,
    },
    absent: [
      'www-authenticate',
      ...(more.headers?.['aauth-requirement'] ? [] : ['aauth-requirement']),
      ...SIG_COMPANIONS.filter((h) => !(h in companions)),
      ...(more.absent ?? []),
    ],
  };
}

/** A requirement challenge: `401` + `AAuth-Requirement`, no `Signature-Error`. */
export function challenge(
  requirement: 'agent-token' | 'person-token' | 'auth-token',
): AttackExpectation {
  return {
    status: 401,
    code: requirement,
    headers: {
      'aauth-requirement':
        requirement === 'auth-token'
          ? /^requirement=auth-token;resource-token="[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"$/
          : `requirement=${requirement}`,
    },
    absent: ['signature-error', 'www-authenticate', ...SIG_COMPANIONS],
  };
}

/** A policy or trust denial: `403` problem+json and none of the signature headers (§5.5). */
export function denied(): AttackExpectation {
  return {
    status: 403,
    code: 'denied',
    headers: { 'content-type': 'application/problem+json' },
    absent: ['signature-error', 'aauth-requirement', 'www-authenticate', ...SIG_COMPANIONS],
  };
}

/** Issuer keys unobtainable (digest §20 A13): `503` + `Retry-After`, nothing fetched that was refused. */
export function unavailable(): AttackExpectation {
  return {
    status: 503,
    code: 'temporarily_unavailable',
    headers: { 'retry-after': /^\d+$/, 'content-type': 'application/problem+json' },
    absent: ['signature-error', 'aauth-requirement', 'www-authenticate', ...SIG_COMPANIONS],
  };
}

/** Accepted. */
export function accepted(): AttackExpectation {
  return { status: 200, code: null };
}

/**
 * Whether a scenario can be replayed over real HTTP against a resource configured like the
 * fixture's default verifier (same issuers, keys, trust lists and fetch map): no option
 * overrides, no fetch-map overrides and no in-process-only request fields.
 */
export function isPortable(s: AttackScenario): boolean {
  return s.options === undefined && s.fetch === undefined && s.inProcessOnly !== true;
}
