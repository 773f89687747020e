// The explorer's ink UI: header, timeline lanes, a windowed event list, the detail pane (side by side in diff
// mode), prompts for time and search, and the help overlay. All state lives in ExplorerModel.
/** @jsxRuntime automatic (whatever tsconfig the caller's directory has: `npx streamsim` runs from anywhere) */
import { Box, Text, useApp, useInput, type Key } from 'ink';
import { useReducer, useRef } from 'react';
import { describe_follow, type ExplorerModel, type FilterChoice } from './explorer-model.js';
import { GLYPH_CHARS, type TraceIndex } from './trace-index.js';
import { event_row_text, fit, format_time_ms } from './rows.js';

export { event_row_text, fit, format_time_ms } from './rows.js';
import type { FollowTarget } from './trace-search.js';

export interface ExplorerAppProps {
  model: ExplorerModel;
  /** Terminal rows and columns; passed in so tests can choose them. */
  height: number;
  width: number;
  other_path?: string;
}

type Mode = 'normal' | 'time' | 'search' | 'help' | 'pick' | 'follow' | 'sidebyside';

/** Bounds of the layout. */
const max_timeline_lanes = 10;
const lane_label_width = 9;
const max_prompt_chars = 200;
/** The smallest terminal the explorer lays itself out for; below it, it says so (and --print/--query still work). */
export const MIN_COLUMNS = 80;
export const MIN_ROWS = 24;

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
  '  v  V               next / previous violation (the explorer opens at the first one)',
  '  s  S               next / previous suspicious event (data loss, expired transaction, failed',
  '                     commit, aborted checkpoint, refused restore, lost TaskManager)',
  '  /                  search: type text, Enter = next match, up = previous match, Esc = done',
  '                     (case-sensitive, over the event JSON; / then Enter repeats the last search)',
  '  p                  filter picker: every process and event kind with its event count;',
  '                     Space shows/hides one (filters combine), Enter shows only that one, Esc closes',
  '  m                  hide / show message traffic (send, deliver, drop, timer)',
  '  f                  filter by process: cycles all, jm, tm-0, ...',
  '  K                  filter by event kind: cycles through the kinds present',
  '  F                  follow a field of the selected event (checkpoint_id, txn_id, key, task, ...):',
  '                     choose it, Enter; only events with the same value are shown (F again stops)',
  '  x                  clear all filters',
  '  d  D               (with --diff) next / previous place where the traces differ',
  '  w                  (with --diff) side by side: both traces aligned around the divergence',
  '  +  -               zoom the timeline in / out',
  '  ?                  this help (any key closes it)      q  quit',
  '',
  'timeline glyphs: ! fault  X crash  P pause  S restart  c checkpoint triggered  C completed',
  '                 A aborted  R recovery  E transaction expired  L data loss  ? other suspicious',
  '                 V violation  . other activity',
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

function Timeline({ model, width, lanes }: { model: ExplorerModel; width: number; lanes: number }): React.JSX.Element {
  const bucket_count = Math.max(8, width - lane_label_width - 2);
  const timeline = model.timeline(bucket_count, lanes);
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

/** Both traces aligned row by row around the current divergence: equal rows plain, differing rows marked. */
function SideBySide({ model, width, height }: { model: ExplorerModel; width: number; height: number }): React.JSX.Element {
  const divergence = model.divergence;
  // A row is a 2-column marker, A's half, ' │ ' and B's half.
  const half = Math.max(20, Math.floor((width - 5) / 2));
  const rows = model.aligned_rows(Math.max(1, height - 3));
  const point = model.current_divergence;
  const row_text = (index: TraceIndex, line: number | undefined): string => (line === undefined ? '' : event_row_text(index, line, 16));
  return (
    <Box flexDirection="column" width={width}>
      <Text bold>
        {fit(
          point === undefined
            ? 'side by side: the traces are identical (w or Esc returns)'
            : `side by side: divergence ${(divergence?.current ?? 0) + 1} at A line ${point.a + 1}, B line ${point.b + 1}   d/D next/previous, w or Esc returns`,
          width,
        )}
      </Text>
      <Text dimColor>{fit(`  A ${model.index.path}`, half + 2) + ' │ ' + fit(`B ${divergence?.other.path ?? ''}`, half)}</Text>
      {rows.map((row, i) => {
        const marker = row.same ? ' ' : row.a === undefined ? '+' : row.b === undefined ? '-' : '~';
        return (
          <Text key={i} color={row.same ? undefined : 'red'}>
            {`${marker} ` + fit(row_text(model.index, row.a), half) + ' │ ' + fit(divergence === undefined ? '' : row_text(divergence.other, row.b), half)}
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
  const prompt_state = useRef<{ mode: Mode; input: string; choices: FilterChoice[]; picked: number; follow_choices: FollowTarget[] }>({
    mode: 'normal',
    input: '',
    choices: [],
    picked: 0,
    follow_choices: [],
  });
  const set_mode = (mode: Mode): void => {
    prompt_state.current.mode = mode;
  };
  const set_input = (input: string): void => {
    prompt_state.current.input = input;
  };
  // Lanes give way to the event list on short terminals (at least 8 list rows).
  const lane_rows = Math.max(2, Math.min(max_timeline_lanes, model.index.node_names.length, height - 14));
  const timeline_rows = lane_rows + 2;
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
      else if (text === ' ') {
        const choice = state.choices[state.picked];
        if (choice !== undefined) model.toggle_choice(choice);
      } else if (key.return) {
        const choice = state.choices[state.picked];
        if (choice !== undefined) model.apply_filter_choice(choice);
        set_mode('normal');
      }
      return;
    }
    if (mode === 'follow') {
      const state = prompt_state.current;
      const last = state.follow_choices.length - 1;
      if (key.escape || text === 'q' || text === 'F') {
        set_mode('normal');
        model.status = '';
      } else if (key.upArrow || text === 'k') state.picked = Math.max(0, state.picked - 1);
      else if (key.downArrow || text === 'j') state.picked = Math.min(last, state.picked + 1);
      else if (key.return) {
        const target = state.follow_choices[state.picked];
        if (target !== undefined) model.follow_field(target);
        set_mode('normal');
      }
      return;
    }
    if (mode === 'sidebyside') {
      if (key.escape || text === 'w' || text === 'q') set_mode('normal');
      else if (text === 'd') model.jump_divergence(1);
      else if (text === 'D') model.jump_divergence(-1);
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
    else if (text === 's') model.jump('suspicious', 1);
    else if (text === 'S') model.jump('suspicious', -1);
    else if (text === 'f') model.cycle_node_filter();
    else if (text === 'K') model.cycle_kind_filter();
    else if (text === 'm') model.toggle_message_traffic();
    else if (text === 'F') {
      if (model.follow !== undefined) model.stop_follow();
      else {
        const choices = model.follow_choices();
        if (choices.length === 0) model.status = 'nothing to follow: the selected event has no field with an id or a name';
        else {
          prompt_state.current.follow_choices = choices;
          prompt_state.current.picked = 0;
          set_mode('follow');
        }
      }
    }
    else if (text === 'p') {
      const choices = model.filter_choices();
      const active = choices.findIndex((choice) => choice.code >= 0 && choice.code === (choice.filter === 'process' ? model.node_filter : model.kind_filter));
      prompt_state.current.choices = choices;
      prompt_state.current.picked = Math.max(0, active);
      set_mode('pick');
    }
    else if (text === 'x') model.clear_filters();
    else if (text === 'd') model.jump_divergence(1);
    else if (text === 'D') model.jump_divergence(-1);
    else if (text === 'w') {
      if (model.divergence === undefined) model.status = 'no diff: start with --diff OTHER';
      else set_mode('sidebyside');
    }
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

  // `width` leaves the terminal's last column spare (run_explorer passes columns - 1).
  if (width < MIN_COLUMNS - 1 || height < MIN_ROWS) {
    return (
      <Box flexDirection="column" width={width}>
        {wrap_lines(
          [
            `streamsim explore needs a terminal of at least ${MIN_COLUMNS}×${MIN_ROWS}; this one is ${width + 1}×${height}.`,
            'Make it larger, or use the text modes: streamsim explore TRACE --print (a summary) or --query EXPR.',
            'q quits.',
          ],
          width,
          height,
        ).map((text, i) => (
          <Text key={i}>{text}</Text>
        ))}
      </Box>
    );
  }

  if (mode === 'sidebyside') return <SideBySide model={model} width={width} height={height} />;

  if (mode === 'follow') {
    const { follow_choices, picked } = prompt_state.current;
    const box_width = Math.min(width, 80);
    return (
      <Box flexDirection="column" borderStyle="round" width={box_width}>
        <Text bold>{fit('follow which field of the selected event? up/down choose, Enter follows, Esc cancels', box_width - 2)}</Text>
        {follow_choices.slice(0, Math.max(1, height - 4)).map((target, position) => (
          <Text key={position} inverse={position === picked}>
            {fit(`${position === picked ? '>' : ' '} ${describe_follow(target)}`, box_width - 2)}
          </Text>
        ))}
      </Box>
    );
  }

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
        <Text bold>{fit('filters: Space shows/hides, Enter shows only this one, Esc closes', box_width - 2)}</Text>
        {choices.slice(first, first + rows_shown).map((choice, offset) => {
          const position = first + offset;
          const shown = model.choice_shown(choice);
          const text = `${position === picked ? '>' : ' '}[${shown ? 'x' : ' '}] ${choice.filter.padEnd(8)} ${choice.label.padEnd(28)} ${String(choice.events).padStart(9)} events`;
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
  const list_width = Math.max(30, Math.floor(width * (model.divergence === undefined ? (width < 120 ? 0.6 : 0.55) : 0.42)));
  // seq, time and process take 30 columns: the kind gets what is left of a narrow list, up to 24.
  const kind_width = Math.max(12, Math.min(24, list_width - 34));
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
        {fit((selected ? '>' : ' ') + event_row_text(index, line, kind_width), list_width)}
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
        : `  diff: first divergence at seq ${String(index.line(model.divergence.line).seq)} (d/D next/previous, w side by side)`;
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
          `streamsim explore  ${index.path}  ${index.line_count} lines  seed ${String(header['seed'])}  scenario ${String(header['scenario'])}${index.has_end ? `  hash ${String(index.line(index.line_count - 1)['hash'])}` : index.torn_tail !== undefined ? `  (torn last line ${index.torn_tail.line_number}: a killed run)` : '  (no end record)'}${diff_text}`,
          width,
        )}
      </Text>
      <Text>
        {fit(
          `line ${cursor_line + 1}/${index.line_count}  t=${cursor_time} ms  shown ${view_length}  filter: ${model.filter_summary}`,
          width,
        )}
      </Text>
      <Timeline model={model} width={width} lanes={lane_rows} />
      <Box flexDirection="row">
        <Box flexDirection="column" width={list_width}>
          <Text dimColor>{fit(`  ${'seq'.padStart(7)} ${'time_ms'.padStart(9)} ${'process'.padEnd(9)} ${'kind'.padEnd(kind_width)} fields`, list_width)}</Text>
          {rows}
          {view_length === 0 ? <Text>{fit('(no events match the filter; x clears filters)', list_width)}</Text> : null}
        </Box>
        <Box flexDirection="column" width={detail_width + 2} borderStyle="single" borderTop={false} borderBottom={false} borderRight={false} paddingLeft={1}>
          <Detail model={model} width={detail_width} height={body_rows} {...(other_path === undefined ? {} : { other_path })} />
        </Box>
      </Box>
      <Text color={mode === 'normal' ? 'green' : 'yellow'}>{fit(prompt.length > 0 ? prompt : '? help  q quit  / search  t time  n fault  c ckpt  r recovery  v violation  s suspicious  p filter  m msgs  F follow', width)}</Text>
    </Box>
  );
}
