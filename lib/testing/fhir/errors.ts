import { drfResponse, type EmuResponse } from '../http/response.js';
import type { ApiVersion } from '../core/oauth-store.js';

/** What an error answer needs from the call: the negotiated type and the API version. */
export interface ErrorTarget {
  contentType: string;
  version: ApiVersion;
}

/** A DRF `{"detail": …}` body: BB2's own refusals (auth, permissions, schema), on every version. */
export function detail(
  call: Pick<ErrorTarget, 'contentType'>,
  status: number,
  text: string,
): EmuResponse {
  return drfResponse(status, { detail: text }, call.contentType);
}

/** An OperationOutcome with one error issue, as BFD (and BB2 v3, passing it through) sends it. */
export function operationOutcome(
  call: Pick<ErrorTarget, 'contentType'>,
  status: number,
  diagnostics: string,
): EmuResponse {
  return drfResponse(
    status,
    {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'processing', diagnostics }],
    },
    call.contentType,
  );
}

/**
 * A 400 relayed from BFD: BB2's `{msg}:{diagnostics}` on v1/v2; on v3 BB2 passes BFD's
 * OperationOutcome through with its status (024d7da6f).
 */
export function upstream400(call: ErrorTarget, diagnostics: string): EmuResponse {
  if (call.version === 'v3') return operationOutcome(call, 400, diagnostics);
  return detail(call, 400, `An error occurred contacting the upstream server:${diagnostics}`);
}

/**
 * BFD's 404 for a resource it does not know: BB2 answers `{"detail":"Not found."}` on v1/v2, and
 * passes BFD v3's OperationOutcome (HAPI `ResourceNotFoundException`) through on v3.
 */
export function upstream404(call: ErrorTarget, resource: string, id: string): EmuResponse {
  if (call.version === 'v3') {
    return operationOutcome(call, 404, `Resource ${resource}/${id} is not known`);
  }
  return detail(call, 404, 'Not found.');
}
