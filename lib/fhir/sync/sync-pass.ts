import type { Bundle } from 'fhir/r4.js';
import {
  concat,
  concatMap,
  defer,
  EMPTY,
  from,
  mergeMap,
  Observable,
  of,
  ReplaySubject,
  Subscription,
  take,
} from 'rxjs';
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
import { Dedupe, instantOf } from './dedupe.js';
import {
  decodeWatermark,
  encodeWatermark,
  patientDigest,
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
 * One incremental pass for the token's beneficiary: asks for the first page of each type's search
 * (EOB, Coverage, Patient) at once at `_count=50`, pages on as `FhirService.pages()` does, and
 * emits every resource that changed since `since`, type after type, then a `done` event with the
 * next watermark.
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
  return new Observable<SyncEvent>(subscriber => {
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
    const searches = types.map(type => planSearch(pass, type));
    // Every type's first page is asked for at once, so a pass where little changed costs one round
    // trip; pages are then emitted type by type, in order (a later type waits with one page).
    const prefetch = new Subscription();
    for (const s of searches)
      prefetch.add(search(client, s.type, token, s.params).subscribe(s.first));
    const main = concat(
      ...searches.map(s => defer(() => streamSearch(client, pass, s))),
      defer(() => of(done())),
    ).subscribe(subscriber);
    return () => {
      main.unsubscribe();
      prefetch.unsubscribe();
    };
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

/** One type's search of a pass, planned before its first page is asked for. */
interface PlannedSearch {
  type: SyncResourceType;
  params: Record<string, string | number | string[]>;
  filter: string;
  mark?: TypeMark;
  dedupe: Dedupe;
  report: SyncTypeReport;
  /** The first page, as soon as it arrives (or the error). */
  first: ReplaySubject<FhirResponse<Bundle>>;
}

/** The query of one type's search, from the previous pass's watermark for that type. */
function planSearch(pass: Pass, type: SyncResourceType): PlannedSearch {
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
  return { type, params, filter, mark, dedupe, report, first: new ReplaySubject(1) };
}

/** One type's pages, deduplicated against the previous pass's overlap. */
function streamSearch(
  client: SyncClient,
  pass: Pass,
  s: PlannedSearch,
): Observable<SyncResourceEvent> {
  const { dedupe, report, mark } = s;
  const pages = s.first.pipe(
    take(1),
    mergeMap(first => {
      dedupe.at = instantOf(first.data.meta?.lastUpdated) ?? mark?.at;
      return client.pages(first.data, first.token, {
        pageConcurrency: pass.options.pageConcurrency,
      });
    }),
  );
  return concat(
    pages.pipe(
      concatMap(page => {
        report.pages++;
        // The freshest token wins: searches may have refreshed it in any order.
        if (page.token.expiresAt.getTime() > pass.token.expiresAt.getTime())
          pass.token = page.token;
        return from(changedIn(page, s.type, dedupe, report));
      }),
    ),
    // Only once every page arrived: an error leaves the previous watermark in force.
    defer(() => {
      if (dedupe.at === undefined) delete pass.marks[s.type];
      else pass.marks[s.type] = { at: dedupe.at, filter: s.filter, seen: dedupe.kept() };
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
