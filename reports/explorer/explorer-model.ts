// Navigation state of the explorer, free of any rendering: the filtered view of lines, the cursor, jumps
// (flags, time, search, divergence), filters (process, kind, follow) and the timeline's time buckets.
import {
  FLAG_CHECKPOINT,
  FLAG_FAULT,
  FLAG_RECOVERY,
  FLAG_VIOLATION,
  type TraceIndex,
} from './trace-index.js';
import { find_text, first_divergence, follow_target_of, lines_mentioning, type FollowTarget } from './trace-search.js';

export type JumpTarget = 'fault' | 'checkpoint' | 'recovery' | 'violation';
export const FLAG_OF_TARGET: Record<JumpTarget, number> = {
  fault: FLAG_FAULT,
  checkpoint: FLAG_CHECKPOINT,
  recovery: FLAG_RECOVERY,
  violation: FLAG_VIOLATION,
};

/** Above this many lines in the timeline window, buckets show only special glyphs (no activity dots). */
export const max_timeline_activity_lines = 250_000;

export interface TimelineLane {
  node: string;
  /** Glyph code per bucket (see GLYPH_CHARS). */
  glyphs: Uint8Array;
}

export interface Timeline {
  start_ms: number;
  bucket_ms: number;
  lanes: TimelineLane[];
  /** Bucket holding the cursor's time, or -1. */
  cursor_bucket: number;
}

export interface Divergence {
  other: TraceIndex;
  /** First differing line, or undefined when the traces are identical. */
  line: number | undefined;
}

/** One line of the filter picker. `code` -1 means "all". */
export interface FilterChoice {
  filter: 'process' | 'kind';
  code: number;
  label: string;
  events: number;
}

export class ExplorerModel {
  /** Lines shown, ascending; undefined means every line (no filter). */
  private view: Uint32Array | undefined;
  /** Position of the cursor within the view. */
  cursor = 0;
  node_filter = -1;
  kind_filter = -1;
  follow: { target: FollowTarget; lines: Uint32Array } | undefined;
  /** Timeline zoom: time per bucket is the whole trace's span divided by this and by the column count. */
  zoom = 1;
  status = '';
  last_search = '';
  readonly divergence: Divergence | undefined;

  constructor(readonly index: TraceIndex, other?: TraceIndex) {
    if (other !== undefined) {
      const line = first_divergence(index, other);
      this.divergence = { other, line };
      if (line !== undefined) this.cursor = Math.min(line, index.line_count - 1);
      this.status =
        line === undefined ? 'traces are identical' : `first divergence at line ${line + 1} (press d to return here)`;
    }
  }

  get view_length(): number {
    return this.view === undefined ? this.index.line_count : this.view.length;
  }

  /** The trace line at a view position. */
  line_at(position: number): number {
    return this.view === undefined ? position : (this.view[position] as number);
  }

  get cursor_line(): number {
    return this.view_length === 0 ? -1 : this.line_at(this.cursor);
  }

  /** View position of `line`, or of the first shown line after it (the last one when none is). */
  position_of_line(line: number): number {
    if (this.view === undefined) return Math.min(Math.max(0, line), this.index.line_count - 1);
    let low = 0;
    let high = this.view.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.view[mid] as number) < line) low = mid + 1;
      else high = mid;
    }
    return Math.min(low, Math.max(0, this.view.length - 1));
  }

  move(delta: number): void {
    this.status = '';
    this.cursor = Math.min(Math.max(0, this.cursor + delta), Math.max(0, this.view_length - 1));
  }

  to_start(): void {
    this.move(-this.view_length);
  }

  to_end(): void {
    this.move(this.view_length);
  }

  /** Moves to the next (direction 1) or previous (-1) shown line carrying the target's flag. */
  jump(target: JumpTarget, direction: 1 | -1): boolean {
    const flag = FLAG_OF_TARGET[target];
    const flags = this.index.flags;
    for (let position = this.cursor + direction; position >= 0 && position < this.view_length; position += direction) {
      if (((flags[this.line_at(position)] as number) & flag) !== 0) {
        this.cursor = position;
        this.status = `${direction === 1 ? 'next' : 'previous'} ${target}`;
        return true;
      }
    }
    this.status = `no ${direction === 1 ? 'next' : 'previous'} ${target}`;
    return false;
  }

  /** Moves to the first shown line at or after `time_ms`. */
  jump_to_time(time_ms: number): void {
    if (this.view_length === 0) return;
    const times = this.index.time_ms;
    if (this.view === undefined) {
      this.cursor = this.index.first_line_at_time(time_ms);
    } else {
      let low = 0;
      let high = this.view.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((times[this.view[mid] as number] as number) < time_ms) low = mid + 1;
        else high = mid;
      }
      this.cursor = Math.min(low, this.view.length - 1);
    }
    this.status = `jumped to ${time_ms} ms`;
  }

  /** Text search (case-sensitive, over each line's JSON) from the line after (or before) the cursor. */
  search(query: string, direction: 1 | -1): boolean {
    if (query.length === 0) return false;
    this.last_search = query;
    const from = this.cursor_line + direction;
    const found = find_text(this.index, query, from, direction, (line) => this.shows_line(line));
    if (found === undefined) {
      this.status = `no ${direction === 1 ? 'later' : 'earlier'} match for "${query}"`;
      return false;
    }
    this.cursor = this.position_of_line(found);
    this.status = `match for "${query}"`;
    return true;
  }

  jump_to_divergence(): boolean {
    if (this.divergence === undefined) {
      this.status = 'no diff: start with --diff OTHER';
      return false;
    }
    if (this.divergence.line === undefined) {
      this.status = 'traces are identical';
      return false;
    }
    this.clear_filters();
    this.cursor = this.position_of_line(this.divergence.line);
    this.status = `first divergence at line ${this.divergence.line + 1}`;
    return true;
  }

  /** Cycles the process filter: all, then each process in lane order (jm, tm-0, ..., others, world). */
  cycle_node_filter(): void {
    const order = ordered_node_codes(this.index.node_names);
    const next = order[order.indexOf(this.node_filter) + 1];
    this.node_filter = next === undefined ? -1 : next;
    this.rebuild_view();
    this.status = `process filter: ${this.node_filter < 0 ? 'all' : this.index.node_names[this.node_filter]}`;
  }

  /** Cycles the kind filter through the kinds present, ordered by name. */
  cycle_kind_filter(): void {
    const order = this.index.kind_labels.map((label, code) => ({ label, code })).sort((a, b) => a.label.localeCompare(b.label));
    const at = order.findIndex((entry) => entry.code === this.kind_filter);
    const next = order[at + 1];
    this.kind_filter = next === undefined ? -1 : next.code;
    this.rebuild_view();
    this.status = `kind filter: ${this.kind_filter < 0 ? 'all' : this.index.kind_labels[this.kind_filter]}`;
  }

  /**
   * What the filter picker lists: "all" for processes, each process in lane order, "all" for kinds, then each kind
   * by name; each with how many events it would show on its own.
   */
  filter_choices(): FilterChoice[] {
    const node_counts = new Uint32Array(this.index.node_names.length);
    const kind_counts = new Uint32Array(this.index.kind_labels.length);
    const { node_codes, kind_codes } = this.index;
    for (let line = 0; line < this.index.line_count; line++) {
      node_counts[node_codes[line] as number]!++;
      kind_counts[kind_codes[line] as number]!++;
    }
    const choices: FilterChoice[] = [{ filter: 'process', code: -1, label: 'all processes', events: this.index.line_count }];
    for (const code of ordered_node_codes(this.index.node_names)) {
      choices.push({ filter: 'process', code, label: this.index.node_names[code] as string, events: node_counts[code] as number });
    }
    choices.push({ filter: 'kind', code: -1, label: 'all kinds', events: this.index.line_count });
    const kinds = this.index.kind_labels.map((label, code) => ({ label, code })).sort((a, b) => a.label.localeCompare(b.label));
    for (const { label, code } of kinds) choices.push({ filter: 'kind', code, label, events: kind_counts[code] as number });
    return choices;
  }

  /** Sets one filter from the picker (the other filters stay). */
  apply_filter_choice(choice: FilterChoice): void {
    if (choice.filter === 'process') this.node_filter = choice.code;
    else this.kind_filter = choice.code;
    this.rebuild_view();
    this.status = `${choice.filter} filter: ${choice.code < 0 ? 'all' : choice.label} (${this.view_length} events shown)`;
  }

  /** Follows the selected record's identifier (checkpoint id, transaction, message id, key); again to stop. */
  toggle_follow(): void {
    if (this.follow !== undefined) {
      this.follow = undefined;
      this.rebuild_view();
      this.status = 'follow off';
      return;
    }
    const line = this.cursor_line;
    if (line < 0) return;
    const target = follow_target_of(this.index.line(line));
    if (target === undefined) {
      this.status = 'nothing to follow: the selected event has no checkpoint_id, transaction, message id or key';
      return;
    }
    this.follow = { target, lines: lines_mentioning(this.index, target) };
    this.rebuild_view();
    this.status = `following ${describe_follow(target)} (${this.follow.lines.length} events)`;
  }

  clear_filters(): void {
    this.node_filter = -1;
    this.kind_filter = -1;
    this.follow = undefined;
    this.rebuild_view();
    this.status = 'filters cleared';
  }

  get filter_summary(): string {
    const parts: string[] = [];
    if (this.node_filter >= 0) parts.push(`process=${this.index.node_names[this.node_filter]}`);
    if (this.kind_filter >= 0) parts.push(`kind=${this.index.kind_labels[this.kind_filter]}`);
    if (this.follow !== undefined) parts.push(`follow ${describe_follow(this.follow.target)}`);
    return parts.length === 0 ? 'none' : parts.join(' ');
  }

  /** Whether the current filters show `line`. */
  shows_line(line: number): boolean {
    if (this.node_filter >= 0 && this.index.node_codes[line] !== this.node_filter) return false;
    if (this.kind_filter >= 0 && this.index.kind_codes[line] !== this.kind_filter) return false;
    if (this.follow !== undefined) {
      const lines = this.follow.lines;
      let low = 0;
      let high = lines.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if ((lines[mid] as number) < line) low = mid + 1;
        else high = mid;
      }
      return lines[low] === line;
    }
    return true;
  }

  private rebuild_view(): void {
    const keep_line = this.cursor_line;
    if (this.node_filter < 0 && this.kind_filter < 0 && this.follow === undefined) {
      this.view = undefined;
    } else {
      const candidates = this.follow?.lines;
      const total = candidates === undefined ? this.index.line_count : candidates.length;
      const shown = new Uint32Array(total);
      let count = 0;
      const node_codes = this.index.node_codes;
      const kind_codes = this.index.kind_codes;
      for (let i = 0; i < total; i++) {
        const line = candidates === undefined ? i : (candidates[i] as number);
        if (this.node_filter >= 0 && node_codes[line] !== this.node_filter) continue;
        if (this.kind_filter >= 0 && kind_codes[line] !== this.kind_filter) continue;
        shown[count++] = line;
      }
      this.view = shown.slice(0, count);
    }
    this.cursor = keep_line < 0 ? 0 : this.position_of_line(keep_line);
  }

  zoom_in(): void {
    this.zoom = Math.min(this.zoom * 2, 1 << 20);
  }

  zoom_out(): void {
    this.zoom = Math.max(1, this.zoom / 2);
  }

  /** Lanes of glyphs in `bucket_count` time buckets around the cursor's time (the whole trace at zoom 1). */
  timeline(bucket_count: number, max_lanes: number): Timeline {
    const index = this.index;
    const first_ms = index.time_ms[0] ?? 0;
    const last_ms = index.time_ms[index.line_count - 1] ?? first_ms;
    const span_ms = Math.max(1, last_ms - first_ms + 1);
    const bucket_ms = Math.max(1, Math.ceil(span_ms / this.zoom / Math.max(1, bucket_count)));
    const cursor_line = this.cursor_line;
    const cursor_ms = cursor_line < 0 ? first_ms : (index.time_ms[cursor_line] as number);
    const window_ms = bucket_ms * bucket_count;
    let start_ms = cursor_ms - Math.floor(bucket_count / 2) * bucket_ms;
    start_ms = Math.max(first_ms, Math.min(start_ms, last_ms + 1 - window_ms));
    start_ms = Math.max(first_ms, start_ms);
    const end_ms = start_ms + window_ms;

    const lane_of_code = new Map<number, TimelineLane>();
    const lanes: TimelineLane[] = [];
    for (const code of ordered_node_codes(index.node_names)) {
      if (lanes.length >= max_lanes) break;
      const lane = { node: index.node_names[code] as string, glyphs: new Uint8Array(bucket_count) };
      lane_of_code.set(code, lane);
      lanes.push(lane);
    }
    const mark = (line: number, glyph: number): void => {
      const lane = lane_of_code.get(index.node_codes[line] as number);
      if (lane === undefined) return;
      const bucket = Math.floor(((index.time_ms[line] as number) - start_ms) / bucket_ms);
      if (bucket < 0 || bucket >= bucket_count) return;
      if ((lane.glyphs[bucket] as number) < glyph) lane.glyphs[bucket] = glyph;
    };
    const first_line = index.first_line_at_time(start_ms);
    const end_line = (index.time_ms[index.line_count - 1] as number) < end_ms ? index.line_count : index.first_line_at_time(end_ms);
    if (index.time_sorted && end_line - first_line <= max_timeline_activity_lines) {
      for (let line = first_line; line < end_line; line++) mark(line, index.glyphs[line] as number);
    } else {
      for (const line of index.special_lines) mark(line, index.glyphs[line] as number);
    }
    const cursor_bucket = Math.floor((cursor_ms - start_ms) / bucket_ms);
    return { start_ms, bucket_ms, lanes, cursor_bucket: cursor_bucket >= 0 && cursor_bucket < bucket_count ? cursor_bucket : -1 };
  }
}

export function describe_follow(target: FollowTarget): string {
  return `${target.field}=${JSON.stringify(target.value)}`;
}

/** Lane order: the JobManager, TaskManagers by number, other processes by name, the world lane last. */
export function ordered_node_codes(node_names: readonly string[]): number[] {
  const rank = (name: string): [number, number, string] => {
    if (name === 'jm') return [0, 0, name];
    const tm = /^tm-(\d+)$/.exec(name);
    if (tm !== null) return [1, Number(tm[1]), name];
    if (name.startsWith('(')) return [3, 0, name];
    return [2, 0, name];
  };
  return node_names
    .map((name, code) => ({ code, key: rank(name) }))
    .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2].localeCompare(b.key[2]))
    .map((entry) => entry.code);
}
