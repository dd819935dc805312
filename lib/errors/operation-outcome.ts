import { printable } from './printable.js';

/** One issue of a FHIR OperationOutcome, as `FhirHttpError.issues` holds it. */
export interface FhirIssue {
  /** `fatal`, `error`, `warning` or `information` (`error` when the server gave none). */
  severity: string;
  /** The FHIR issue type, e.g. `processing`, `invalid`, `not-found` (`unknown` when none). */
  code: string;
  /** The server's explanation, if any (at most 1,000 characters). */
  diagnostics?: string;
}

/**
 * Most issues kept from one OperationOutcome. BFD sends one; a server that sends thousands (or a
 * proxy that echoes a huge body) must not turn one error into megabytes held in memory and logs.
 */
export const MAX_ISSUES = 20;
/** Longest `diagnostics` kept, in characters (HAPI's longest messages are a few hundred). */
export const MAX_DIAGNOSTICS_LENGTH = 1000;
/** Longest `severity` or `code` kept: both are short codes in FHIR. */
const MAX_CODE_LENGTH = 64;

/**
 * The issues of `body` when it is an OperationOutcome, bounded in count and length and free of
 * control characters (a forged log line); an empty list for any other body. `body` must already
 * be scrubbed of the request's secrets: the HTTP layer's scrubbed view of the answer is.
 */
export function operationOutcomeIssues(body: unknown): readonly FhirIssue[] {
  const outcome = body as { resourceType?: unknown; issue?: unknown } | null;
  if (!outcome || typeof outcome !== 'object' || outcome.resourceType !== 'OperationOutcome')
    return Object.freeze([]);
  const issues = Array.isArray(outcome.issue) ? outcome.issue.slice(0, MAX_ISSUES) : [];
  return Object.freeze(issues.map(toIssue));
}

function toIssue(raw: unknown): FhirIssue {
  const issue = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const out: FhirIssue = {
    severity: shortCode(issue.severity, 'error'),
    code: shortCode(issue.code, 'unknown'),
  };
  if (typeof issue.diagnostics === 'string')
    out.diagnostics = printable(issue.diagnostics, MAX_DIAGNOSTICS_LENGTH);
  return Object.freeze(out);
}

function shortCode(value: unknown, fallback: string): string {
  return typeof value === 'string' && value ? printable(value, MAX_CODE_LENGTH) : fallback;
}
