// Byte-level searches over an indexed trace: text search from a line, "follow" (every line mentioning one
// identifier), and the first divergence between two traces. All read the file in bounded chunks.
import type { TraceIndex } from './trace-index.js';

const search_chunk_bytes = 4 << 20;

/**
 * First line at or after `from_line` (or at or before it when `direction` is -1) whose stored text contains
 * `needle` (case-sensitive bytes) and passes `accept`; undefined when there is none.
 */
export function find_text(
  index: TraceIndex,
  needle: string,
  from_line: number,
  direction: 1 | -1 = 1,
  accept: (line: number) => boolean = () => true,
  chunk_bytes: number = search_chunk_bytes,
): number | undefined {
  if (needle.length === 0 || index.line_count === 0) return undefined;
  const needle_bytes = Buffer.from(needle, 'utf8');
  const buffer = Buffer.allocUnsafe(chunk_bytes + needle_bytes.length);
  if (direction === 1) {
    let line = Math.max(0, from_line);
    while (line < index.line_count) {
      const start = index.offsets[line] as number;
      // At least the whole first line, so that lines longer than a chunk are still searched.
      const first_line_end = start + (index.lengths[line] as number);
      const end = Math.min(index.size_bytes, Math.max(start + chunk_bytes, first_line_end));
      const chunk = index.read_bytes(start, end - start, buffer);
      let at = 0;
      let matched_line: number | undefined;
      for (;;) {
        const hit = chunk.indexOf(needle_bytes, at);
        if (hit < 0) break;
        const hit_line = index.line_at_byte(start + hit);
        const hit_line_end = (index.offsets[hit_line] as number) + (index.lengths[hit_line] as number);
        if (start + hit + needle_bytes.length <= hit_line_end && accept(hit_line)) {
          matched_line = hit_line;
          break;
        }
        at = hit + 1;
      }
      if (matched_line !== undefined) return matched_line;
      if (end >= index.size_bytes) return undefined;
      // Restart at the line containing the chunk's tail so a match that straddles the boundary is not missed.
      const next_line = index.line_at_byte(end - needle_bytes.length);
      line = next_line > line ? next_line : line + 1;
    }
    return undefined;
  }
  for (let line = Math.min(from_line, index.line_count - 1); line >= 0; ) {
    // Backwards: read the chunk that ends at the end of `line` and take the last accepted hit in it.
    const end = (index.offsets[line] as number) + (index.lengths[line] as number);
    const start = Math.max(0, end - chunk_bytes);
    const first_whole_line = start === 0 ? 0 : Math.min(line, index.line_at_byte(start) + 1);
    const read_from = index.offsets[first_whole_line] as number;
    const chunk = index.read_bytes(read_from, end - read_from, buffer);
    let at = chunk.length;
    while (at >= 0) {
      const hit = chunk.lastIndexOf(needle_bytes, at);
      if (hit < 0) break;
      const hit_line = index.line_at_byte(read_from + hit);
      const hit_line_end = (index.offsets[hit_line] as number) + (index.lengths[hit_line] as number);
      if (read_from + hit + needle_bytes.length <= hit_line_end && accept(hit_line)) return hit_line;
      at = hit - 1;
    }
    if (first_whole_line === 0) return undefined;
    line = first_whole_line === line ? line - 1 : first_whole_line;
  }
  return undefined;
}

/** Identifier fields `F` (follow) looks for, in order of preference (every engine event names a transaction txn_id). */
export const FOLLOW_FIELDS = ['checkpoint_id', 'txn_id', 'msg_id', 'message_id', 'record_id', 'key', 'id'] as const;

/** Fields never offered for following: the record's place in the trace, not what it is about. */
const NOT_FOLLOWED: ReadonlySet<string> = new Set(['seq', 'time_ms', 'kind', 'size_bytes', 'format', 'version']);
/** Choices offered at most. */
const MAX_FOLLOW_CHOICES = 24;

/**
 * Every field of a record that can be followed: scalar values at any depth (a list of ids offers each id), the
 * preferred identifiers (FOLLOW_FIELDS) first, then the others in the record's order; each field and value once.
 */
export function follow_choices_of(record: unknown): FollowTarget[] {
  const found: FollowTarget[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, field: string | undefined, depth: number): void => {
    if (found.length >= MAX_FOLLOW_CHOICES * 2 || depth > max_follow_depth) return;
    if ((typeof value === 'string' && value.length > 0 && value.length <= 200) || (typeof value === 'number' && Number.isFinite(value))) {
      if (field === undefined || NOT_FOLLOWED.has(field)) return;
      const id = `${field}=${JSON.stringify(value)}`;
      if (seen.has(id)) return;
      seen.add(id);
      found.push({ field, value });
      return;
    }
    if (Array.isArray(value)) {
      // A list of ids (`txn_ids`) is followed one id at a time, by the singular name other events use (`txn_id`).
      if (field !== undefined && field.endsWith('_ids')) for (const item of value) visit(item, field.slice(0, -1), depth + 1);
      return;
    }
    if (typeof value === 'object' && value !== null) for (const [key, child] of Object.entries(value)) visit(child, key, depth + 1);
  };
  visit(record, undefined, 0);
  const rank = (target: FollowTarget): number => {
    const preferred = (FOLLOW_FIELDS as readonly string[]).indexOf(target.field);
    return preferred < 0 ? FOLLOW_FIELDS.length : preferred;
  };
  return found
    .map((target, order) => ({ target, order }))
    .sort((x, y) => rank(x.target) - rank(y.target) || x.order - y.order)
    .slice(0, MAX_FOLLOW_CHOICES)
    .map((entry) => entry.target);
}

export interface FollowTarget {
  field: string;
  value: string | number;
}

/** The identifier to follow from a record: the first FOLLOW_FIELDS entry found, searching nested objects too. */
export function follow_target_of(record: unknown): FollowTarget | undefined {
  for (const field of FOLLOW_FIELDS) {
    const found = find_field(record, field, 0);
    if (found !== undefined) return { field, value: found };
  }
  return undefined;
}

const max_follow_depth = 8;

function find_field(value: unknown, field: string, depth: number): string | number | undefined {
  if (depth > max_follow_depth || typeof value !== 'object' || value === null) return undefined;
  if (!Array.isArray(value)) {
    const direct = (value as Record<string, unknown>)[field];
    if (typeof direct === 'string' || (typeof direct === 'number' && Number.isFinite(direct))) return direct;
  }
  for (const child of Object.values(value)) {
    const found = find_field(child, field, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Bytes that may follow a JSON value: the end of the match must not run on into a longer number or name. */
function is_value_boundary(byte: number | undefined): boolean {
  return byte === undefined || byte === 0x2c || byte === 0x7d || byte === 0x5d || byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

/**
 * Every line (ascending) mentioning `"field":value` anywhere, nested or not, as compact JSON writes it
 * (optionally with one space after the colon). The result holds at most `line_count` entries.
 */
export function lines_mentioning(index: TraceIndex, target: FollowTarget, chunk_bytes: number = search_chunk_bytes): Uint32Array {
  const value_json = JSON.stringify(target.value);
  const needles = [`"${target.field}":${value_json}`, `"${target.field}": ${value_json}`].map((text) => Buffer.from(text, 'utf8'));
  const longest = Math.max(...needles.map((needle) => needle.length));
  const found = new Uint32Array(index.line_count);
  let found_count = 0;
  const buffer = Buffer.allocUnsafe(chunk_bytes + longest + 1);
  let line = 0;
  while (line < index.line_count) {
    const start = index.offsets[line] as number;
    const end = Math.min(index.size_bytes, start + chunk_bytes);
    // Only whole lines are examined in one chunk; the last, partial line starts the next chunk.
    let last_whole_line = index.line_at_byte(end - 1);
    const last_line_end = (index.offsets[last_whole_line] as number) + (index.lengths[last_whole_line] as number);
    if (last_line_end > end && last_whole_line > line) last_whole_line -= 1;
    const chunk_end = (index.offsets[last_whole_line] as number) + (index.lengths[last_whole_line] as number);
    const chunk = index.read_bytes(start, chunk_end - start, buffer);
    const hits: number[] = [];
    for (const needle of needles) {
      let at = 0;
      for (;;) {
        const hit = chunk.indexOf(needle, at);
        if (hit < 0) break;
        if (is_value_boundary(chunk[hit + needle.length])) hits.push(index.line_at_byte(start + hit));
        at = hit + 1;
      }
    }
    hits.sort((a, b) => a - b);
    for (const hit_line of hits) {
      if (found_count > 0 && found[found_count - 1] === hit_line) continue;
      found[found_count++] = hit_line;
    }
    line = last_whole_line + 1;
  }
  return found.slice(0, found_count);
}

/**
 * The first line whose bytes differ between two traces (lines are compared whole, so equal lines have equal seq);
 * undefined when the traces are byte-identical line by line. A trace that is a prefix of the other diverges at
 * the first line it lacks.
 */
export function first_divergence(a: TraceIndex, b: TraceIndex): number | undefined {
  const common_lines = Math.min(a.line_count, b.line_count);
  // Lines of different length differ; the first such line bounds the byte comparison below.
  let bound = common_lines;
  for (let line = 0; line < common_lines; line++) {
    if (a.lengths[line] !== b.lengths[line]) {
      bound = line;
      break;
    }
  }
  // Before `bound`, every line has the same length in both, so the files agree on offsets up to there.
  const compare_end = bound < a.line_count ? (a.offsets[bound] as number) : a.size_bytes;
  const buffer_a = Buffer.allocUnsafe(search_chunk_bytes);
  const buffer_b = Buffer.allocUnsafe(search_chunk_bytes);
  for (let position = 0; position < compare_end; position += search_chunk_bytes) {
    const length = Math.min(search_chunk_bytes, compare_end - position);
    const chunk_a = a.read_bytes(position, length, buffer_a);
    const chunk_b = b.read_bytes(position, length, buffer_b);
    if (chunk_a.equals(chunk_b)) continue;
    for (let i = 0; i < length; i++) {
      if (chunk_a[i] !== chunk_b[i]) return a.line_at_byte(position + i);
    }
  }
  if (bound < common_lines) return bound;
  return a.line_count === b.line_count ? undefined : common_lines;
}
