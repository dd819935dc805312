import { STATUS_CODES } from 'node:http';
import type { Fault } from './faults.js';
import { DATA_SOURCE_FAILURE } from '../oauth/messages.js';
import type { EmuRequest } from '../http/request.js';
import {
  drfResponse,
  FHIR_JSON,
  HTML,
  JSON_TYPE,
  pyJsonResponse,
  type EmuResponse,
} from '../http/response.js';

const TOKEN_PATH = /^\/v[123]\/o\/token\/?$/;

/** BB2's own body for an injected status (what its stack answers when that failure happens). */
function defaultFaultBody(status: number, fhir: boolean, retryAfter: number): EmuResponse {
  const type = fhir ? FHIR_JSON : JSON_TYPE;
  switch (status) {
    case 500:
      return drfResponse(500, { error: 'Server Error (500)' }, JSON_TYPE);
    case 502:
      return drfResponse(
        502,
        { detail: 'A failure occurred contacting the upstream server' },
        type,
      );
    case 503:
      return drfResponse(
        503,
        { detail: 'Service temporarily unavailable, try again later.' },
        type,
      );
    case 504:
      return {
        status: 504,
        headers: { 'content-type': HTML },
        body: '<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway Time-out</h1></center>\r\n</body>\r\n</html>\r\n',
      };
    case 429:
      return drfResponse(
        429,
        {
          detail: `Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
        },
        type,
      );
    default:
      return drfResponse(status, { detail: STATUS_CODES[status] ?? 'Error' }, type);
  }
}

/** The answer to a request that drew a status fault: the fault's body and headers, or BB2's. */
export function faultResponse(
  fault: Extract<Fault, { status: number }>,
  req: EmuRequest,
): EmuResponse {
  const retryAfterSeconds = typeof fault.retryAfter === 'number' ? fault.retryAfter : 1;
  const fhir = req.path.includes('/fhir/');
  let response: EmuResponse;
  if (fault.body === undefined && fault.status === 502 && TOKEN_PATH.test(req.path)) {
    // BB2's token view answers an upstream (SLSx/BFD) failure in its own family, not DRF's.
    response = pyJsonResponse(502, { status_code: 502, message: DATA_SOURCE_FAILURE });
  } else if (fault.body === undefined) {
    response = defaultFaultBody(fault.status, fhir, retryAfterSeconds);
  } else if (typeof fault.body === 'string' || Buffer.isBuffer(fault.body)) {
    response = { status: fault.status, headers: { 'content-type': HTML }, body: fault.body };
  } else {
    response = drfResponse(fault.status, fault.body, fhir ? FHIR_JSON : JSON_TYPE);
  }
  if (fault.retryAfter !== undefined) response.headers['retry-after'] = String(fault.retryAfter);
  else if (fault.status === 429) response.headers['retry-after'] = String(retryAfterSeconds);
  for (const [k, v] of Object.entries(fault.headers ?? {})) response.headers[k.toLowerCase()] = v;
  return response;
}
