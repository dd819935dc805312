import { randomUUID } from 'node:crypto';
import { buildAuditEvent } from '../data/audit-event.builder.js';
import { fhirInstantUtc } from '../data/format.js';
import type { EmuResponse } from '../http/response.js';
import { ok, type Call } from './call.js';
import { upstream404 } from './errors.js';

/** The only AuditEvent scope BB2 issues (CMS Aligned Networks tokens). */
export const AUDIT_EVENT_SCOPE = 'patient/AuditEvent.rs';

/**
 * `GET /v3/fhir/AuditEvent[/]`: the beneficiary's patient-match events. BB2 drops every client
 * parameter and asks BFD for `entity=<patient>`; BFD's Bundle has no paging BB2 can follow, a
 * `self` link and, when empty, the time of the request as `meta.lastUpdated`.
 */
export function searchAuditEvents(call: Call): EmuResponse {
  const { ctx, caller } = call;
  const events = ctx.auditEvents.all(caller.bene).map(r => buildAuditEvent(caller.bene, r));
  const self = `${call.fhirBase}/AuditEvent?${new URLSearchParams([
    ['_format', 'application/fhir+json'],
    ['entity', caller.patientId],
  ])}`;
  const bundle: Record<string, unknown> = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: fhirInstantUtc(ctx.clock.now()) },
    type: 'searchset',
  };
  if (events.length > 0) bundle.total = events.length;
  bundle.link = [{ relation: 'self', url: self }];
  if (events.length > 0) bundle.entry = events.map(resource => ({ resource }));
  return ok(call, bundle);
}

/** `GET /v3/fhir/AuditEvent/<id>`: one of the beneficiary's events, else BFD's 404. */
export function readAuditEvent(call: Call, id: string): EmuResponse {
  const { ctx, caller } = call;
  const rec = ctx.auditEvents.all(caller.bene).find(r => r.id === id);
  if (!rec) return upstream404(call, 'AuditEvent', id);
  return ok(call, buildAuditEvent(caller.bene, rec));
}
