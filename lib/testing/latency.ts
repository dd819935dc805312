/**
 * The emulator's cost model for FHIR and userinfo answers: `fixedMs` on each one (the
 * `latencyMs` option) plus `perEntryMs` for each entry of a Bundle answer (`latencyPerEntryMs`).
 * BFD's cost grows with the claims it assembles, so a per-entry term makes a 50-entry page
 * honestly dearer than a 10-entry one; a fixed term alone would make bigger pages free.
 */
export interface LatencyModel {
  fixedMs: number;
  perEntryMs: number;
}

/** The delay the model adds to one answer with `entries` Bundle entries (0 for anything else). */
export function modelDelay(model: LatencyModel, entries: number): number {
  return model.fixedMs + model.perEntryMs * entries;
}

/** Checks a latency option: a finite number of milliseconds, 0 or more. */
export function latencyOption(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a number of milliseconds, 0 or more; got ${value}`);
  }
  return value;
}
