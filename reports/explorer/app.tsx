// The explorer's ink UI: header, timeline lanes, a windowed event list, the detail pane (side by side in diff
// mode), prompts for time and search, and the help overlay. All state lives in ExplorerModel.
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useReducer, useRef } from 'react';
import type { ExplorerModel, FilterChoice } from './explorer-model.js';
import { GLYPH_CHARS, type TraceIndex } from './trace-index.js';

export interface ExplorerAppProps {
  model: ExplorerModel;
  /** Terminal rows and columns; passed in so tests can choose them. */
  height: number;
  width: number;
  other_path?: string;
}

type Mode = 'normal' | 'time' | 'search' | 'help' | 'pick';

/** Bounds of the layout. */
const max_timeline_lanes = 10;
const lane_label_width = 9;
const max_prompt_chars = 200;

export const HELP_LINES = [
  'streamsim explore: keys',
  '',
  '  up/k  down/j       previous / next event',
  '  PageUp  PageDown   one screen up / down',
  '  g  G               first / last event',
  '  t <ms> Enter       jump to the first event at or after a virtual time',
  '  n  N               next / previous fault (fault, crash, pause, partition, link break)',
  '  c  C               next / previous checkpoint event (checkpoint.*)',
  '  r  R               next / previous recovery event (recovery.*)',
  '  v  V               next / previous violation',
  '  /                  search: type text, Enter = next match, up = previous match, Esc = done',
  '                     (case-sensitive, over the event JSON; / then Enter repeats the last search)',
  '  p                  filter picker: every process and event kind with its event count;',
  '                     up/down choose, Enter applies, Esc closes',
  '  f                  filter by process: cycles all, jm, tm-0, ...',
  '  K                  filter by event kind: cycles through the kinds present',
  '  F                  follow the selected event: only events with the same checkpoint_id,',
  '                     transaction, message id or key (F again to stop)',
  '  x                  clear all filters',
  '  d                  (with --diff) jump to the first divergence',
  '  +  -               zoom the timeline in / out',
  '  ?                  this help (any key closes it)      q  quit',
  '',
  'timeline glyphs: ! fault  X crash  P pause  S restart  c checkpoint triggered  C completed',
  '                 A aborted  R recovery  V violation  . other activity',
];

/** A key event with no special key held, for replaying characters of a chunk one by one. */
const plain_key: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

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
export function event_row_text(index: TraceIndex, line: number): string {
  const record = index.line(line);
  const glyph = GLYPH_CHARS[index.glyphs[line] ?? 0] ?? ' ';
  const label = index.kind_labels[index.kind_codes[line] ?? 0] ?? record.kind;
  const node = index.node_names[index.node_codes[line] ?? 0] ?? '';
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(record)) {
    if (field !== 'seq' && field !== 'time_ms' && field !== 'kind' && field !== 'node' && field !== 'event') rest[field] = value;
  }
  const summary = JSON.stringify(rest);
  return `${glyph} ${String(record.seq).padStart(7)} ${format_time_ms(record.time_ms).padStart(9)} ${fit(node, 9)} ${fit(label, 24)} ${summary === '{}' ? '' : summary}`;
}

function detail_lines(index: TraceIndex, line: number): string[] {
  if (line < 0 || line >= index.line_count) return ['(no event)'];
  return JSON.stringify(index.line(line), null, 2).split('\n');
}

/** Wraps long lines at `width` (continuations indented by two), keeping at most `max_lines`. */
export function wrap_lines(lines: readonly string[], width: number, max_lines: number): string[] {
  const wrapped: string[] = [];
  const step = Math.max(4, width - 2);
  for (const text of lines) {
    if (wrapped.length >= max_lines) break;
    if (text.length <= width) {
      wrapped.push(text);
      continue;
    }
    wrapped.push(text.slice(0, width));
    for (let at = width; at < text.length && wrapped.length < max_lines; at += step) wrapped.push('  ' + text.slice(at, at + step));
  }
  return wrapped.slice(0, max_lines);
}

function Timeline({ model, width }: { model: ExplorerModel; width: number }): React.JSX.Element {
  const bucket_count = Math.max(8, width - lane_label_width - 2);
  const timeline = model.timeline(bucket_count, max_timeline_lanes);
  const end_ms = timeline.start_ms + timeline.bucket_ms * bucket_count;
  const axis = Array.from({ length: bucket_count }, (_, b) => (b === timeline.cursor_bucket ? '^' : ' ')).join('');
  return (
    <Box flexDirection="column">
      <Text dimColor>
        {fit(`timeline  ${format_time_ms(timeline.start_ms)}..${format_time_ms(end_ms)} ms  bucket ${timeline.bucket_ms} ms  (+/- zoom, ? legend)`, width)}
      </Text>
      {timeline.lanes.map((lane) => (
        <Text key={lane.node}>
          <Text color="cyan">{fit(lane.node, lane_label_width)}</Text>
          {'|' + Array.from(lane.glyphs, (glyph) => GLYPH_CHARS[glyph] ?? ' ').join('') + '|'}
        </Text>
      ))}
      <Text color="yellow">{' '.repeat(lane_label_width + 1) + axis}</Text>
    </Box>
  );
}

function Detail({ model, width, height, other_path }: { model: ExplorerModel; width: number; height: number; other_path?: string }): React.JSX.Element {
  const line = model.cursor_line;
  const divergence = model.divergence;
  if (divergence === undefined) {
    const lines = wrap_lines(detail_lines(model.index, line), width, height);
    return (
      <Box flexDirection="column">
        {lines.map((text, i) => (
          <Text key={i}>{fit(text, width)}</Text>
        ))}
      </Box>
    );
  }
  const half = Math.max(10, Math.floor((width - 3) / 2));
  const left = [`A ${model.index.path}`, ...detail_lines(model.index, line)];
  const right = [`B ${other_path ?? divergence.other.path}`, ...detail_lines(divergence.other, line)];
  const rows = Math.min(height, Math.max(left.length, right.length));
  return (
    <Box flexDirection="column">
      {Array.from({ length: rows }, (_, i) => {
        const a = left[i] ?? '';
        const b = right[i] ?? '';
        return (
          <Text key={i} color={i > 0 && a !== b ? 'red' : undefined}>
            {fit(a, half) + ' │ ' + fit(b, half)}
          </Text>
        );
      })}
    </Box>
  );
}

export function ExplorerApp({ model, height, width, other_path }: ExplorerAppProps): React.JSX.Element {
  const { exit } = useApp();
  const [, redraw] = useReducer((count: number) => count + 1, 0);
  // Prompt state lives in a ref and changes synchronously, so keys that arrive before the next render (fast
  // typing, a paste) all see the latest text.
  const prompt_state = useRef<{ mode: Mode; input: string; choices: FilterChoice[]; picked: number }>({ mode: 'normal', input: '', choices: [], picked: 0 });
  const set_mode = (mode: Mode): void => {
    prompt_state.current.mode = mode;
  };
  const set_input = (input: string): void => {
    prompt_state.current.input = input;
  };
  const timeline_rows = Math.min(max_timeline_lanes, model.index.node_names.length) + 2;
  // Rows: title and status (2), timeline, body, prompt (1); one spare row so ink never scrolls the terminal.
  const body_rows = Math.max(3, height - 4 - timeline_rows);
  const page_rows = Math.max(1, body_rows - 1);

  useInput((text: string, key: Key) => {
    // Keys typed ahead (or sent by tmux) can arrive as one chunk "t2500": replay them one at a time.
    const is_plain_chunk = text.length > 1 && !key.ctrl && !key.meta && !/[\x00-\x08\x0b-\x0c\x0e-\x1f]/.test(text);
    if (is_plain_chunk) {
      for (const char of text) {
        if (char === '\r' || char === '\n') handle_key('', { ...plain_key, return: true });
        else if (char === '\x7f') handle_key('', { ...plain_key, backspace: true });
        else handle_key(char, plain_key);
      }
    } else {
      handle_key(text, key);
    }
    redraw();
  });

  const handle_key = (text: string, key: Key): void => {
    const { mode, input } = prompt_state.current;
    if (mode === 'help') {
      set_mode('normal');
      return;
    }
    if (mode === 'pick') {
      const state = prompt_state.current;
      const last = state.choices.length - 1;
      if (key.escape || text === 'q' || text === 'p') set_mode('normal');
      else if (key.upArrow || text === 'k') state.picked = Math.max(0, state.picked - 1);
      else if (key.downArrow || text === 'j') state.picked = Math.min(last, state.picked + 1);
      else if (key.pageUp) state.picked = Math.max(0, state.picked - page_rows);
      else if (key.pageDown) state.picked = Math.min(last, state.picked + page_rows);
      else if (key.return) {
        const choice = state.choices[state.picked];
        if (choice !== undefined) model.apply_filter_choice(choice);
        set_mode('normal');
      }
      return;
    }
    if (mode === 'time' || mode === 'search') {
      if (key.escape) {
        set_mode('normal');
        set_input('');
        model.status = '';
        return;
      }
      if (key.backspace || key.delete) {
        set_input(input.slice(0, -1));
        return;
      }
      if (mode === 'time' && key.return) {
        const time_ms = Number(input);
        if (input.trim() === '' || !Number.isFinite(time_ms)) model.status = `not a time in ms: "${input}"`;
        else model.jump_to_time(time_ms);
        set_mode('normal');
        set_input('');
        return;
      }
      if (mode === 'search' && (key.return || key.downArrow || key.upArrow)) {
        const query = input.length > 0 ? input : model.last_search;
        if (input.length === 0 && query.length > 0) set_input(query);
        model.search(query, key.upArrow ? -1 : 1);
        return;
      }
      if (text.length > 0 && !key.ctrl && !key.meta) set_input((input + text).slice(0, max_prompt_chars));
      return;
    }
    if (text === 'q') {
      exit();
      return;
    }
    if (key.upArrow || text === 'k') model.move(-1);
    else if (key.downArrow || text === 'j') model.move(1);
    else if (key.pageUp) model.move(-page_rows);
    else if (key.pageDown) model.move(page_rows);
    else if (text === 'g' || key.home) model.to_start();
    else if (text === 'G' || key.end) model.to_end();
    else if (text === 'n') model.jump('fault', 1);
    else if (text === 'N') model.jump('fault', -1);
    else if (text === 'c') model.jump('checkpoint', 1);
    else if (text === 'C') model.jump('checkpoint', -1);
    else if (text === 'r') model.jump('recovery', 1);
    else if (text === 'R') model.jump('recovery', -1);
    else if (text === 'v') model.jump('violation', 1);
    else if (text === 'V') model.jump('violation', -1);
    else if (text === 'f') model.cycle_node_filter();
    else if (text === 'K') model.cycle_kind_filter();
    else if (text === 'F') model.toggle_follow();
    else if (text === 'p') {
      const choices = model.filter_choices();
      const active = choices.findIndex((choice) => choice.code >= 0 && choice.code === (choice.filter === 'process' ? model.node_filter : model.kind_filter));
      prompt_state.current.choices = choices;
      prompt_state.current.picked = Math.max(0, active);
      set_mode('pick');
    }
    else if (text === 'x') model.clear_filters();
    else if (text === 'd') model.jump_to_divergence();
    else if (text === '+' || text === '=') model.zoom_in();
    else if (text === '-') model.zoom_out();
    else if (text === 't') {
      set_mode('time');
      set_input('');
    } else if (text === '/') {
      set_mode('search');
      set_input('');
    } else if (text === '?') set_mode('help');
  };
  const { mode, input } = prompt_state.current;

  if (mode === 'help') {
    return (
      <Box flexDirection="column" borderStyle="round" width={Math.min(width, 100)}>
        {HELP_LINES.slice(0, Math.max(1, height - 2)).map((text, i) => (
          <Text key={i}>{text}</Text>
        ))}
      </Box>
    );
  }

  if (mode === 'pick') {
    const { choices, picked } = prompt_state.current;
    const rows_shown = Math.max(3, height - 4);
    const first = Math.max(0, Math.min(picked - Math.floor(rows_shown / 2), choices.length - rows_shown));
    const box_width = Math.min(width, 70);
    return (
      <Box flexDirection="column" borderStyle="round" width={box_width}>
        <Text bold>{fit('filter picker: up/down choose, Enter applies, Esc closes   (* = active)', box_width - 2)}</Text>
        {choices.slice(first, first + rows_shown).map((choice, offset) => {
          const position = first + offset;
          const active = choice.code === (choice.filter === 'process' ? model.node_filter : model.kind_filter);
          const text = `${position === picked ? '>' : ' '}${active ? '*' : ' '} ${choice.filter.padEnd(8)} ${choice.label.padEnd(28)} ${String(choice.events).padStart(9)} events`;
          return (
            <Text key={position} inverse={position === picked}>
              {fit(text, box_width - 2)}
            </Text>
          );
        })}
      </Box>
    );
  }

  const index = model.index;
  const list_width = Math.max(30, Math.floor(width * (model.divergence === undefined ? 0.55 : 0.42)));
  const detail_width = Math.max(20, width - list_width - 3);
  const list_rows = body_rows - 1;
  const view_length = model.view_length;
  // Keep the cursor on screen, a third of the way down, clamped to the view.
  const top = Math.max(0, Math.min(model.cursor - Math.floor(list_rows / 3), view_length - list_rows));
  const rows: React.JSX.Element[] = [];
  for (let position = top; position < Math.min(view_length, top + list_rows); position++) {
    const line = model.line_at(position);
    const selected = position === model.cursor;
    const divergent = model.divergence?.line === line;
    rows.push(
      <Text key={position} inverse={selected} color={divergent ? 'red' : undefined}>
        {fit((selected ? '>' : ' ') + event_row_text(index, line), list_width)}
      </Text>,
    );
  }
  const cursor_line = model.cursor_line;
  const cursor_time = cursor_line < 0 ? '-' : format_time_ms(index.time_ms[cursor_line] as number);
  const header = index.header;
  const diff_text =
    model.divergence === undefined
      ? ''
      : model.divergence.line === undefined
        ? '  diff: identical'
        : `  diff: first divergence at seq ${String(index.line(model.divergence.line).seq)}`;
  const prompt =
    mode === 'time'
      ? `jump to time (ms): ${input}_   Enter to jump, Esc to cancel`
      : mode === 'search'
        ? `search: ${input}_   ${model.status.length > 0 ? `[${model.status}]  ` : ''}Enter/down next match, up previous, Esc done`
        : model.status;

  return (
    <Box flexDirection="column" width={width}>
      <Text bold>
        {fit(
          `streamsim explore  ${index.path}  ${index.line_count} lines  seed ${String(header['seed'])}  scenario ${String(header['scenario'])}${index.has_end ? `  hash ${String(index.line(index.line_count - 1)['hash'])}` : '  (no end record)'}${diff_text}`,
          width,
        )}
      </Text>
      <Text>
        {fit(
          `line ${cursor_line + 1}/${index.line_count}  t=${cursor_time} ms  shown ${view_length}  filter: ${model.filter_summary}`,
          width,
        )}
      </Text>
      <Timeline model={model} width={width} />
      <Box flexDirection="row">
        <Box flexDirection="column" width={list_width}>
          <Text dimColor>{fit(`  ${'seq'.padStart(7)} ${'time_ms'.padStart(9)} ${'process'.padEnd(9)} ${'kind'.padEnd(24)} fields`, list_width)}</Text>
          {rows}
          {view_length === 0 ? <Text>{fit('(no events match the filter; x clears filters)', list_width)}</Text> : null}
        </Box>
        <Box flexDirection="column" width={detail_width + 2} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} paddingLeft={1}>
          <Detail model={model} width={detail_width} height={body_rows} {...(other_path === undefined ? {} : { other_path })} />
        </Box>
      </Box>
      <Text color={mode === 'normal' ? 'green' : 'yellow'}>{fit(prompt.length > 0 ? prompt : '? help  q quit  / search  t time  n fault  c checkpoint  r recovery  v violation  p filter  F follow', width)}</Text>
    </Box>
  );
}
