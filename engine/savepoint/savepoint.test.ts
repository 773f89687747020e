// Specification of savepoints: canonical bytes independent of backend and parallelism, clear rejection of damaged
// or foreign files, every old format version still restores, and restore planning across parallelism changes.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StateEntry } from '../state/backend.js';
import { V1_FIXTURE_PAYLOAD, v1_fixture_bytes } from './fixtures/generate-v1-fixture.js';
import {
  SAVEPOINT_FORMAT_VERSION,
  SAVEPOINT_MAGIC,
  key_group_range,
  plan_restore,
  read_savepoint,
  subtask_for_key_group,
  write_savepoint,
  type Savepoint,
  type SavepointInput,
} from './index.js';
import { SEALED_KIND, seal_json } from '../util/sealed.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 50);

const entry = (state: string, key_group: number, key: string, value: unknown, namespace = ''): StateEntry => ({
  state,
  key_group,
  key,
  namespace,
  value,
});

function sample_input(): SavepointInput {
  return {
    job_id: 'job-1',
    checkpoint_id: 12,
    operators: [
      {
        uid: 'counter',
        max_parallelism: 16,
        parallelism: 2,
        // as two subtasks' backends would export them: each in canonical order, concatenated
        keyed: [entry('count', 1, 'sa', 1), entry('count', 6, 'sb', 2), entry('count', 9, 'sc', 3), entry('sum', 12, 's__proto__', 4, 'w1')],
        list_states: [],
      },
      {
        uid: 'source',
        max_parallelism: 16,
        parallelism: 2,
        keyed: [],
        list_states: [
          { name: 'splits', mode: 'even-split', partitions: [['s0', 's1'], ['s2']] },
          { name: 'hint', mode: 'union', partitions: [[1], [2]] },
        ],
      },
    ],
    master_states: [{ name: 'enumerator', state: { unassigned: ['s3'] } }],
  };
}

describe('savepoint format', () => {
  it('round-trips in the current version', () => {
    const read = read_savepoint(write_savepoint(sample_input()));
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.savepoint.read_from_version).toBe(SAVEPOINT_FORMAT_VERSION);
    expect(read.savepoint.checkpoint_id).toBe(12);
    expect(read.savepoint.operators.map((o) => o.uid)).toEqual(['counter', 'source']);
    expect(read.savepoint.operators[0]?.keyed).toEqual(sample_input().operators[0]?.keyed);
    expect(read.savepoint.operators[1]?.list_states[0]).toEqual({ name: 'hint', mode: 'union', partitions: [[1], [2]] });
    expect(read.savepoint.master_states).toEqual([{ name: 'enumerator', state: { unassigned: ['s3'] } }]);
  });

  it('is canonical: the same state exported in any order gives identical bytes', () => {
    const entries = fc.uniqueArray(
      fc.record({ state: fc.constantFrom('a', 'b'), key_group: fc.integer({ min: 0, max: 15 }), key: fc.string(), namespace: fc.constantFrom('', 'n'), value: fc.integer() }),
      { selector: (e) => `${e.state}|${e.key_group}|${e.key}|${e.namespace}`, maxLength: 30 },
    );
    fc.assert(
      fc.property(entries, fc.infiniteStream(fc.nat()), (list, stream) => {
        const shuffled: StateEntry[] = [...list];
        for (let i = shuffled.length - 1; i > 0; i--) {
          const j = (stream.next().value as number) % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j] as StateEntry, shuffled[i] as StateEntry];
        }
        const bytes = (keyed: readonly StateEntry[]) =>
          write_savepoint({ job_id: 'j', checkpoint_id: 1, operators: [{ uid: 'op', max_parallelism: 16, parallelism: 1, keyed, list_states: [] }], master_states: [] });
        expect(bytes(shuffled)).toEqual(bytes(list as StateEntry[]));
      }),
      { numRuns: runs },
    );
  });

  it('refuses to write state that no reader could accept', () => {
    const twice = sample_input();
    twice.operators[0]!.keyed = [entry('count', 1, 'sa', 1), entry('count', 1, 'sa', 2)];
    expect(() => write_savepoint(twice)).toThrow(/twice/);
    const outside = sample_input();
    outside.operators[0]!.keyed = [entry('count', 16, 'sa', 1)];
    expect(() => write_savepoint(outside)).toThrow(/key group 16/);
  });

  it('rejects a corrupt file (a flipped bit) with a checksum error', () => {
    const bytes = write_savepoint(sample_input());
    const flipped = new Uint8Array(bytes);
    flipped[40] = (flipped[40] as number) ^ 0x01;
    const read = read_savepoint(flipped);
    expect(read).toMatchObject({ ok: false, error: 'corrupt' });
    if (!read.ok) expect(read.message).toMatch(/checksum/);
  });

  it('rejects a truncated file', () => {
    const bytes = write_savepoint(sample_input());
    expect(read_savepoint(bytes.subarray(0, bytes.length - 3))).toMatchObject({ ok: false, error: 'truncated' });
    expect(read_savepoint(bytes.subarray(0, 5))).toMatchObject({ ok: false, error: 'truncated' });
  });

  it('rejects a newer or unknown format version by name', () => {
    const future = seal_json(SEALED_KIND.json, { format: 'streamsim-savepoint', format_version: 99, job_id: 'j' }, { magic: SAVEPOINT_MAGIC });
    const read = read_savepoint(future);
    expect(read).toMatchObject({ ok: false, error: 'unsupported_version' });
    if (!read.ok) expect(read.message).toMatch(/format version 99; this build reads 1\.\.2/);
  });

  it('rejects bytes that are not a savepoint', () => {
    expect(read_savepoint(seal_json(SEALED_KIND.json, { hello: 1 })).ok).toBe(false);
    expect(read_savepoint(seal_json(SEALED_KIND.json, { hello: 1 }, { magic: SAVEPOINT_MAGIC }))).toMatchObject({ ok: false, error: 'not_a_savepoint' });
  });

  it('rejects a well-sealed but malformed payload', () => {
    const bad = seal_json(
      SEALED_KIND.json,
      { format: 'streamsim-savepoint', format_version: 2, job_id: 'j', checkpoint_id: 1, operators: [{ uid: 'x', max_parallelism: 4, parallelism: 1, keyed: { states: ['s'], entries: [[0, 9, 'k', '', 1]] }, list_states: [] }], master_states: [] },
      { magic: SAVEPOINT_MAGIC },
    );
    expect(read_savepoint(bad)).toMatchObject({ ok: false, error: 'malformed' });
  });
});

describe('format version 1 fixture', () => {
  const fixture = new Uint8Array(readFileSync(new URL('./fixtures/v1-wordcount.savepoint', import.meta.url)));

  it('is frozen: its generator still produces the committed bytes', () => {
    expect(v1_fixture_bytes()).toEqual(fixture);
  });

  it('is read by the current build and upgraded in memory', () => {
    const read = read_savepoint(fixture);
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    const sp = read.savepoint;
    expect(sp.read_from_version).toBe(1);
    expect(sp.job_id).toBe('wordcount-v1');
    const counter = sp.operators.find((o) => o.uid === 'counter');
    expect(counter?.parallelism).toBeNull();
    expect(counter?.keyed.map((e) => `${e.state}/${e.key_group}/${e.key}/${e.namespace}=${String(e.value)}`)).toEqual([
      'count/0/sapple/=3',
      'count/3/s__proto__/=1',
      'count/5/s/=2',
      'count/7/scherry/=5',
      'window-sum/5/sbanana/w:0-1000=10',
    ]);
    const source = sp.operators.find((o) => o.uid === 'source');
    expect(source?.list_states.map((l) => l.mode)).toEqual(['even-split', 'union']);
    expect(sp.master_states).toEqual([{ name: 'source-enumerator', state: V1_FIXTURE_PAYLOAD.master_state['source-enumerator'] }]);
  });

  it('restores into a job at a new parallelism, and re-saved in the current version reads back the same', () => {
    const read = read_savepoint(fixture);
    if (!read.ok) throw new Error(read.message);
    const job = { operators: [{ uid: 'counter', parallelism: 3, max_parallelism: 8 }, { uid: 'source', parallelism: 2, max_parallelism: 8 }] };
    const planned = plan_restore(read.savepoint, job, { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    const counter = planned.plan.operators.find((o) => o.uid === 'counter');
    expect(counter?.subtasks.map((s) => s.keyed.map((e) => e.key_group))).toEqual([[0], [3, 5, 5], [7]]);
    const splits = planned.plan.operators.find((o) => o.uid === 'source')?.subtasks.map((s) => s.list_states[0]?.entries.length);
    expect(splits).toEqual([2, 1]);
    expect(planned.plan.next_checkpoint_id).toBe(8);
    const resaved = write_savepoint({
      job_id: read.savepoint.job_id,
      checkpoint_id: read.savepoint.checkpoint_id,
      operators: read.savepoint.operators.map((o) => ({ ...o, parallelism: 1 })),
      master_states: read.savepoint.master_states,
    });
    const again = read_savepoint(resaved);
    if (!again.ok) throw new Error(again.message);
    expect(again.savepoint.operators.map((o) => o.keyed)).toEqual(read.savepoint.operators.map((o) => o.keyed));
  });
});

function read_ok(input: SavepointInput): Savepoint {
  const read = read_savepoint(write_savepoint(input));
  if (!read.ok) throw new Error(read.message);
  return read.savepoint;
}

describe('plan_restore', () => {
  const job = (counter_p: number, source_p: number, max_parallelism = 16) => ({
    operators: [
      { uid: 'counter', parallelism: counter_p, max_parallelism },
      { uid: 'source', parallelism: source_p, max_parallelism },
    ],
  });

  it('gives every subtask exactly the key groups of its range (Flink formula), and nothing is lost or duplicated', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.array(fc.nat(), { maxLength: 60 }), (max_p_raw, p_raw, groups) => {
        const max_parallelism = max_p_raw;
        const parallelism = Math.min(p_raw, max_parallelism);
        const keyed = [...new Set(groups.map((g) => g % max_parallelism))].map((g) => entry('s', g, `k${g}`, g));
        const sp = read_ok({ job_id: 'j', checkpoint_id: 3, operators: [{ uid: 'op', max_parallelism, parallelism: 1, keyed, list_states: [] }], master_states: [] });
        const planned = plan_restore(sp, { operators: [{ uid: 'op', parallelism, max_parallelism }] }, { allow_non_restored_state: false });
        if (!planned.ok) throw new Error(planned.message);
        const subtasks = planned.plan.operators[0]!.subtasks;
        let covered = 0;
        for (const s of subtasks) {
          expect(s.key_group_range.start).toBe(covered);
          covered = s.key_group_range.end + 1;
          for (const e of s.keyed) {
            expect(e.key_group).toBeGreaterThanOrEqual(s.key_group_range.start);
            expect(e.key_group).toBeLessThanOrEqual(s.key_group_range.end);
            expect(subtask_for_key_group(max_parallelism, parallelism, e.key_group)).toBe(s.subtask_index);
          }
        }
        expect(covered).toBe(max_parallelism);
        expect(subtasks.flatMap((s) => s.keyed).sort((a, b) => a.key_group - b.key_group)).toEqual(keyed.sort((a, b) => a.key_group - b.key_group));
      }),
      { numRuns: runs },
    );
  });

  it('matches Flink key-group ranges on known values', () => {
    expect([0, 1, 2].map((i) => key_group_range(128, 3, i))).toEqual([
      { start: 0, end: 42 },
      { start: 43, end: 85 },
      { start: 86, end: 127 },
    ]);
    expect(subtask_for_key_group(128, 3, 42)).toBe(0);
    expect(subtask_for_key_group(128, 3, 43)).toBe(1);
  });

  it('deals even-split list state in contiguous chunks and gives union state to every subtask', () => {
    const sp = read_ok(sample_input());
    const planned = plan_restore(sp, job(2, 3), { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    const source = planned.plan.operators.find((o) => o.uid === 'source')!;
    expect(source.subtasks.map((s) => s.list_states.find((l) => l.name === 'splits')?.entries)).toEqual([['s0'], ['s1'], ['s2']]);
    expect(source.subtasks.map((s) => s.list_states.find((l) => l.name === 'hint')?.entries)).toEqual([[1, 2], [1, 2], [1, 2]]);
    const fewer = plan_restore(sp, job(2, 1), { allow_non_restored_state: false });
    if (!fewer.ok) throw new Error(fewer.message);
    expect(fewer.plan.operators.find((o) => o.uid === 'source')!.subtasks[0]!.list_states.find((l) => l.name === 'splits')!.entries).toEqual(['s0', 's1', 's2']);
  });

  it('refuses a different max parallelism, naming the operator and both values', () => {
    const planned = plan_restore(read_ok(sample_input()), job(2, 2, 32), { allow_non_restored_state: false });
    expect(planned).toMatchObject({ ok: false, error: { kind: 'max_parallelism_mismatch', uid: 'counter', savepoint_max_parallelism: 16, job_max_parallelism: 32 } });
  });

  it('refuses state for an operator uid the job lacks, unless allow_non_restored_state', () => {
    const sp = read_ok(sample_input());
    const only_counter = { operators: [{ uid: 'counter', parallelism: 2, max_parallelism: 16 }] };
    const refused = plan_restore(sp, only_counter, { allow_non_restored_state: false });
    expect(refused).toMatchObject({ ok: false, error: { kind: 'unmatched_operator_state', uids: ['source'] } });
    if (!refused.ok) expect(refused.message).toMatch(/"source".*allow_non_restored_state/);
    const allowed = plan_restore(sp, only_counter, { allow_non_restored_state: true });
    expect(allowed).toMatchObject({ ok: true, plan: { non_restored: ['source'] } });
  });

  it('starts a new operator without state, and skips an unmatched operator that has no state', () => {
    const input = sample_input();
    input.operators.push({ uid: 'empty', max_parallelism: 16, parallelism: 1, keyed: [], list_states: [] });
    const planned = plan_restore(read_ok(input), { operators: [...job(1, 1).operators, { uid: 'new-op', parallelism: 2, max_parallelism: 16 }] }, { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.plan.operators.find((o) => o.uid === 'new-op')).toMatchObject({ has_state: false });
    expect(planned.plan.non_restored).toEqual(['empty']);
  });

  it('never modifies the savepoint: bytes and decoded object stay identical after restores', () => {
    const bytes = write_savepoint(sample_input());
    const copy = new Uint8Array(bytes);
    const read = read_savepoint(bytes);
    if (!read.ok) throw new Error(read.message);
    const before = structuredClone(read.savepoint);
    const planned = plan_restore(read.savepoint, job(3, 2), { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    for (const op of planned.plan.operators) for (const s of op.subtasks) for (const e of s.keyed) e.value = 'mutated by the restored job';
    for (const op of planned.plan.operators) for (const s of op.subtasks) for (const l of s.list_states) l.entries.push('x');
    expect(read.savepoint).toEqual(before);
    expect(bytes).toEqual(copy);
  });

  it('rescale 2 → 5 → 3 through savepoints keeps the same keyed state', () => {
    const all = Array.from({ length: 40 }, (_, i) => entry('count', (i * 7) % 32, `k${i}`, i));
    const at2 = read_ok({ job_id: 'j', checkpoint_id: 1, operators: [{ uid: 'op', max_parallelism: 32, parallelism: 2, keyed: all, list_states: [] }], master_states: [] });
    const plan5 = plan_restore(at2, { operators: [{ uid: 'op', parallelism: 5, max_parallelism: 32 }] }, { allow_non_restored_state: false });
    if (!plan5.ok) throw new Error(plan5.message);
    const at5 = read_ok({
      job_id: 'j',
      checkpoint_id: plan5.plan.next_checkpoint_id,
      operators: [{ uid: 'op', max_parallelism: 32, parallelism: 5, keyed: plan5.plan.operators[0]!.subtasks.flatMap((s) => s.keyed), list_states: [] }],
      master_states: [],
    });
    const plan3 = plan_restore(at5, { operators: [{ uid: 'op', parallelism: 3, max_parallelism: 32 }] }, { allow_non_restored_state: false });
    if (!plan3.ok) throw new Error(plan3.message);
    const final = plan3.plan.operators[0]!.subtasks.flatMap((s) => s.keyed);
    expect(final).toEqual(at2.operators[0]!.keyed);
    expect(plan3.plan.next_checkpoint_id).toBe(3);
  });
});
