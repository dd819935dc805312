import type { Beneficiary } from './beneficiaries.js';
import { BASE_LOAD_AT } from './claims.js';
import { Rng } from './random.js';

type Json = Record<string, unknown>;

const DAY = 86400000;
const HTE = 'urn:cms:hte';

/** One patient match a CMS Aligned Networks app made (BFD v3 records it as an AuditEvent). */
export interface AuditRecord {
  /** `<v3 patient id>-<yyyyMMddHHmmss><9-digit fraction>`, BFD's AuditEvent id. */
  id: string;
  recorded: number;
  appName: string;
  address: string;
}

/** `yyyyMMddHHmmss` + 9 fraction digits, as BFD writes AuditEvent ids. */
function stamp(ms: number, extra: number): string {
  const iso = new Date(ms).toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, '');
  return `${digits}${iso.slice(20, 23)}${String(extra).padStart(6, '0')}`;
}

/** `2026-07-24T18:37:49.771+00:00`, the form BFD v3 uses for `recorded`. */
function utcInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}+00:00`;
}

/**
 * Every beneficiary's AuditEvents: one or two seeded past matches, plus one per match recorded
 * by the emulator (`emu.issueToken()` with `patient/AuditEvent.rs`, as the CAN flow would).
 */
export class AuditEventLog {
  private readonly recorded = new Map<string, AuditRecord[]>();

  /** Past matches are derived from this seed. */
  constructor(private readonly seed: string) {}

  /** Records a patient match at `at` by an app. */
  record(bene: Beneficiary, at: number, appName: string): AuditRecord {
    const list = this.recorded.get(bene.username) ?? [];
    const rec: AuditRecord = {
      id: `${bene.v3PatientId}-${stamp(at, list.length)}`,
      recorded: at,
      appName,
      address: '127.0.0.1',
    };
    list.push(rec);
    this.recorded.set(bene.username, list);
    return rec;
  }

  /** The beneficiary's events, oldest first. */
  all(bene: Beneficiary): AuditRecord[] {
    const rng = new Rng(`${this.seed}|audit|${bene.username}`);
    const seeded: AuditRecord[] = [];
    for (let i = rng.int(1, 2); i > 0; i--) {
      const at = BASE_LOAD_AT - rng.int(1, 300) * DAY - rng.int(0, DAY - 1);
      seeded.push({
        id: `${bene.v3PatientId}-${stamp(at, rng.int(0, 999_999))}`,
        recorded: at,
        appName: 'TestApp',
        address: `192.168.${rng.int(0, 255)}.${rng.int(1, 254)}`,
      });
    }
    seeded.sort((a, b) => a.recorded - b.recorded);
    return [...seeded, ...(this.recorded.get(bene.username) ?? [])];
  }

  /** Forgets the recorded matches (the seeded ones stay). */
  clear(): void {
    this.recorded.clear();
  }
}

/** A BFD v3 AuditEvent: the "patient-match-request" event of a CAN app's identity match. */
export function buildAuditEvent(bene: Beneficiary, rec: AuditRecord): Json {
  return {
    resourceType: 'AuditEvent',
    id: rec.id,
    meta: { profile: ['http://hl7.org/fhir/StructureDefinition/AuditEvent'] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'transmit' },
    subtype: [{ system: HTE, code: 'patient-match-request' }],
    action: 'E',
    recorded: utcInstant(rec.recorded),
    outcome: '0',
    purposeOfEvent: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: 'PATRQT',
            display: 'patient requested',
          },
        ],
        text: 'patient requested',
      },
    ],
    agent: [
      {
        altId: rec.appName,
        name: rec.appName,
        requestor: true,
        network: { address: rec.address, type: '2' },
      },
    ],
    source: { observer: { display: 'CMS Beneficiary FHIR Data Server' } },
    entity: [
      {
        what: { reference: `Patient/${bene.v3PatientId}` },
        type: {
          system: 'http://hl7.org/fhir/resource-types',
          code: 'Patient',
          display: 'Patient',
        },
        role: {
          system: 'http://terminology.hl7.org/CodeSystem/object-role',
          code: '1',
          display: 'Patient',
        },
        name: 'Match Info',
        description:
          'The detail elements refer to the matching algorithm + version combination that resulted in a unique match.',
        detail: [
          { type: 'matchAlgorithm', valueString: '01' },
          { type: 'matchAlgorithmVersion', valueString: '3.2.2' },
        ],
      },
    ],
  };
}
