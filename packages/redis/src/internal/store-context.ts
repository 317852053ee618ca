import type { Run } from './run-command.js';

/** What every store needs, fixed at construction. */
export interface StoreContext {
  readonly run: Run;
  readonly prefix: string;
  /** `onError: 'fail-open'`. */
  readonly failOpen: boolean;
  /** Added to replay and revocation lifetimes, in ms. */
  readonly toleranceMs: number;
}
