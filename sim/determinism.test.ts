// Specification of determinism: one seed decides everything. Same seed ⇒ same trace hash (in this process and in a
// fresh node process), a different seed ⇒ a different hash, and the hash does not depend on the trace sink.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run_demo } from './demo.js';
import { Trace } from './trace.js';
import { World } from './world.js';
import type { TraceRecord } from './trace-format.js';

const project_root = join(dirname(fileURLToPath(import.meta.url)), '..');

function demo_in_fresh_node(seed: number, nemesis: boolean): { trace_hash: string; events: number } {
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', 'sim/demo.ts', '--seed', String(seed), '--json', ...(nemesis ? ['--nemesis'] : [])],
    { cwd: project_root, encoding: 'utf8' },
  );
  return JSON.parse(output.trim().split('\n').at(-1) as string) as { trace_hash: string; events: number };
}

describe('determinism', () => {
  it('same seed and inputs give the same trace hash; different seeds differ', () => {
    const first = run_demo(7, { nemesis: true });
    const second = run_demo(7, { nemesis: true });
    expect(second).toEqual(first);
    expect(first.events).toBeGreaterThan(500);
    const hashes = new Set([7, 8, 9, 10].map((seed) => run_demo(seed, { nemesis: true }).trace_hash));
    expect(hashes.size).toBe(4);
  });

  it('the same seed gives the same hash in a fresh node process', () => {
    const here = run_demo(11, { nemesis: true });
    const there = demo_in_fresh_node(11, true);
    expect(there).toMatchObject({ trace_hash: here.trace_hash, events: here.events });
    expect(demo_in_fresh_node(12, false).trace_hash).toBe(run_demo(12).trace_hash);
  }, 60_000);

  it('the hash does not depend on the sink; the line sink writes every record with consecutive seq', () => {
    const lines: string[] = [];
    const with_lines = run_demo(13, { nemesis: true, lines: (line) => lines.push(line) });
    const without = run_demo(13, { nemesis: true });
    expect(with_lines.trace_hash).toBe(without.trace_hash);
    expect(lines.length).toBe(with_lines.trace_records);
    const records = lines.map((line) => JSON.parse(line) as TraceRecord);
    expect(records.map((record) => record.seq)).toEqual(records.map((_, index) => index));
    expect(records[0]).toMatchObject({ kind: 'header', format: 'streamsim-trace', seed: 13, scenario: 'sim-demo' });
    // The last line names the run: its hash is the summary's trace_hash (every record before it).
    expect(records.at(-1)).toMatchObject({ kind: 'end', events: with_lines.events, hash: with_lines.trace_hash });
    for (const kind of ['start', 'crash', 'send', 'deliver', 'drop', 'timer', 'storage', 'fault', 'partition', 'pause', 'resume', 'link_break', 'log', 'probe', 'phase', 'clock', 'refused']) {
      expect(records.some((record) => record.kind === kind), `a ${kind} record`).toBe(true);
    }
  });

  it('a one-event difference changes the hash (the hash covers every record)', () => {
    const make = (extra_send: boolean): string => {
      const world = new World({ seed: 3 });
      world.add_process('a', (context) => ({
        onStart: () => {
          context.send('b', { type: 'hello' });
          if (extra_send) context.send('b', { type: 'hello' });
        },
        onMessage: () => {},
        onTimer: () => {},
      }));
      world.add_process('b', () => ({ onStart: () => {}, onMessage: () => {}, onTimer: () => {} }));
      world.run();
      return world.summary().trace_hash;
    };
    expect(make(false)).toBe(make(false));
    expect(make(true)).not.toBe(make(false));
  });

  it('the memory sink keeps the last max_records records in order', () => {
    const trace = new Trace(1, { sink: { memory: { max_records: 3 } } });
    for (let index = 0; index < 5; index++) trace.record(index, 'log', 'n', { event: `e${index}` });
    expect(trace.records().map((record) => record.seq)).toEqual([3, 4, 5]);
  });
});

describe('trace fields', () => {
  it('are plain JSON: bigints as strings, byte arrays as their size, maps and sets as objects and arrays', () => {
    const lines: string[] = [];
    const trace = new Trace(1, { sink: { lines: (line) => lines.push(line) } });
    trace.record(5, 'log', 'n', { event: 'x', fields: { big: 12n, bytes: new Uint8Array(7), map: new Map([['k', 1]]), set: new Set([2]) } });
    expect(JSON.parse(lines[1] as string)).toEqual({
      seq: 1,
      time_ms: 5,
      kind: 'log',
      node: 'n',
      event: 'x',
      fields: { big: '12', bytes: { size_bytes: 7 }, map: { k: 1 }, set: [2] },
    });
  });
});

describe('line sink', () => {
  it('writes message records exactly as JSON.stringify of the record objects the memory sink keeps', () => {
    const lines: string[] = [];
    const line_trace = new Trace(2, { sink: { lines: (line) => lines.push(line) } });
    const memory_trace = new Trace(2, { sink: { memory: { max_records: 100 } } });
    for (const trace of [line_trace, memory_trace]) {
      trace.message('send', 1.25, 'tm-"1"', 7, 'jm', 8, 3, 'heart\\beat', 12, undefined);
      trace.message('deliver', 2, 'tm-"1"', 7, 'jm', 8, 3, undefined, undefined, undefined);
      trace.message('drop', 1e21, 'a', 1, 'b', 2, 4, 'x', undefined, 'partition');
    }
    expect(lines).toEqual(memory_trace.records().map((record) => JSON.stringify(record)));
    expect(line_trace.hash_hex()).toBe(memory_trace.hash_hex());
  });
});
