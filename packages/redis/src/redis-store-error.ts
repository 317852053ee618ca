/** Why a Redis store operation failed: no answer in time, or Redis refused or was unreachable. */
export type RedisStoreErrorCode = 'redis_timeout' | 'redis_unavailable';

/**
 * A Redis failure seen by a store. Core turns it into `503 temporarily_unavailable`; it is
 * also what `onFailure` receives. Messages never contain keys, tokens or signatures.
 */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  readonly code: RedisStoreErrorCode;
  /** The store operation, e.g. `replay.remember`, `revocation.isRevoked`, or `connection`. */
  readonly operation: string;

  constructor(
    code: RedisStoreErrorCode,
    operation: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.code = code;
    this.operation = operation;
  }
}
