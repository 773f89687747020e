// How one trace event reads as a line of text: the explorer's event list, side-by-side diff and its --print/--query
// output all use it, so what a script greps is what a person sees.
import { GLYPH_CHARS, type TraceIndex } from './trace-index.js';

export function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const flat = text.replace(/[\r\n\t]/g, ' ');
  return flat.length > width ? flat.slice(0, Math.max(0, width - 1)) + '…' : flat.padEnd(width);
}

/** Virtual times print with at most 3 decimals (float sums such as 0.6970000000000001 would break columns). */
export function format_time_ms(time_ms: number): string {
  return Number.isInteger(time_ms) ? String(time_ms) : String(Number(time_ms.toFixed(3)));
}

/** One event list row: glyph, seq, time, process, kind and a compact summary of the other fields. */
export function event_row_text(index: TraceIndex, line: number, kind_width = 24): string {
  const record = index.line(line);
  const glyph = GLYPH_CHARS[index.glyphs[line] ?? 0] ?? ' ';
  const label = index.kind_labels[index.kind_codes[line] ?? 0] ?? record.kind;
  const node = index.node_names[index.node_codes[line] ?? 0] ?? '';
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    if (field !== 'seq' && field !== 'time_ms' && field !== 'kind' && field !== 'node' && field !== 'event') rest[field] = value;
  }
  const summary = JSON.stringify(rest);
  return `${glyph} ${String(record.seq).padStart(7)} ${format_time_ms(record.time_ms).padStart(9)} ${fit(node, 9)} ${fit(label, kind_width)} ${summary === '{}' ? '' : summary}`;
}

