// Specification of the explorer UI, driven by keys through ink-testing-library: navigation, jumps, time, search,
// filters, follow, diff, help, and the errors run_explorer reports for missing or malformed traces.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { render } from 'ink-testing-library';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExplorerApp, wrap_lines } from './app.js';
import { ExplorerModel } from './explorer-model.js';
import { run_explorer } from './index.js';
import { write_synthetic_trace } from './synthetic-trace.js';
import { TraceIndex } from './trace-index.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-app-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
const trace_path = path.join(directory, 'trace.jsonl');
const summary = write_synthetic_trace({ path: trace_path, event_count: 6_000, seed: 11 });
const other_path = path.join(directory, 'other.jsonl');
write_synthetic_trace({ path: other_path, event_count: 6_000, seed: 11, diverge_at_seq: 2_345 });

const KEY = { up: '\x1b[A', down: '\x1b[B', page_down: '\x1b[6~', page_up: '\x1b[5~', enter: '\r', escape: '\x1b' };
const opened: TraceIndex[] = [];
const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
  for (const index of opened.splice(0)) index.close();
});

function open_app(options: { diff?: boolean; height?: number; width?: number; at_violation?: boolean } = {}) {
  const index = TraceIndex.open(trace_path);
  opened.push(index);
  let other: TraceIndex | undefined;
  if (options.diff === true) {
    other = TraceIndex.open(other_path);
    opened.push(other);
  }
  const model = new ExplorerModel(index, other);
  // The synthetic trace records violations, so it opens at the first one; most specifications start at line 0.
  if (other === undefined && options.at_violation !== true) {
    model.to_start();
    model.status = '';
  }
  const ui = render(<ExplorerApp model={model} height={options.height ?? 40} width={options.width ?? 150} />);
  unmounts.push(ui.unmount);
  const frame = (): string => ui.lastFrame() ?? '';
  /** Writes each key, then waits (a tick at a time, up to a bound) until ink has rendered a new frame. */
  const press = async (...keys: string[]): Promise<void> => {
    for (const key of keys) {
      const frames_before = ui.frames.length;
      ui.stdin.write(key);
      for (let waited_ms = 0; ui.frames.length === frames_before && waited_ms < 2_000; waited_ms += 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  /** The seq of the highlighted row of the event list. */
  const selected_seq = (): number => {
    const match = /^>.\s+(\d+)\s/m.exec(frame());
    if (match === null) throw new Error(`no selected row in:\n${frame()}`);
    return Number(match[1]);
  };
  return { ui, model, index, frame, press, selected_seq };
}

const raw_line = (index: TraceIndex, seq: number): string => index.raw(seq);

describe('first screen', () => {
  it('opens at the first violation of a trace that records one', () => {
    const { frame, selected_seq } = open_app({ at_violation: true });
    expect(selected_seq()).toBe(summary.violation_seqs[0]);
    expect(frame()).toContain('opened at the first violation');
    expect(frame()).toContain('"kind": "violation"');
  });

  it('lays itself out at 80x24, and below that says what it needs', () => {
    const fits = open_app({ width: 79, height: 24 });
    expect(fits.frame()).toContain('timeline');
    expect(fits.frame().split('\n').length).toBeLessThanOrEqual(24);
    const small = open_app({ width: 70, height: 20 });
    expect(small.frame().replace(/\n\s*/g, '')).toContain('needs a terminal of at least 80×24; this one is 71×20');
    expect(small.frame()).toContain('--print');
  });

  it('shows the trace, one timeline lane per process with its faults and checkpoints, the list and the detail', () => {
    const { frame, selected_seq } = open_app();
    const screen = frame();
    expect(screen).toContain(`${summary.line_count} lines`);
    expect(screen).toContain('scenario synthetic');
    const lanes = screen.split('\n').filter((text) => /^(jm|tm-\d|broker|store|\(world\))\s+\|/.test(text));
    expect(lanes.map((text) => text.split(/\s+/)[0])).toEqual(['jm', 'tm-0', 'tm-1', 'tm-2', 'broker', 'store', '(world)']);
    const jm_lane = lanes[0] as string;
    expect(jm_lane).toMatch(/[cC]/); // checkpoints are logged by the JobManager
    expect(lanes.find((text) => text.startsWith('(world)'))).toContain('V');
    expect(lanes.join('\n')).toContain('X'); // the crash of a TaskManager
    expect(selected_seq()).toBe(0);
    expect(screen).toContain('"format": "streamsim-trace"');
  });

  it('names the run in the title: the end record\'s hash (the run\'s trace_hash)', () => {
    const { frame } = open_app();
    expect(frame().split('\n')[0]).toContain('hash synthetic');
  });

  it('renders only as many rows as the height allows', () => {
    const { frame } = open_app({ height: 30 });
    expect(frame().split('\n').length).toBeLessThanOrEqual(30);
  });
});

describe('detail pane', () => {
  it('wraps long values instead of cutting them, within its height', () => {
    const lines = wrap_lines(['{', `  "message": "${'x'.repeat(50)}"`, '}'], 20, 10);
    expect(lines.every((text) => text.length <= 20)).toBe(true);
    expect(lines.join('').replace(/\s+/g, '')).toBe(`{"message":"${'x'.repeat(50)}"}`);
    expect(wrap_lines(['a'.repeat(100)], 20, 3)).toHaveLength(3);
  });
});

describe('navigation', () => {
  it('moves with j/k and the arrows, pages with PageUp/PageDown, and reaches both ends with g/G', async () => {
    const { press, selected_seq, frame } = open_app();
    await press('j', 'j', KEY.down);
    expect(selected_seq()).toBe(3);
    await press('k', KEY.up);
    expect(selected_seq()).toBe(1);
    await press(KEY.page_down);
    const after_page = selected_seq();
    expect(after_page).toBeGreaterThan(10);
    await press(KEY.page_up);
    expect(selected_seq()).toBe(1);
    await press('G');
    expect(selected_seq()).toBe(summary.line_count - 1);
    expect(frame()).toContain('"kind": "end"');
    await press('g');
    expect(selected_seq()).toBe(0);
  });
});

describe('jumps', () => {
  it('n/N, c/C, r/R and v/V go to the next and previous fault, checkpoint, recovery and violation', async () => {
    const { press, selected_seq, frame } = open_app();
    await press('n');
    expect(selected_seq()).toBe(summary.fault_seqs[0]);
    await press('c');
    expect(selected_seq()).toBe(summary.checkpoint_seqs.find((seq) => seq > (summary.fault_seqs[0] as number)));
    await press('v');
    expect(selected_seq()).toBe(summary.violation_seqs[0]);
    expect(frame()).toContain('"kind": "violation"');
    await press('v');
    expect(frame()).toContain('no next violation');
    expect(selected_seq()).toBe(summary.violation_seqs[0]);
    await press('R');
    const recoveries_before = summary.recovery_seqs.filter((seq) => seq < (summary.violation_seqs[0] as number));
    expect(selected_seq()).toBe(recoveries_before[recoveries_before.length - 1]);
    await press('g', 'r');
    expect(selected_seq()).toBe(summary.recovery_seqs[0]);
    await press('C');
    expect(selected_seq()).toBe([...summary.checkpoint_seqs].reverse().find((seq) => seq < (summary.recovery_seqs[0] as number)));
    await press('G', 'N');
    expect(frame()).toMatch(/"kind": "(fault|crash|link_break)"/);
  });

  it('t jumps to the first event at or after a typed time', async () => {
    const { press, selected_seq, index, frame } = open_app();
    await press('t', '2', '5', '0', '0');
    expect(frame()).toContain('jump to time (ms): 2500');
    await press(KEY.enter);
    const seq = selected_seq();
    expect(index.time_ms[seq]).toBeGreaterThanOrEqual(2_500);
    expect(index.time_ms[seq - 1]).toBeLessThan(2_500);
    await press('t', 'x', KEY.enter);
    expect(frame()).toContain('not a time in ms');
    expect(selected_seq()).toBe(seq);
  });

  it('handles keys typed ahead that arrive as one chunk', async () => {
    const { press, selected_seq, index } = open_app();
    await press('t1200\r');
    const seq = selected_seq();
    expect(index.time_ms[seq]).toBeGreaterThanOrEqual(1_200);
    expect(index.time_ms[seq - 1]).toBeLessThan(1_200);
    await press('jjj');
    expect(selected_seq()).toBe(seq + 3);
  });
});

describe('search', () => {
  it('/ opens a prompt; Enter finds the next match, up the previous, Esc leaves with the cursor kept', async () => {
    const { press, selected_seq, index, frame } = open_app();
    await press('/', 'checkpoint.aborted'); // typed text may arrive as one chunk, like a paste
    expect(frame()).toContain('search: checkpoint.aborted');
    await press(KEY.enter);
    const first = selected_seq();
    expect(raw_line(index, first)).toContain('checkpoint.aborted');
    await press(KEY.enter);
    const second = selected_seq();
    expect(second).toBeGreaterThan(first);
    expect(raw_line(index, second)).toContain('checkpoint.aborted');
    await press(KEY.up);
    expect(selected_seq()).toBe(first);
    await press(KEY.escape);
    await press('j');
    expect(selected_seq()).toBe(first + 1);
    await press('/', ...'no such', ' text', KEY.enter);
    expect(frame()).toContain('no later match for "no such text"');
  });
});

describe('filters and follow', () => {
  it('f cycles the process filter and K the kind filter; x clears them', async () => {
    const { press, frame, model } = open_app();
    await press('f');
    expect(frame()).toContain('filter: process=jm');
    const rows = frame().split('\n').filter((text) => /^[ >]\S?\s+\d+\s+\d+\s/.test(text));
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) expect(row.split(/\s+/).includes('jm')).toBe(true);
    await press('K');
    const kind = model.index.kind_labels[model.kind_filter] as string;
    expect(frame()).toContain(`kind=${kind}`);
    for (let position = 0; position < model.view_length; position++) {
      const line = model.line_at(position);
      expect(model.index.kind_labels[model.index.kind_codes[line] as number]).toBe(kind);
      expect(model.index.node_names[model.index.node_codes[line] as number]).toBe('jm');
    }
    await press('x');
    expect(frame()).toContain('filter: none');
    expect(model.view_length).toBe(summary.line_count);
  });

  it('p opens a picker of processes and kinds with their event counts; Enter applies the chosen one', async () => {
    const { press, frame, model } = open_app();
    await press('p');
    expect(frame()).toContain('filters: Space shows/hides');
    const choices = model.filter_choices();
    const tm1 = choices.findIndex((choice) => choice.filter === 'process' && choice.label === 'tm-1');
    const tm1_events = choices[tm1]?.events ?? 0;
    expect(tm1_events).toBeGreaterThan(0);
    expect(frame()).toMatch(new RegExp(`\\[x\\] process\\s+tm-1\\s+${tm1_events} events`));
    for (let step = 0; step < tm1; step++) await press(KEY.down);
    await press(KEY.enter);
    expect(frame()).toContain('filter: process=tm-1');
    expect(model.view_length).toBe(tm1_events);
    // The picker opens on the active filter, shows what is hidden, and Esc leaves it unchanged.
    await press('p');
    expect(frame()).toMatch(/>\[x\] process\s+tm-1/);
    expect(frame()).toMatch(/\[ \] process\s+tm-2/);
    await press(KEY.escape);
    expect(frame()).toContain('filter: process=tm-1');
    // A kind from the same picker narrows further; the counts add up to the whole trace.
    const kinds = choices.filter((choice) => choice.filter === 'kind' && choice.code >= 0);
    expect(kinds.reduce((sum, choice) => sum + choice.events, 0)).toBe(summary.line_count);
    await press('p');
    const send = choices.findIndex((choice) => choice.filter === 'kind' && choice.label === 'send');
    for (let step = tm1; step < send; step++) await press(KEY.down);
    await press(KEY.enter);
    expect(frame()).toContain('filter: process=tm-1 kind=send');
    for (let position = 0; position < model.view_length; position++) {
      const line = model.line_at(position);
      expect(model.index.kind_labels[model.index.kind_codes[line] as number]).toBe('send');
      expect(model.index.node_names[model.index.node_codes[line] as number]).toBe('tm-1');
    }
  });

  it('F follows the selected checkpoint id through the system, and F again stops', async () => {
    const { press, frame, model, selected_seq } = open_app();
    await press('c');
    const checkpoint_id = model.index.line(selected_seq())['checkpoint_id'];
    await press('F');
    expect(frame()).toContain('follow which field of the selected event?');
    expect(frame()).toContain(`> checkpoint_id=${String(checkpoint_id)}`);
    await press(KEY.enter);
    expect(frame()).toContain(`follow checkpoint_id=${String(checkpoint_id)}`);
    expect(model.view_length).toBeGreaterThan(3); // triggered, barriers, completed or aborted, commit
    for (let position = 0; position < model.view_length; position++) {
      expect(model.index.raw(model.line_at(position))).toMatch(new RegExp(`"checkpoint_id":${String(checkpoint_id)}[,}]`));
    }
    await press('F');
    expect(frame()).toContain('follow off');
    expect(model.view_length).toBe(summary.line_count);
  });

  it('follows another field when one is chosen', async () => {
    const { press, frame, model } = open_app();
    await press('c', 'F');
    const choices = model.follow_choices();
    const event = choices.findIndex((choice) => choice.field === 'event');
    for (let step = 0; step < event; step++) await press(KEY.down);
    await press(KEY.enter);
    expect(frame()).toMatch(/follow event="checkpoint\./);
    await press('F');
    expect(frame()).toContain('follow off');
  });

  it('p: Space hides one kind and keeps the others, so send and deliver can both be hidden', async () => {
    const { press, frame, model } = open_app();
    const choices = model.filter_choices();
    const send = choices.findIndex((choice) => choice.filter === 'kind' && choice.label === 'send');
    const deliver = choices.findIndex((choice) => choice.filter === 'kind' && choice.label === 'deliver');
    await press('p');
    for (let step = 0; step < deliver; step++) await press(KEY.down);
    await press(' ');
    for (let step = deliver; step < send; step++) await press(KEY.down);
    await press(' ');
    expect(frame()).toMatch(/\[ \] kind\s+send/);
    await press(KEY.escape);
    expect(frame()).toContain('filter: hidden deliver,send');
  });

  it('m hides message traffic and shows it again', async () => {
    const { press, frame, model } = open_app();
    await press('m');
    expect(frame()).toContain('message traffic (send, deliver, drop, timer) hidden');
    expect(model.view_length).toBeLessThan(summary.line_count);
    await press('m');
    expect(model.view_length).toBe(summary.line_count);
  });
});

describe('diff', () => {
  it('opens at the first divergence with both records side by side; d goes to the next one, D back', async () => {
    const { press, frame, selected_seq } = open_app({ diff: true });
    expect(frame()).toContain('first divergence at seq 2345');
    expect(selected_seq()).toBe(2_345);
    expect(frame()).toContain(`A ${trace_path}`.slice(0, 20));
    expect(frame()).toContain('"divergent": true');
    await press('g');
    expect(selected_seq()).toBe(0);
    await press('d');
    expect(selected_seq()).toBe(2_345);
    await press('d');
    expect(frame()).toMatch(/no later divergence/);
    await press('g', 'd', 'w');
    expect(frame()).toContain('side by side: divergence 1 at A line 2346, B line 2346');
    expect(frame()).toMatch(/^~ .* 2345 .*│ .* 2345 /m);
    await press('w');
    expect(frame()).toContain('timeline');
  });

  it('d without --diff explains itself', async () => {
    const { press, frame } = open_app();
    await press('d');
    expect(frame()).toContain('no diff: start with --diff OTHER');
  });
});

describe('help', () => {
  it('? shows every key; any key closes it', async () => {
    const { press, frame } = open_app();
    await press('?');
    for (const text of ['streamsim explore: keys', 'next / previous fault', 'Enter = next match', 'follow a field of the selected event', 'next / previous suspicious', 'q  quit']) {
      expect(frame()).toContain(text);
    }
    await press('j');
    expect(frame()).not.toContain('streamsim explore: keys');
    expect(frame()).toContain('timeline');
  });
});

/** A terminal stand-in for run_explorer: a TTY stdin that can be typed into and a stdout that records writes. */
function fake_terminal(): { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; type: (keys: string) => void; output: () => string } {
  let pending: string | null = null;
  const stdin = Object.assign(new EventEmitter(), {
    isTTY: true,
    setEncoding: () => {},
    setRawMode: () => {},
    resume: () => {},
    pause: () => {},
    ref: () => {},
    unref: () => {},
    read: () => {
      const data = pending;
      pending = null;
      return data;
    },
  });
  let written = '';
  const stdout = Object.assign(new EventEmitter(), {
    isTTY: true,
    rows: 30,
    columns: 120,
    write: (chunk: string) => ((written += chunk), true),
  });
  return {
    stdin: stdin as unknown as NodeJS.ReadStream,
    stdout: stdout as unknown as NodeJS.WriteStream,
    type: (keys) => {
      pending = keys;
      stdin.emit('readable');
      stdin.emit('data', keys);
    },
    output: () => written,
  };
}

describe('run_explorer', () => {
  it('switches to the alternate screen, renders the trace, and restores the screen on q with exit 0', async () => {
    const terminal = fake_terminal();
    const running = run_explorer({ trace_path, stdin: terminal.stdin, stdout: terminal.stdout });
    for (let waited_ms = 0; !terminal.output().includes('streamsim explore') && waited_ms < 30_000; waited_ms += 10) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(terminal.output().startsWith('\x1b[?1049h')).toBe(true);
    expect(terminal.output()).toContain(`${summary.line_count} lines`);
    terminal.type('q');
    expect(await running).toBe(0);
    expect(terminal.output().endsWith('\x1b[?1049l')).toBe(true);
  });

  it('refuses to start without an interactive terminal', async () => {
    let text = '';
    const stderr = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    const not_a_tty = Object.assign(new EventEmitter(), { isTTY: false }) as unknown as NodeJS.ReadStream;
    expect(await run_explorer({ trace_path, stdin: not_a_tty, stderr })).toBe(2);
    expect(text).toContain('needs an interactive terminal');
  });
});

describe('run_explorer errors', () => {
  const captured_stderr = (): { stream: NodeJS.WritableStream; text: () => string } => {
    let text = '';
    const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
    return { stream, text: () => text };
  };

  it('returns 2 and names a missing file', async () => {
    const stderr = captured_stderr();
    const missing = path.join(directory, 'missing.jsonl');
    expect(await run_explorer({ trace_path: missing, stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toBe(`streamsim explore: ${missing}: no such file\n`);
  });

  it('returns 2 and names the file and line of a malformed line', async () => {
    const bad = path.join(directory, 'bad.jsonl');
    const lines = fs.readFileSync(trace_path, 'utf8').split('\n').slice(0, 20);
    lines[11] = '{"seq":11,"time_ms":5,"kind":"send"';
    fs.writeFileSync(bad, lines.join('\n'));
    const stderr = captured_stderr();
    expect(await run_explorer({ trace_path: bad, stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toMatch(new RegExp(`^streamsim explore: ${bad}:12: malformed JSON`));
    expect(stderr.text()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('returns 2 for a wrong header, and for a bad --diff file', async () => {
    const wrong = path.join(directory, 'wrong-header.jsonl');
    fs.writeFileSync(wrong, '{"seq":0,"time_ms":0,"kind":"header","format":"other","version":1}\n');
    const stderr = captured_stderr();
    expect(await run_explorer({ trace_path: wrong, stderr: stderr.stream })).toBe(2);
    expect(stderr.text()).toContain(`${wrong}:1: not a streamsim trace`);
    const diff_stderr = captured_stderr();
    expect(await run_explorer({ trace_path, diff_path: wrong, stderr: diff_stderr.stream })).toBe(2);
    expect(diff_stderr.text()).toContain(`${wrong}:1:`);
  });
});
