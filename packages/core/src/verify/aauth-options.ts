import type { SessionOptions } from '../interaction/session-options.js';
import type { FetchLike } from '../keys/fetch-like.js';
import type { R3Definition } from '../r3/r3-definition.js';
import type { ReplayStore } from '../replay/replay-store.js';
import type { ResourceMetadataOptions } from '../resource/resource-metadata.js';
import type { ResourceSigningKey } from '../resource/resource-signing-key.js';
import type { RevocationStore } from '../revocation/revocation-store.js';
import type { StateStore } from '../state/state-store.js';
import type { AAuthEvent } from './aauth-event.js';
import type { AAuthPrincipal } from './principal.js';

/** Which issuers are trusted: any, an allow-list of identifiers, or a function. */
export type IssuerTrust = 'any' | readonly string[] | ((iss: string) => boolean | Promise<boolean>);

/** Issuer trust per role (digest §18 item 2). Security-relevant, so required. */
export interface TrustOptions {
  /** Agent providers whose agent tokens are accepted. */
  readonly agentProviders: IssuerTrust;
  /** Person servers whose person tokens (and three-party auth tokens) are accepted. */
  readonly personServers: IssuerTrust;
  /**
   * The resource's own access server (four-party). When set, auth tokens are accepted only
   * from it and resource tokens are addressed to it. Default: none (three-party).
   */
  readonly accessServer?: string;
}

/** Options of `createAAuth`. Validated once; a bad value throws `TypeError`/`RangeError`. */
export interface AAuthOptions {
  /** The resource identifier (= metadata `issuer`): `https`, host only, lowercase. Required. */
  readonly resource: string;
  /** Issuer trust per role. Required. */
  readonly trust: TrustOptions;
  /**
   * Accepted `@authority` values (`host[:port]`). Default: the host of `resource`.
   * The first is used when an adapter passes no authority.
   */
  readonly authorities?: readonly string[];
  /** Signing key for resource tokens; required by routes that need a person or auth token. */
  readonly signingKey?: ResourceSigningKey;
  /** Older public keys still published (with `kid` and `alg`) until their tokens expire. Default []. */
  readonly previousKeys?: readonly Readonly<Record<string, unknown>>[];
  /** Seconds a signature's `created` may be old or ahead. Default 60. */
  readonly signatureWindow?: number;
  /** Accepted HTTP signature algorithms (the `cnf.jwk` `alg`). Default `['Ed25519', 'ES256']`. */
  readonly algorithms?: readonly ('Ed25519' | 'ES256')[];
  /** Accepted JWS algorithms of issuer tokens. Default `['Ed25519', 'ES256', 'ES384']`. */
  readonly tokenAlgorithms?: readonly ('Ed25519' | 'ES256' | 'ES384')[];
  /** Components every request must cover beyond the four mandated ones. Default []. */
  readonly additionalSignatureComponents?: readonly string[];
  /** Replay store, or `false` to rely on `created` alone. Default: bounded in-memory store. */
  readonly replay?: ReplayStore | false;
  /**
   * Methods whose signatures are refused a second time within the window. Default
   * `['POST', 'PUT', 'PATCH', 'DELETE']` (digest §4.4): Ed25519 is deterministic, so two
   * identical safe requests in the same second carry the same signature. `'all'` covers every method.
   */
  readonly replayMethods?: readonly string[] | 'all';
  /** Revocation store. Default: bounded in-memory store. */
  readonly revocation?: RevocationStore;
  /**
   * Share issuer key sets between instances (e.g. `@aauth-gate/redis`'s `state`): N instances
   * then fetch an issuer's keys once per interval, not N times. Default: per instance.
   */
  readonly sharedKeyCache?: StateStore;
  /**
   * Protocol state shared by every instance: pending requests and their results, interaction
   * codes, R3 documents. Default: bounded in-memory store (one instance). Several instances
   * need a shared one, e.g. `@aauth-gate/redis`'s `state`.
   */
  readonly state?: StateStore;
  /** Rich resource requests (R3): the operations the resource enforces and publishes. */
  readonly r3?: R3Options;
  /** Resource-managed access: sessions after the resource's own interaction (routes with `session`). */
  readonly sessions?: SessionOptions;
  /** Deferred delivery (routes with `defer`, and interactions). */
  readonly pending?: PendingOptions;
  /** Fetch for issuer metadata and JWKS. Default: global `fetch` under URL-level egress checks. */
  readonly fetch?: FetchLike;
  /**
   * Development mode: accepts `http://localhost:PORT`-style issuers and fetches them.
   * Never enable in production. Default false.
   */
  readonly dev?: boolean;
  /** Refuse a token `iat` more than this many seconds ahead (`clock_skew`); `false` disables. Default: the signature window. */
  readonly iatBound?: number | false;
  /** Lifetime of minted resource tokens in seconds (≤ 300). Default 300. */
  readonly resourceTokenLifetime?: number;
  /** Clock in unix seconds. Default `Date.now() / 1000`. */
  readonly now?: () => number;
  /** Issuers whose keys are cached at most. Default 1000. */
  readonly maxIssuers?: number;
  /** Verified tokens remembered by exact string (re-checked for `exp`, keys, trust). Default 10 000; 0 disables. */
  readonly tokenCacheSize?: number;
  /** Timeout of one discovery fetch in ms. Default 3000. */
  readonly fetchTimeoutMs?: number;
  /** Largest discovery document in bytes. Default 262 144. */
  readonly maxDocumentBytes?: number;
  /** Largest accepted `Signature`/`Signature-Input`/`Signature-Key` field in bytes. Default 16 384. */
  readonly maxHeaderBytes?: number;
  /**
   * At the authorization endpoint: whether the person holds the `account` an agent names
   * (`invalid_account` otherwise). Default: no account is accepted.
   */
  readonly accountHolder?: (
    person: { iss: string; sub: string },
    account: string,
  ) => boolean | Promise<boolean>;
  /** Optional members of the published `aauth-resource.json`. Default: the required ones only. */
  readonly metadata?: ResourceMetadataOptions;
  /** Called for every decision; never receives tokens or signatures. */
  readonly onEvent?: (event: AAuthEvent) => void;
}

/** Settings of `202` pending answers (AAuth-11 §11.8, §6.5.1). */
export interface PendingOptions {
  /** `Retry-After` seconds sent with pending answers. Default 5. */
  readonly retryAfter?: number;
  /** Seconds a held request waits for the agent before `408 expired`. Default 600. */
  readonly ttlSeconds?: number;
  /** Largest request body a route with `defer` holds; a larger one gets `401` instead. Default 1 MiB. */
  readonly maxBodyBytes?: number;
  /** Largest response kept to answer repeated polls. Default 1 MiB. */
  readonly maxResultBytes?: number;
  /** Requests one agent key may have held within `ttlSeconds`; more get `401`. Default 50. */
  readonly maxPerKey?: number;
}

/** R3 settings: the definition enforced, and where agents read the vocabularies (R3 §3.1). */
export interface R3Options {
  /** The authoritative operations, e.g. `r3DefinitionFromOpenApi(operationRequirements(doc, …))`. */
  readonly definition: R3Definition;
  /** Published as `r3_vocabularies`: vocabulary URI → discovery endpoint (OpenAPI document URL, MCP server URL). */
  readonly vocabularies: Readonly<Record<string, string>>;
  /** Seconds an R3 document is kept after its latest resource token (servers may re-fetch it). Default 30 days. */
  readonly documentTtlSeconds?: number;
  /**
   * Describe one per-call invocation for the person (R3 §7): what only the resource knows
   * (which record, how big, what depends on it). `summary` replaces the operation's consent
   * line, `detail` (Markdown: `## Action`, `## Details`, …) is shown with it. Default: the
   * operation's texts and the call's parameters.
   */
  readonly describeCall?: (call: {
    readonly operation: { readonly vocabulary: string; readonly id: string };
    readonly parameters: Readonly<Record<string, unknown>>;
    readonly principal: AAuthPrincipal;
  }) =>
    | { readonly summary?: string; readonly detail?: string }
    | Promise<{ readonly summary?: string; readonly detail?: string }>;
}
