/** Every `Signature-Error` code a resource emits (SigKey-09 §5.4; AAuth-11 pins all to 401). */
export type SignatureErrorCode =
  | 'invalid_signature'
  | 'invalid_input'
  | 'unsupported_scheme'
  | 'unsupported_algorithm'
  | 'invalid_key'
  | 'unknown_key'
  | 'invalid_jwt'
  | 'expired_jwt'
  | 'revoked_jwt'
  | 'issuer_missing'
  | 'issuer_mismatch'
  | 'clock_skew';

/** Codes of answers that are not signature failures (problem+json `error`). */
export type AnswerErrorCode =
  | 'denied'
  | 'temporarily_unavailable'
  | 'invalid_request'
  | 'invalid_scope'
  | 'invalid_account'
  | 'unsupported_iss'
  | 'rate_limited'
  | 'server_error'
  | 'invalid_code'
  | 'expired'
  | 'slow_down';

/** One closed vocabulary for logs, headers and docs. */
export type AAuthErrorCode = SignatureErrorCode | AnswerErrorCode;

/** What an unsigned or under-authorized request is asked to present (AAuth-11 §11.6.2). */
export type RequirementLevel = 'agent-token' | 'person-token' | 'auth-token';

/** Short human titles for problem+json bodies. */
export const ERROR_TITLES: Readonly<Record<AAuthErrorCode, string>> = Object.freeze({
  invalid_signature: 'Invalid signature',
  invalid_input: 'Missing covered components',
  unsupported_scheme: 'Unsupported Signature-Key scheme',
  unsupported_algorithm: 'Unsupported signature algorithm',
  invalid_key: 'Invalid key',
  unknown_key: 'Unknown key',
  invalid_jwt: 'Invalid token',
  expired_jwt: 'Expired token',
  revoked_jwt: 'Revoked token',
  issuer_missing: 'Issuer metadata has no issuer',
  issuer_mismatch: 'Issuer metadata does not match the token issuer',
  clock_skew: 'Clock skew',
  denied: 'Access denied',
  temporarily_unavailable: 'Issuer keys temporarily unavailable',
  invalid_request: 'Invalid request',
  invalid_scope: 'Invalid scope',
  invalid_account: 'Invalid account',
  unsupported_iss: 'Unsupported issuer',
  rate_limited: 'Rate limited',
  server_error: 'Server error',
  invalid_code: 'Pending request gone',
  expired: 'Pending request expired',
  slow_down: 'Polling too frequently',
});
