import type { Logger } from '@nestjs/common';
import { BlueButtonStoreError } from '../errors/bluebutton.errors.js';
import type { LuaScript } from './lua-scripts.js';
import type { RedisStoreClient } from './redis.store.js';

/** The store operation a command belongs to, for messages. */
export type Operation = 'get' | 'set' | 'take' | 'delete' | 'acquireLock' | 'releaseLock' | 'ping';

class OperationTimeout extends Error {}

/**
 * The store's round trips to Redis: each bounded by the operation timeout, each failure mapped to
 * a `BlueButtonStoreError` that never echoes a key, and Redis' reachability logged on each change.
 */
export class RedisCommands {
  private reachable = true;

  /** Wraps the app's client. */
  constructor(
    private readonly client: RedisStoreClient,
    private readonly prefix: string,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
  ) {}

  /** Runs one command. */
  call(operation: Operation, command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.run(operation, () => this.send(command, ...args));
  }

  /** Runs a Lua script on one key with EVALSHA, falling back to EVAL when Redis lacks it. */
  script(
    operation: Operation,
    script: LuaScript,
    key: string,
    ...args: string[]
  ): Promise<unknown> {
    return this.run(operation, async () => {
      try {
        return await this.send('EVALSHA', script.sha, 1, key, ...args);
      } catch (error) {
        // After a Redis restart (or on a fresh node) the script cache is empty.
        if (!((error as Error)?.message ?? '').startsWith('NOSCRIPT')) throw error;
        return this.send('EVAL', script.source, 1, key, ...args);
      }
    });
  }

  private send(command: string, ...args: (string | number)[]): Promise<unknown> {
    return this.client.call(command, ...args) as Promise<unknown>;
  }

  /**
   * Runs one Redis round trip bounded by the operation timeout, mapping every failure to a
   * `BlueButtonStoreError`. The bound matters even with `enableOfflineQueue: false`: a half-open
   * connection accepts commands and never answers.
   */
  private async run<R>(operation: Operation, command: () => Promise<R>): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new OperationTimeout()), this.timeoutMs);
      timer.unref();
    });
    let pending: Promise<R>;
    try {
      pending = command();
    } catch (error) {
      pending = Promise.reject(error);
    }
    // Once the timeout has won, the command's own late failure must not become an unhandled rejection.
    pending.catch(() => undefined);
    try {
      const result = await Promise.race([pending, timeout]);
      this.markReachable();
      return result;
    } catch (error) {
      throw this.toStoreError(operation, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private toStoreError(operation: Operation, error: unknown): BlueButtonStoreError {
    if (error instanceof OperationTimeout) {
      const reason = `no answer within ${this.timeoutMs} ms`;
      this.markUnreachable(reason);
      return unavailable(operation, reason);
    }
    const reason = safeReason(error);
    if ((error as Error | undefined)?.name === 'ReplyError') {
      // Redis answered, so it is reachable; the command itself was refused.
      this.markReachable();
      if (/^ERR unknown command .GETDEL/i.test(reason)) {
        return new BlueButtonStoreError(
          'Blue Button store (Redis) needs Redis 6.2 or later (for GETDEL); upgrade the Redis server.',
        );
      }
      return new BlueButtonStoreError(
        `Blue Button store (Redis) refused the ${operation} command: ${reason}. Check the Redis ` +
          `server (authentication, memory limit, read-only replica) and that nothing else writes ` +
          `keys under the prefix "${this.prefix}".`,
      );
    }
    if (this.client.status === 'end') {
      // quit()/disconnect() was called (often a shutdown-order problem): nothing will reconnect.
      return new BlueButtonStoreError(
        `Blue Button store (Redis) is unavailable (${operation}): the ioredis client was closed ` +
          `and will not reconnect. Close it only after the app has stopped using the store.`,
      );
    }
    this.markUnreachable(reason);
    return unavailable(operation, reason);
  }

  private markUnreachable(reason: string): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.logger.warn(
      `Blue Button store (Redis) is unavailable (${reason}); requests that need the store fail until it returns.`,
    );
  }

  private markReachable(): void {
    if (this.reachable) return;
    this.reachable = true;
    this.logger.log('Blue Button store (Redis) is reachable again.');
  }
}

function unavailable(operation: Operation, reason: string): BlueButtonStoreError {
  return new BlueButtonStoreError(
    `Blue Button store (Redis) is unavailable (${operation}: ${reason}) — requests needing the ` +
      `store fail until it returns; the ioredis client reconnects on its own.`,
  );
}

/**
 * The first line of a client or server error, without anything Redis echoes from the command:
 * "unknown command" replies quote the arguments, which may be keys (session ids, states).
 */
function safeReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = (message.split('\n')[0] ?? '')
    .replace(/,? with args beginning with:.*$/i, '')
    .trim();
  return (line.length > 200 ? `${line.slice(0, 200)}…` : line) || 'unknown error';
}
