/** A Blue Button API version. v1 is FHIR STU3 (legacy), v2 is R4 / CARIN BB, v3 is gated. */
export type BlueButtonVersion = 1 | 2 | 3;
