// Specification of the trace index: one validating pass, columns that agree with the records, lazy reads
// through a bounded cache, and errors that name the file and the bad line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { write_synthetic_trace } from './synthetic-trace.js';
import {
  FLAG_CHECKPOINT,
  FLAG_FAULT,
  FLAG_RECOVERY,
  FLAG_SUSPICIOUS,
  FLAG_VIOLATION,
  GLYPH_ACTIVITY,
  GLYPH_CHARS,
  GLYPH_CRASH,
  GLYPH_START,
  LruCache,
  TraceFormatError,
  TraceIndex,
  kind_label_of,
  lane_of,
} from './trace-index.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-index-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

function lines_with(index: TraceIndex, flag: number): number[] {
  const found: number[] = [];
  for (let line = 0; line < index.line_count; line++) if (((index.flags[line] as number) & flag) !== 0) found.push(line);
  return found;
}

function open_error(file: string): TraceFormatError {
  try {
    TraceIndex.open(file).close();
  } catch (error) {
    if (error instanceof TraceFormatError) return error;
    throw error;
  }
  throw new Error(`expected ${file} to be rejected`);
}

const header_line = JSON.stringify({ seq: 0, time_ms: 0, kind: 'header', format: 'streamsim-trace', version: 1, seed: 1, scenario: 's' });

describe('TraceIndex.open', () => {
  const trace_path = path.join(directory, 'synthetic.jsonl');
  const summary = write_synthetic_trace({ path: trace_path, event_count: 20_000, seed: 5 });

  it('indexes every line and agrees with each record (time, kind, process, offsets)', () => {
    const index = TraceIndex.open(trace_path);
    expect(index.line_count).toBe(summary.line_count);
    expect(index.has_end).toBe(true);
    expect(index.header['scenario']).toBe('synthetic');
    const text_lines = fs.readFileSync(trace_path, 'utf8').trimEnd().split('\n');
    for (let line = 0; line < index.line_count; line += 97) {
      const record = JSON.parse(text_lines[line] as string);
      expect(index.raw(line)).toBe(text_lines[line]);
      expect(index.time_ms[line]).toBe(record.time_ms);
      expect(index.kind_labels[index.kind_codes[line] as number]).toBe(kind_label_of(record));
      expect(index.node_names[index.node_codes[line] as number]).toBe(lane_of(record));
      expect(index.line(line)).toEqual(record);
    }
    index.close();
  });

  it('flags faults, checkpoints, recoveries and violations where the generator wrote them', () => {
    const index = TraceIndex.open(trace_path);
    expect(lines_with(index, FLAG_VIOLATION)).toEqual(summary.violation_seqs);
    expect(lines_with(index, FLAG_CHECKPOINT)).toEqual(summary.checkpoint_seqs);
    expect(lines_with(index, FLAG_RECOVERY)).toEqual(summary.recovery_seqs);
    // Faults: every injected fault, plus the crashes and link breaks they cause.
    const fault_lines = lines_with(index, FLAG_FAULT);
    expect(fault_lines.filter((line) => index.line(line).kind === 'fault')).toEqual(summary.fault_seqs);
    expect(new Set(fault_lines.map((line) => index.line(line).kind))).toEqual(new Set(['fault', 'crash', 'link_break']));
    expect(index.special_lines.length).toBeGreaterThan(0);
    index.close();
  });

  it('finds lines by time and by byte position', () => {
    const index = TraceIndex.open(trace_path);
    const line = index.first_line_at_time(5_000);
    expect(index.time_ms[line]).toBeGreaterThanOrEqual(5_000);
    expect(index.time_ms[line - 1]).toBeLessThan(5_000);
    expect(index.line_at_byte((index.offsets[321] as number) + 3)).toBe(321);
    index.close();
  });

  it('keeps at most the configured number of parsed records in memory', () => {
    const index = TraceIndex.open(trace_path, { record_cache_entries: 16 });
    for (let line = 0; line < 200; line++) index.line(line);
    expect(index.cached_record_count).toBe(16);
    index.close();
  });

  it('accepts a trace without a trailing newline and notes a missing end record', () => {
    const file = path.join(directory, 'no-newline.jsonl');
    fs.writeFileSync(file, `${header_line}\n{"seq":1,"time_ms":3,"kind":"crash","node":"tm-0"}`);
    const index = TraceIndex.open(file);
    expect(index.line_count).toBe(2);
    expect(index.has_end).toBe(false);
    expect(index.line(1)['node']).toBe('tm-0');
    index.close();
  });

  it('reads the world\'s record shapes: nested fields, fractional times, link targets that are not processes', () => {
    const file = path.join(directory, 'world-shapes.jsonl');
    const records = [
      JSON.parse(header_line),
      { seq: 1, time_ms: 0.313, kind: 'log', node: 'jm', event: 'checkpoint.triggered', fields: { checkpoint_id: 1, kind: 'checkpoint' } },
      { seq: 2, time_ms: 2000, kind: 'fault', fault: 'link_break', target: 'jm<->tm-1', detail: '{"a":"jm","b":"tm-1"}' },
      { seq: 3, time_ms: 2000, kind: 'link_break', a: 'jm', b: 'tm-1' },
      { seq: 4, time_ms: 2001.494, kind: 'fault', fault: 'crash', target: 'tm-2' },
      { seq: 5, time_ms: 2002, kind: 'log', node: 'jm', event: 'checkpoint.declined', fields: { checkpoint_id: 1 } },
    ];
    fs.writeFileSync(file, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    const index = TraceIndex.open(file);
    const lanes = records.map((_, line) => index.node_names[index.node_codes[line] as number]);
    expect(lanes).toEqual(['(world)', 'jm', '(world)', 'jm', 'tm-2', 'jm']);
    expect(lanes).toEqual(records.map((record) => lane_of(record)));
    expect(index.node_names).not.toContain('jm<->tm-1');
    expect(Array.from(index.time_ms)).toEqual(records.map((record) => record.time_ms));
    expect(index.kind_labels[index.kind_codes[1] as number]).toBe('log:checkpoint.triggered');
    expect(lines_with(index, FLAG_CHECKPOINT)).toEqual([1, 5]);
    expect(lines_with(index, FLAG_FAULT)).toEqual([2, 3, 4]);
    index.close();
  });

  it('shows a line that no longer parses (file changed after indexing) as an unreadable record', () => {
    const file = path.join(directory, 'changing.jsonl');
    fs.writeFileSync(file, `${header_line}\n{"seq":1,"time_ms":7,"kind":"crash","node":"tm-0"}\n`);
    const index = TraceIndex.open(file);
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, text.replace('"crash"', '"crash}"').replace('"node":"tm-0"}', '"node":"tm-0" '));
    expect(index.line(1)).toMatchObject({ seq: 1, time_ms: 7, kind: 'unreadable' });
    index.close();
  });

  it('marks restarts (incarnation above 0) on the timeline, not first starts', () => {
    const file = path.join(directory, 'restarts.jsonl');
    const lines = [
      header_line,
      '{"seq":1,"time_ms":0,"kind":"start","node":"tm-1","incarnation":0}',
      '{"seq":2,"time_ms":9,"kind":"crash","node":"tm-1"}',
      '{"seq":3,"time_ms":20,"kind":"start","node":"tm-1","incarnation":1}',
    ];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const index = TraceIndex.open(file);
    expect(Array.from(index.glyphs.subarray(1))).toEqual([GLYPH_ACTIVITY, GLYPH_CRASH, GLYPH_START]);
    expect(Array.from(index.special_lines)).toEqual([2, 3]);
    index.close();
  });

  it('opens a trace whose last line is torn (a killed run): every whole line, and what was left out', () => {
    const file = path.join(directory, 'torn.jsonl');
    const whole = [header_line, '{"seq":1,"time_ms":3,"kind":"crash","node":"tm-0"}', '{"seq":2,"time_ms":4,"kind":"log","node":"jm","event":"job.status"}'];
    fs.writeFileSync(file, `${whole.join('\n')}\n{"seq":3,"time_ms":5,"kind":"lo`);
    const index = TraceIndex.open(file);
    expect(index.line_count).toBe(3);
    expect(index.has_end).toBe(false);
    expect(index.torn_tail).toMatchObject({ line_number: 4, size_bytes: 31 });
    expect(index.torn_tail?.reason).toMatch(/malformed JSON/);
    expect(index.size_bytes).toBe(whole.join('\n').length + 1);
    index.close();
    // A torn line anywhere else is still an error: only a killed writer's last line is expected to be cut.
    fs.writeFileSync(file, `${whole[0]}\n{"seq":1,"time_ms":3,"ki\n${whole[2]}\n`);
    expect(open_error(file).message).toMatch(/torn\.jsonl:2: malformed JSON/);
  });

  it('marks the suspicious engine events with their own glyphs and a flag the explorer can jump to', () => {
    const file = path.join(directory, 'suspicious.jsonl');
    const events = ['txstore.txn_expired', 'sink.commit_failed', 'sink.data_loss', 'checkpoint.aborted', 'recovery.restore_failed', 'sink.committed'];
    const lines = [header_line, ...events.map((event, i) => JSON.stringify({ seq: i + 1, time_ms: i, kind: 'log', node: 'tm-1', event, fields: {} }))];
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const index = TraceIndex.open(file);
    expect(lines_with(index, FLAG_SUSPICIOUS)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(index.glyphs.subarray(1)).map((glyph) => GLYPH_CHARS[glyph])).toEqual(['E', '?', 'L', 'A', '?', '.']);
    expect(lines_with(index, FLAG_CHECKPOINT)).toEqual([4]);
    expect(lines_with(index, FLAG_RECOVERY)).toEqual([5]);
    index.close();
  });

  it('names a missing file', () => {
    const error = open_error(path.join(directory, 'absent.jsonl'));
    expect(error.message).toContain('absent.jsonl');
    expect(error.message).toContain('no such file');
  });

  it('names the first malformed line by its 1-based number', () => {
    const file = path.join(directory, 'bad-line.jsonl');
    const lines = fs.readFileSync(trace_path, 'utf8').split('\n').slice(0, 50);
    lines[6] = (lines[6] as string).slice(0, 20);
    lines[30] = 'also bad';
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const error = open_error(file);
    expect(error.line_number).toBe(7);
    expect(error.message).toMatch(/bad-line\.jsonl:7: malformed JSON/);
  });

  it('rejects lines that are not trace records', () => {
    const file = path.join(directory, 'not-record.jsonl');
    fs.writeFileSync(file, `${header_line}\n[1,2]\n`);
    expect(open_error(file).message).toMatch(/:2: a trace line must be a JSON object/);
    fs.writeFileSync(file, `${header_line}\n{"seq":1,"kind":"send"}\n`);
    expect(open_error(file).message).toMatch(/:2: missing numeric field "time_ms"/);
    fs.writeFileSync(file, `${header_line}\n\n{"seq":1,"time_ms":1,"kind":"send"}\n`);
    expect(open_error(file).message).toMatch(/:2: blank line/);
  });

  it('rejects a wrong header: another format, another version, or an empty file', () => {
    const file = path.join(directory, 'header.jsonl');
    fs.writeFileSync(file, '{"seq":0,"time_ms":0,"kind":"start","node":"jm"}\n');
    expect(open_error(file).message).toMatch(/header\.jsonl:1: not a streamsim trace/);
    fs.writeFileSync(file, header_line.replace('"version":1', '"version":99') + '\n');
    expect(open_error(file).message).toMatch(/header\.jsonl:1: unsupported trace version 99/);
    fs.writeFileSync(file, '');
    expect(open_error(file).message).toMatch(/header\.jsonl:1: empty file/);
  });
});

describe('LruCache', () => {
  it('evicts the least recently used entry beyond its bound', () => {
    const cache = new LruCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
    expect(cache.size).toBe(2);
  });
});
