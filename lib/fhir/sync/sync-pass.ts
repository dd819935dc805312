import type { Bundle } from 'fhir/r4.js';
import { concat, concatMap, defer, EMPTY, from, mergeMap, of, type Observable } from 'rxjs';
import type { AuthorizationToken } from '../../auth/authorization-token.js';
import { BlueButtonConfigError } from '../../errors/bluebutton.errors.js';
import type { FhirService } from '../fhir.service.js';
import type { FhirResponse } from '../fhir.types.js';
import {
  SYNC_RESOURCE_TYPES,
  type SyncDoneEvent,
  type SyncEvent,
  type SyncOptions,
  type SyncResourceEvent,
  type SyncResourceType,
  type SyncTypeReport,
  type SyncedResource,
} from './sync.types.js';
import {
  decodeWatermark,
  encodeWatermark,
  patientDigest,
  resourceDigest,
  type TypeMark,
  type WatermarkState,
} from './watermark.js';

/** BB2 asks apps never to send a `_lastUpdated` before this date (its data has none earlier). */
export const LAST_UPDATED_FLOOR_MS = Date.parse('2020-02-12T00:00:00Z');
/** BB2's largest page. */
export const SYNC_PAGE_SIZE = 50;
/** Default {@link SyncOptions.overlapMs}. */
export const DEFAULT_SYNC_OVERLAP_MS = 5 * 60_000;
/** The demographic scope: without it, BB2 answers Patient searches with 403. */
const DEMOGRAPHIC_SCOPE = 'patient/Patient.rs';

/** The FhirService calls a pass makes. */
export type SyncClient = Pick<
  FhirService,
  'getExplanationOfBenefitData' | 'getCoverageData' | 'getPatientData' | 'pages'
>;

/** What the searches of one pass share. */
interface Pass {
  token: AuthorizationToken;
  previous?: WatermarkState;
  marks: WatermarkState['types'];
  report: SyncDoneEvent['report'];
  overlapMs: number;
  options: SyncOptions;
}

/**
 * One incremental pass for the token's beneficiary: searches each type in turn (EOB, Coverage,
 * Patient) at `_count=50`, paging as `FhirService.pages()` does, and emits every resource that
 * changed since `since`, then a `done` event with the next watermark.
 *
 * Each type keeps its own watermark: the `meta.lastUpdated` of its search's first page, the
 * server's newest load when that search began (never the client clock). The next search asks
 * `_lastUpdated=ge` that instant minus `overlapMs`, written to the millisecond in UTC: `ge`, since
 * BFD's `gt` adds one unit before comparing and would skip a load in the same or the next
 * millisecond; a full instant, since a bare date widens across time zones. A load that lands
 * between two searches, or between two pages, is newer than the watermark taken before it and
 * comes back next time. Resources the overlap brings back are recognized by type, id and
 * `meta.lastUpdated` (digests kept in the watermark) and not emitted again.
 */
export function syncPass(
  client: SyncClient,
  token: AuthorizationToken,
  options: SyncOptions = {},
): Observable<SyncEvent> {
  return defer(() => {
    const requested = checkOptions(options);
    const patient = patientDigest(token.patient);
    const previous =
      options.since === undefined ? undefined : decodeWatermark(options.since, patient);
    const types = requested.filter(t => t !== 'Patient' || token.hasScope(DEMOGRAPHIC_SCOPE));
    const pass: Pass = {
      token,
      previous,
      marks: { ...previous?.types },
      report: {},
      overlapMs: options.overlapMs ?? DEFAULT_SYNC_OVERLAP_MS,
      options,
    };
    const done = (): SyncDoneEvent => ({
      kind: 'done',
      watermark: encodeWatermark({ patient, types: pass.marks }),
      token: pass.token,
      report: pass.report,
      skipped: requested.filter(t => !types.includes(t)),
    });
    return concat(
      from(types).pipe(concatMap(type => defer(() => searchType(client, pass, type)))),
      defer(() => of(done())),
    );
  });
}

/** The types to search, in pass order; refuses unknown types and a bad overlap. */
function checkOptions(options: SyncOptions): SyncResourceType[] {
  const requested = options.resourceTypes ?? SYNC_RESOURCE_TYPES;
  const unknown = requested.filter(t => !(SYNC_RESOURCE_TYPES as readonly string[]).includes(t));
  const issues = [];
  if (unknown.length || requested.length === 0) {
    issues.push({
      key: 'resourceTypes',
      reason: `must list some of ${SYNC_RESOURCE_TYPES.join(', ')}`,
    });
  }
  const overlap = options.overlapMs;
  if (overlap !== undefined && !(Number.isSafeInteger(overlap) && overlap >= 0)) {
    issues.push({ key: 'overlapMs', reason: 'must be a whole number of milliseconds ≥ 0' });
  }
  if (issues.length) throw new BlueButtonConfigError(issues, undefined, 'Invalid sync options');
  return SYNC_RESOURCE_TYPES.filter(t => requested.includes(t));
}

/** One type's search: every page, deduplicated against the previous pass's overlap. */
function searchType(
  client: SyncClient,
  pass: Pass,
  type: SyncResourceType,
): Observable<SyncResourceEvent> {
  const { options, overlapMs } = pass;
  const claimTypes = type === 'ExplanationOfBenefit' ? options.claimTypes : undefined;
  const filter = claimTypes?.length ? [...new Set(claimTypes)].sort().join(',') : '*';
  const previous = pass.previous?.types[type];
  const mark = previous?.filter === filter ? previous : undefined;
  const lower = mark ? mark.at - overlapMs : undefined;
  const full = lower === undefined || lower < LAST_UPDATED_FLOOR_MS;
  const params = {
    _count: SYNC_PAGE_SIZE,
    ...(full ? {} : { _lastUpdated: `ge${new Date(lower).toISOString()}` }),
    ...(filter === '*' ? {} : { type: filter.split(',') }),
  };
  const report: SyncTypeReport = { changed: 0, duplicates: 0, pages: 0, full };
  pass.report[type] = report;
  const dedupe = new Dedupe(mark?.seen ?? [], overlapMs);
  const pages = search(client, type, pass.token, params).pipe(
    mergeMap(first => {
      dedupe.at = instantOf(first.data.meta?.lastUpdated) ?? mark?.at;
      return client.pages(first.data, first.token, { pageConcurrency: options.pageConcurrency });
    }),
  );
  return concat(
    pages.pipe(
      concatMap(page => {
        report.pages++;
        pass.token = page.token;
        return from(changedIn(page, type, dedupe, report));
      }),
    ),
    // Only once every page arrived: an error leaves the previous watermark in force.
    defer(() => {
      const next: TypeMark | undefined =
        dedupe.at === undefined ? undefined : { at: dedupe.at, filter, seen: dedupe.kept() };
      if (next) pass.marks[type] = next;
      else delete pass.marks[type];
      return EMPTY;
    }),
  );
}

function search(
  client: SyncClient,
  type: SyncResourceType,
  token: AuthorizationToken,
  params: Record<string, string | number | string[]>,
): Observable<FhirResponse<Bundle>> {
  switch (type) {
    case 'ExplanationOfBenefit':
      return client.getExplanationOfBenefitData(token, params);
    case 'Coverage':
      return client.getCoverageData(token, params);
    case 'Patient':
      return client.getPatientData(token, params);
  }
}

/** The resources of one page that the previous pass did not deliver (nor this one yet). */
function changedIn(
  page: FhirResponse<Bundle>,
  type: SyncResourceType,
  dedupe: Dedupe,
  report: SyncTypeReport,
): SyncResourceEvent[] {
  const out: SyncResourceEvent[] = [];
  for (const entry of page.data.entry ?? []) {
    const resource = entry?.resource as SyncedResource | undefined;
    // A searchset may carry OperationOutcome entries (search.mode "outcome"): not data.
    if (!resource || resource.resourceType !== type) continue;
    if (dedupe.isRepeat(type, resource)) {
      report.duplicates++;
      continue;
    }
    report.changed++;
    out.push({ kind: 'resource', resourceType: type, resource, token: page.token });
  }
  return out;
}

/** Remembers resource versions by digest: those of the previous pass and those of this one. */
class Dedupe {
  /** This search's watermark once its first page arrived. */
  at: number | undefined;
  private readonly before: Set<string>;
  private readonly now = new Set<string>();
  private readonly keep = new Set<string>();

  constructor(
    seen: readonly string[],
    private readonly overlapMs: number,
  ) {
    this.before = new Set(seen);
  }

  /** Whether this version was delivered already; records it either way. */
  isRepeat(type: SyncResourceType, resource: SyncedResource): boolean {
    const updated = instantOf(resource.meta?.lastUpdated);
    // Without an id and a time there is nothing to recognize it by next time: always deliver.
    if (typeof resource.id !== 'string' || updated === undefined) return false;
    const digest = resourceDigest(type, resource.id, updated);
    if (this.now.has(digest)) return true;
    this.now.add(digest);
    // The next search starts overlapMs before this one's watermark: remember what it will resend.
    if (this.at !== undefined && updated >= this.at - this.overlapMs) this.keep.add(digest);
    return this.before.has(digest);
  }

  /** The digests the next watermark keeps. */
  kept(): string[] {
    return [...this.keep];
  }
}

/** Epoch ms of a FHIR instant, or undefined when absent or unreadable. */
function instantOf(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : undefined;
}
