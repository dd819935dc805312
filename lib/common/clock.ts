/**
 * Where the module reads the time: token expiry and the refresh-ahead skew, the lifetime of shared
 * refresh outcomes, the bound on waiting for another instance's refresh, and the memory store's
 * TTLs. The default is the system clock. Tests replace it to move time instead of sleeping:
 * `extraProviders: [{ provide: BlueButtonClock, useValue: emulator.clock }]` (the emulator's clock
 * fits, so one fake time drives both sides).
 */
export abstract class BlueButtonClock {
  /** Epoch milliseconds. */
  abstract now(): number;
}

/** The system clock, `Date.now()`: the module's default {@link BlueButtonClock}. */
export class SystemClock extends BlueButtonClock {
  /** Epoch milliseconds. */
  now(): number {
    return Date.now();
  }
}
