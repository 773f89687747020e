// Navigation state of the explorer, free of any rendering: the filtered view of lines, the cursor, jumps
// (flags, time, search, divergence), filters (process, kind, follow) and the timeline's time buckets.
import {
  FLAG_CHECKPOINT,
  FLAG_FAULT,
  FLAG_RECOVERY,
  FLAG_SUSPICIOUS,
  FLAG_VIOLATION,
  type TraceIndex,
} from './trace-index.js';
import { find_text, first_divergence, follow_choices_of, follow_target_of, lines_mentioning, type FollowTarget } from './trace-search.js';
import { TraceAlignment, type AlignedRow, type DivergencePoint } from './trace-align.js';

export type JumpTarget = 'fault' | 'checkpoint' | 'recovery' | 'violation' | 'suspicious';
export const FLAG_OF_TARGET: Record<JumpTarget, number> = {
  fault: FLAG_FAULT,
  checkpoint: FLAG_CHECKPOINT,
  recovery: FLAG_RECOVERY,
  violation: FLAG_VIOLATION,
  suspicious: FLAG_SUSPICIOUS,
};

/** Kinds of message traffic, hidden together by `m` (most lines of a trace, rarely what explains a failure). */
export const MESSAGE_TRAFFIC_KINDS: readonly string[] = ['send', 'deliver', 'drop', 'timer'];

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
  /** Both traces aligned like a text diff: later differences and the side-by-side rows come from it. */
  alignment: TraceAlignment;
  /** Which difference the diff keys last moved to (0 = the first). */
  current: number;
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
  /** Processes and kinds hidden by the filters (codes of index.node_names / index.kind_labels). */
  readonly hidden_nodes = new Set<number>();
  readonly hidden_kinds = new Set<number>();
  follow: { target: FollowTarget; lines: Uint32Array } | undefined;
  /** Timeline zoom: time per bucket is the whole trace's span divided by this and by the column count. */
  zoom = 1;
  status = '';
  last_search = '';
  readonly divergence: Divergence | undefined;

  constructor(readonly index: TraceIndex, other?: TraceIndex) {
    if (other !== undefined) {
      const line = first_divergence(index, other);
      this.divergence = { other, line, alignment: new TraceAlignment(index, other), current: 0 };
      if (line !== undefined) this.cursor = Math.min(line, index.line_count - 1);
      this.status =
        line === undefined ? 'traces are identical' : `first divergence at line ${line + 1} (d next divergence, D previous, w side by side)`;
      return;
    }
    // A trace that records a violation opens at it: that is what the reader came for.
    const violation = index.flags.findIndex((flags) => (flags & FLAG_VIOLATION) !== 0);
    if (violation >= 0) {
      this.cursor = violation;
      const record = index.line(violation);
      this.status = `opened at the first violation${typeof record['property'] === 'string' ? ` (${record['property']})` : ''}: v next, V previous, s suspicious events`;
    }
    if (index.torn_tail !== undefined) {
      this.status = `${this.status.length > 0 ? `${this.status}; ` : ''}last line ${index.torn_tail.line_number} is torn (a killed run): ${index.torn_tail.size_bytes} bytes left out`;
    }
  }

  /** The one process shown, when a filter shows exactly one; else -1. */
  get node_filter(): number {
    return only_shown(this.hidden_nodes, this.index.node_names.length);
  }

  /** The one kind shown, when a filter shows exactly one; else -1. */
  get kind_filter(): number {
    return only_shown(this.hidden_kinds, this.index.kind_labels.length);
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
    this.divergence.current = 0;
    this.cursor = this.position_of_line(this.divergence.line);
    this.status = `first divergence at line ${this.divergence.line + 1}`;
    return true;
  }

  /** Moves to the next (1) or previous (-1) place where the traces differ, from the cursor. */
  jump_divergence(direction: 1 | -1): boolean {
    const divergence = this.divergence;
    if (divergence === undefined) {
      this.status = 'no diff: start with --diff OTHER';
      return false;
    }
    if (divergence.line === undefined) {
      this.status = 'traces are identical';
      return false;
    }
    const line = Math.max(0, this.cursor_line);
    const alignment = divergence.alignment;
    const n = direction === 1 ? alignment.divergence_at_or_after(line + 1) : alignment.divergence_before(line);
    const point = n === undefined ? undefined : alignment.divergence(n);
    if (n === undefined || point === undefined) {
      this.status = `no ${direction === 1 ? 'later' : 'earlier'} divergence${direction === 1 ? ' (after this one the traces never agree again, or they end)' : ''}`;
      return false;
    }
    this.clear_filters();
    divergence.current = n;
    this.cursor = this.position_of_line(Math.min(point.a, this.index.line_count - 1));
    this.status = `divergence ${n + 1} at line ${point.a + 1} of A, line ${point.b + 1} of B`;
    return true;
  }

  /** The difference the side-by-side view shows: the one the diff keys last moved to. */
  get current_divergence(): DivergencePoint | undefined {
    const divergence = this.divergence;
    if (divergence === undefined || divergence.line === undefined) return undefined;
    return divergence.alignment.divergence(divergence.current);
  }

  /** Aligned rows around the current difference, starting `context` equal rows before it. */
  aligned_rows(count: number, context = 3): AlignedRow[] {
    const point = this.current_divergence;
    const alignment = this.divergence?.alignment;
    if (point === undefined || alignment === undefined) return [];
    const back = Math.min(context, point.a, point.b);
    return alignment.rows(point.a - back, point.b - back, count);
  }

  /** Cycles the process filter: all, then each process alone in lane order (jm, tm-0, ..., others, world). */
  cycle_node_filter(): void {
    const order = ordered_node_codes(this.index.node_names);
    const next = order[order.indexOf(this.node_filter) + 1];
    show_only(this.hidden_nodes, this.index.node_names.length, next);
    this.rebuild_view();
    this.status = `process filter: ${next === undefined ? 'all' : this.index.node_names[next]}`;
  }

  /** Cycles the kind filter through the kinds present alone, ordered by name. */
  cycle_kind_filter(): void {
    const order = this.index.kind_labels.map((label, code) => ({ label, code })).sort((a, b) => a.label.localeCompare(b.label));
    const at = order.findIndex((entry) => entry.code === this.kind_filter);
    const next = order[at + 1];
    show_only(this.hidden_kinds, this.index.kind_labels.length, next?.code);
    this.rebuild_view();
    this.status = `kind filter: ${next === undefined ? 'all' : next.label}`;
  }

  /** Hides (or shows again) one process or kind, keeping the others as they are: filters combine. */
  toggle_choice(choice: FilterChoice): void {
    const hidden = choice.filter === 'process' ? this.hidden_nodes : this.hidden_kinds;
    if (choice.code < 0) hidden.clear();
    else if (hidden.has(choice.code)) hidden.delete(choice.code);
    else hidden.add(choice.code);
    this.rebuild_view();
    this.status = `${choice.label} ${choice.code < 0 || !hidden.has(choice.code) ? 'shown' : 'hidden'} (${this.view_length} events shown)`;
  }

  /** Hides message traffic (send, deliver, drop, timer), or shows it again when all of it is hidden. */
  toggle_message_traffic(): void {
    const codes = this.index.kind_labels.flatMap((label, code) => (MESSAGE_TRAFFIC_KINDS.includes(label) ? [code] : []));
    const all_hidden = codes.length > 0 && codes.every((code) => this.hidden_kinds.has(code));
    for (const code of codes) {
      if (all_hidden) this.hidden_kinds.delete(code);
      else this.hidden_kinds.add(code);
    }
    this.rebuild_view();
    this.status = `message traffic (${MESSAGE_TRAFFIC_KINDS.join(', ')}) ${all_hidden ? 'shown' : 'hidden'} (${this.view_length} events shown)`;
  }

  /** Whether a picker choice is shown now ("all" entries: when nothing of their category is hidden). */
  choice_shown(choice: FilterChoice): boolean {
    const hidden = choice.filter === 'process' ? this.hidden_nodes : this.hidden_kinds;
    return choice.code < 0 ? hidden.size === 0 : !hidden.has(choice.code);
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

  /** Shows only the picker's choice of its category ("all": everything of it); the other category's filter stays. */
  apply_filter_choice(choice: FilterChoice): void {
    if (choice.filter === 'process') show_only(this.hidden_nodes, this.index.node_names.length, choice.code < 0 ? undefined : choice.code);
    else show_only(this.hidden_kinds, this.index.kind_labels.length, choice.code < 0 ? undefined : choice.code);
    this.rebuild_view();
    this.status = `${choice.filter} filter: ${choice.code < 0 ? 'all' : choice.label} (${this.view_length} events shown)`;
  }

  /** The fields of the selected event that can be followed, the preferred one (checkpoint, transaction, …) first. */
  follow_choices(): FollowTarget[] {
    const line = this.cursor_line;
    return line < 0 ? [] : follow_choices_of(this.index.line(line));
  }

  /** Follows one field's value through the trace: only events mentioning it are shown (again to stop). */
  follow_field(target: FollowTarget): void {
    this.follow = { target, lines: lines_mentioning(this.index, target) };
    this.rebuild_view();
    this.status = `following ${describe_follow(target)} (${this.follow.lines.length} events; F to stop)`;
  }

  /** Follows the selected record's preferred identifier (checkpoint id, transaction, message id, key); again to stop. */
  toggle_follow(): void {
    if (this.follow !== undefined) {
      this.stop_follow();
      return;
    }
    const line = this.cursor_line;
    if (line < 0) return;
    const target = follow_target_of(this.index.line(line));
    if (target === undefined) {
      this.status = 'nothing to follow: the selected event has no checkpoint_id, txn_id, message id or key';
      return;
    }
    this.follow_field(target);
  }

  stop_follow(): void {
    this.follow = undefined;
    this.rebuild_view();
    this.status = 'follow off';
  }

  clear_filters(): void {
    this.hidden_nodes.clear();
    this.hidden_kinds.clear();
    this.follow = undefined;
    this.rebuild_view();
    this.status = 'filters cleared';
  }

  get filter_summary(): string {
    const parts: string[] = [];
    const describe = (hidden: ReadonlySet<number>, names: readonly string[], what: string): void => {
      if (hidden.size === 0) return;
      const only = only_shown(hidden, names.length);
      if (only >= 0) parts.push(`${what}=${names[only]}`);
      else if (hidden.size <= 4) parts.push(`hidden ${[...hidden].map((code) => names[code]).join(',')}`);
      else parts.push(`${names.length - hidden.size}/${names.length} ${what}es`.replace('kindes', 'kinds'));
    };
    describe(this.hidden_nodes, this.index.node_names, 'process');
    describe(this.hidden_kinds, this.index.kind_labels, 'kind');
    if (this.follow !== undefined) parts.push(`follow ${describe_follow(this.follow.target)}`);
    return parts.length === 0 ? 'none' : parts.join(' ');
  }

  /** Whether the current filters show `line`. */
  shows_line(line: number): boolean {
    if (this.hidden_nodes.size > 0 && this.hidden_nodes.has(this.index.node_codes[line] as number)) return false;
    if (this.hidden_kinds.size > 0 && this.hidden_kinds.has(this.index.kind_codes[line] as number)) return false;
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
    if (this.hidden_nodes.size === 0 && this.hidden_kinds.size === 0 && this.follow === undefined) {
      this.view = undefined;
    } else {
      const candidates = this.follow?.lines;
      const total = candidates === undefined ? this.index.line_count : candidates.length;
      const shown = new Uint32Array(total);
      let count = 0;
      const node_codes = this.index.node_codes;
      const kind_codes = this.index.kind_codes;
      const node_hidden = mask_of(this.hidden_nodes, this.index.node_names.length);
      const kind_hidden = mask_of(this.hidden_kinds, this.index.kind_labels.length);
      for (let i = 0; i < total; i++) {
        const line = candidates === undefined ? i : (candidates[i] as number);
        if (node_hidden[node_codes[line] as number] === 1) continue;
        if (kind_hidden[kind_codes[line] as number] === 1) continue;
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

/** The one code not hidden when every other one is; else -1. */
function only_shown(hidden: ReadonlySet<number>, count: number): number {
  if (count < 2 || hidden.size !== count - 1) return -1;
  for (let code = 0; code < count; code++) if (!hidden.has(code)) return code;
  return -1;
}

/** Hides every code but `code` (undefined: shows all). */
function show_only(hidden: Set<number>, count: number, code: number | undefined): void {
  hidden.clear();
  if (code === undefined) return;
  for (let other = 0; other < count; other++) if (other !== code) hidden.add(other);
}

function mask_of(hidden: ReadonlySet<number>, count: number): Uint8Array {
  const mask = new Uint8Array(count);
  for (const code of hidden) if (code < count) mask[code] = 1;
  return mask;
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
