import type { AAuth } from '@aauth-gate/core';

/** What the suite hands an adapter's app factory. */
export interface ConformanceSetup {
  /** A core instance configured for the suite's development issuers (trust, clock, keys). */
  readonly aauth: AAuth;
}

/** A running app on 127.0.0.1. */
export interface ConformanceApp {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Builds the conformance app with the adapter under test and starts it on 127.0.0.1:0. */
export type StartConformanceApp = (setup: ConformanceSetup) => Promise<ConformanceApp>;
