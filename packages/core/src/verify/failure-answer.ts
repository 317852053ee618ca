import { buildProblem, buildSignatureFailure } from '../answers/build-answer.js';
import type { SignatureErrorCode } from '../errors/error-codes.js';
import type { VerifyResult } from './create-aauth.js';
import type { VerifyFailure } from './verify-failure.js';

/** A failure as the result `verify()` resolves to. */
export function sigFailureResult(
  code: SignatureErrorCode,
  detail: string,
): { ok: false; failure: VerifyFailure } {
  return { ok: false, failure: { kind: 'signature', code, detail } };
}

export function failureResult(f: VerifyFailure): VerifyResult {
  if (f.kind === 'signature')
    return { ok: false, answer: buildSignatureFailure(f.code, f.detail, f.extras), code: f.code };
  return { ok: false, answer: buildProblem(f.status, f.code, f.detail, f.headers), code: f.code };
}
