// Specification of the explorer's text modes and trace alignment: the --print digest (violations and what preceded
// them, suspicious events, faults, a torn last line), --query terms, and later divergences found by re-synchronising.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile_query, print_diff, print_summary, QueryError, run_query } from './print.js';
import { TraceAlignment } from './trace-align.js';
import { TraceIndex } from './trace-index.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-print-'));
const opened: TraceIndex[] = [];
afterAll(() => {
  for (const index of opened) index.close();
  fs.rmSync(directory, { recursive: true, force: true });
});

const header = { seq: 0, time_ms: 0, kind: 'header', format: 'streamsim-trace', version: 1, seed: 5, scenario: 'printed' };

function write(name: string, records: Record<string, unknown>[], tail = ''): TraceIndex {
  const file = path.join(directory, name);
  fs.writeFileSync(file, records.map((record, seq) => JSON.stringify({ seq, ...record })).join('\n') + '\n' + tail);
  const index = TraceIndex.open(file);
  opened.push(index);
  return index;
}

const log = (time_ms: number, node: string, event: string, fields: Record<string, unknown>) => ({ time_ms, kind: 'log', node, event, fields });
const records = [
  header,
  log(10, 'jm', 'checkpoint.triggered', { checkpoint_id: 1 }),
  { time_ms: 20, kind: 'send', node: 'tm-1', from: 'tm-1', to: 'txstore', msg: { id: 1 } },
  log(30, 'tm-1', 'sink.precommitted', { txn_id: 'sink-0-1', checkpoint_id: 1, records: 5 }),
  { time_ms: 40, kind: 'fault', fault: 'crash', target: 'tm-1' },
  { time_ms: 40, kind: 'crash', node: 'tm-1' },
  log(2030, 'txstore', 'txstore.txn_expired', { txn_id: 'sink-0-1', state: 'prepared', records: 5 }),
  log(3000, 'tm-1', 'sink.commit_failed', { txn_id: 'sink-0-1', checkpoint_id: 1, records: 5 }),
  log(3000, 'tm-1', 'sink.data_loss', { txn_id: 'sink-0-1', checkpoint_id: 1, records: 5 }),
  { time_ms: 3500, kind: 'violation', property: 'exactly_once_output', message: 'key w1 left the oracle sequence', source: 'check' },
  { time_ms: 4000, kind: 'end', hash: 'abc', events: 9 },
];

describe('--print', () => {
  it('names the trace, lists violations with the faults and suspicious events before them', () => {
    const text = print_summary(write('digest.jsonl', records));
    expect(text).toMatch(/^trace .*digest\.jsonl: seed 5, scenario printed, 11 lines, ends at 4\.00 s, hash abc\n/);
    expect(text).toContain('violations (1):');
    expect(text).toMatch(/V\s+9\s+3500 \(world\)\s+violation\s+\{"property":"exactly_once_output"/);
    const lead = text.slice(text.indexOf('before the first violation'), text.indexOf('suspicious events ('));
    for (const event of ['checkpoint.triggered', 'fault', 'crash', 'txstore.txn_expired', 'sink.commit_failed', 'sink.data_loss']) expect(lead).toContain(event);
    expect(lead).not.toContain(' send ');
    expect(text).toMatch(/suspicious events \(3\):/);
    expect(text).toMatch(/faults \(2\):/);
  });

  it('says when the last line was torn by a killed run', () => {
    const text = print_summary(write('killed.jsonl', records.slice(0, 6), '{"seq":6,"time_ms":2030,"kind":"lo'));
    expect(text).toMatch(/6 lines, no end record: line 7 is torn \(a killed run\), 34 bytes left out/);
    expect(text).toContain('violations: none');
  });
});

describe('--query', () => {
  const index = write('query.jsonl', records);
  const seqs = (expression: string): number[] => {
    const term = compile_query(index, expression);
    return Array.from({ length: index.line_count }, (_, line) => line).filter(term);
  };

  it('matches flags, kinds, events, processes, times, any field at any depth, and text', () => {
    expect(seqs('suspicious')).toEqual([6, 7, 8]);
    expect(seqs('violation')).toEqual([9]);
    expect(seqs('event=sink.*')).toEqual([3, 7, 8]);
    expect(seqs('kind=crash')).toEqual([5]);
    expect(seqs('node=tm-1 !kind=send')).toEqual([3, 4, 5, 7, 8]); // the crash fault targets tm-1: its lane
    expect(seqs('txn_id=sink-0-1 time=2000..')).toEqual([6, 7, 8]);
    expect(seqs('checkpoint_id=1')).toEqual([1, 3, 7, 8]);
    expect(seqs('/oracle')).toEqual([9]);
  });

  it('prints rows (or raw JSON lines) and counts what it left out', () => {
    const rows = run_query(index, 'suspicious', { limit: 2 });
    expect(rows.matched).toBe(3);
    expect(rows.text.split('\n').filter((line) => line.length > 0)).toHaveLength(4); // header, 2 rows, "… more"
    expect(rows.text).toContain('… 1 more (raise --limit)');
    const json = run_query(index, 'event=sink.data_loss', { json: true });
    expect(JSON.parse(json.text)).toMatchObject({ seq: 8, event: 'sink.data_loss' });
  });

  it('explains a term it cannot read', () => {
    expect(() => compile_query(index, 'bogus')).toThrow(QueryError);
    expect(() => compile_query(index, 'time=soon')).toThrow(/time=soon: expected FROM\.\.TO/);
    expect(() => compile_query(index, '  ')).toThrow(/empty query/);
  });
});

describe('alignment of two traces', () => {
  const base = Array.from({ length: 40 }, (_, i) => ({ time_ms: i, kind: 'timer', node: 'jm', tag: `t${i}` }));
  const a = write('a.jsonl', [header, ...base]);
  // B: one line changed at 10, two lines inserted after 25 (every later seq shifts), the rest the same.
  const changed = [...base];
  changed[9] = { time_ms: 9, kind: 'timer', node: 'jm', tag: 'other' };
  changed.splice(25, 0, { time_ms: 25, kind: 'crash', node: 'tm-1' } as never, { time_ms: 25, kind: 'start', node: 'tm-1' } as never);
  const b = write('b.jsonl', [header, ...changed]);

  it('finds every place the traces differ, ignoring the seq shift an insertion causes', () => {
    const alignment = new TraceAlignment(a, b);
    expect(alignment.divergence(0)).toEqual({ a: 10, b: 10 });
    expect(alignment.divergence(1)).toEqual({ a: 26, b: 26 });
    expect(alignment.divergence(2)).toBeUndefined();
    expect(alignment.divergence_at_or_after(11)).toBe(1);
    expect(alignment.divergence_before(26)).toBe(0);
  });

  it('pairs the rows: equal lines side by side, changed lines facing each other, inserted lines against a blank', () => {
    const rows = new TraceAlignment(a, b).rows(24, 24, 5);
    expect(rows).toEqual([
      { a: 24, b: 24, same: true },
      { a: 25, b: 25, same: true },
      { a: undefined, b: 26, same: false },
      { a: undefined, b: 27, same: false },
      { a: 26, b: 28, same: true },
    ]);
  });

  it('--print with a diff lists each divergence with its aligned rows', () => {
    const { text, divergences } = print_diff(a, b);
    expect(divergences).toBe(2);
    expect(text).toContain('divergence 1: line 11 of A, line 11 of B');
    expect(text).toContain('divergence 2: line 27 of A, line 27 of B');
    expect(text).toMatch(/^\+ {3}B X\s+26\s+25 tm-1\s+crash/m);
  });
});
