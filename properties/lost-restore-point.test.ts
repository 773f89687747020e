// Specification of the liveness excuse for a destroyed restore point: it applies only when an injected fault removed
// exactly the object the engine names for the newest completed checkpoint and the object is still gone; an engine that
// tries an older checkpoint which the fault removed still fails liveness.
import { describe, expect, it } from 'vitest';
import type { FaultSummary } from '../scenarios/result-format.js';
import { load_scenario } from '../scenarios/load.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { EngineSeams } from '../scenarios/run/assemble.js';
import { run_scenario, run_scenario_with } from './run.js';
import { lost_restore_point, type RestorePointFacts } from './lost-restore-point.js';

const METADATA = 'job/chk-7/_metadata';
const STATE_FILE = 'job/chk-7/op-1-0.state';
const metadata_reason = `recovery could not read the newest completed checkpoint chk-7 (metadata ${METADATA} is missing or unreadable); an older checkpoint would replay output committed on it`;
const file_reason = `recovery could not read the newest completed checkpoint chk-7 (state file ${STATE_FILE} is missing); an older checkpoint would replay output committed on it`;

function removal(key: string | null, time_ms = 1200): FaultSummary {
  return { time_ms, kind: 'storage_missing_object', target: 'checkpoint:', detail: JSON.stringify({ store: 'checkpoint', key_prefix: '', removed_key: key }) };
}

function facts(overrides: Partial<RestorePointFacts> = {}): RestorePointFacts {
  return {
    engine_reason: metadata_reason,
    faults: [{ time_ms: 900, kind: 'crash', target: 'tm-1' }, removal(METADATA)],
    newest_completed_id: 7,
    metadata_path: (id) => (id === 7 ? METADATA : undefined),
    references: (id, path) => id === 7 && path === STATE_FILE,
    stored: () => false,
    ...overrides,
  };
}

describe('lost_restore_point', () => {
  it('names the checkpoint, the removed key and when, for a removed metadata object or a referenced state file', () => {
    expect(lost_restore_point(facts())).toEqual({ checkpoint_id: 7, key: METADATA, removed_ms: 1200 });
    expect(lost_restore_point(facts({ engine_reason: file_reason, faults: [removal(STATE_FILE, 1500)] }))).toEqual({ checkpoint_id: 7, key: STATE_FILE, removed_ms: 1500 });
  });

  it('excuses nothing the injected removal does not explain', () => {
    // Another reason for the job to be stuck.
    expect(lost_restore_point(facts({ engine_reason: 'fixed-delay restart strategy exhausted after 3 attempts' }))).toBeUndefined();
    // The engine refuses a checkpoint that is not the newest completed one.
    expect(lost_restore_point(facts({ newest_completed_id: 8 }))).toBeUndefined();
    // The object is back (or was never removed): healing could have let the job go on.
    expect(lost_restore_point(facts({ stored: () => true }))).toBeUndefined();
    // The fault removed some other object, or nothing.
    expect(lost_restore_point(facts({ faults: [removal('job/chk-6/_metadata')] }))).toBeUndefined();
    expect(lost_restore_point(facts({ faults: [removal(null)] }))).toBeUndefined();
    // The engine names an object that is not the checkpoint's own: not its metadata path, not a file it references.
    expect(lost_restore_point(facts({ metadata_path: () => 'job/chk-7/_metadata.other' }))).toBeUndefined();
    expect(lost_restore_point(facts({ engine_reason: file_reason, faults: [removal(STATE_FILE)], references: () => false }))).toBeUndefined();
    // Only a removal counts, not damage that reads come back with.
    expect(lost_restore_point(facts({ faults: [{ ...removal(METADATA), kind: 'storage_bit_flip_read' }] }))).toBeUndefined();
  });
});

describe('liveness when the newest completed checkpoint is gone', () => {
  const loaded = load_scenario('scenarios/catalogue/missing-checkpoint-fails-loudly.yaml');
  if (!loaded.ok) throw new Error('missing-checkpoint-fails-loudly.yaml does not load');
  const scenario = loaded.scenario;
  const liveness_of = (variant: Scenario) => {
    const result = run_scenario(variant, { seed: 1, scenario_file: 'scenarios/catalogue/missing-checkpoint-fails-loudly.yaml' });
    return { result, liveness: result.properties.find((property) => property.property === 'liveness') };
  };

  it('is not expected to hold when an injected fault removed the metadata the engine names, and the run passes', () => {
    const { result, liveness } = liveness_of(scenario);
    expect(liveness?.status).toBe('skipped');
    expect(liveness?.message).toMatch(/^not expected to hold: an injected storage_missing_object removed word_count\/chk-\d+\/_metadata at [\d.]+ (ms|s)/);
    expect(result.outcome).toBe('pass');
  });

  it('still fails when an engine that restores an older checkpoint finds that one removed (planted through restore_choice)', () => {
    // The fault removes the oldest retained checkpoint's metadata; the buggy recovery picks exactly that checkpoint and
    // reports it as "the newest completed". The excuse must not apply: it is not the newest one.
    const faults = (scenario.faults ?? []).map((fault) => ((fault as { kind: string }).kind === 'corrupt_checkpoint' ? { ...fault, which: 'oldest_retained' } : fault));
    const seams: EngineSeams = { job_manager: (config) => ({ ...config, restore_choice: (retained_newest_first) => retained_newest_first[retained_newest_first.length - 1] }) };
    const result = run_scenario_with({ ...scenario, faults } as Scenario, { seed: 1, scenario_file: 'scenarios/catalogue/missing-checkpoint-fails-loudly.yaml' }, { seams });
    const liveness = result.properties.find((property) => property.property === 'liveness');
    expect(liveness?.status).toBe('fail');
    expect(liveness?.message).toContain('could not read the newest completed checkpoint');
    expect(result.outcome).toBe('violation');
  });
});
