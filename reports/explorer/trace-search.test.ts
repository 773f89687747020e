// Specification of the byte searches: text search both ways agrees with a naive scan, follow finds exactly the
// records mentioning an identifier, and the first divergence of two traces is the first differing line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { write_synthetic_trace } from './synthetic-trace.js';
import { TraceIndex } from './trace-index.js';
import { find_text, first_divergence, follow_target_of, lines_mentioning } from './trace-search.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-search-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));
const trace_path = path.join(directory, 'a.jsonl');
write_synthetic_trace({ path: trace_path, event_count: 8_000, seed: 9 });
const text_lines = fs.readFileSync(trace_path, 'utf8').trimEnd().split('\n');

function mentions(value: unknown, field: string, expected: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (!Array.isArray(value) && (value as Record<string, unknown>)[field] === expected) return true;
  return Object.values(value).some((child) => mentions(child, field, expected));
}

describe('find_text', () => {
  it('finds the next and previous line containing the text, as a naive scan would, whatever the chunk size', () => {
    const index = TraceIndex.open(trace_path);
    for (const [needle, chunk_bytes] of [
      ['"kind":"violation"', undefined],
      ['checkpoint.completed', 333],
      ['user-7"', 64],
      ['no such text anywhere', 1000],
    ] as const) {
      for (const from of [0, 1234, 5000]) {
        const naive_next = text_lines.findIndex((text, line) => line >= from && text.includes(needle));
        expect(find_text(index, needle, from, 1, undefined, chunk_bytes), `${needle} after ${from}`).toBe(naive_next < 0 ? undefined : naive_next);
        let naive_previous: number | undefined;
        for (let line = from; line >= 0; line--) {
          if ((text_lines[line] as string).includes(needle)) {
            naive_previous = line;
            break;
          }
        }
        expect(find_text(index, needle, from, -1, undefined, chunk_bytes), `${needle} before ${from}`).toBe(naive_previous);
      }
    }
    index.close();
  });

  it('skips matches the caller does not accept (lines hidden by a filter)', () => {
    const index = TraceIndex.open(trace_path);
    const even_only = find_text(index, 'heartbeat', 0, 1, (line) => line % 2 === 0);
    expect(even_only).toBeDefined();
    expect((even_only as number) % 2).toBe(0);
    expect(text_lines[even_only as number]).toContain('heartbeat');
    index.close();
  });
});

describe('follow', () => {
  it('prefers checkpoint ids, then transactions, message ids and keys, nested or not', () => {
    expect(follow_target_of({ kind: 'log', checkpoint_id: 4, transaction: 't' })).toEqual({ field: 'checkpoint_id', value: 4 });
    expect(follow_target_of({ kind: 'send', msg: { type: 'records', id: 17, key: 'user-1' } })).toEqual({ field: 'key', value: 'user-1' });
    expect(follow_target_of({ kind: 'send', msg: { type: 'barrier', id: 3, checkpoint_id: 2 } })).toEqual({ field: 'checkpoint_id', value: 2 });
    expect(follow_target_of({ kind: 'timer', tag: 'heartbeat' })).toBeUndefined();
  });

  it('collects exactly the lines mentioning the identifier, and not longer numbers that start the same', () => {
    const index = TraceIndex.open(trace_path);
    for (const target of [
      { field: 'checkpoint_id', value: 1 },
      { field: 'key', value: 'user-7' },
    ]) {
      const expected = text_lines.flatMap((text, line) => (mentions(JSON.parse(text), target.field, target.value) ? [line] : []));
      expect(expected.length).toBeGreaterThan(1);
      expect(Array.from(lines_mentioning(index, target))).toEqual(expected);
      expect(Array.from(lines_mentioning(index, target, 200))).toEqual(expected);
    }
    index.close();
  });
});

describe('first_divergence', () => {
  it('is the first line that differs, wherever it is', () => {
    const index = TraceIndex.open(trace_path);
    for (const diverge_at_seq of [1, 777, 7_999]) {
      const other_path = path.join(directory, `b-${diverge_at_seq}.jsonl`);
      write_synthetic_trace({ path: other_path, event_count: 8_000, seed: 9, diverge_at_seq });
      const other = TraceIndex.open(other_path);
      expect(first_divergence(index, other)).toBe(diverge_at_seq);
      expect(first_divergence(other, index)).toBe(diverge_at_seq);
      other.close();
    }
    index.close();
  });

  it('is undefined for identical traces, and the first missing line when one is a prefix', () => {
    const index = TraceIndex.open(trace_path);
    const same = TraceIndex.open(trace_path);
    expect(first_divergence(index, same)).toBeUndefined();
    const prefix_path = path.join(directory, 'prefix.jsonl');
    fs.writeFileSync(prefix_path, text_lines.slice(0, 100).join('\n') + '\n');
    const prefix = TraceIndex.open(prefix_path);
    expect(first_divergence(index, prefix)).toBe(100);
    expect(first_divergence(prefix, index)).toBe(100);
    for (const opened of [index, same, prefix]) opened.close();
  });

  it('finds a same-length change inside a line', () => {
    const changed_path = path.join(directory, 'changed.jsonl');
    const changed = [...text_lines];
    const edited = (text_lines[4321] as string).replace(/"time_ms":(\d)/, (_, digit: string) => `"time_ms":${digit === '9' ? '8' : '9'}`);
    changed[4321] = edited;
    expect(edited.length).toBe((text_lines[4321] as string).length);
    fs.writeFileSync(changed_path, changed.join('\n') + '\n');
    const index = TraceIndex.open(trace_path);
    const other = TraceIndex.open(changed_path);
    expect(first_divergence(index, other)).toBe(4321);
    index.close();
    other.close();
  });
});
