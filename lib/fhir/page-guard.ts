import type { Bundle } from 'fhir/r4.js';
import { PaginationError } from '../errors/bluebutton.errors.js';

/**
 * What stops a server from paging forever: the page cap, and the rule that a page promising more
 * pages must bring at least one resource not seen before. A `next` link that only changes a dummy
 * parameter defeats an exact-URL loop check, never this one. Remembers one short key per
 * resource, so its memory is bounded by the cap.
 */
export class PageGuard {
  private readonly seen = new SeenKeys();
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

/** A key split at its first `/`: `[Type, id]` for `Type/id`; the key itself when it has no `/`. */
type Key = readonly [string, string] | string;

/**
 * `Type/id` of an entry's resource, or its fullUrl; undefined when it has neither. For a resource
 * it is the pair of strings the page already holds, never a new `Type/id` string: a guard over
 * 20,000 resources then keeps their ids (about 1.4 MB), not as many built strings (about 3.4 MB).
 */
function resourceKey(entry: NonNullable<Bundle['entry']>[number]): Key | undefined {
  const resource = entry?.resource;
  if (resource && typeof resource.id === 'string') {
    const type = `${resource.resourceType}`;
    return type.includes('/') ? splitKey(`${type}/${resource.id}`) : [type, resource.id];
  }
  return typeof entry?.fullUrl === 'string' ? splitKey(entry.fullUrl) : undefined;
}

function splitKey(key: string): Key {
  const slash = key.indexOf('/');
  return slash < 0 ? key : [key.slice(0, slash), key.slice(slash + 1)];
}

/** A set of keys stored as their split parts: equal keys split equally, so it answers as a `Set` of the joined keys would. */
class SeenKeys {
  private readonly byHead = new Map<string, Set<string>>();
  private readonly whole = new Set<string>();

  has(key: Key): boolean {
    return typeof key === 'string' ? this.whole.has(key) : !!this.byHead.get(key[0])?.has(key[1]);
  }

  add(key: Key): void {
    if (typeof key === 'string') return void this.whole.add(key);
    const [head, rest] = key;
    let tails = this.byHead.get(head);
    if (!tails) this.byHead.set(head, (tails = new Set()));
    tails.add(rest);
  }
}
