/** Timestamps on the Anthropic wire are RFC 3339 strings; providers use others. */

/**
 * RFC 3339 (UTC, with `Z`) for a Unix time in seconds; `null` stays `null`.
 *
 * @example
 * unixToRfc3339(1714000000) // "2024-04-24T23:06:40Z"
 */
export function unixToRfc3339(seconds: number | null | undefined): string | null {
  if (seconds === null || seconds === undefined) return null;
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

/**
 * The current time, RFC 3339 with milliseconds.
 *
 * @example
 * nowRfc3339() // "2026-11-25T18:40:00.123Z"
 */
export function nowRfc3339(): string {
  return new Date().toISOString();
}

/**
 * RFC 3339 for `iso` plus `hours`.
 *
 * @example
 * addHours("2026-11-25T00:00:00.000Z", 24) // "2026-11-26T00:00:00.000Z"
 */
export function addHours(iso: string, hours: number): string {
  return new Date(Date.parse(iso) + hours * 3_600_000).toISOString();
}
