import { buildCoverage, parseCoverageId } from '../data/coverage.builder.js';
import { buildEob } from '../data/eob.builder.js';
import { buildPatient } from '../data/patient.builder.js';
import type { EmuResponse } from '../http/response.js';
import { NOT_FOUND } from '../oauth/messages.js';
import type { ScopedResource } from '../core/scopes.js';
import { ok, type Call } from './call.js';
import { detail, upstream400, upstream404 } from './errors.js';

const EOB_ID = /^(carrier|pde|dme|hha|hospice|inpatient|outpatient|snf)-(-?\d+)$/;
const NUMERIC = /^-?\d+$/;
const unsupported = (id: string) =>
  `Failed to call access method: java.lang.IllegalArgumentException: Unsupported ID pattern: ${id}`;

function readPatient(call: Call, id: string): EmuResponse {
  const v3 = call.version === 'v3';
  if (id === call.caller.patientId) return ok(call, buildPatient(call.caller.bene, v3));
  // v3: BFD v3 parses the id (400 when not a number); BB2 then hides another patient (404).
  if (v3 && !NUMERIC.test(id)) return upstream400(call, 'ID is not a valid number');
  return detail(call, 404, NOT_FOUND);
}

function readCoverage(call: Call, id: string): EmuResponse {
  const { caller, ctx } = call;
  const v3 = call.version === 'v3';
  const parsed = parseCoverageId(id);
  if (!parsed) {
    return upstream400(
      call,
      v3
        ? "Invalid Coverage ID format. Expected pattern like 'part-c-12345-H1234-001'."
        : unsupported(id),
    );
  }
  if (parsed.patientId !== caller.patientId) return detail(call, 404, NOT_FOUND);
  const lastUpdated = ctx.claims.coverageUpdatedAt(caller.bene, parsed.part);
  return ok(call, buildCoverage(caller.bene, parsed.part, v3, lastUpdated));
}

/**
 * An EOB by id: `<type>-<claimId>` on v1/v2 (other patterns are BFD v2's 400), the bare numeric
 * claim id on v3 (BFD v3's "ID is not a valid number" otherwise). A Part-D-only token reads
 * only Part D events on v3 (BB2 answers 404 for the rest).
 */
function readEob(call: Call, id: string): EmuResponse {
  const { ctx, caller } = call;
  const v3 = call.version === 'v3';
  const index = ctx.claims.index(caller.bene);
  if (v3 && !NUMERIC.test(id)) return upstream400(call, 'ID is not a valid number');
  if (!v3 && !EOB_ID.test(id)) return upstream400(call, unsupported(id));
  const h = v3 ? index.byClaimId.get(id) : index.byId.get(id);
  if (!h || (!v3 && h.v3Only)) return upstream404(call, 'ExplanationOfBenefit', id);
  if (v3 && caller.token.partDEobOnly && h.source !== 'DDPS') return detail(call, 404, NOT_FOUND);
  return ok(call, buildEob(h, { seed: ctx.seed, bene: caller.bene, v3 }));
}

/** A read of one resource by id, bound to the token's patient. */
export function read(call: Call, resource: ScopedResource, id: string): EmuResponse {
  if (resource === 'Patient') return readPatient(call, id);
  if (resource === 'Coverage') return readCoverage(call, id);
  return readEob(call, id);
}
