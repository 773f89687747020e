// Fixed sink-throughput findings fail again without their fix: each is replayed with its fix taken out through a
// test-only seam (properties/planted-bugs/), so the fixture keeps proving that it can catch the bug it records.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { FailureFile } from '../../cli/failure-file.js';
import { run_scenario_with } from '../run.js';
import { unbatched_upserts_seams } from '../planted-bugs/unbatched-upserts.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('fixed sink-throughput findings fail again without their fix', () => {
  it('idempotent-sink-per-key-requests-on-spiky-link.json: one upsert per request lets a checkpoint expire', () => {
    const finding = 'idempotent-sink-per-key-requests-on-spiky-link.json';
    const failure = JSON.parse(readFileSync(join(here, finding), 'utf8')) as FailureFile & { found_as: { violations: { property: string }[] } };
    const found = failure.found_as.violations.map((v) => v.property);
    expect(found).toEqual(['no_spurious_failures']);
    const result = run_scenario_with(failure.scenario, { seed: failure.seed, scenario_file: `properties/findings/${finding}` }, { seams: unbatched_upserts_seams });
    expect(result.violations.map((v) => v.property)).toContain('no_spurious_failures');
  });
});
