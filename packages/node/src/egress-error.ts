/** Why a guarded fetch was refused or failed. */
export type EgressErrorCode =
  | 'scheme_refused'
  | 'address_refused'
  | 'dns_failed'
  | 'timeout'
  | 'too_large'
  | 'redirect_refused'
  | 'network';

/**
 * The only error a guarded fetch rejects with. Messages name the rule that refused the fetch,
 * never a URL path, query, header value or body.
 */
export class EgressError extends Error {
  override readonly name = 'EgressError';
  readonly code: EgressErrorCode;

  constructor(code: EgressErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
