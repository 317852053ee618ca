import type { ReplayStore, RevocationStore, StateStore } from '@aauth-gate/core';
import { createClient, type RedisClientType } from 'redis';
import { createReplayStore } from './internal/replay-store.js';
import { createRevocationStore } from './internal/revocation-store.js';
import { createRunner, describeFailure } from './internal/run-command.js';
import { createStateStore } from './internal/state-store.js';
import { RedisStoreError } from './redis-store-error.js';

/** The one client method the stores use; every node-redis `createClient()` result has it. */
export type RedisStoresClient = Pick<RedisClientType, 'sendCommand'>;

/** What the stores do when Redis fails or does not answer in time. */
export type RedisFailurePolicy = 'fail-closed' | 'fail-open';

/** Options of `createRedisStores`. Validated once; a bad value throws `TypeError`/`RangeError`. */
export interface RedisStoresOptions {
  /**
   * A connected node-redis client (`createClient()` from `redis`) that you own: `close()`
   * leaves it open. Create it with `disableOfflineQueue: true`, a `reconnectStrategy` that
   * never gives up, and an `'error'` listener (see the README). Give `client` or `url`.
   */
  readonly client?: RedisStoresClient;
  /**
   * `redis://` or `rediss://` URL: the stores create, connect and (on `close()`) close their
   * own client, with the offline queue disabled and reconnection that never gives up.
   */
  readonly url?: string;
  /** Prefix of every key. Default `'aauth:'`. */
  readonly prefix?: string;
  /** Longest wait for one store operation, in ms; a slower one fails. Default 250. */
  readonly timeoutMs?: number;
  /**
   * `'fail-closed'` (default): a failure throws, so core answers `503 temporarily_unavailable`.
   * `'fail-open'`: a replay check counts as a first use and a revocation check as not revoked;
   * `revocation.revoke` and the state store still throw.
   */
  readonly onError?: RedisFailurePolicy;
  /** Called with each Redis failure (never keys, tokens or signatures). Default: none. */
  readonly onFailure?: (error: RedisStoreError, operation: string) => void;
  /**
   * Seconds added to replay and revocation lifetimes so instances whose clocks differ a little
   * still refuse a replay or a revoked token. Default 5.
   */
  readonly clockToleranceSeconds?: number;
}

/** Core's `ReplayStore`, always asynchronous. */
export interface RedisReplayStore extends ReplayStore {
  remember(key: string, expiresAt: number): Promise<boolean>;
}

/** Core's `RevocationStore`, always asynchronous. */
export interface RedisRevocationStore extends RevocationStore {
  revoke(iss: string, jti: string, expiresAt: number): Promise<void>;
  isRevoked(iss: string, jti: string): Promise<boolean>;
}

/** Redis-backed stores for `createAAuth({ replay, revocation })` and shared protocol state. */
export interface RedisStores {
  readonly replay: RedisReplayStore;
  readonly revocation: RedisRevocationStore;
  readonly state: StateStore;
  /** Closes the client the stores created from `url`; a client you passed stays open. */
  close(): Promise<void>;
}

const MAX_RECONNECT_DELAY_MS = 1000;

function bounded(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new RangeError(`${name} must be a number from ${min} to ${max}`);
  return value;
}

/**
 * Create the replay, revocation and state stores over one Redis connection. Every operation
 * is a single atomic command (or script) bounded by `timeoutMs`; it never hangs a request.
 */
export function createRedisStores(options: RedisStoresOptions): RedisStores {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('options must be an object');
  const { client: given, url } = options;
  if ((given === undefined) === (url === undefined))
    throw new TypeError('give exactly one of client (a node-redis client) or url');
  if (given !== undefined && typeof given?.sendCommand !== 'function')
    throw new TypeError('client must be a node-redis client from createClient()');
  if (url !== undefined && (typeof url !== 'string' || !/^rediss?:\/\//.test(url)))
    throw new TypeError('url must be a redis:// or rediss:// URL');
  const prefix = options.prefix ?? 'aauth:';
  if (typeof prefix !== 'string') throw new TypeError('prefix must be a string');
  const timeoutMs = bounded('timeoutMs', options.timeoutMs, 250, 1, 60_000);
  const tolerance = bounded('clockToleranceSeconds', options.clockToleranceSeconds, 5, 0, 300);
  const policy = options.onError ?? 'fail-closed';
  if (policy !== 'fail-closed' && policy !== 'fail-open')
    throw new TypeError("onError must be 'fail-closed' or 'fail-open'");
  const onFailure = options.onFailure;
  if (onFailure !== undefined && typeof onFailure !== 'function')
    throw new TypeError('onFailure must be a function');

  const report = (error: RedisStoreError): void => {
    if (!onFailure) return;
    try {
      onFailure(error, error.operation);
    } catch {
      // An observer must never change the outcome.
    }
  };

  let owned: RedisClientType | undefined;
  let connecting: Promise<void> | undefined;
  if (url !== undefined) {
    owned = createClient({
      url,
      // Commands fail at once while disconnected instead of waiting in a queue.
      disableOfflineQueue: true,
      // Bounds memory if the server stops answering (late replies still drain the queue).
      commandsQueueMaxLength: 10_000,
      socket: {
        connectTimeout: 2000,
        // Never give up (`false` would end the client for good); retry within a second.
        reconnectStrategy: (retries: number) =>
          Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 50),
      },
    });
    // Operations issued while the first connection is being made wait for it (within their
    // deadline); once it is made or its first attempt fails they go straight to the client.
    let release = (): void => {};
    connecting = new Promise<void>((resolve) => {
      release = () => {
        connecting = undefined;
        resolve();
      };
    });
    // node-redis emits 'error' on every failed (re)connection; unheard, it would crash the process.
    owned.on('error', (cause: unknown) => {
      release();
      report(
        new RedisStoreError('redis_unavailable', 'connection', describeFailure(cause), { cause }),
      );
    });
    owned.connect().then(release, release);
  }
  const client: RedisStoresClient = owned ?? (given as RedisStoresClient);

  const ctx = {
    run: createRunner({ client, timeoutMs, firstConnection: () => connecting, report }),
    prefix,
    failOpen: policy === 'fail-open',
    toleranceMs: tolerance * 1000,
  };
  let closing: Promise<void> | undefined;
  return Object.freeze({
    replay: Object.freeze(createReplayStore(ctx)),
    revocation: Object.freeze(createRevocationStore(ctx)),
    state: Object.freeze(createStateStore(ctx)),
    close(): Promise<void> {
      if (owned === undefined) return Promise.resolve();
      closing ??= closeOwned(owned, timeoutMs);
      return closing;
    },
  });
}

/** Let in-flight commands finish (at most `timeoutMs`), then drop the connection. */
async function closeOwned(client: RedisClientType, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      client.close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
  } catch {
    // Already closed, or never connected: destroy() below still releases everything.
  } finally {
    clearTimeout(timer);
    client.destroy();
  }
}
