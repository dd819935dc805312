import type { ClaimHeader } from '../claims.js';
import type { ClaimTypeInfo } from '../codes.js';
import { fhirInstant, fhirInstantUtc } from '../format.js';
import { ACT_CODE, FINAL_ACTION, finalAction, SYSTEM_TYPE, systemType } from '../claim-source.js';
import type { Json } from './common.js';

/** The C4BB version BB2's v3 examples declare (`static/openapi.yaml`). */
const C4BB_V3 = '2.1.0';

/**
 * `meta` of an EOB. v1/v2: BFD v2's `lastUpdated` and profile. v3: BFD v3's `Meta.toFhir` —
 * the claim's source, its System-Type and Final-Action tags, and the `42CFRPart2` security label
 * on SAMHSA claims (the only claims that get a `security` entry).
 */
export function eobMeta(h: ClaimHeader, info: ClaimTypeInfo, v3: boolean): Json {
  if (!v3) return { lastUpdated: fhirInstant(h.lastUpdated), profile: [info.profile] };
  const meta: Json = {
    lastUpdated: fhirInstantUtc(h.lastUpdated),
    source: h.source,
    profile: [`${info.profile}|${C4BB_V3}`],
  };
  if (h.samhsa)
    meta.security = [{ system: ACT_CODE, code: '42CFRPart2', display: '42 CFR Part 2' }];
  meta.tag = [
    { system: SYSTEM_TYPE, code: systemType(h.source) },
    { system: FINAL_ACTION, code: finalAction(h.source) },
  ];
  return meta;
}
