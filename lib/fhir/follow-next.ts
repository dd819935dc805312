import type { Bundle } from 'fhir/r4.js';
import { Subscription } from 'rxjs';
import { PaginationError } from '../errors/bluebutton.errors.js';
import type { FhirResponse } from './fhir.types.js';
import { fetchOne, linkOf, type PageRun } from './page-run.js';

/**
 * Follows `next` links one page at a time from `first`, refusing a link already followed. Safe
 * with fetchers that answer synchronously: the loop never recurses per page.
 */
export function followNext(run: PageRun, first: URL): Subscription {
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
    const url = run.resolve(link);
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
