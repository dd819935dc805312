import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from '../errors/bluebutton.errors.js';

/**
 * What stops a server from paging forever: the page cap, and the rule that a page promising more
 * pages must bring at least one resource not seen before. A `next` link that only changes a dummy
 * parameter defeats an exact-URL loop check, never this one. Remembers one short key per
 * resource, so its memory is bounded by the cap.
 */
export class PageGuard {
  private readonly seen = new Set<string>();
  private pages = 0;

  /**
   * @param maxPages the most pages emitted, the first included.
   * @param failAtCap whether more pages than that are an error (the safety cap) or a quiet stop
   *   (the caller's own limit).
   */
  constructor(
    readonly maxPages: number,
    private readonly failAtCap: boolean,
  ) {}

  /**
   * Records a page about to be emitted. Throws `PaginationError` when more pages are promised
   * (`more`: its `next` link, or the plan made from the first page's `total`) but it adds no
   * resource that earlier pages did not already have.
   */
  admit(page: Bundle, more: boolean): void {
    let added = false;
    for (const entry of page.entry ?? []) {
      const key = resourceKey(entry);
      if (key === undefined || !this.seen.has(key)) added = true;
      if (key !== undefined) this.seen.add(key);
    }
    if (this.pages > 0 && more && !added) {
      throw new PaginationError(
        `Page ${this.pages + 1} adds no resource that earlier pages did not have, yet links to ` +
          "more (or the first page's total promises more): the server is paging in a loop",
      );
    }
    this.pages++;
  }

  /** Whether the cap allows another page after those admitted. */
  get roomForMore(): boolean {
    return this.pages < this.maxPages;
  }

  /** Ends a search that has more pages than the cap: quietly, or with `PaginationError`. */
  capReached(): PaginationError | undefined {
    if (!this.failAtCap) return undefined;
    return new PaginationError(
      `The search has more than ${this.maxPages} pages (maxPages); stopped after page ` +
        `${this.pages}. Raise maxPages if this beneficiary really has that many.`,
    );
  }
}

/** `Type/id` of an entry's resource, or its fullUrl; undefined when it has neither. */
function resourceKey(entry: NonNullable<Bundle['entry']>[number]): string | undefined {
  const resource = entry?.resource;
  if (resource && typeof resource.id === 'string') return `${resource.resourceType}/${resource.id}`;
  return typeof entry?.fullUrl === 'string' ? entry.fullUrl : undefined;
}
