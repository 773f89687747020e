// The aligned-checkpoint timeout as Flink measures it: from the checkpoint's start (the barrier's timestamp), for any
// number of input channels, with barriers still queued behind records (announced) switching too. Catalogue scenario
// aligned-checkpoint-timeout-from-start: every switch happens no earlier than start + timeout, channel state is
// captured and replayed after a crash, and every property holds.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { load_scenario } from './load.js';
import { run_scenario } from '../properties/run.js';

const FILE = 'scenarios/catalogue/aligned-checkpoint-timeout-from-start.yaml';
const TIMEOUT_MS = 8;

interface LogRecord { time_ms: number; kind: string; event?: string; fields?: Record<string, unknown> }

describe('aligned-checkpoint timeout from the checkpoint start', () => {
  it('switches barriers that arrive after start + timeout to unaligned, never earlier, and holds every property through a crash', () => {
    const loaded = load_scenario(FILE);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    for (const seed of loaded.scenario.seeds ?? []) {
      const dir = mkdtempSync(join(tmpdir(), 'aligned-timeout-'));
      try {
        const trace_path = join(dir, 'trace.jsonl');
        const result = run_scenario(loaded.scenario, { seed, scenario_file: FILE, trace_path });
        expect(result.violations, `seed ${seed}`).toEqual([]);
        expect(result.probes['checkpoint.announced_barrier_timeout'] ?? 0).toBeGreaterThan(0);
        expect(result.probes['checkpoint.channel_state_captured'] ?? 0).toBeGreaterThan(0);
        expect(result.probes['restore.channel_state_replayed'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
        const records = readFileSync(trace_path, 'utf8').split('\n').filter((l) => l.includes('"checkpoint.triggered"') || l.includes('"checkpoint.alignment_timeout_switch"')).map((l) => JSON.parse(l) as LogRecord).filter((r) => r.kind === 'log');
        const started = new Map<number, number>();
        let switches = 0;
        for (const record of records) {
          const id = record.fields?.['checkpoint_id'] as number;
          if (record.event === 'checkpoint.triggered') started.set(id, record.time_ms);
          else {
            switches++;
            // JobManager and TaskManagers share one clock here (no drift fault): the switch is never early.
            expect(record.time_ms - started.get(id)!).toBeGreaterThanOrEqual(TIMEOUT_MS);
          }
        }
        expect(switches).toBeGreaterThan(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
