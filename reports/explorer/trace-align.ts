// Aligns two traces the way a text diff aligns files, so that differences after the first one can be found and shown
// side by side: lines are equal when they are equal apart from their seq (an inserted line shifts every later seq),
// and after a difference the traces are re-synchronised at the nearest point where a few lines agree again.
import type { TraceIndex } from './trace-index.js';

/** Lines that must agree for the traces to count as back in step after a difference. */
export const RESYNC_LINES = 3;
/** How far ahead (in lines, on each side) a re-synchronisation looks; beyond it the rest counts as changed. */
export const RESYNC_WINDOW_LINES = 4_096;
/** Differences remembered, at most (enough to page through; each is found on demand). */
const MAX_DIVERGENCES = 100_000;

/** One row of the aligned view: a line of A, of B, or of both. */
export interface AlignedRow {
  a: number | undefined;
  b: number | undefined;
  /** Both sides hold equal lines (apart from seq). */
  same: boolean;
}

/** Where the traces differ: the first differing line of each side. */
export interface DivergencePoint {
  a: number;
  b: number;
}

/** Per-line hash of a trace's text without its leading `{"seq":N,` (computed on demand, in chunks). */
class ContentHashes {
  private readonly hashes: Uint32Array;
  private readonly known: Uint8Array;
  constructor(private readonly index: TraceIndex) {
    this.hashes = new Uint32Array(index.line_count);
    this.known = new Uint8Array(index.line_count);
  }

  get(line: number): number {
    if (this.known[line] === 1) return this.hashes[line] as number;
    this.fill(line);
    return this.hashes[line] as number;
  }

  /** Hashes `line` and the lines after it that fit in one read. */
  private fill(first: number): void {
    const index = this.index;
    let last = first;
    const start = index.offsets[first] as number;
    while (last + 1 < index.line_count && last - first < 512 && (index.offsets[last + 1] as number) + (index.lengths[last + 1] as number) - start < 1 << 20) last++;
    const end = (index.offsets[last] as number) + (index.lengths[last] as number);
    const bytes = index.read_bytes(start, end - start);
    for (let line = first; line <= last; line++) {
      const from = (index.offsets[line] as number) - start;
      const to = from + (index.lengths[line] as number);
      // Skip `{"seq":<digits>,` when the line starts with it (every line the world writes does).
      let at = from;
      if (bytes[at] === 0x7b && bytes[at + 1] === 0x22 && bytes[at + 2] === 0x73 && bytes[at + 3] === 0x65 && bytes[at + 4] === 0x71) {
        let comma = at + 7;
        while (comma < to && bytes[comma] !== 0x2c) comma++;
        at = comma + 1;
      }
      let hash = 0x811c9dc5;
      for (let i = at; i < to; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
      this.hashes[line] = (hash ^ (to - at)) >>> 0;
      this.known[line] = 1;
    }
  }
}

export class TraceAlignment {
  private readonly hash_a: ContentHashes;
  private readonly hash_b: ContentHashes;
  /** Differences found so far, in order; each next one is found from the previous. */
  private readonly found: DivergencePoint[] = [];
  private exhausted = false;

  constructor(
    readonly a: TraceIndex,
    readonly b: TraceIndex,
  ) {
    this.hash_a = new ContentHashes(a);
    this.hash_b = new ContentHashes(b);
  }

  /** Lines `a` of A and `b` of B are equal apart from their seq (a line past either end equals nothing). */
  same(a: number, b: number): boolean {
    if (a >= this.a.line_count || b >= this.b.line_count) return false;
    if (this.hash_a.get(a) !== this.hash_b.get(b)) return false;
    const text_a = this.a.raw(a);
    const text_b = this.b.raw(b);
    return text_a.slice(text_a.indexOf(',')) === text_b.slice(text_b.indexOf(','));
  }

  /** From an aligned pair, the first pair (walking both forward together) that differs; undefined when none does. */
  private next_from(a: number, b: number): DivergencePoint | undefined {
    while (a < this.a.line_count && b < this.b.line_count && this.same(a, b)) {
      a++;
      b++;
    }
    if (a >= this.a.line_count && b >= this.b.line_count) return undefined;
    return { a, b };
  }

  /**
   * After a difference at (a, b): the nearest pair (fewest lines skipped on both sides together) from which
   * RESYNC_LINES lines agree; undefined when none does within the window (the rest of the traces differ).
   */
  resync(a: number, b: number): DivergencePoint | undefined {
    const window = RESYNC_WINDOW_LINES;
    const b_end = Math.min(this.b.line_count, b + window);
    const positions_in_b = new Map<number, number[]>();
    for (let line = b; line < b_end; line++) {
      const hash = this.hash_b.get(line);
      const list = positions_in_b.get(hash);
      if (list === undefined) positions_in_b.set(hash, [line]);
      else if (list.length < 64) list.push(line);
    }
    let best: DivergencePoint | undefined;
    const a_end = Math.min(this.a.line_count, a + window);
    for (let line_a = a; line_a < a_end; line_a++) {
      if (best !== undefined && line_a - a >= best.a - a + (best.b - b)) break;
      for (const line_b of positions_in_b.get(this.hash_a.get(line_a)) ?? []) {
        if (best !== undefined && line_a - a + (line_b - b) >= best.a - a + (best.b - b)) break;
        let agree = 0;
        while (agree < RESYNC_LINES && this.same(line_a + agree, line_b + agree)) agree++;
        const at_both_ends = line_a + agree >= this.a.line_count && line_b + agree >= this.b.line_count;
        if (agree >= RESYNC_LINES || (agree > 0 && at_both_ends)) {
          best = { a: line_a, b: line_b };
          break;
        }
      }
    }
    return best;
  }

  /** The n-th difference (0 = first), found on demand; undefined when there are fewer. */
  divergence(n: number): DivergencePoint | undefined {
    while (this.found.length <= n && !this.exhausted && this.found.length < MAX_DIVERGENCES) {
      const previous = this.found[this.found.length - 1];
      let from: DivergencePoint | undefined = { a: 0, b: 0 };
      if (previous !== undefined) from = this.resync(previous.a, previous.b);
      const next = from === undefined ? undefined : this.next_from(from.a, from.b);
      if (next === undefined) this.exhausted = true;
      else this.found.push(next);
    }
    return this.found[n];
  }

  /** Index of the first difference at or after line `a` of A (undefined: none). */
  divergence_at_or_after(a: number): number | undefined {
    for (let n = 0; ; n++) {
      const point = this.divergence(n);
      if (point === undefined) return undefined;
      if (point.a >= a) return n;
    }
  }

  /** Index of the last difference before line `a` of A (undefined: none). */
  divergence_before(a: number): number | undefined {
    let last: number | undefined;
    for (let n = 0; ; n++) {
      const point = this.divergence(n);
      if (point === undefined || point.a >= a) return last;
      last = n;
    }
  }

  /**
   * `count` aligned rows from the pair (a, b): equal lines side by side, then at a difference A's extra lines and
   * B's extra lines paired up row by row (a blank where one side has none), until the traces agree again.
   */
  rows(a: number, b: number, count: number): AlignedRow[] {
    const rows: AlignedRow[] = [];
    while (rows.length < count && (a < this.a.line_count || b < this.b.line_count)) {
      if (this.same(a, b)) {
        rows.push({ a, b, same: true });
        a++;
        b++;
        continue;
      }
      const back = this.resync(a, b) ?? { a: this.a.line_count, b: this.b.line_count };
      const extra = Math.max(back.a - a, back.b - b);
      for (let i = 0; i < extra && rows.length < count; i++) {
        rows.push({ a: a + i < back.a ? a + i : undefined, b: b + i < back.b ? b + i : undefined, same: false });
      }
      a = back.a;
      b = back.b;
    }
    return rows;
  }
}
