/**
 * The one duration formatter of credkit's human output (server uptime,
 * supervisor messages, `test` results) and the decimal seconds that JUnit
 * reports need.
 *
 * @module
 */

/** How {@link formatDuration} writes a duration. */
export type DurationStyle =
  /** Whole units, two at most: `45s`, `3m 5s`, `2h 10m`, `1d 4h` (uptime). */
  | "uptime"
  /** Seconds with one decimal: `1.2s` (`test` results). */
  | "seconds"
  /** `1.2 s` below ten seconds, whole seconds above: `12 s` (supervisor messages). */
  | "message";

/**
 * Seconds as a decimal number with `decimals` digits, no unit: `1.200`.
 *
 * @example
 * ```ts
 * decimalSeconds(1200, 3); // "1.200"
 * ```
 */
export function decimalSeconds(ms: number, decimals: number): string {
  return (ms / 1000).toFixed(decimals);
}

/**
 * A duration in milliseconds, written for a person.
 *
 * @example
 * ```ts
 * formatDuration(185_000, "uptime"); // "3m 5s"
 * formatDuration(1234, "seconds"); // "1.2s"
 * formatDuration(1234, "message"); // "1.2 s"
 * ```
 */
export function formatDuration(ms: number, style: DurationStyle): string {
  if (style === "seconds") return `${decimalSeconds(ms, 1)}s`;
  if (style === "message") {
    return ms < 10_000 ? `${decimalSeconds(ms, 1)} s` : `${Math.round(ms / 1000)} s`;
  }
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
