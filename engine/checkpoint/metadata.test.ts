// Specification of checkpoint metadata: layout, round trip, and rejection of corrupt or unknown metadata.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  type CheckpointMetadata, METADATA_MAGIC, checkpoint_dir, decode_metadata, encode_metadata, metadata_path, referenced_files,
  shared_dir, subtask_state_prefix, taskowned_dir,
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
