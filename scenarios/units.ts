// How times, counts and rates are written for people: rounded, with their unit (never 8228.266000000005 ms). Shared by
// the judge's messages, the terminal, JUnit and HTML reports and the explorer; pure functions, imports nothing.

/** Drops float noise from a virtual time: at most three decimals (microseconds). */
export function round_ms(ms: number): number {
  return Number.isFinite(ms) ? Math.round(ms * 1000) / 1000 : ms;
}

function trim(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/**
 * A duration or virtual time with a unit, to three significant figures at most: `0.4 ms`, `12 ms`, `512 ms`,
 * `8.23 s`, `42.5 s`, `2.5 min`, `1.2 h`.
 */
export function format_ms(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const sign = ms < 0 ? '-' : '';
  const value = Math.abs(ms);
  if (value < 1) return `${sign}${trim(value.toFixed(value === 0 ? 0 : 2))} ms`;
  if (value < 10) return `${sign}${trim(value.toFixed(1))} ms`;
  if (value < 1_000) return `${sign}${Math.round(value)} ms`;
  if (value < 10_000) return `${sign}${trim((value / 1_000).toFixed(2))} s`;
  if (value < 60_000) return `${sign}${trim((value / 1_000).toFixed(1))} s`;
  if (value < 3_600_000) return `${sign}${trim((value / 60_000).toFixed(1))} min`;
  return `${sign}${trim((value / 3_600_000).toFixed(1))} h`;
}

/** A whole count with thousands separators: `20,000`. */
export function format_count(count: number): string {
  return Number.isInteger(count) ? count.toLocaleString('en-US') : String(count);
}

/** A size in bytes with a binary unit: `812 B`, `14.2 KiB`, `3.1 MiB`. */
export function format_bytes(size_bytes: number): string {
  if (size_bytes < 1024) return `${Math.round(size_bytes)} B`;
  if (size_bytes < 1024 * 1024) return `${trim((size_bytes / 1024).toFixed(1))} KiB`;
  return `${trim((size_bytes / 1024 / 1024).toFixed(1))} MiB`;
}
