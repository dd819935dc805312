import type { Bundle } from 'fhir/r4.js';
import { Observable } from 'rxjs';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { fetchPlanned } from './fetch-planned.js';
import type { FhirResponse } from './fhir.types.js';
import { followNext } from './follow-next.js';
import { PageGuard } from './page-guard.js';
import {
  checkPageSize,
  MAX_PAGE_SIZE,
  routeRemainingPages,
  type PageSize,
  type PagingRoute,
} from './page-plan.js';
import { linkOf, type PageRun } from './page-run.js';

/** Fetches one page with the given token. */
export type PageFetcher = (url: URL, token: AuthorizationToken) => Observable<FhirResponse<Bundle>>;

/** What the paginator needs besides the first page. */
export interface PaginateOptions {
  fetchPage: PageFetcher;
  /** Resolves a `next` link, refusing unsafe ones (see `resolveApiUrl`). */
  resolve: (url: string) => URL;
  concurrency: number;
  /** The `_count` of the pages after the first (default 50, BB2's largest); `'server'` keeps the link's. */
  pageSize?: PageSize;
  /** The most pages emitted, the first included. */
  maxPages: number;
  /** Whether a search with more pages than `maxPages` ends with `PaginationError` (else quietly). */
  failAtMaxPages: boolean;
}

/**
 * Emits `first` and every following page, in order. The pages after the first are asked for at
 * `pageSize` entries (default 50) when the `next` link pages by offset (`startIndex`, or v3's
 * `_offset`). With concurrency > 1 and a startIndex-paged first page that states its `total`, they
 * are planned (their URLs computed one at a time, when due) and fetched `concurrency` at a time,
 * checked against the plan as they arrive; otherwise `next` is followed strictly. Either way a
 * {@link PageGuard} enforces the page cap and stops a server paging in a loop. The newest token
 * (refreshed or not) is threaded through every page. Unsubscribing cancels the requests in flight.
 * Safe with fetchers that answer synchronously (a cache, a test double): no loop recurses per page.
 */
export function paginate(
  first: Bundle,
  token: AuthorizationToken,
  options: PaginateOptions,
): Observable<FhirResponse<Bundle>> {
  return new Observable<FhirResponse<Bundle>>(subscriber => {
    const pageSize = options.pageSize ?? MAX_PAGE_SIZE;
    try {
      checkPageSize(pageSize);
    } catch (error) {
      return subscriber.error(error);
    }
    let current = token;
    const guard = new PageGuard(options.maxPages, options.failAtMaxPages);
    const run: PageRun = {
      subscriber,
      guard,
      concurrency: options.concurrency,
      resolve: options.resolve,
      fetch: url => options.fetchPage(url, current),
      emit: page => {
        if (page.token.expiresAt.getTime() > current.expiresAt.getTime()) current = page.token;
        subscriber.next({ ...page, token: current });
      },
      stopAtCap: () => {
        const error = guard.capReached();
        if (error) subscriber.error(error);
        else subscriber.complete();
      },
    };

    const nextLink = linkOf(first, 'next');
    guard.admit(first, false);
    run.emit({ token, data: first, status: 200 });
    if (!nextLink) return subscriber.complete();
    if (!guard.roomForMore) return run.stopAtCap();
    let route: PagingRoute;
    try {
      route = routeRemainingPages(first, options.resolve(nextLink), {
        pageSize,
        concurrency: options.concurrency,
      });
    } catch (error) {
      return subscriber.error(error);
    }
    return 'plan' in route ? fetchPlanned(run, route.plan) : followNext(run, route.next);
  });
}
