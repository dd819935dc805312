import { randomUUID } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { BlueButtonClock, SystemClock } from '../common/clock.js';
import {
  BlueButtonStore,
  type StoreDeleteOptions,
  type StoreSetOptions,
} from './bluebutton.store.js';

interface Entry {
  value: unknown;
  version?: number;
  expiresAt: number;
}

/**
 * The default {@link BlueButtonStore}: Maps in this process. Correct for a single instance; use a
 * shared store such as `RedisBlueButtonStore` when the app runs as several replicas.
 */
@Injectable()
export class MemoryBlueButtonStore extends BlueButtonStore {
  private readonly values = new Map<string, Entry>();
  /** Locks live apart from values, so no value key can ever collide with a lock. */
  private readonly locks = new Map<string, Entry>();
  private lastSweep = 0;

  /** Created by Nest with the module's clock; `new MemoryBlueButtonStore()` uses the system clock. */
  constructor(@Optional() private readonly clock: BlueButtonClock = new SystemClock()) {
    super();
  }

  /** {@inheritDoc BlueButtonStore.get} */
  async get<T>(key: string): Promise<T | undefined> {
    const entry = this.live(this.values, key);
    // A copy, as a networked store would return: callers cannot mutate what is stored.
    return entry ? (structuredClone(entry.value) as T) : undefined;
  }

  /** {@inheritDoc BlueButtonStore.set} */
  async set<T>(key: string, value: T, options: StoreSetOptions = {}): Promise<boolean> {
    this.checkSetOptions(options);
    const { ttlMs, version } = options;
    const current = this.live(this.values, key);
    if (version !== undefined && current?.version !== undefined && current.version >= version)
      return false;
    this.sweep();
    this.values.set(key, {
      value: structuredClone(value),
      version,
      expiresAt: ttlMs === undefined ? Infinity : this.now() + ttlMs,
    });
    return true;
  }

  /** {@inheritDoc BlueButtonStore.take} */
  async take<T>(key: string): Promise<T | undefined> {
    const entry = this.live(this.values, key);
    this.values.delete(key);
    return entry?.value as T | undefined;
  }

  /** {@inheritDoc BlueButtonStore.delete} */
  async delete(key: string, options: StoreDeleteOptions = {}): Promise<void> {
    this.checkDeleteOptions(options);
    const { version } = options;
    const current = this.live(this.values, key);
    if (version !== undefined && current?.version !== undefined && current.version > version)
      return;
    this.values.delete(key);
  }

  /** {@inheritDoc BlueButtonStore.acquireLock} */
  async acquireLock(key: string, ttlMs: number): Promise<string | undefined> {
    this.checkLockTtl(ttlMs);
    if (this.live(this.locks, key)) return undefined;
    const token = randomUUID();
    this.locks.set(key, { value: token, expiresAt: this.now() + ttlMs });
    return token;
  }

  /** {@inheritDoc BlueButtonStore.releaseLock} */
  async releaseLock(key: string, lockToken: string): Promise<boolean> {
    if (this.live(this.locks, key)?.value !== lockToken) return false;
    this.locks.delete(key);
    return true;
  }

  /** The time entries expire by: the module's {@link BlueButtonClock} (a subclass may override it). */
  protected now(): number {
    return this.clock.now();
  }

  private live(map: Map<string, Entry>, key: string): Entry | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  /** Drops expired entries now and then, so abandoned logins cannot grow the maps forever. */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const map of [this.values, this.locks]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}
