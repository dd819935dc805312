const OFFSET_MS = -4 * 3600000;

/** A FHIR instant in the shape BFD emits (`2021-06-07T21:51:33.688-04:00`). */
export function fhirInstant(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, 23)}-04:00`;
}

/** A FHIR dateTime without milliseconds (`2022-07-20T21:40:40-04:00`), as in `EOB.created`. */
export function fhirDateTime(ms: number): string {
  return `${new Date(ms + OFFSET_MS).toISOString().slice(0, 19)}-04:00`;
}

/** Rounds to cents. */
export function cents(v: number): number {
  return Math.round(v * 100) / 100;
}

/** A FHIR instant as BFD v3 emits it, in UTC (`2025-11-24T22:11:11.548+00:00`). */
export function fhirInstantUtc(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+00:00`;
}
