import { serializeDictionary, serializeList, Token } from 'structured-headers';
import {
  type AnswerErrorCode,
  ERROR_TITLES,
  type SignatureErrorCode,
} from '../errors/error-codes.js';
import type { Answer } from './answer.js';

const PROBLEM = 'application/problem+json';

function problemBody(
  code: string,
  title: string,
  status: number,
  detail: string,
  sigError: boolean,
): string {
  const body: Record<string, unknown> = {};
  if (sigError) body.type = `urn:ietf:params:sig-error:${code}`;
  body.title = title;
  body.status = status;
  body.error = code;
  if (detail) body.detail = detail;
  return JSON.stringify(body);
}

/** Extra data for a signature-failure answer. */
export interface SignatureFailureExtras {
  /** `required_input` for `invalid_input`. */
  readonly requiredInput?: readonly string[];
  /** `Accept-Signature-Alg` for `unsupported_algorithm`. */
  readonly acceptAlgorithms?: readonly string[];
  /** `Accept-Signature-Scheme` for `unsupported_scheme`. */
  readonly acceptSchemes?: readonly string[];
  /** `Date` for `clock_skew`, so the client can see the offset. */
  readonly date?: Date;
  /** Adds `AAuth-Requirement: requirement=person-token` (a revoked auth token, AAuth-11 §11.12.5). */
  readonly requirePersonToken?: boolean;
}

/** `401` + `Signature-Error` + companions + problem+json (digest §5.2–§5.4). */
export function buildSignatureFailure(
  code: SignatureErrorCode,
  detail: string,
  extras: SignatureFailureExtras = {},
): Answer {
  const dict = new Map<string, unknown>([['error', new Token(code)]]);
  if (code === 'invalid_input' && extras.requiredInput) {
    dict.set('required_input', [extras.requiredInput.map((c) => [c, new Map()]), new Map()]);
  }
  const headers: Record<string, string> = {
    'content-type': PROBLEM,
    // biome-ignore lint/suspicious/noExplicitAny: structured-headers' Dictionary type is too narrow for inner lists built here
    'signature-error': serializeDictionary(dict as any),
  };
  if (extras.acceptAlgorithms) {
    headers['accept-signature-alg'] = serializeList(
      extras.acceptAlgorithms.map((a) => [new Token(a), new Map()]),
    );
  }
  if (extras.acceptSchemes) {
    headers['accept-signature-scheme'] = serializeList(
      extras.acceptSchemes.map((s) => [new Token(s), new Map()]),
    );
  }
  if (extras.date) headers.date = extras.date.toUTCString();
  if (extras.requirePersonToken) headers['aauth-requirement'] = 'requirement=person-token';
  return {
    status: 401,
    headers,
    body: problemBody(code, ERROR_TITLES[code], 401, detail, true),
  };
}

/** `401` challenge with `AAuth-Requirement` and no `Signature-Error` (AAuth-11 §6.1, §6.4, §6.5). */
export function buildRequirementChallenge(
  requirement: 'agent-token' | 'person-token' | 'auth-token',
  resourceToken?: string,
): Answer {
  const value =
    requirement === 'auth-token' && resourceToken !== undefined
      ? `requirement=auth-token;resource-token="${resourceToken}"`
      : `requirement=${requirement}`;
  return { status: 401, headers: { 'aauth-requirement': value }, body: '' };
}

/**
 * A problem+json answer that is not a signature failure: `403 denied`, `503`, `400`.
 * A `403` never carries `Signature-Error`, `Accept-Signature-*` or `AAuth-Requirement` (§5.5).
 */
export function buildProblem(
  status: number,
  code: AnswerErrorCode,
  detail: string,
  headers: Readonly<Record<string, string>> = {},
): Answer {
  return {
    status,
    headers: { 'content-type': PROBLEM, ...headers },
    body: problemBody(code, ERROR_TITLES[code], status, detail, false),
  };
}
