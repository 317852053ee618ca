import type { Answer } from '../answers/answer.js';
import {
  buildProblem,
  buildRequirementChallenge,
  buildSignatureFailure,
} from '../answers/build-answer.js';
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
}

const MAX_BODY = 8192;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * The resource's authorization endpoint (AAuth-11 §6.6): an agent POSTs `{"scope", "account"?}`
 * signed with a person token (covering `content-type` and `content-digest`, digest §20 A28) and
 * gets `{"resource_token"}` to trade at its person server (or the resource's access server).
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
  let body: { scope?: unknown; account?: unknown };
  try {
    if (!raw || raw.length > MAX_BODY) throw new Error('size');
    const parsed: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('shape');
    body = parsed as { scope?: unknown; account?: unknown };
  } catch {
    return buildProblem(400, 'invalid_request', 'the body must be a small JSON object');
  }
  if (typeof body.scope !== 'string')
    return buildProblem(400, 'invalid_request', 'scope (a space-separated string) is required');
  const scopes = [...new Set(body.scope.split(' ').filter((s) => s !== ''))];
  if (scopes.length === 0 || scopes.some((s) => !SCOPE.test(s)))
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
  const claims = token.claims;
  const { token: resourceToken } = await mintResourceToken(config.signingKey, {
    iss: config.resource,
    aud: config.accessServer ?? person.iss,
    ps: person.iss,
    sub: token.sub,
    presentedJti: token.jti,
    agentJkt: verified.verified.keyThumbprint,
    scope: scopes,
    missionS256: typeof claims.mission_s256 === 'string' ? claims.mission_s256 : undefined,
    tenant: typeof claims.tenant === 'string' ? claims.tenant : undefined,
    account,
    now: config.now(),
    lifetime: config.lifetime,
  });
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ resource_token: resourceToken }),
  };
}
