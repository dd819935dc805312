import type { Bundle } from 'fhir/r4.js';
import { Observable, Subscription, type Subscriber } from 'rxjs';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { PaginationError } from '../errors/bluebutton.errors.js';
import type { FhirResponse } from './fhir.types.js';
import { PageGuard } from './page-guard.js';
import { planFromFirstPage, type PagePlan } from './page-plan.js';

/** Fetches one page with the given token. */
export type PageFetcher = (url: URL, token: AuthorizationToken) => Observable<FhirResponse<Bundle>>;

/** What the paginator needs besides the first page. */
export interface PaginateOptions {
  fetchPage: PageFetcher;
  /** Resolves a `next` link, refusing unsafe ones (see `resolveApiUrl`). */
  resolve: (url: string) => URL;
  concurrency: number;
  /** The most pages emitted, the first included. */
  maxPages: number;
  /** Whether a search with more pages than `maxPages` ends with `PaginationError` (else quietly). */
  failAtMaxPages: boolean;
}

/** The state both ways of paging share. */
interface Run {
  subscriber: Subscriber<FhirResponse<Bundle>>;
  options: PaginateOptions;
  guard: PageGuard;
  fetch(url: URL): Observable<FhirResponse<Bundle>>;
  emit(page: FhirResponse<Bundle>): void;
  /** Ends the search because the cap is reached while pages remain. */
  stopAtCap(): void;
}

/**
 * Emits `first` and every following page, in order. With concurrency > 1 and a BFD-style first page
 * (`total` plus a `next` link with `startIndex` and `_count`), the remaining pages are planned (their
 * URLs computed one at a time, when due) and fetched `concurrency` at a time, never more than
 * 2 × `concurrency` pages ahead of the page being emitted, so memory stays bounded however slow one
 * page is. Otherwise `next` is followed strictly. Either way a {@link PageGuard} enforces the page
 * cap and stops a server paging in a loop. The newest token (refreshed or not) is threaded through
 * every page. Unsubscribing cancels the requests in flight. Safe with fetchers that answer
 * synchronously (a cache, a test double): the loops below never recurse per page.
 */
export function paginate(
  first: Bundle,
  token: AuthorizationToken,
  options: PaginateOptions,
): Observable<FhirResponse<Bundle>> {
  return new Observable<FhirResponse<Bundle>>(subscriber => {
    let current = token;
    const guard = new PageGuard(options.maxPages, options.failAtMaxPages);
    const run: Run = {
      subscriber,
      options,
      guard,
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
    let next: URL;
    let plan: PagePlan | undefined;
    try {
      next = options.resolve(nextLink);
      plan = options.concurrency > 1 ? planFromFirstPage(first, next) : undefined;
    } catch (error) {
      return subscriber.error(error);
    }
    return plan ? fetchPlanned(run, plan) : followNext(run, next);
  });
}

/** The `url` of the Bundle link with this relation. */
export function linkOf(bundle: Bundle | undefined, relation: string): string | undefined {
  const links = bundle?.link;
  return Array.isArray(links) ? links.find(l => l?.relation === relation)?.url : undefined;
}

/**
 * Subscribes to one page fetch, calling `done` with the page once it completes. The subscription
 * is kept in `all` only while it is open: a fetch that completes synchronously never lands there.
 */
function fetchOne(
  run: Run,
  all: Subscription,
  url: URL,
  done: (page: FhirResponse<Bundle>) => void,
): void {
  let page: FhirResponse<Bundle> | undefined;
  let inner: Subscription | undefined;
  inner = run.fetch(url).subscribe({
    next: p => (page = p),
    error: e => run.subscriber.error(e),
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

/** Follows `next` links one page at a time, refusing a link already followed. */
function followNext(run: Run, first: URL): Subscription {
  const { subscriber, guard } = run;
  const all = new Subscription();
  const followed = new Set([first.href]);
  let pending: URL | undefined = first;
  let looping = false;
  const loop = () => {
    if (looping) return; // a synchronous answer: the loop below picks `pending` up
    looping = true;
    while (pending && !subscriber.closed) {
      const url: URL = pending;
      pending = undefined;
      fetchOne(run, all, url, onPage);
    }
    looping = false;
  };
  const onPage = (page: FhirResponse<Bundle>) => {
    const link = linkOf(page.data, 'next');
    guard.admit(page.data, link !== undefined);
    run.emit(page);
    if (!link || subscriber.closed) return subscriber.complete();
    if (!guard.roomForMore) return run.stopAtCap();
    const url = run.options.resolve(link);
    if (followed.has(url.href)) {
      throw new PaginationError(
        'The server sent a next link that was already followed (a paging loop)',
      );
    }
    followed.add(url.href);
    pending = url;
    loop();
  };
  loop();
  return all;
}

/** Fetches the planned pages `concurrency` at a time and emits them in order. */
function fetchPlanned(run: Run, plan: PagePlan): Subscription {
  const { subscriber, guard, options } = run;
  const concurrency = options.concurrency;
  const all = new Subscription();
  const done = new Map<number, FhirResponse<Bundle>>();
  // The cap counts the first page, already emitted.
  const due = Math.min(plan.length, guard.maxPages - 1);
  let nextToStart = 0;
  let nextToEmit = 0;
  let inFlight = 0;
  let pumping = false;
  let again = false;
  const pump = () => {
    if (pumping) return void (again = true); // re-entered by a synchronous answer
    pumping = true;
    do {
      again = false;
      while (
        !subscriber.closed &&
        inFlight < concurrency &&
        nextToStart < due &&
        nextToStart < nextToEmit + 2 * concurrency
      ) {
        const index = nextToStart++;
        inFlight++;
        fetchOne(run, all, plan.url(index), page => {
          inFlight--;
          done.set(index, page);
          drain();
          pump();
        });
      }
    } while (again && !subscriber.closed);
    pumping = false;
  };
  const drain = () => {
    while (done.has(nextToEmit) && !subscriber.closed) {
      const page = done.get(nextToEmit)!;
      done.delete(nextToEmit);
      const more = nextToEmit < plan.length - 1 || linkOf(page.data, 'next') !== undefined;
      guard.admit(page.data, more);
      nextToEmit++;
      run.emit(page);
    }
    if (nextToEmit === due && !subscriber.closed) {
      if (due < plan.length) run.stopAtCap();
      else subscriber.complete();
    }
  };
  if (due === 0) drain();
  else pump();
  return all;
}
