// Specification of checkpoint metadata: layout, round trip, and rejection of corrupt or unknown metadata.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type CheckpointMetadata, METADATA_MAGIC, checkpoint_dir, decode_metadata, encode_metadata, metadata_path, referenced_files,
  savepoint_dir, savepoint_metadata_path, shared_dir, subtask_state_prefix, taskowned_dir,
} from './metadata.js';
import { SEALED_KIND, seal_json } from '../util/sealed.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

function sample_metadata(checkpoint_id = 7): CheckpointMetadata {
  return {
    version: 1,
    job_id: 'job-1',
    checkpoint_id,
    kind: 'checkpoint',
    timestamp_ms: 12_000,
    operators: [
      {
        operator_id: 'counter',
        parallelism: 2,
        max_parallelism: 128,
        subtasks: [
          {
            subtask_index: 0,
            keyed: [{ backend: 'lsm', checkpoint_id, key_group_range: { start: 0, end: 63 }, private_files: [], shared_files: [{ path: 'job-1/shared/a.sst', size_bytes: 100, checksum: '0000abcd' }] }],
            operator_state: [{ name: 'offsets', mode: 'even-split', entries: [{ split: 's0', offset: 41 }] }],
          },
          {
            subtask_index: 1,
            keyed: [{ backend: 'heap', checkpoint_id, key_group_range: { start: 64, end: 127 }, private_files: [{ path: 'job-1/chk-7/counter-sub-1/keyed-heap.snapshot', size_bytes: 30000, checksum: '12345678' }], shared_files: [] }],
            operator_state: [{ name: 'pending', mode: 'union', entries: [] }],
          },
        ],
      },
    ],
    master_states: [{ name: 'source-enumerator', state: { unassigned: ['s2'] } }],
  };
}

describe('checkpoint layout', () => {
  it('follows <job>/chk-<id>/_metadata, <job>/shared/, <job>/taskowned/', () => {
    expect(checkpoint_dir('job-1', 7)).toBe('job-1/chk-7');
    expect(metadata_path('job-1', 7)).toBe('job-1/chk-7/_metadata');
    expect(shared_dir('job-1')).toBe('job-1/shared');
    expect(taskowned_dir('job-1')).toBe('job-1/taskowned');
    expect(subtask_state_prefix('job-1', 7, 'counter', 1)).toBe('job-1/chk-7/counter-sub-1');
    expect(() => checkpoint_dir('job-1', 0)).toThrow();
  });
});

describe('metadata encode / decode', () => {
  it('round-trips and starts with Flink\'s magic number', () => {
    const bytes = encode_metadata(sample_metadata());
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)).toBe(METADATA_MAGIC);
    expect(decode_metadata(bytes)).toEqual({ ok: true, metadata: sample_metadata() });
  });

  it('rejects any bit flip or truncation with a reason', () => {
    const bytes = encode_metadata(sample_metadata());
    fc.assert(
      fc.property(fc.nat(), (pick) => {
        const flipped = bytes.slice();
        const bit = pick % (bytes.length * 8);
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        const result = decode_metadata(flipped);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.reason).toMatch(/rejected/);
        expect(decode_metadata(bytes.subarray(0, pick % bytes.length)).ok).toBe(false);
      }),
      { numRuns: runs * 3 },
    );
  });

  it('rejects an unknown version', () => {
    const bytes = seal_json(SEALED_KIND.checkpoint_metadata, { ...sample_metadata(), version: 99 }, { magic: METADATA_MAGIC });
    expect(decode_metadata(bytes)).toEqual({ ok: false, reason: expect.stringMatching(/unknown checkpoint metadata version 99/) });
  });

  it('rejects structurally malformed metadata', () => {
    const bad = sample_metadata();
    (bad.operators[0]?.subtasks[1] as { subtask_index: number }).subtask_index = 5;
    const bytes = seal_json(SEALED_KIND.checkpoint_metadata, bad, { magic: METADATA_MAGIC });
    expect(decode_metadata(bytes)).toEqual({ ok: false, reason: expect.stringMatching(/subtask index 5/) });
    expect(() => encode_metadata(bad)).toThrow(/subtask index/);
  });

  it('lists referenced private and shared files', () => {
    const files = referenced_files(sample_metadata());
    expect(files.private_files.map((f) => f.path)).toEqual(['job-1/chk-7/counter-sub-1/keyed-heap.snapshot']);
    expect(files.shared_files.map((f) => f.path)).toEqual(['job-1/shared/a.sst']);
  });
});

describe('metadata validation: what a restore may trust', () => {
  type Edit = (m: CheckpointMetadata) => void;
  const loose = (m: CheckpointMetadata): Record<string, unknown> => m as unknown as Record<string, unknown>;
  const op = (m: CheckpointMetadata): Record<string, unknown> => m.operators[0] as unknown as Record<string, unknown>;
  const sub = (m: CheckpointMetadata, i = 0): Record<string, unknown> => m.operators[0]?.subtasks[i] as unknown as Record<string, unknown>;
  const handle = (m: CheckpointMetadata, i = 1): Record<string, unknown> => m.operators[0]?.subtasks[i]?.keyed[0] as unknown as Record<string, unknown>;
  const file = (m: CheckpointMetadata): Record<string, unknown> => m.operators[0]?.subtasks[1]?.keyed[0]?.private_files[0] as unknown as Record<string, unknown>;
  const validated = (edit: Edit): string | undefined => {
    const m = sample_metadata();
    edit(m);
    const result = decode_metadata(seal_json(SEALED_KIND.checkpoint_metadata, m, { magic: METADATA_MAGIC }));
    return result.ok ? undefined : result.reason;
  };

  it('accepts the boundaries of every field', () => {
    const accepted: [string, Edit][] = [
      ['checkpoint id 1', (m) => { m.checkpoint_id = 1; }],
      ['a savepoint', (m) => { m.kind = 'savepoint'; }],
      ['timestamp 0 and negative', (m) => { m.timestamp_ms = -5; }],
      ['no operators and no master state', (m) => { m.operators = []; m.master_states = []; }],
      ['max parallelism equal to the parallelism', (m) => { op(m)['max_parallelism'] = 2; handle(m)['key_group_range'] = { start: 1, end: 1 }; sub(m)['keyed'] = []; }],
      ['the last subtask index', (m) => { op(m)['subtasks'] = [sub(m, 1)]; }],
      ['a key group range ending at max parallelism − 1 and one starting at 0', (m) => { handle(m)['key_group_range'] = { start: 0, end: 127 }; }],
      ['an empty file', (m) => { file(m)['size_bytes'] = 0; }],
      ['inline state as text', (m) => { handle(m)['inline_sealed_base64'] = 'AAAA'; }],
      ['broadcast operator state', (m) => { sub(m)['operator_state'] = [{ name: 'rules', mode: 'broadcast', entries: [] }]; }],
    ];
    for (const [what, edit] of accepted) expect(validated(edit), what).toBeUndefined();
  });

  it('refuses each malformed field with the reason naming it', () => {
    const refused: [Edit, RegExp][] = [
      [(m) => { m.job_id = ''; }, /job_id must be a non-empty string/],
      [(m) => { loose(m)['job_id'] = 7; }, /job_id must be a non-empty string/],
      [(m) => { m.checkpoint_id = 0; }, /checkpoint_id 0 must be a positive integer/],
      [(m) => { m.checkpoint_id = 1.5; }, /checkpoint_id 1.5 must be a positive integer/],
      [(m) => { loose(m)['kind'] = 'snapshot'; }, /kind snapshot must be checkpoint or savepoint/],
      [(m) => { loose(m)['timestamp_ms'] = 'noon'; }, /timestamp_ms must be a number/],
      [(m) => { loose(m)['operators'] = {}; }, /operators must be a list/],
      [(m) => { loose(m)['master_states'] = null; }, /master_states must be a list/],
      [(m) => { loose(m)['master_states'] = [{ state: 1 }]; }, /master state without a name/],
      [(m) => { loose(m)['master_states'] = [null]; }, /master state without a name/],
      [(m) => { loose(m)['operators'] = [null]; }, /operator without an operator_id/],
      [(m) => { op(m)['operator_id'] = 3; }, /operator without an operator_id/],
      [(m) => { m.operators.push(structuredClone(m.operators[0] as never)); }, /operator counter appears twice/],
      [(m) => { op(m)['parallelism'] = 0; }, /operator counter: bad parallelism/],
      [(m) => { op(m)['parallelism'] = 1.5; }, /operator counter: bad parallelism/],
      [(m) => { op(m)['max_parallelism'] = 1; }, /operator counter: bad max_parallelism/],
      [(m) => { op(m)['max_parallelism'] = 127.5; }, /operator counter: bad max_parallelism/],
      [(m) => { op(m)['subtasks'] = 'none'; }, /operator counter: subtasks must be a list/],
      [(m) => { op(m)['subtasks'] = [null]; }, /operator counter: subtask is not an object/],
      [(m) => { sub(m)['subtask_index'] = -1; }, /subtask index -1 outside \[0, 2\)/],
      [(m) => { sub(m)['subtask_index'] = 2; }, /subtask index 2 outside \[0, 2\)/],
      [(m) => { sub(m)['subtask_index'] = 0.5; }, /subtask index 0.5 outside/],
      [(m) => { sub(m, 1)['subtask_index'] = 0; }, /operator counter: subtask 0 appears twice/],
      [(m) => { sub(m)['keyed'] = null; }, /operator counter: subtask state lists missing/],
      [(m) => { sub(m)['operator_state'] = {}; }, /operator counter: subtask state lists missing/],
      [(m) => { sub(m)['operator_state'] = [{ name: 'x', mode: 'split', entries: [] }]; }, /subtask 0: malformed operator list state/],
      [(m) => { sub(m)['operator_state'] = [{ mode: 'union', entries: [] }]; }, /subtask 0: malformed operator list state/],
      [(m) => { sub(m)['operator_state'] = [{ name: 'x', mode: 'union', entries: 1 }]; }, /subtask 0: malformed operator list state/],
      [(m) => { sub(m)['operator_state'] = [null]; }, /subtask 0: malformed operator list state/],
      [(m) => { sub(m)['keyed'] = [null]; }, /operator counter subtask 0: keyed handle is not an object/],
      [(m) => { handle(m)['backend'] = 'rocksdb'; }, /subtask 1: unknown backend rocksdb/],
      [(m) => { handle(m)['key_group_range'] = { start: 64, end: 128 }; }, /subtask 1: key group range outside \[0, max_parallelism\)/],
      [(m) => { handle(m)['key_group_range'] = { start: -1, end: 10 }; }, /key group range outside/],
      [(m) => { handle(m)['key_group_range'] = { start: 1.5, end: 10 }; }, /key group range outside/],
      [(m) => { handle(m)['key_group_range'] = { start: 1, end: 'x' }; }, /key group range outside/],
      [(m) => { handle(m)['key_group_range'] = null; }, /key group range outside/],
      [(m) => { handle(m)['private_files'] = undefined; }, /keyed handle file lists missing/],
      [(m) => { handle(m)['shared_files'] = {}; }, /keyed handle file lists missing/],
      [(m) => { file(m)['size_bytes'] = -1; }, /malformed file reference/],
      [(m) => { file(m)['size_bytes'] = 1.5; }, /malformed file reference/],
      [(m) => { file(m)['path'] = 1; }, /malformed file reference/],
      [(m) => { file(m)['checksum'] = 1; }, /malformed file reference/],
      [(m) => { handle(m)['shared_files'] = [null]; }, /malformed file reference/],
      [(m) => { handle(m)['inline_sealed_base64'] = 5; }, /inline state must be base64 text/],
    ];
    for (const [edit, reason] of refused) {
      const problem = validated(edit);
      expect(problem, String(reason)).toMatch(/^checkpoint metadata is malformed: /);
      expect(problem, String(reason)).toMatch(reason);
    }
  });

  it('refuses a payload that is not an object', () => {
    expect(decode_metadata(seal_json(SEALED_KIND.checkpoint_metadata, 'text', { magic: METADATA_MAGIC }))).toEqual({ ok: false, reason: 'checkpoint metadata is not an object' });
    expect(decode_metadata(seal_json(SEALED_KIND.checkpoint_metadata, null, { magic: METADATA_MAGIC }))).toEqual({ ok: false, reason: 'checkpoint metadata is not an object' });
  });

  it('lists each referenced file once, sorted by path, across operators and subtasks', () => {
    const m = sample_metadata();
    const shared = { path: 'job-1/shared/0.sst', size_bytes: 1, checksum: 'aa' };
    const later = { path: 'job-1/shared/b.sst', size_bytes: 1, checksum: 'bb' };
    m.operators[0]?.subtasks[0]?.keyed[0]?.shared_files.push(later, shared);
    m.operators[0]?.subtasks[1]?.keyed[0]?.shared_files.push(shared);
    const files = referenced_files(m);
    expect(files.shared_files.map((f) => f.path)).toEqual(['job-1/shared/0.sst', 'job-1/shared/a.sst', 'job-1/shared/b.sst']);
  });

  it('savepoints live beside checkpoints under savepoint-<id>; ids below 1 are refused', () => {
    expect(savepoint_dir('job-1', 3)).toBe('job-1/savepoint-3');
    expect(savepoint_metadata_path('job-1', 3)).toBe('job-1/savepoint-3/_metadata');
    expect(() => savepoint_dir('job-1', 0)).toThrow(/checkpoint id 0 must be a positive integer/);
    expect(() => checkpoint_dir('job-1', 2.5)).toThrow(/checkpoint id 2.5 must be a positive integer/);
    expect(checkpoint_dir('job-1', 1)).toBe('job-1/chk-1');
  });
});
