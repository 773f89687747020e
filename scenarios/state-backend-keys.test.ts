// The state backend keys do what Flink's do, for every edge value validate accepts: state.backend.incremental (rocksdb
// checkpoints reference earlier checkpoints' files only when on), state.backend.rocksdb.writebuffer.size (the memtable
// flushes at that size) and state.storage.fs.memory-threshold (heap snapshots up to it go inline in the metadata).
// Each run crashes a TaskManager, restores from those checkpoints and must hold every property.
import { describe, expect, it } from 'vitest';
import { validate_scenario_data } from './load.js';
import { parse_flink_config } from './flink-config.js';
import { run_scenario_with } from '../properties/run.js';
import { decode_metadata, type CheckpointMetadata } from '../engine/checkpoint/metadata.js';
import type { Scenario } from './schema/scenario.generated.js';

const SAMPLE_EVERY_MS = 50;

function scenario(flink: Record<string, unknown>): Scenario {
  const data = {
    name: 'state-backend-keys',
    description: 'a keyed job under one state backend setting, with a crash and a restore',
    cluster: { task_managers: 2, slots_per_task_manager: 2 },
    job: { name: 'word_count', parallelism: 2 },
    flink: {
      'execution.checkpointing.interval': '200 ms',
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 3,
      'restart-strategy.fixed-delay.delay': '100 ms',
      'heartbeat.interval': '200 ms',
      'heartbeat.timeout': '1s',
      ...flink,
    },
    sink: { kind: 'two_phase_commit', transaction_timeout: '5 min' },
    workload: { records: 1500, keys: 60, rate_per_second: 1000 },
    faults: [{ kind: 'crash', target: 'tm-1', at: '900 ms', restart_after: '200 ms' }],
    phases: { safety_duration: '3s', liveness_bound: '20s' },
    properties: ['exactly_once_state', 'exactly_once_output', 'checkpoint_invariants', 'liveness'],
  };
  const validated = validate_scenario_data(data, 'state-backend-keys', JSON.stringify(data));
  if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
  return validated.scenario;
}

/** Runs the scenario and reads every checkpoint's metadata while it is in the checkpoint store. */
function run_and_read_metadata(flink: Record<string, unknown>): { metadata: Map<number, CheckpointMetadata>; outcome: string; violations: unknown[] } {
  const metadata = new Map<number, CheckpointMetadata>();
  const result = run_scenario_with(scenario(flink), { seed: 1, scenario_file: 'state-backend-keys' }, {
    on_world: (view) => {
      const world = view.run.world;
      const sample = (): void => {
        for (const key of world.checkpoint_store.keys()) {
          if (!key.endsWith('/_metadata')) continue;
          const bytes = world.checkpoint_store.peek(key);
          const decoded = bytes === undefined ? undefined : decode_metadata(bytes);
          if (decoded?.ok === true) metadata.set(decoded.metadata.checkpoint_id, decoded.metadata);
        }
        world.after(SAMPLE_EVERY_MS, sample);
      };
      world.after(SAMPLE_EVERY_MS, sample);
    },
  });
  return { metadata, outcome: result.outcome, violations: result.violations };
}

const keyed_handles = (m: CheckpointMetadata) => m.operators.flatMap((op) => op.subtasks.flatMap((sub) => sub.keyed));
const checkpoint_of_file = (path: string): number => Number(/-c(\d+)-r\d+-/.exec(path)?.[1]);

describe('state.backend.incremental (rocksdb)', () => {
  it.each([true, false])('%s: checkpoints reference earlier checkpoints\' files only when incremental', (incremental) => {
    const { metadata, outcome, violations } = run_and_read_metadata({ 'state.backend.type': 'rocksdb', 'state.backend.incremental': incremental });
    expect(violations).toEqual([]);
    expect(outcome).toBe('pass');
    expect(metadata.size).toBeGreaterThan(3);
    const reused = [...metadata.values()].flatMap((m) => keyed_handles(m).flatMap((h) => h.shared_files.filter((f) => checkpoint_of_file(f.path) < m.checkpoint_id)));
    if (incremental) expect(reused.length).toBeGreaterThan(0);
    else expect(reused).toEqual([]);
  });
});

describe('state.backend.rocksdb.writebuffer.size', () => {
  it.each([
    ['1 b', true],
    ['512 b', true],
    ['64 mb', false],
  ] as const)('%s: the memtable flushes before the first checkpoint: %s', (size, flushes_early) => {
    const { metadata, outcome, violations } = run_and_read_metadata({ 'state.backend.type': 'rocksdb', 'state.backend.rocksdb.writebuffer.size': size });
    expect(violations).toEqual([]);
    expect(outcome).toBe('pass');
    const first = metadata.get(Math.min(...metadata.keys()))!;
    // The snapshot itself flushes once: more than one run per handle means the memtable filled up before it.
    const most_runs = Math.max(...keyed_handles(first).map((h) => h.shared_files.length));
    if (flushes_early) expect(most_runs).toBeGreaterThan(1);
    else expect(most_runs).toBeLessThanOrEqual(1);
  });

  it('0 bytes is refused by validate (a memtable holds at least one entry)', () => {
    const parsed = parse_flink_config({ 'state.backend.type': 'rocksdb', 'state.backend.rocksdb.writebuffer.size': 0 });
    expect(parsed.ok).toBe(false);
  });
});

describe('state.storage.fs.memory-threshold (hashmap)', () => {
  it.each([
    ['0 b', false],
    ['20 kb', true],
    ['1 mb', true],
  ] as const)('%s: small snapshots inline in the metadata: %s', (threshold, inline) => {
    const { metadata, outcome, violations } = run_and_read_metadata({ 'state.storage.fs.memory-threshold': threshold });
    expect(violations).toEqual([]);
    expect(outcome).toBe('pass');
    const handles = [...metadata.values()].flatMap(keyed_handles);
    expect(handles.length).toBeGreaterThan(0);
    const inline_handles = handles.filter((h) => h.inline_sealed_base64 !== undefined);
    if (inline) expect(inline_handles.length).toBe(handles.length);
    else expect(inline_handles).toEqual([]);
  });

  it('above 1 mb is refused by validate, as Flink refuses it', () => {
    const parsed = parse_flink_config({ 'state.storage.fs.memory-threshold': '1025 kb' });
    expect(parsed.ok).toBe(false);
  });
});
