import type { Bundle } from 'fhir/r4.js';
import type { Observable, Subscriber, Subscription } from 'rxjs';
import { PaginationError } from '../errors/bluebutton.errors.js';
import type { FhirResponse } from './fhir.types.js';
import type { PageGuard } from './page-guard.js';

/** What every way of fetching the pages after the first shares, for one subscription. */
export interface PageRun {
  subscriber: Subscriber<FhirResponse<Bundle>>;
  guard: PageGuard;
  concurrency: number;
  /** Resolves a `next` link, refusing unsafe ones (see `resolveApiUrl`). */
  resolve(link: string): URL;
  /** Fetches one page with the newest token. */
  fetch(url: URL): Observable<FhirResponse<Bundle>>;
  /** Emits a page (already admitted by the guard), keeping the newest token. */
  emit(page: FhirResponse<Bundle>): void;
  /** Ends the search because the cap is reached while pages remain. */
  stopAtCap(): void;
}

/** The `url` of the Bundle link with this relation. */
export function linkOf(bundle: Bundle | undefined, relation: string): string | undefined {
  const links = bundle?.link;
  return Array.isArray(links) ? links.find(l => l?.relation === relation)?.url : undefined;
}

/** How many entries a page holds. */
export function entryCount(bundle: Bundle): number {
  return Array.isArray(bundle.entry) ? bundle.entry.length : 0;
}

/**
 * Subscribes to one page fetch, calling `done` with the page once it completes (or `failed` with
 * its error; by default the search fails). The subscription is kept in `all` only while it is
 * open: a fetch that completes synchronously never lands there. What `done` throws fails the search.
 */
export function fetchOne(
  run: PageRun,
  all: Subscription,
  url: URL,
  done: (page: FhirResponse<Bundle>) => void,
  failed: (error: unknown) => void = error => run.subscriber.error(error),
): void {
  let page: FhirResponse<Bundle> | undefined;
  let inner: Subscription | undefined;
  inner = run.fetch(url).subscribe({
    next: p => (page = p),
    error: failed,
    complete: () => {
      if (inner) all.remove(inner);
      if (!page)
        return run.subscriber.error(new PaginationError('A page fetch ended without a page'));
      try {
        done(page);
      } catch (error) {
        run.subscriber.error(error);
      }
    },
  });
  if (!inner.closed) all.add(inner);
}
