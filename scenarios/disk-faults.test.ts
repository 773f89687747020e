// The faults real disks and object stores have, one catalogue scenario per kind: unsynced writes lost at a crash,
// full disks (ENOSPC), I/O errors (EIO) and slow syncs each reach the engine (its probes, its trace), and the engine
// keeps every property; an engine that acknowledged unsynced checkpoint files is caught by the same crash.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_scenario } from './load.js';
import { run_scenario, run_scenario_with } from '../properties/run.js';
import { unsynced_checkpoint_ack_seams } from '../properties/planted-bugs/unsynced-checkpoint-ack.js';
import type { RunResult } from './result-format.js';
import type { Scenario } from './schema/scenario.generated.js';

function catalogue(name: string): { file: string; scenario: Scenario } {
  const file = `scenarios/catalogue/${name}.yaml`;
  const loaded = load_scenario(file);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return { file, scenario: loaded.scenario };
}

/** What a crash did to unsynced writes, from the trace: `node store outcome`. */
interface CrashOutcome {
  node: string;
  store: string;
  key: string;
  outcome: string;
}

function run_traced(name: string, seed = 1): { result: RunResult; crash_outcomes: CrashOutcome[]; events: string[] } {
  const { file, scenario } = catalogue(name);
  const trace_path = join(mkdtempSync(join(tmpdir(), 'streamsim-disk-')), 'trace.jsonl');
  const result = run_scenario(scenario, { seed, scenario_file: file, trace_path });
  const crash_outcomes: CrashOutcome[] = [];
  const events: string[] = [];
  for (const line of readFileSync(trace_path, 'utf8').split('\n')) {
    if (line === '') continue;
    const record = JSON.parse(line) as { kind: string; op?: string; node?: string; store?: string; key?: string; detail?: string; event?: string; fields?: Record<string, unknown> };
    if (record.kind === 'storage' && record.op === 'crash') {
      crash_outcomes.push({ node: record.node!, store: record.store!, key: record.key!, outcome: record.detail!.split(' ')[0]! });
    }
    if (record.kind === 'log' && record.event === 'checkpoint.aborted') events.push(`checkpoint.aborted ${String(record.fields?.['reason'])}`);
  }
  return { result, crash_outcomes, events };
}

function held(result: RunResult): Record<string, string> {
  return Object.fromEntries(result.properties.map((p) => [p.property, p.status]));
}

const ALL_HELD = { exactly_once_state: 'pass', exactly_once_output: 'pass', checkpoint_invariants: 'pass', liveness: 'pass' };

describe('disk and object-store faults reach the engine, which keeps every property', () => {
  it('a crash drops, tears or keeps what its process had not synced; nothing acknowledged was among it', () => {
    const { result, crash_outcomes } = run_traced('crash-loses-unsynced-writes');
    expect(held(result)).toMatchObject(ALL_HELD);
    // tm-1's unsynced incremental file, the transactional store's unsynced log entry, the JobManager's unsynced _metadata.
    expect(crash_outcomes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ node: 'tm-1', store: 'checkpoint', outcome: 'unsynced_dropped', key: expect.stringMatching(/\.sst$/) }),
        expect.objectContaining({ node: 'txstore', store: 'disk/txstore', outcome: 'unsynced_torn' }),
        expect.objectContaining({ node: 'jm', store: 'checkpoint', outcome: 'unsynced_dropped', key: expect.stringMatching(/_metadata$/) }),
      ]),
    );
    expect(result.probes['txstore.log_truncated_on_load'] ?? 0).toBeGreaterThan(0);
    expect(result.probes['jm.failover_restored'] ?? 0).toBeGreaterThan(0);
  });

  it('the same crash catches an engine that acknowledges checkpoint files before syncing them', () => {
    const { file, scenario } = catalogue('crash-loses-unsynced-writes');
    const result = run_scenario_with(scenario, { seed: 1, scenario_file: file }, { seams: unsynced_checkpoint_ack_seams });
    const violation = result.violations.find((v) => v.property === 'checkpoint_invariants');
    expect(violation, 'the unsynced acknowledgement went unnoticed').toBeDefined();
    expect(violation!.message).toMatch(/deleted|missing|torn|cut short/i);
  });

  it('ENOSPC: full checkpoint store, HA disk and transactional-store disk fail writes; failures are counted and tolerated', () => {
    const { result, events } = run_traced('disk-full-enospc');
    expect(held(result)).toMatchObject(ALL_HELD);
    expect(result.probes['checkpoint.write_no_space'] ?? 0).toBeGreaterThan(0);
    expect(result.probes['ha.disk_full'] ?? 0).toBeGreaterThan(0);
    expect(result.probes['txstore.disk_full'] ?? 0).toBeGreaterThan(0);
    expect(events).toEqual(expect.arrayContaining(['checkpoint.aborted CHECKPOINT_ASYNC_EXCEPTION', 'checkpoint.aborted FINALIZE_CHECKPOINT_FAILURE']));
    expect(result.recoveries).toEqual([]);
  });

  it('EIO: failing checkpoint-store operations decline checkpoints; the HA and transactional stores retry their disks', () => {
    const { result, events } = run_traced('disk-io-errors-eio');
    expect(held(result)).toMatchObject(ALL_HELD);
    expect(events).toEqual(expect.arrayContaining(['checkpoint.aborted CHECKPOINT_ASYNC_EXCEPTION', 'checkpoint.aborted FINALIZE_CHECKPOINT_FAILURE']));
    expect(result.probes['txstore.disk_error'] ?? 0).toBeGreaterThan(0);
    expect(result.probes['task.restored_from_checkpoint'] ?? 0).toBeGreaterThan(0);
  });

  it('swarm mode switches the disk kinds on per seed (a random subset each), and those on reach the engine', () => {
    const scenario: Scenario = {
      name: 'disk-swarm',
      description: 'the nemesis with crashes and the disk kinds only, in swarm mode',
      cluster: { task_managers: 2, slots_per_task_manager: 2, job_manager_ha: true },
      job: { name: 'word_count', parallelism: 2 },
      flink: {
        'execution.checkpointing.interval': '200 ms',
        'execution.checkpointing.tolerable-failed-checkpoints': 100,
        'state.backend.type': 'rocksdb',
        'state.backend.incremental': true,
        'restart-strategy.type': 'fixed-delay',
        'restart-strategy.fixed-delay.attempts': 100,
        'restart-strategy.fixed-delay.delay': '100 ms',
        'heartbeat.interval': '200 ms',
        'heartbeat.timeout': '1s',
      },
      sink: { kind: 'two_phase_commit', transaction_timeout: '10 min' },
      workload: { records: 3000, keys: 100, rate_per_second: 1000 },
      nemesis: { swarm: true, rates: { crash: 6, disk_full: 20, disk_error: 20, slow_sync: 20 }, restart_after: '300 ms' },
      phases: { safety_duration: '3s', liveness_bound: '30s' },
      properties: ['exactly_once_state', 'exactly_once_output', 'checkpoint_invariants', 'liveness'],
    };
    const kinds_per_seed: string[] = [];
    const probes = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const result = run_scenario(scenario, { seed, scenario_file: 'disk-swarm.yaml' });
      expect(result.violations, `seed ${seed}`).toEqual([]);
      kinds_per_seed.push([...new Set(result.faults.map((f) => f.kind))].sort().join(' '));
      for (const [name, hits] of Object.entries(result.probes)) if (hits > 0) probes.add(name);
    }
    const all_kinds = new Set(kinds_per_seed.flatMap((kinds) => kinds.split(' ')));
    expect([...all_kinds]).toEqual(expect.arrayContaining(['storage_disk_full', 'storage_slow_sync', 'storage_io_error']));
    expect(new Set(kinds_per_seed).size, kinds_per_seed.join(' | ')).toBeGreaterThan(2); // subsets differ by seed
    expect([...probes]).toEqual(expect.arrayContaining(['checkpoint.write_no_space', 'txstore.disk_error', 'ha.disk_full']));
  });

  it('slow syncs hold acknowledgements back until checkpoints expire; a crash mid-sync loses only unacknowledged files', () => {
    const { result, events, crash_outcomes } = run_traced('slow-syncs');
    expect(held(result)).toMatchObject(ALL_HELD);
    expect(result.probes['checkpoint.slow_sync'] ?? 0).toBeGreaterThan(0);
    expect(events).toContain('checkpoint.aborted CHECKPOINT_EXPIRED');
    expect(crash_outcomes.filter((c) => c.node === 'tm-1' && c.store === 'checkpoint').length).toBeGreaterThan(0);
  });
});
