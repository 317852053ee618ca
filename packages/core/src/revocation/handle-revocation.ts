import type { Answer } from '../answers/answer.js';
import { buildProblem, buildSignatureFailure } from '../answers/build-answer.js';
import type { AAuthRequest } from '../request/aauth-request.js';
import { fieldValue, type HeaderFields } from '../request/header-fields.js';
import type { SignedRequestVerifier } from '../verify/verify-signed-request.js';
import type { RevocationStore } from './revocation-store.js';

/** What the revocation endpoint needs. */
export interface RevocationEndpointConfig {
  readonly verifier: SignedRequestVerifier;
  readonly store: RevocationStore;
  readonly now: () => number;
  readonly window: number;
}

const MAX_BODY = 4096;
// Person and auth tokens live at most an hour; a day leaves room for clock error.
const LONGEST_EXP = 86_400;

/**
 * The resource's revocation endpoint (AAuth-11 §11.12): a person or access server POSTs
 * `{"jti", "exp"}` signed with the `jwks_uri` scheme, covering `content-type` and
 * `content-digest`; the revocation is keyed by the verified caller and `jti`, and answered
 * `200` with an empty body — never `202` or `404`.
 */
export async function handleRevocation(
  config: RevocationEndpointConfig,
  request: AAuthRequest,
  fields: HeaderFields,
): Promise<Answer> {
  if (request.method.toUpperCase() !== 'POST')
    return { status: 405, headers: { allow: 'POST' }, body: '' };
  const input = fieldValue(fields, 'signature-input');
  const signature = fieldValue(fields, 'signature');
  const key = fieldValue(fields, 'signature-key');
  if (input === undefined || signature === undefined || key === undefined) {
    return buildSignatureFailure('invalid_signature', 'the revocation request must be signed', {
      acceptSchemes: ['jwks_uri'],
    });
  }
  const verified = await config.verifier.verifyServer(request, fields, { input, signature, key }, [
    'content-type',
    'content-digest',
  ]);
  if (!verified.ok) {
    const f = verified.failure;
    return f.kind === 'signature'
      ? buildSignatureFailure(f.code, f.detail, f.extras)
      : buildProblem(f.status, f.code, f.detail, f.headers);
  }
  if (!/^application\/json\s*(?:;|$)/i.test(fieldValue(fields, 'content-type') ?? '')) {
    return buildProblem(400, 'invalid_request', 'the body must be application/json');
  }
  const raw = typeof request.body === 'function' ? await request.body() : request.body;
  let body: unknown;
  try {
    if (!raw || raw.length > MAX_BODY) throw new Error('size');
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch {
    return buildProblem(400, 'invalid_request', 'the body must be a small JSON object');
  }
  const { jti, exp } = (typeof body === 'object' && body !== null ? body : {}) as {
    jti?: unknown;
    exp?: unknown;
  };
  if (
    typeof jti !== 'string' ||
    jti === '' ||
    jti.length > 256 ||
    typeof exp !== 'number' ||
    !Number.isInteger(exp)
  ) {
    return buildProblem(400, 'invalid_request', 'jti (string) and exp (integer) are required');
  }
  const now = config.now();
  if (exp > now + LONGEST_EXP)
    return buildProblem(400, 'invalid_request', 'exp is beyond any token this resource accepts');
  try {
    // Kept until the token could no longer be presented: exp plus the signature window.
    if (exp + config.window > now)
      await config.store.revoke(verified.server.iss, jti, exp + config.window);
  } catch {
    return buildProblem(503, 'temporarily_unavailable', 'revocation state is unavailable', {
      'retry-after': '1',
    });
  }
  return { status: 200, headers: {}, body: '' };
}
