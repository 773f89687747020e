// Checkpoint metadata decoded once per content: the runner measures checkpoint sizes and the checks read the
// retained checkpoints' metadata again and again while a job runs, so the last decode per path is reused.
import { Buffer } from 'node:buffer';
import { decode_metadata, type DecodeMetadataResult } from '../../engine/checkpoint/metadata.js';

/**
 * decode_metadata for checks that read the same metadata files again and again while a job runs: the last decode
 * per path is kept and reused while the bytes read are the same. Holds at most `max_paths` paths (oldest dropped).
 * The bytes handed in are kept for that comparison, so nobody may modify them afterwards (a SimStore.view of a
 * stored object or a peek copy both qualify).
 */
export class MetadataDecodeCache {
  private readonly by_path = new Map<string, { bytes: Uint8Array; decoded: DecodeMetadataResult }>();

  constructor(private readonly max_paths: number) {}

  decode(path: string, bytes: Uint8Array): DecodeMetadataResult {
    const cached = this.by_path.get(path);
    if (cached !== undefined && (cached.bytes === bytes || same_bytes(cached.bytes, bytes))) return cached.decoded;
    const decoded = decode_metadata(bytes);
    this.by_path.delete(path);
    this.by_path.set(path, { bytes, decoded });
    for (const oldest of this.by_path.keys()) {
      if (this.by_path.size <= this.max_paths) break;
      this.by_path.delete(oldest);
    }
    return decoded;
  }
}

export function same_bytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
