import type { SignatureFailureExtras } from '../answers/build-answer.js';
import type { AnswerErrorCode, SignatureErrorCode } from '../errors/error-codes.js';

/** Why verification stopped, before it becomes an answer. */
export type VerifyFailure =
  | {
      readonly kind: 'signature';
      readonly code: SignatureErrorCode;
      readonly detail: string;
      readonly extras?: SignatureFailureExtras;
    }
  | {
      readonly kind: 'problem';
      readonly status: number;
      readonly code: AnswerErrorCode;
      readonly detail: string;
      readonly headers?: Readonly<Record<string, string>>;
    };

export function sigFailure(
  code: SignatureErrorCode,
  detail: string,
  extras?: SignatureFailureExtras,
): { readonly ok: false; readonly failure: VerifyFailure } {
  return {
    ok: false,
    failure: extras
      ? { kind: 'signature', code, detail, extras }
      : { kind: 'signature', code, detail },
  };
}

export function problemFailure(
  status: number,
  code: AnswerErrorCode,
  detail: string,
  headers?: Readonly<Record<string, string>>,
): { readonly ok: false; readonly failure: VerifyFailure } {
  return {
    ok: false,
    failure: headers
      ? { kind: 'problem', status, code, detail, headers }
      : { kind: 'problem', status, code, detail },
  };
}
