/** A date search prefix BB2 lets through (`^((lt)|(le)|(gt)|(ge)).+`). */
export type DatePrefix = 'lt' | 'le' | 'gt' | 'ge';

type Precision = 'year' | 'month' | 'day' | 'minute' | 'second' | 'milli';

/** One `_lastUpdated` / `service-date` value as HAPI's `DateParam` holds it. */
export interface DateParam {
  prefix: DatePrefix;
  /** The value's instant (its own offset, or UTC — BFD's zone — without one). */
  value: number;
  precision: Precision;
}

/**
 * HAPI's `DateRangeParam`: at most one lower bound (`gt`/`ge`) and one upper bound (`lt`/`le`),
 * turned into instants by `getLowerBoundAsInstant` / `getUpperBoundAsInstant`.
 */
export interface DateRange {
  lower?: DateParam;
  upper?: DateParam;
  /** Lower bound instant (inclusive with `ge`, exclusive with `gt`), epoch ms. */
  lowerAt?: number;
  /** Upper bound instant (inclusive with `le`, exclusive with `lt`), epoch ms. */
  upperAt?: number;
}

const DATE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const HOUR = 3600000;

function add(ms: number, precision: Precision, n: number): number {
  const d = new Date(ms);
  switch (precision) {
    case 'year':
      d.setUTCFullYear(d.getUTCFullYear() + n);
      return d.getTime();
    case 'month':
      d.setUTCMonth(d.getUTCMonth() + n);
      return d.getTime();
    case 'day':
      return ms + n * 24 * HOUR;
    case 'minute':
      return ms + n * 60000;
    case 'second':
      return ms + n * 1000;
    case 'milli':
      return ms + n;
  }
}

/** Parses `2021-06-07`, `2021-06-07T21:51:30-04:00`, … (the value after the prefix). */
export function parseDateValue(value: string): { value: number; precision: Precision } | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, frac, tz] = m;
  const year = Number(y);
  const month = mo === undefined ? 0 : Number(mo) - 1;
  const day = d === undefined ? 1 : Number(d);
  if (month < 0 || month > 11) return undefined;
  const midnight = Date.UTC(year, month, day);
  if (new Date(midnight).getUTCDate() !== day) return undefined;
  if (mo === undefined) return { value: midnight, precision: 'year' };
  if (d === undefined) return { value: midnight, precision: 'month' };
  if (hh === undefined) return { value: midnight, precision: 'day' };
  let offset = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offset = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60000;
  }
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  const t =
    Date.UTC(year, month, day, Number(hh), Number(mi), ss === undefined ? 0 : Number(ss)) +
    ms -
    offset;
  if (Number.isNaN(t)) return undefined;
  return { value: t, precision: ss === undefined ? 'minute' : frac ? 'milli' : 'second' };
}

const coarse = (p: Precision) => p === 'year' || p === 'month' || p === 'day';

/**
 * HAPI 8 `getLowerBoundAsInstant`: a date-precision value widens to the earliest instant of that
 * date anywhere (00:00 at GMT+14), and `gt` adds one unit of the value's precision.
 */
function lowerInstant(p: DateParam): number {
  const base = coarse(p.precision) ? p.value - 14 * HOUR : p.value;
  return p.prefix === 'gt' ? add(base, p.precision, 1) : base;
}

/**
 * HAPI 8 `getUpperBoundAsInstant`: a date-precision value becomes that date's midnight at GMT-12;
 * `lt` takes one millisecond off, `le` adds one unit of precision minus one millisecond.
 */
function upperInstant(p: DateParam): number {
  const base = coarse(p.precision) ? p.value + 12 * HOUR : p.value;
  return p.prefix === 'lt' ? base - 1 : add(base, p.precision, 1) - 1;
}

/** A HAPI binding error, relayed by BB2 as BFD's 400. */
export interface DateRangeError {
  diagnostics: string;
}

/** Builds the range of repeated `name=<prefix><date>` values, as HAPI binds it for BFD. */
export function dateRange(
  values: readonly { prefix: DatePrefix; raw: string }[],
): DateRange | DateRangeError {
  const range: DateRange = {};
  for (const { prefix, raw } of values) {
    const parsed = parseDateValue(raw);
    if (!parsed) return { diagnostics: `Invalid date/time format: "${raw}"` };
    const p: DateParam = { prefix, ...parsed };
    if (prefix === 'gt' || prefix === 'ge') {
      if (range.lower) {
        return {
          diagnostics:
            'HAPI-1923: Can not have multiple date range parameters for the same param that specify a lower bound',
        };
      }
      range.lower = p;
      range.lowerAt = lowerInstant(p);
    } else {
      if (range.upper) {
        return {
          diagnostics:
            'HAPI-1924: Can not have multiple date range parameters for the same param that specify an upper bound',
        };
      }
      range.upper = p;
      range.upperAt = upperInstant(p);
    }
  }
  return range;
}

/**
 * BFD's `_lastUpdated` predicate (`QueryUtils.isInRange` on v2, `LastUpdatedFilterParam` on v3):
 * `>` / `>=` against the lower instant, `<` / `<=` against the upper one.
 */
export function lastUpdatedMatches(ms: number, r: DateRange): boolean {
  if (r.lower && r.lowerAt !== undefined) {
    if (r.lower.prefix === 'gt' ? !(ms > r.lowerAt) : !(ms >= r.lowerAt)) return false;
  }
  if (r.upper && r.upperAt !== undefined) {
    if (r.upper.prefix === 'lt' ? !(ms < r.upperAt) : !(ms <= r.upperAt)) return false;
  }
  return true;
}

const utcDate = (ms: number) => Math.floor(ms / (24 * HOUR));

/**
 * BFD's `service-date` predicate on the claim's through date (`billablePeriod.end`): the bound
 * instants become UTC dates (`compareLocalDate` on v2, `BillablePeriodFilterParam` on v3).
 */
export function serviceDateMatches(endMs: number, r: DateRange): boolean {
  const end = utcDate(endMs);
  if (r.lower && r.lowerAt !== undefined) {
    const lo = utcDate(r.lowerAt);
    if (r.lower.prefix === 'gt' ? !(end > lo) : !(end >= lo)) return false;
  }
  if (r.upper && r.upperAt !== undefined) {
    const hi = utcDate(r.upperAt);
    if (r.upper.prefix === 'lt' ? !(end < hi) : !(end <= hi)) return false;
  }
  return true;
}
