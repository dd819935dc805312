import type { Bundle } from 'fhir/r4.js';
import { Subscription } from 'rxjs';
import type { FhirResponse } from './fhir.types.js';
import { followNext } from './follow-next.js';
import type { PagePlan } from './page-plan.js';
import { entryCount, fetchOne, linkOf, type PageRun } from './page-run.js';

/** A planned page's fetch once over: the page, or the error it failed with. */
type Settled = { page: FhirResponse<Bundle> } | { error: unknown };

/**
 * Fetches the planned pages `concurrency` at a time, never more than 2 × `concurrency` pages ahead
 * of the page being emitted (so memory stays bounded however slow one page is), and emits them in
 * order. The plan holds while each page brings the entries the first page's `total` promised.
 * From the first page that does not (a wrong total, a server that caps or ignores `_count`), and
 * after the last planned page, the server's own `next` links take over, so no entry is skipped or
 * repeated. A page's error waits for its turn: a page planned past the real end of the search
 * fails harmlessly when an earlier page ends it.
 */
export function fetchPlanned(run: PageRun, plan: PagePlan): Subscription {
  const { subscriber, guard, concurrency } = run;
  const all = new Subscription();
  // The planned fetches alone, cancelled when the plan is left.
  const planned = new Subscription();
  all.add(planned);
  const settled = new Map<number, Settled>();
  // The cap counts the first page, already emitted.
  const due = Math.min(plan.length, guard.maxPages - 1);
  let nextToStart = 0;
  let nextToEmit = 0;
  let inFlight = 0;
  let failed = false;
  let left = false;
  let pumping = false;
  let again = false;
  const open = () => !left && !subscriber.closed;
  const canStart = () =>
    open() &&
    !failed &&
    inFlight < concurrency &&
    nextToStart < due &&
    nextToStart < nextToEmit + 2 * concurrency;

  const pump = () => {
    if (pumping) return void (again = true); // re-entered by a synchronous answer
    pumping = true;
    do {
      again = false;
      while (canStart()) {
        const index = nextToStart++;
        inFlight++;
        const settle = (outcome: Settled) => {
          inFlight--;
          settled.set(index, outcome);
          try {
            drain();
            pump();
          } catch (error) {
            subscriber.error(error);
          }
        };
        fetchOne(
          run,
          planned,
          plan.url(index),
          page => settle({ page }),
          error => {
            failed = true;
            settle({ error });
          },
        );
      }
    } while (again && open());
    pumping = false;
  };

  const drain = () => {
    while (open() && settled.has(nextToEmit)) {
      const outcome = settled.get(nextToEmit)!;
      settled.delete(nextToEmit);
      if ('error' in outcome) return subscriber.error(outcome.error);
      const index = nextToEmit++;
      const link = linkOf(outcome.page.data, 'next');
      const asPlanned = entryCount(outcome.page.data) === plan.entries(index);
      const last = index === plan.length - 1;
      // Before the last planned page the plan promises more, whatever the page says.
      guard.admit(outcome.page.data, !last || link !== undefined);
      run.emit(outcome.page);
      if (!asPlanned || last) return leave(link);
    }
    if (open() && nextToEmit === due) {
      if (due < plan.length) run.stopAtCap();
      else subscriber.complete();
    }
  };

  /** Hands the rest of the search to the server's `next` links (none: the search is over). */
  const leave = (link: string | undefined) => {
    left = true;
    planned.unsubscribe();
    settled.clear();
    if (subscriber.closed) return;
    if (!link) return subscriber.complete();
    if (!guard.roomForMore) return run.stopAtCap();
    all.add(followNext(run, run.resolve(link)));
  };

  if (due === 0) drain();
  else pump();
  return all;
}
