import type { Bundle } from 'fhir/r4.js';
import { expand, EMPTY, Observable, Subscription, take, tap } from 'rxjs';
import type { AuthorizationToken } from '../auth/authorization-token.js';
import { PaginationError } from '../errors/bluebutton.errors.js';
import type { FhirResponse } from './fhir.types.js';

/** Fetches one page with the given token. */
export type PageFetcher = (url: URL, token: AuthorizationToken) => Observable<FhirResponse<Bundle>>;

/** What the paginator needs besides the first page. */
export interface PaginateOptions {
  fetchPage: PageFetcher;
  /** Resolves a `next` link, refusing unsafe ones (see `resolveApiUrl`). */
  resolve: (url: string) => URL;
  concurrency: number;
  maxPages: number;
}

/**
 * Emits `first` and every following page, in order. With concurrency > 1 and a BFD-style first page
 * (`total` plus a `next` link with `startIndex` and `_count`), the remaining page URLs are computed
 * and fetched `concurrency` at a time, never more than 2 × `concurrency` pages ahead of the page
 * being emitted, so memory stays bounded however slow one page is. Otherwise `next` is followed
 * strictly, with loop detection. The newest token (refreshed or not) is threaded through every page.
 * Unsubscribing cancels the requests in flight.
 */
export function paginate(
  first: Bundle,
  token: AuthorizationToken,
  options: PaginateOptions,
): Observable<FhirResponse<Bundle>> {
  return new Observable<FhirResponse<Bundle>>(subscriber => {
    let current = token;
    const adopt = (t: AuthorizationToken) => {
      if (t.expiresAt.getTime() > current.expiresAt.getTime()) current = t;
    };
    const emit = (page: FhirResponse<Bundle>) => {
      adopt(page.token);
      subscriber.next({ ...page, token: current });
    };
    const fetch = (url: URL) => options.fetchPage(url, current);

    emit({ token, data: first, status: 200 });
    const nextLink = linkOf(first, 'next');
    if (options.maxPages <= 1 || !nextLink) return subscriber.complete();
    let next: URL;
    try {
      next = options.resolve(nextLink);
    } catch (error) {
      return subscriber.error(error);
    }

    const urls =
      options.concurrency > 1 ? plannedUrls(first, next, options.maxPages - 1) : undefined;
    if (!urls) {
      const seen = new Set([next.href]);
      return fetch(next)
        .pipe(
          expand(page => {
            const link = linkOf(page.data, 'next');
            if (!link) return EMPTY;
            const url = options.resolve(link);
            if (seen.has(url.href)) {
              throw new PaginationError(
                'The server sent a next link that was already followed (a paging loop)',
              );
            }
            seen.add(url.href);
            return fetch(url);
          }, 1),
          take(options.maxPages - 1),
          tap(emit),
        )
        .subscribe({ error: e => subscriber.error(e), complete: () => subscriber.complete() });
    }

    const subscriptions = new Subscription();
    const done = new Map<number, FhirResponse<Bundle>>();
    let nextToStart = 0;
    let nextToEmit = 0;
    let inFlight = 0;
    const pump = () => {
      while (
        inFlight < options.concurrency &&
        nextToStart < urls.length &&
        nextToStart < nextToEmit + 2 * options.concurrency
      ) {
        start(nextToStart++);
      }
      if (nextToEmit === urls.length) subscriber.complete();
    };
    const start = (index: number) => {
      inFlight++;
      const sub = fetch(urls[index]).subscribe({
        next: page => done.set(index, page),
        error: e => subscriber.error(e),
        complete: () => {
          inFlight--;
          subscriptions.remove(sub);
          while (done.has(nextToEmit)) {
            const page = done.get(nextToEmit)!;
            done.delete(nextToEmit++);
            emit(page);
          }
          pump();
        },
      });
      if (!sub.closed) subscriptions.add(sub);
    };
    pump();
    return subscriptions;
  });
}

/** The `url` of the Bundle link with this relation. */
export function linkOf(bundle: Bundle | undefined, relation: string): string | undefined {
  return bundle?.link?.find(l => l.relation === relation)?.url;
}

/** The URLs of every remaining page, from `total` and the `next` link's `startIndex`/`_count`. */
function plannedUrls(first: Bundle, next: URL, limit: number): URL[] | undefined {
  const total = first.total;
  const start = Number(next.searchParams.get('startIndex'));
  const count = Number(next.searchParams.get('_count'));
  if (!Number.isInteger(total) || !next.searchParams.has('startIndex') || !Number.isInteger(start))
    return undefined;
  if (!Number.isInteger(count) || count <= 0) return undefined;
  const urls: URL[] = [];
  for (let s = start; s < total! && urls.length < limit; s += count) {
    const url = new URL(next);
    url.searchParams.set('startIndex', String(s));
    urls.push(url);
  }
  return urls;
}
