import type { AAuthRequest } from '../request/aauth-request.js';

/** Resource-managed access (AAuth-11 §6.2–§6.3): the resource's own interaction and sessions. */
export interface SessionOptions {
  /**
   * At least 32 random bytes (or their unpadded base64url) sealing session tokens. Every
   * instance of the resource needs the same secret.
   */
  readonly secret: Uint8Array | string;
  /**
   * The resource's own user behind a browser request to the interaction page (its login
   * cookie, its session): the user id, or `undefined` when nobody is signed in.
   */
  readonly authenticateUser: (
    request: AAuthRequest,
  ) => string | undefined | Promise<string | undefined>;
  /**
   * Where to send a visitor who is not signed in; `return` carries the interaction URL to
   * come back to. Default: a page asking to sign in.
   */
  readonly loginUrl?: string;
  /** Path of the interaction page on the resource's origin. Default `/aauth/interaction`. */
  readonly interactionPath?: string;
  /** Session lifetime in seconds. Default 3600. */
  readonly ttlSeconds?: number;
  /** Failed code entries per user (or anonymous visitor) before refusing more. Default 5. */
  readonly maxCodeAttempts?: number;
  /** Name shown on the consent page. Default "this service". */
  readonly resourceName?: string;
}
