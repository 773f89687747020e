// State backend benchmark: bytes an LSM incremental checkpoint writes when 1% of 100,000 keys change, against a full
// snapshot of the same state (target ≤ 5%), plus the heap backend's full snapshot size for the same state.

import { performance } from 'node:perf_hooks';
import type { BenchFigure } from './figure.js';
import { LsmKeyedStateBackend } from '../engine/state/lsm/lsm-backend.js';
import { HeapKeyedStateBackend } from '../engine/state/heap-backend.js';
import type { KeyedSnapshot } from '../engine/state/backend.js';

const KEY_COUNT = 100_000;
const CHANGED_PER_ROUND = KEY_COUNT / 100;
const ROUNDS = 20;
const MAX_PARALLELISM = 128;

/** A small deterministic generator so the benchmark writes the same bytes every run. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state;
  };
}

const bytes_of = (snapshot: KeyedSnapshot): number => snapshot.files_to_write.reduce((sum, f) => sum + f.bytes.length, 0);

export async function run_bench(): Promise<BenchFigure[]> {
  const range = { start: 0, end: MAX_PARALLELISM - 1 };
  const lsm = new LsmKeyedStateBackend({ key_group_range: range, max_parallelism: MAX_PARALLELISM });
  const heap = new HeapKeyedStateBackend({ key_group_range: range, max_parallelism: MAX_PARALLELISM });
  const key_group_of = (i: number): number => i % MAX_PARALLELISM;
  for (let i = 0; i < KEY_COUNT; i++) {
    const value = { count: i, last_seen_ms: i * 10 };
    lsm.put('counts', key_group_of(i), `user-${i}`, '', value);
    heap.put('counts', key_group_of(i), `user-${i}`, '', value);
  }
  const full = lsm.snapshot(1, 'job/chk-1/counter-sub-0', 'job/shared');
  const full_bytes = bytes_of(full);
  lsm.notify_checkpoint_complete(1);

  const next = lcg(42);
  const incremental_bytes: number[] = [];
  const snapshot_ms: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (let c = 0; c < CHANGED_PER_ROUND; c++) {
      const i = next() % KEY_COUNT;
      const value = { count: i + round + 1, last_seen_ms: 1_000_000 + round };
      lsm.put('counts', key_group_of(i), `user-${i}`, '', value);
      heap.put('counts', key_group_of(i), `user-${i}`, '', value);
    }
    const checkpoint_id = round + 2;
    const started = performance.now();
    const snapshot = lsm.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/counter-sub-0`, 'job/shared');
    snapshot_ms.push(performance.now() - started);
    incremental_bytes.push(bytes_of(snapshot));
    lsm.notify_checkpoint_complete(checkpoint_id);
  }
  const heap_started = performance.now();
  const heap_snapshot = heap.snapshot(ROUNDS + 2, `job/chk-${ROUNDS + 2}/counter-sub-0`, 'job/shared');
  const heap_ms = performance.now() - heap_started;
  const heap_bytes = bytes_of(heap_snapshot);

  const mean = incremental_bytes.reduce((a, b) => a + b, 0) / incremental_bytes.length;
  const worst = Math.max(...incremental_bytes);
  const ratio = mean / full_bytes;
  return [
    { name: 'lsm full snapshot (100k keys)', value: full_bytes, unit: 'bytes' },
    {
      name: 'lsm incremental checkpoint, 1% of keys changed (mean of 20)',
      value: Math.round(mean), unit: 'bytes', target: '≤ 5% of full',
      baseline_name: 'lsm full snapshot (100k keys)', baseline_value: full_bytes, ratio, pass: ratio <= 0.05,
      note: `per round: ${incremental_bytes.join(', ')}; runs ${lsm.run_count()}, compactions ${lsm.stats.compactions}`,
    },
    { name: 'lsm incremental checkpoint, worst of 20', value: worst, unit: 'bytes', baseline_name: 'lsm full snapshot (100k keys)', baseline_value: full_bytes, ratio: worst / full_bytes },
    { name: 'heap full snapshot (100k keys)', value: heap_bytes, unit: 'bytes', note: `sealed, one file, ${heap_ms.toFixed(1)} ms` },
    { name: 'lsm incremental snapshot time (mean)', value: Number((snapshot_ms.reduce((a, b) => a + b, 0) / snapshot_ms.length).toFixed(2)), unit: 'ms' },
  ];
}
