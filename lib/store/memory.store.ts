import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { BlueButtonStore, type StoreSetOptions } from './bluebutton.store.js';

interface Entry {
  value: unknown;
  version?: number;
  expiresAt: number;
}

/**
 * The default {@link BlueButtonStore}: a Map in this process. Correct for a single instance; use a
 * shared store such as `RedisBlueButtonStore` when the app runs as several replicas.
 */
@Injectable()
export class MemoryBlueButtonStore extends BlueButtonStore {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  /** @inheritdoc */
  async get<T>(key: string): Promise<T | undefined> {
    return this.live(key)?.value as T | undefined;
  }

  /** @inheritdoc */
  async set<T>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
    const current = this.live(key);
    if (
      options.version !== undefined &&
      current?.version !== undefined &&
      current.version >= options.version
    ) {
      return false;
    }
    this.sweep();
    // A structured clone keeps callers from mutating what is stored, as a real store would.
    this.entries.set(key, {
      value: structuredClone(value),
      version: options.version,
      expiresAt: options.ttlMs === undefined ? Infinity : this.now() + options.ttlMs,
    });
    return true;
  }

  /** @inheritdoc */
  async take<T>(key: string): Promise<T | undefined> {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value as T | undefined;
  }

  /** @inheritdoc */
  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /** @inheritdoc */
  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    const lockKey = `lock:${key}`;
    if (this.live(lockKey)) return undefined;
    const token = randomUUID();
    this.entries.set(lockKey, { value: token, expiresAt: this.now() + ttlMs });
    return token;
  }

  /** @inheritdoc */
  async releaseLock(key: string, lockToken: string): Promise<boolean> {
    const lockKey = `lock:${key}`;
    if (this.live(lockKey)?.value !== lockToken) return false;
    this.entries.delete(lockKey);
    return true;
  }

  /** The clock; override it in a subclass to move time in tests. */
  protected now(): number {
    return Date.now();
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries now and then, so abandoned logins cannot grow the map forever. */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
