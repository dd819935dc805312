/** `text` with control characters replaced by spaces, cut to `max` characters. */
export function printable(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = String(text).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
