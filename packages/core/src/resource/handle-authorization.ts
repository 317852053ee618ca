import type { Answer } from '../answers/answer.js';
import {
  buildProblem,
  buildRequirementChallenge,
  buildSignatureFailure,
} from '../answers/build-answer.js';
import type { R3Definition } from '../r3/r3-definition.js';
import { type ComposeR3DocumentOptions, composeR3Document } from '../r3/r3-document.js';
import { type R3Store, r3Uri } from '../r3/r3-store.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import type { SignedRequestVerifier } from '../verify/verify-signed-request.js';
import { mintResourceToken } from './mint-resource-token.js';
import type { ResourceSigningKey } from './resource-signing-key.js';

/** What the authorization endpoint needs. */
export interface AuthorizationEndpointConfig {
  readonly verifier: SignedRequestVerifier;
  readonly resource: string;
  readonly accessServer: string | undefined;
  readonly signingKey: ResourceSigningKey;
  readonly scopes: ReadonlySet<string>;
  readonly lifetime: number;
  readonly now: () => number;
  readonly accountHolder:
    | ((person: { iss: string; sub: string }, account: string) => boolean | Promise<boolean>)
    | undefined;
  /** Rich resource requests (R3 §5): without it, `r3_operations` is refused. Default: none. */
  readonly r3?: AuthorizationR3Config | undefined;
}

/** What the authorization endpoint needs for `r3_operations`. */
export interface AuthorizationR3Config {
  /** The authoritative operation table requests are checked against. */
  readonly definition: R3Definition;
  /** Where composed documents are kept for the entitled servers to fetch. */
  readonly store: R3Store;
  /**
   * Seconds a composed document is kept after its latest resource token; long, since an access
   * server may re-fetch it for audit (R7). Default 2 592 000 (30 days).
   */
  readonly documentTtl?: number;
  /**
   * Display for a combination of operations, e.g. naming the account as the person knows it
   * (R3 §4.1). Default: each operation's texts, one line each.
   */
  readonly display?: ComposeR3DocumentOptions['display'];
}

const MAX_BODY = 8192;
const DOCUMENT_TTL = 2_592_000;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The resource's authorization endpoint (AAuth-11 §6.6): an agent POSTs `{"scope", "account"?}`
 * signed with a person token (covering `content-type` and `content-digest`, digest §20 A28) and
 * gets `{"resource_token"}` to trade at its person server (or the resource's access server).
 * With `config.r3`, the body may carry `r3_operations` (R3 §5) with or without `scope` (R2):
 * the operations are checked against the definition, composed into one document kept for the
 * token's `aud` and `ps`, and the token carries `r3_uri` and `r3_s256`; bad operations are
 * `400 invalid_request` (R4).
 */
export async function handleAuthorization(
  config: AuthorizationEndpointConfig,
  request: AAuthRequest,
  fields: HeaderFields,
): Promise<Answer> {
  if (request.method.toUpperCase() !== 'POST')
    return { status: 405, headers: { allow: 'POST' }, body: '' };
  const input = fieldValue(fields, 'signature-input');
  const signature = fieldValue(fields, 'signature');
  const key = fieldValue(fields, 'signature-key');
  if (input === undefined && signature === undefined && key === undefined)
    return buildRequirementChallenge('person-token');
  if (input === undefined || signature === undefined || key === undefined) {
    return buildSignatureFailure(
      'invalid_signature',
      'Signature, Signature-Input and Signature-Key must all be present',
    );
  }
  const verified = await config.verifier.verify(request, fields, { input, signature, key }, [
    'content-type',
    'content-digest',
  ]);
  if (!verified.ok) {
    const f = verified.failure;
    return f.kind === 'signature'
      ? buildSignatureFailure(f.code, f.detail, f.extras)
      : buildProblem(f.status, f.code, f.detail, f.headers);
  }
  const token = verified.verified.token;
  // Only a person token is accepted here (§6.6): an agent or auth token is asked for one.
  if (token.kind !== 'person') return buildRequirementChallenge('person-token');
  if (!/^application\/json\s*(?:;|$)/i.test(fieldValue(fields, 'content-type') ?? '')) {
    return buildProblem(400, 'invalid_request', 'the body must be application/json');
  }
  const raw = typeof request.body === 'function' ? await request.body() : request.body;
  let body: { scope?: unknown; account?: unknown; r3_operations?: unknown };
  try {
    if (!raw || raw.length > MAX_BODY) throw new Error('size');
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('shape');
    body = parsed as { scope?: unknown; account?: unknown; r3_operations?: unknown };
  } catch {
    return buildProblem(400, 'invalid_request', 'the body must be a small JSON object');
  }
  const r3Requested = body.r3_operations !== undefined;
  if (r3Requested && config.r3 === undefined)
    return buildProblem(400, 'invalid_request', 'this resource does not take r3_operations');
  // With r3_operations, scope is optional (R2); one of the two is needed.
  if (!(typeof body.scope === 'string' || (r3Requested && body.scope === undefined))) {
    return buildProblem(
      400,
      'invalid_request',
      r3Requested
        ? 'scope must be a space-separated string'
        : 'scope (a space-separated string) is required',
    );
  }
  const scopes =
    body.scope === undefined ? [] : [...new Set(body.scope.split(' ').filter((s) => s !== ''))];
  if ((body.scope !== undefined && scopes.length === 0) || scopes.some((s) => !SCOPE.test(s)))
    return buildProblem(400, 'invalid_request', 'scope is malformed');
  const unknown = scopes.filter((s) => !config.scopes.has(s));
  if (unknown.length > 0)
    return buildProblem(400, 'invalid_scope', `unknown scope: ${unknown.join(' ').slice(0, 200)}`);
  const person = { iss: token.ps as string, sub: token.sub };
  let account: string | undefined;
  if (body.account !== undefined) {
    if (typeof body.account !== 'string' || body.account === '' || body.account.length > 256) {
      return buildProblem(400, 'invalid_request', 'account must be a non-empty string');
    }
    const holds = config.accountHolder ? await config.accountHolder(person, body.account) : false;
    if (!holds)
      return buildProblem(400, 'invalid_account', 'the account is not held by this person');
    account = body.account;
  }
  const aud = config.accessServer ?? person.iss;
  let r3: { r3Uri: string; r3S256: string } | undefined;
  if (r3Requested && config.r3 !== undefined) {
    const composed = await composeR3Document(config.r3.definition, body.r3_operations, {
      account,
      ...(config.r3.display ? { display: config.r3.display } : {}),
    });
    if (!composed.ok) return buildProblem(400, 'invalid_request', composed.detail);
    const doc = { bytes: composed.bytes, s256: composed.s256, kind: 'class' as const };
    try {
      await config.r3.store.put(doc, [aud, person.iss], config.r3.documentTtl ?? DOCUMENT_TTL);
    } catch {
      return buildProblem(503, 'temporarily_unavailable', 'R3 document state is unavailable', {
        'retry-after': '1',
      });
    }
    r3 = { r3Uri: r3Uri(config.resource, composed.s256), r3S256: composed.s256 };
  }
  const claims = token.claims;
  const { token: resourceToken } = await mintResourceToken(config.signingKey, {
    iss: config.resource,
    aud,
    ps: person.iss,
    sub: token.sub,
    presentedJti: token.jti,
    agentJkt: verified.verified.keyThumbprint,
    scope: scopes,
    missionS256: typeof claims.mission_s256 === 'string' ? claims.mission_s256 : undefined,
    tenant: typeof claims.tenant === 'string' ? claims.tenant : undefined,
    account,
    ...r3,
    now: config.now(),
    lifetime: config.lifetime,
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ resource_token: resourceToken }),
  };
}
