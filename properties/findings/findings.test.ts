// A fixed finding in this folder (one with `found_as`: the run as found) is a regression fixture: its embedded scenario,
// replayed at its seed, must hold every property except the one it expects to fail (`expect_violation`, when the fix is
// an honest failure such as a job that cannot recover); the recorded trace hash is reported when the engine changed it.
// Open findings are skipped.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run_scenario } from '../run.js';
import type { FailureFile } from '../../cli/failure-file.js';
import { load_job } from '../../scenarios/job-module.js';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter((name) => name.endsWith('.json')).sort();
type Finding = FailureFile & { found_as?: { violations: unknown[] } };
const read = (name: string): Finding => JSON.parse(readFileSync(join(here, name), 'utf8')) as Finding;

describe('findings replay as fixed regressions', () => {
  it('keeps at least one fixed finding', () => {
    expect(files.filter((name) => read(name).found_as !== undefined).length).toBeGreaterThan(0);
  });
  for (const name of files) {
    const fixed = read(name).found_as !== undefined;
    it.skipIf(!fixed)(`${name}: every property holds (or fails as expected) at the recorded seed`, async () => {
      const failure = read(name);
      expect(failure.found_as?.violations.length ?? 0).toBeGreaterThan(0);
      // A user job from a module is loaded as `streamsim replay` loads it: relative to the recorded scenario directory.
      const loaded = failure.job === undefined ? undefined : await load_job(failure.scenario, resolve(here, failure.job.scenario_dir), name);
      if (loaded !== undefined && !loaded.ok) throw new Error(JSON.stringify(loaded.errors));
      const result = run_scenario(failure.scenario, {
        seed: failure.seed,
        scenario_file: `properties/findings/${name}`,
        ...(loaded === undefined ? {} : { job: loaded.job }),
      });
      const expected = (failure.scenario as { expect_violation?: string }).expect_violation;
      expect(result.violations.filter((violation) => violation.property !== expected)).toEqual([]);
      expect(result.outcome).toBe('pass');
      // The recorded hash pins the engine version of the recording; after engine changes the run differs but the
      // fixture still has to hold every property.
      if (result.trace_hash !== failure.trace_hash) console.info(`${name}: trace hash now ${result.trace_hash} (recorded ${failure.trace_hash})`);
    });
  }
});
