import type { RedisStoresClient } from '../create-redis-stores.js';
import { RedisStoreError } from '../redis-store-error.js';

/** Sends one command under the current operation's deadline; replies are plain strings/numbers. */
export type Send = (args: readonly string[]) => Promise<unknown>;

/** Runs one store operation (one or more commands) within `timeoutMs`; failures are reported. */
export type Run = <T>(operation: string, body: (send: Send) => Promise<T>) => Promise<T>;

export interface RunnerConfig {
  readonly client: RedisStoresClient;
  readonly timeoutMs: number;
  /** While an owned client makes its first connection: settles when it is made. */
  readonly firstConnection: () => Promise<void> | undefined;
  readonly report: (error: RedisStoreError) => void;
}

/** A short description of a failure: never keys or values, which the commands carry. */
export function describeFailure(cause: unknown): string {
  if (cause instanceof Error) return (cause.message || cause.name).slice(0, 200);
  return 'unknown error';
}

/**
 * The deadline races the reply rather than relying on the client: node-redis drops a
 * command's own timeout once the command is written, so a server that stops answering
 * (paused, overloaded, half-open connection) would otherwise hang the request. The abort
 * also removes a command still waiting in an offline queue, so it cannot run later.
 */
export function createRunner(config: RunnerConfig): Run {
  const { client, timeoutMs } = config;
  return async <T>(operation: string, body: (send: Send) => Promise<T>): Promise<T> => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new RedisStoreError(
          'redis_timeout',
          operation,
          `Redis ${operation} did not answer within ${timeoutMs} ms`,
        );
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const send: Send = async (args) => {
      const connecting = config.firstConnection();
      if (connecting !== undefined) await connecting;
      // An empty type mapping overrides a user client's default one: replies stay strings.
      return client.sendCommand(args, { abortSignal: controller.signal, typeMapping: {} });
    };
    try {
      return await Promise.race([body(send), deadline]);
    } catch (cause) {
      const error =
        cause instanceof RedisStoreError
          ? cause
          : new RedisStoreError(
              'redis_unavailable',
              operation,
              `Redis ${operation} failed: ${describeFailure(cause)}`,
              { cause },
            );
      config.report(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
}
