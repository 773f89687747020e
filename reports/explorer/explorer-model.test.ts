// Specification of the navigation model: the timeline's lanes, glyphs and zoom around the cursor, and how
// filters, jumps and search compose (a jump or a search never lands on a line the filters hide).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExplorerModel, ordered_node_codes } from './explorer-model.js';
import { write_synthetic_trace } from './synthetic-trace.js';
import { GLYPH_CHARS, GLYPH_CRASH, GLYPH_VIOLATION, TraceIndex } from './trace-index.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-model-'));
const opened: TraceIndex[] = [];
afterAll(() => {
  for (const index of opened) index.close();
  fs.rmSync(directory, { recursive: true, force: true });
});
const trace_path = path.join(directory, 'trace.jsonl');
const summary = write_synthetic_trace({ path: trace_path, event_count: 10_000, seed: 21 });

/** A model of the synthetic trace with the cursor on its first line (a trace with a violation opens at it). */
function open_model(): ExplorerModel {
  const index = TraceIndex.open(trace_path);
  opened.push(index);
  const model = new ExplorerModel(index);
  model.to_start();
  return model;
}

describe('lane order', () => {
  it('puts the JobManager first, TaskManagers by number, other processes by name and the world last', () => {
    const names = ['(world)', 'tm-10', 'store', 'tm-2', 'jm', 'broker'];
    expect(ordered_node_codes(names).map((code) => names[code])).toEqual(['jm', 'tm-2', 'tm-10', 'broker', 'store', '(world)']);
  });
});

describe('timeline', () => {
  it('draws each crash in its process lane, in the bucket of its time', () => {
    const model = open_model();
    const index = model.index;
    const timeline = model.timeline(100, 10);
    const crash_lines = Array.from(index.special_lines).filter((line) => index.glyphs[line] === GLYPH_CRASH);
    expect(crash_lines.length).toBeGreaterThan(0);
    for (const line of crash_lines) {
      const node = index.line(line)['node'];
      const lane = timeline.lanes.find((candidate) => candidate.node === node);
      const bucket = Math.floor(((index.time_ms[line] as number) - timeline.start_ms) / timeline.bucket_ms);
      expect(lane?.glyphs[bucket], `crash of ${String(node)} at line ${line}`).toBeGreaterThanOrEqual(GLYPH_CRASH);
    }
    const world = timeline.lanes.find((lane) => lane.node === '(world)');
    expect(Array.from(world?.glyphs ?? []).map((glyph) => GLYPH_CHARS[glyph]).join('')).toContain(GLYPH_CHARS[GLYPH_VIOLATION]);
  });

  it('covers the whole trace at zoom 1 and narrows around the cursor when zoomed in', () => {
    const model = open_model();
    const whole = model.timeline(100, 10);
    expect(whole.start_ms).toBe(0);
    expect(whole.start_ms + whole.bucket_ms * 100).toBeGreaterThan(summary.last_time_ms);
    model.jump('violation', 1);
    const cursor_ms = model.index.time_ms[model.cursor_line] as number;
    for (let i = 0; i < 4; i++) model.zoom_in();
    const zoomed = model.timeline(100, 10);
    expect(zoomed.bucket_ms).toBeLessThan(whole.bucket_ms / 8);
    expect(zoomed.start_ms).toBeLessThanOrEqual(cursor_ms);
    expect(zoomed.start_ms + zoomed.bucket_ms * 100).toBeGreaterThan(cursor_ms);
    expect(zoomed.cursor_bucket).toBe(Math.floor((cursor_ms - zoomed.start_ms) / zoomed.bucket_ms));
    model.zoom_out();
    expect(model.timeline(100, 10).bucket_ms).toBeGreaterThan(zoomed.bucket_ms);
  });

  it('shows at most the lanes asked for', () => {
    expect(open_model().timeline(50, 3).lanes.map((lane) => lane.node)).toEqual(['jm', 'tm-0', 'tm-1']);
  });
});

describe('filters with jumps and search', () => {
  it('a jump under a process filter lands on the next flagged line of that process', () => {
    const model = open_model();
    const index = model.index;
    while (index.node_names[model.node_filter] !== 'tm-1') model.cycle_node_filter();
    expect(model.jump('fault', 1)).toBe(true);
    const line = model.cursor_line;
    expect(index.node_names[index.node_codes[line] as number]).toBe('tm-1');
    const expected = Array.from({ length: index.line_count }, (_, l) => l).find(
      (l) => index.node_names[index.node_codes[l] as number] === 'tm-1' && ((index.flags[l] as number) & 1) !== 0,
    );
    expect(line).toBe(expected);
  });

  it('keeps the selected line when a filter that shows it is added or removed', () => {
    const model = open_model();
    model.jump('checkpoint', 1);
    const line = model.cursor_line;
    model.cycle_node_filter(); // jm: checkpoints are JobManager events
    expect(model.cursor_line).toBe(line);
    model.clear_filters();
    expect(model.cursor_line).toBe(line);
  });

  it('search skips matches hidden by the filter', () => {
    const model = open_model();
    model.cycle_node_filter(); // jm only
    expect(model.search('"tag":"heartbeat"', 1)).toBe(true);
    expect(model.index.node_names[model.index.node_codes[model.cursor_line] as number]).toBe('jm');
    expect(model.index.raw(model.cursor_line)).toContain('"tag":"heartbeat"');
  });

  it('shows an empty view rather than failing when nothing matches', () => {
    const model = open_model();
    while (model.index.node_names[model.node_filter] !== 'store') model.cycle_node_filter();
    while (model.index.kind_labels[model.kind_filter] !== 'violation') model.cycle_kind_filter();
    expect(model.view_length).toBe(0);
    expect(model.cursor_line).toBe(-1);
    expect(model.jump('violation', 1)).toBe(false);
  });
});

describe('opening', () => {
  it('opens at the first violation and says so', () => {
    const index = TraceIndex.open(trace_path);
    opened.push(index);
    const model = new ExplorerModel(index);
    expect(model.cursor_line).toBe(summary.violation_seqs[0]);
    expect(model.status).toMatch(/^opened at the first violation/);
  });
});

describe('filters that combine', () => {
  it('hides several kinds at once, shows one again, and m hides all message traffic', () => {
    const model = open_model();
    const index = model.index;
    const code = (label: string): number => index.kind_labels.indexOf(label);
    const choice = (label: string) => model.filter_choices().find((c) => c.filter === 'kind' && c.label === label)!;
    model.toggle_choice(choice('send'));
    model.toggle_choice(choice('deliver'));
    const shown_kinds = new Set(Array.from({ length: model.view_length }, (_, p) => index.kind_codes[model.line_at(p)]));
    expect(shown_kinds.has(code('send'))).toBe(false);
    expect(shown_kinds.has(code('deliver'))).toBe(false);
    expect(model.filter_summary).toBe('hidden send,deliver');
    model.toggle_choice(choice('send'));
    expect(model.filter_summary).toBe('hidden deliver');
    model.clear_filters();
    model.toggle_message_traffic();
    for (let p = 0; p < model.view_length; p++) {
      expect(['send', 'deliver', 'drop', 'timer']).not.toContain(index.kind_labels[index.kind_codes[model.line_at(p)] as number]);
    }
    model.toggle_message_traffic();
    expect(model.view_length).toBe(index.line_count);
  });

  it('a process filter and hidden kinds apply together', () => {
    const model = open_model();
    const index = model.index;
    const choices = model.filter_choices();
    model.apply_filter_choice(choices.find((c) => c.filter === 'process' && c.label === 'tm-1')!);
    model.toggle_choice(choices.find((c) => c.filter === 'kind' && c.label === 'send')!);
    expect(model.view_length).toBeGreaterThan(0);
    for (let p = 0; p < model.view_length; p++) {
      const line = model.line_at(p);
      expect(index.node_names[index.node_codes[line] as number]).toBe('tm-1');
      expect(index.kind_labels[index.kind_codes[line] as number]).not.toBe('send');
    }
  });
});

describe('follow', () => {
  it('offers every field of the selected event, the checkpoint id first, and follows the chosen one', () => {
    const model = open_model();
    model.jump('checkpoint', 1);
    const choices = model.follow_choices();
    expect(choices[0]?.field).toBe('checkpoint_id');
    expect(choices.map((c) => c.field)).toContain('event');
    const event = choices.find((c) => c.field === 'event')!;
    model.follow_field(event);
    for (let p = 0; p < model.view_length; p++) expect(model.index.raw(model.line_at(p))).toContain(`"event":${JSON.stringify(event.value)}`);
  });
});
