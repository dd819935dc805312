/** Anything that tells the time in epoch milliseconds. */
export interface ClockSource {
  /** Epoch milliseconds. */
  now(): number;
}

/**
 * The emulator's clock. Codes, tokens, grants and rate-limit windows read it, so a test can move
 * time forward instead of sleeping. It follows `source` (the system clock by default) plus every
 * `advance()` so far.
 */
export class EmulatorClock implements ClockSource {
  private offsetMs = 0;

  /** Follows `source` (default: the system clock). */
  constructor(private readonly source: ClockSource = { now: () => Date.now() }) {}

  /** Current emulator time in epoch milliseconds. */
  now(): number {
    return this.source.now() + this.offsetMs;
  }

  /** Moves emulator time forward (or back, with a negative value). */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError('advance(ms) needs a finite number');
    this.offsetMs += ms;
  }

  /** Jumps to an absolute time (epoch ms or Date). */
  set(to: number | Date): void {
    const target = typeof to === 'number' ? to : to.getTime();
    this.offsetMs = target - this.source.now();
  }

  /** Drops every `advance()`/`set()` so far. */
  reset(): void {
    this.offsetMs = 0;
  }
}
