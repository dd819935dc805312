import type { ClaimSource } from './claims.js';

/** BFD v3's `System-Type` and `Final-Action` tag systems, and the SAMHSA label's system. */
export const SYSTEM_TYPE = 'https://bluebutton.cms.gov/fhir/CodeSystem/System-Type';
export const FINAL_ACTION = 'https://bluebutton.cms.gov/fhir/CodeSystem/Final-Action';
export const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** Sources of claims still in a Medicare shared system (partially adjudicated). */
export const SHARED_SOURCES: readonly string[] = ['MCS', 'VMS', 'FISS', 'CWF'];

/** The `System-Type` tag code of a claim source. */
export function systemType(source: ClaimSource): string {
  return source === 'NCH' ? 'NationalClaimsHistory' : source === 'DDPS' ? 'DDPS' : 'SharedSystem';
}

/** Shared-system claims are still being adjudicated; NCH and DDPS claims are final. */
export function finalAction(source: ClaimSource): 'FinalAction' | 'NotFinalAction' {
  return SHARED_SOURCES.includes(source) ? 'NotFinalAction' : 'FinalAction';
}
