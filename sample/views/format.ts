const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const usdShort = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  maximumFractionDigits: 0,
});
const day = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' });
const monthYear = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const instant = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeStyle: 'medium' });

/** `$1,234.56` from cents. */
export function money(cents: number): string {
  return usd.format(cents / 100);
}

/** `$1,235` from cents, for chart axes. */
export function moneyShort(cents: number): string {
  return usdShort.format(cents / 100);
}

/** `Aug 1, 2000` from a FHIR date; FHIR dates carry no time zone, so they are read as UTC days. */
export function fhirDate(value: string | undefined): string {
  if (!value) return '—';
  const d = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? value : day.format(d);
}

/** `Aug 2000` from `2000-08`. */
export function month(value: string): string {
  return monthYear.format(new Date(`${value}-01T00:00:00Z`));
}

/** `Jan 5, 2026, 2:03:04 PM` in the server's time zone. */
export function dateTime(value: Date): string {
  return instant.format(value);
}

/** `in 59 minutes`, `2 hours ago`… relative to `now`. */
export function relative(value: Date, now = Date.now()): string {
  const seconds = Math.round((value.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  const [amount, unit] =
    abs < 90
      ? [abs, 'second']
      : abs < 90 * 60
        ? [Math.round(abs / 60), 'minute']
        : abs < 36 * 3600
          ? [Math.round(abs / 3600), 'hour']
          : [Math.round(abs / 86400), 'day'];
  const text = `${amount} ${unit}${amount === 1 ? '' : 's'}`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}
