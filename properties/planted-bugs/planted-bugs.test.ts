// Proof that the checks bite: each planted bug, injected through a test-only seam, makes its property fail within
// the default run count; fast-check shrinks the fault plan, the harness prints it with the replay command and writes
// a failure file the CLI reads back, and replaying that file's scenario and seed reproduces the same trace hash.
// Without the bug, the same minimal case holds.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { read_failure_file } from '../../cli/failure-file.js';
import { run_scenario, run_scenario_with } from '../run.js';
import { check_run_property, describe_failure, property_runs } from '../harness.js';
import { PLANTED_BUGS, planted_bug_property } from './catalogue.js';

describe('planted bugs are caught, shrunk and replayed', () => {
  for (const bug of PLANTED_BUGS) {
    it(bug.name, () => {
      const reports_dir = mkdtempSync(join(tmpdir(), 'streamsim-planted-'));
      const property = planted_bug_property(bug);
      const failure = check_run_property(property, { num_runs: Math.max(property_runs(), 20), seed: 42, reports_dir });
      expect(failure, `the planted bug "${bug.name}" was not found`).toBeDefined();
      if (failure === undefined) return;
      console.log(describe_failure(property.name, failure, property.check(failure.result)));
      expect(failure.result.violations.map((v) => v.property)).toContain(bug.property);
      expect((failure.scenario.faults ?? []).length).toBeGreaterThanOrEqual(bug.min_faults ?? 1);
      expect((failure.scenario.faults ?? []).length).toBeLessThanOrEqual(2);
      // The failure file is the CLI's format: its embedded scenario and seed replay to the same trace hash.
      const file = read_failure_file(failure.failure_path);
      expect(file.seed).toBe(failure.result.seed);
      const replayed = run_scenario_with(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' }, { seams: bug.seams });
      expect(replayed.trace_hash).toBe(file.trace_hash);
      // Without the planted bug the same minimal case holds.
      const healthy = run_scenario(file.scenario, { seed: file.seed, scenario_file: 'replay.yaml' });
      expect(healthy.violations.filter((v) => v.property === bug.property)).toEqual([]);
      // Shrinking a long first counterexample takes a hundred runs or so: more than the default minute on a busy machine.
    }, 180_000);
  }
});
