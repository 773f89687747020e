// The explorer without a terminal UI, for scripts and CI logs: `--print` writes a digest of a trace (violations, the
// suspicious events and faults before them, recoveries, checkpoints), `--query EXPR` the events matching an
// expression (grep-like: exit 1 when none match), and with a second trace the places where the two differ, aligned.
import { FLAG_CHECKPOINT, FLAG_FAULT, FLAG_RECOVERY, FLAG_SUSPICIOUS, FLAG_VIOLATION, type TraceIndex } from './trace-index.js';
import { TraceAlignment } from './trace-align.js';
import { event_row_text } from './rows.js';

/** Rows listed per section of the digest, at most. */
const MAX_SECTION_ROWS = 20;
/** Events of interest shown before the first violation. */
const LEAD_UP_ROWS = 15;
const FLAG_OF_WORD: Readonly<Record<string, number>> = {
  fault: FLAG_FAULT,
  checkpoint: FLAG_CHECKPOINT,
  recovery: FLAG_RECOVERY,
  violation: FLAG_VIOLATION,
  suspicious: FLAG_SUSPICIOUS,
};

export class QueryError extends Error {
  override readonly name = 'QueryError';
}

const HEADER_ROW = `  ${'seq'.padStart(7)} ${'time_ms'.padStart(9)} ${'process'.padEnd(9)} ${'kind'.padEnd(24)} fields`;

function format_time(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Number(ms.toFixed(3))} ms`;
}

/** One line naming the trace: where, seed, scenario, size, and how it ends (hash, or torn by a killed run). */
export function trace_title(index: TraceIndex, label: string = index.path): string {
  const last = index.line_count - 1;
  const end = index.has_end
    ? `ends at ${format_time(index.time_ms[last] as number)}, hash ${String(index.line(last)['hash'])}`
    : index.torn_tail !== undefined
      ? `no end record: line ${index.torn_tail.line_number} is torn (a killed run), ${index.torn_tail.size_bytes} bytes left out`
      : 'no end record (the run did not finish writing it)';
  return `trace ${label}: seed ${String(index.header['seed'])}, scenario ${String(index.header['scenario'])}, ${index.line_count} lines, ${end}`;
}

function lines_with(index: TraceIndex, flag: number, before = index.line_count): number[] {
  const out: number[] = [];
  for (let line = 0; line < before; line++) if (((index.flags[line] as number) & flag) !== 0) out.push(line);
  return out;
}

function section(title: string, index: TraceIndex, lines: readonly number[]): string[] {
  if (lines.length === 0) return [`${title}: none`];
  const out = [`${title} (${lines.length}):`, HEADER_ROW];
  for (const line of lines.slice(0, MAX_SECTION_ROWS)) out.push(`  ${event_row_text(index, line)}`);
  if (lines.length > MAX_SECTION_ROWS) out.push(`  … ${lines.length - MAX_SECTION_ROWS} more (--query ${title.split(' ')[0]} lists them all)`);
  return out;
}

/** The digest `--print` writes. */
export function print_summary(index: TraceIndex, label?: string): string {
  const out = [trace_title(index, label), ''];
  const violations = lines_with(index, FLAG_VIOLATION);
  out.push(...section('violations', index, violations), '');
  const first = violations[0];
  if (first !== undefined) {
    const interesting = FLAG_FAULT | FLAG_RECOVERY | FLAG_SUSPICIOUS | FLAG_CHECKPOINT;
    const lead = lines_with(index, interesting, first).slice(-LEAD_UP_ROWS);
    out.push(`before the first violation (the last ${lead.length} faults, checkpoints, recoveries and suspicious events):`, HEADER_ROW);
    for (const line of lead) out.push(`  ${event_row_text(index, line)}`);
    out.push('');
  }
  out.push(...section('suspicious events', index, lines_with(index, FLAG_SUSPICIOUS)), '');
  out.push(...section('faults', index, lines_with(index, FLAG_FAULT)), '');
  const recoveries = lines_with(index, FLAG_RECOVERY).filter((line) => index.kind_labels[index.kind_codes[line] as number] === 'log:recovery.started');
  out.push(...section('recoveries', index, recoveries), '');
  const checkpoint_counts = new Map<string, number>();
  for (const line of lines_with(index, FLAG_CHECKPOINT)) {
    const label = (index.kind_labels[index.kind_codes[line] as number] ?? '').replace(/^log:checkpoint\./, '');
    checkpoint_counts.set(label, (checkpoint_counts.get(label) ?? 0) + 1);
  }
  out.push(`checkpoints: ${checkpoint_counts.size === 0 ? 'none' : [...checkpoint_counts].map(([label, count]) => `${count} ${label}`).join(', ')}`);
  const kind_counts = new Map<string, number>();
  for (let line = 0; line < index.line_count; line++) {
    const label = index.kind_labels[index.kind_codes[line] as number] ?? '?';
    kind_counts.set(label, (kind_counts.get(label) ?? 0) + 1);
  }
  const top = [...kind_counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 12);
  out.push(`events by kind (top ${top.length} of ${kind_counts.size}): ${top.map(([label, count]) => `${label} ${count}`).join(', ')}`);
  return out.join('\n') + '\n';
}

type Term = (line: number) => boolean;

function glob(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/** Whether `record` holds `field` (at any depth) with a value matching `matches`. */
function has_field(value: unknown, field: string, matches: (value: unknown) => boolean, depth = 0): boolean {
  if (depth > 8 || typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some((item) => has_field(item, field, matches, depth + 1));
  for (const [key, child] of Object.entries(value)) {
    if (key === field && (matches(child) || (Array.isArray(child) && child.some(matches)))) return true;
    if (has_field(child, field, matches, depth + 1)) return true;
  }
  return false;
}

/**
 * Compiles a query: space-separated terms that must all hold. `violation`, `suspicious`, `fault`, `checkpoint`,
 * `recovery` (what the explorer's jumps find); `kind=GLOB`, `event=GLOB`, `node=GLOB`; `time=FROM..TO` (ms, either
 * side may be empty); `FIELD=VALUE` (any field at any depth; `*` globs); `/TEXT` (the line contains TEXT); a leading
 * `!` negates a term.
 */
export function compile_query(index: TraceIndex, expression: string): Term {
  const words = expression.trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) throw new QueryError('empty query: give terms such as "suspicious", "event=sink.*" or "txn_id=input-sink-0-4"');
  const terms = words.map((word): Term => {
    const negated = word.startsWith('!');
    const text = negated ? word.slice(1) : word;
    const term = compile_term(index, text);
    return negated ? (line) => !term(line) : term;
  });
  return (line) => terms.every((term) => term(line));
}

function compile_term(index: TraceIndex, text: string): Term {
  const flag = FLAG_OF_WORD[text];
  if (flag !== undefined) return (line) => ((index.flags[line] as number) & flag) !== 0;
  if (text.startsWith('/')) {
    const needle = text.slice(1);
    return (line) => index.raw(line).includes(needle);
  }
  const equals = text.indexOf('=');
  if (equals <= 0) {
    throw new QueryError(`not a query term: ${JSON.stringify(text)} (expected violation, suspicious, fault, checkpoint, recovery, kind=, event=, node=, time=FROM..TO, FIELD=VALUE or /TEXT)`);
  }
  const field = text.slice(0, equals);
  const value = text.slice(equals + 1);
  switch (field) {
    case 'kind': {
      const pattern = glob(value);
      const codes = new Set(index.kind_labels.flatMap((label, code) => (pattern.test(label.startsWith('log:') ? 'log' : label) || pattern.test(label) ? [code] : [])));
      return (line) => codes.has(index.kind_codes[line] as number);
    }
    case 'event': {
      const pattern = glob(value);
      const codes = new Set(index.kind_labels.flatMap((label, code) => (label.startsWith('log:') && pattern.test(label.slice(4)) ? [code] : [])));
      return (line) => codes.has(index.kind_codes[line] as number);
    }
    case 'node': {
      const pattern = glob(value);
      const codes = new Set(index.node_names.flatMap((name, code) => (pattern.test(name) ? [code] : [])));
      return (line) => codes.has(index.node_codes[line] as number);
    }
    case 'time': {
      const range = /^(-?[0-9.]*)\.\.(-?[0-9.]*)$/.exec(value);
      if (range === null) throw new QueryError(`time=${value}: expected FROM..TO in ms, e.g. time=1000..2500 or time=8000..`);
      const from = range[1] === '' ? -Infinity : Number(range[1]);
      const to = range[2] === '' ? Infinity : Number(range[2]);
      if (Number.isNaN(from) || Number.isNaN(to)) throw new QueryError(`time=${value}: FROM and TO must be numbers of ms`);
      return (line) => (index.time_ms[line] as number) >= from && (index.time_ms[line] as number) <= to;
    }
    default: {
      const pattern = glob(value);
      const number = Number(value);
      const matches = (candidate: unknown): boolean =>
        (typeof candidate === 'string' && pattern.test(candidate)) || (typeof candidate === 'number' && value !== '' && candidate === number);
      const quoted = value.includes('*') || value.includes('?') ? undefined : `"${field}"`;
      // Cheap pre-check on the raw text before parsing: the field name must appear in the line.
      return (line) => (quoted === undefined || index.raw(line).includes(quoted)) && has_field(index.line(line), field, matches);
    }
  }
}

export interface QueryOutput {
  text: string;
  matched: number;
}

/** The events matching `expression`, as rows (or raw JSON lines), at most `limit` of them. */
export function run_query(index: TraceIndex, expression: string, options: { json?: boolean; limit?: number } = {}): QueryOutput {
  const term = compile_query(index, expression);
  const limit = options.limit ?? Infinity;
  const out: string[] = [];
  let matched = 0;
  for (let line = 0; line < index.line_count; line++) {
    if (!term(line)) continue;
    matched++;
    if (matched <= limit) out.push(options.json === true ? index.raw(line) : event_row_text(index, line));
  }
  const shown = Math.min(matched, limit);
  if (options.json !== true && shown > 0) out.unshift(HEADER_ROW.slice(2));
  if (matched > shown) out.push(`… ${matched - shown} more (raise --limit)`);
  return { text: out.length === 0 ? '' : out.join('\n') + '\n', matched };
}

/** Where two traces differ, each place with the aligned rows around it. */
export function print_diff(
  a: TraceIndex,
  b: TraceIndex,
  options: { max_divergences?: number; rows?: number; labels?: [string, string] } = {},
): { text: string; divergences: number } {
  const alignment = new TraceAlignment(a, b);
  const max = options.max_divergences ?? 5;
  const out = [`A ${trace_title(a, options.labels?.[0])}`, `B ${trace_title(b, options.labels?.[1])}`, ''];
  let count = 0;
  for (let n = 0; n < max; n++) {
    const point = alignment.divergence(n);
    if (point === undefined) break;
    count++;
    out.push(`divergence ${n + 1}: line ${point.a + 1} of A, line ${point.b + 1} of B`);
    const back = Math.min(2, point.a, point.b);
    for (const row of alignment.rows(point.a - back, point.b - back, options.rows ?? 8)) {
      const marker = row.same ? ' ' : row.a === undefined ? '+' : row.b === undefined ? '-' : '~';
      if (row.same) out.push(`${marker} A=B ${event_row_text(a, row.a as number)}`);
      else {
        if (row.a !== undefined) out.push(`${marker} A   ${event_row_text(a, row.a)}`);
        if (row.b !== undefined) out.push(`${marker}   B ${event_row_text(b, row.b)}`);
      }
    }
    out.push('');
  }
  if (count === 0) out.push('the traces are identical: every line agrees');
  else if (alignment.divergence(max) !== undefined) out.push(`… more divergences after these ${max}`);
  return { text: out.join('\n') + '\n', divergences: count };
}
