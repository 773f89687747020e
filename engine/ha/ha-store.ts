// The HA store process: durable, compare-and-set storage of each job's HA record (latest checkpoint pointers, the
// checkpoint id counter, leader info) on its own disk through sealed blobs. Writes are durable before they are
// acknowledged; a restart reloads from disk; corrupt data is reported, never silently reset.

import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { SEALED_KIND, seal_json, unseal_json } from '../util/sealed.js';
import {
  type HaPutRequest, type HaRecord, type HaRequest, type HaResponse, type HaResult, validate_ha_record,
} from './ha-protocol.js';

export const HA_DISK_PREFIX = 'ha/';
/** Requests held while the store loads from disk. */
export const MAX_WAITING_REQUESTS = 1000;
/** Puts queued per job behind the one being written. */
export const MAX_QUEUED_PUTS_PER_JOB = 100;
export const LOAD_RETRY_MS = 200;

interface StoredRecord {
  job_id: string;
  version: number;
  record: HaRecord;
}

interface JobSlot {
  version: number;
  record: HaRecord | null;
  /** Set when the disk copy failed verification: the job's HA data is unusable until an operator intervenes. */
  corrupt: string | undefined;
  writing: boolean;
  queued_puts: { from: NodeId; request: HaPutRequest }[];
}

export function ha_disk_key(job_id: string): string {
  return `${HA_DISK_PREFIX}${encodeURIComponent(job_id)}`;
}

export class HaStoreNode implements EngineNode {
  private phase: 'loading' | 'ready' = 'loading';
  private readonly jobs = new Map<string, JobSlot>();
  private waiting: { from: NodeId; request: HaRequest }[] = [];
  private load_generation = 0;

  constructor(private readonly runtime: Runtime) {}

  on_start(): void {
    this.load();
  }

  on_timer(tag: unknown): void {
    if (typeof tag === 'object' && tag !== null && (tag as { kind?: unknown }).kind === 'ha.load_retry') this.load();
  }

  on_message(from: NodeId, message: unknown): void {
    const request = parse_request(message);
    if (request === undefined) {
      this.runtime.log('ha.bad_request', { from });
      return;
    }
    if (this.phase === 'loading') {
      if (this.waiting.length >= MAX_WAITING_REQUESTS) {
        this.reply(from, request, { ok: false, error: 'busy', detail: 'HA store is loading and its wait queue is full' });
        return;
      }
      this.waiting.push({ from, request });
      return;
    }
    this.handle(from, request);
  }

  /** For tests and diagnostics: what this incarnation holds for a job. */
  inspect(job_id: string): { version: number; record: HaRecord | null; corrupt: string | undefined } | undefined {
    const slot = this.jobs.get(job_id);
    return slot === undefined ? undefined : { version: slot.version, record: slot.record, corrupt: slot.corrupt };
  }

  is_ready(): boolean {
    return this.phase === 'ready';
  }

  // ---- loading ---------------------------------------------------------------------------------------------

  private load(): void {
    const generation = ++this.load_generation;
    this.runtime.disk.list(HA_DISK_PREFIX, (listed) => {
      if (generation !== this.load_generation) return;
      if (!listed.ok) {
        this.runtime.log('ha.load_retry', { error: listed.error });
        this.runtime.setTimer(LOAD_RETRY_MS, { kind: 'ha.load_retry' });
        return;
      }
      const keys = [...listed.value].sort();
      let remaining = keys.length;
      const loaded = new Map<string, JobSlot>();
      let failed = false;
      if (remaining === 0) this.finish_load(loaded);
      for (const key of keys) {
        this.runtime.disk.get(key, (read) => {
          if (generation !== this.load_generation || failed) return;
          if (!read.ok && read.error !== 'missing') {
            failed = true;
            this.runtime.log('ha.load_retry', { key, error: read.error });
            this.runtime.setTimer(LOAD_RETRY_MS, { kind: 'ha.load_retry' });
            return;
          }
          const job_id = decodeURIComponent(key.slice(HA_DISK_PREFIX.length));
          loaded.set(job_id, read.ok ? decode_slot(job_id, read.value) : corrupt_slot('listed on disk but missing when read'));
          const slot = loaded.get(job_id) as JobSlot;
          if (slot.corrupt !== undefined) {
            this.runtime.log('ha.corrupt', { job_id, key, reason: slot.corrupt });
            this.runtime.probe('ha.corrupt_record_detected');
          }
          remaining--;
          if (remaining === 0) this.finish_load(loaded);
        });
      }
    });
  }

  private finish_load(loaded: Map<string, JobSlot>): void {
    for (const job_id of [...loaded.keys()].sort()) this.jobs.set(job_id, loaded.get(job_id) as JobSlot);
    this.phase = 'ready';
    this.runtime.log('ha.loaded', { jobs: this.jobs.size, incarnation: this.runtime.incarnation });
    const waiting = this.waiting;
    this.waiting = [];
    for (const { from, request } of waiting) this.handle(from, request);
  }

  // ---- requests ----------------------------------------------------------------------------------------------

  private handle(from: NodeId, request: HaRequest): void {
    const slot = this.slot(request.job_id);
    if (request.type === 'ha.get') {
      if (slot.corrupt !== undefined) this.reply(from, request, { ok: false, error: 'corrupt', detail: slot.corrupt });
      else this.reply(from, request, { ok: true, version: slot.version, record: slot.record });
      return;
    }
    if (slot.writing) {
      if (slot.queued_puts.length >= MAX_QUEUED_PUTS_PER_JOB) {
        this.reply(from, request, { ok: false, error: 'busy', detail: 'too many queued puts for this job' });
        return;
      }
      slot.queued_puts.push({ from, request });
      return;
    }
    this.put(slot, from, request);
  }

  private put(slot: JobSlot, from: NodeId, request: HaPutRequest): void {
    if (slot.corrupt !== undefined) {
      this.reply(from, request, { ok: false, error: 'corrupt', detail: slot.corrupt });
      this.next_put(slot);
      return;
    }
    const problem = validate_ha_record(request.record, request.job_id);
    if (problem !== undefined) {
      this.reply(from, request, { ok: false, error: 'bad_request', detail: problem });
      this.next_put(slot);
      return;
    }
    if (request.expected_version !== slot.version) {
      this.reply(from, request, {
        ok: false, error: 'version_conflict', detail: `expected version ${request.expected_version}, stored ${slot.version}`,
        version: slot.version, record: slot.record,
      });
      this.next_put(slot);
      return;
    }
    const version = slot.version + 1;
    const stored: StoredRecord = { job_id: request.job_id, version, record: request.record };
    slot.writing = true;
    this.runtime.disk.put(ha_disk_key(request.job_id), seal_json(SEALED_KIND.ha_record, stored), (result) => {
      slot.writing = false;
      if (result.ok) {
        // Durable: only now does the new version become visible and the writer hear about it.
        slot.version = version;
        slot.record = request.record;
        this.runtime.log('ha.put', { job_id: request.job_id, version, latest_checkpoint: request.record.checkpoints[0]?.checkpoint_id ?? null });
        this.reply(from, request, { ok: true, version, record: request.record });
      } else {
        this.runtime.log('ha.put_failed', { job_id: request.job_id, error: result.error });
        this.reply(from, request, { ok: false, error: 'io_error', detail: `disk write failed: ${result.error}` });
      }
      this.next_put(slot);
    });
  }

  private next_put(slot: JobSlot): void {
    if (slot.writing) return;
    const next = slot.queued_puts.shift();
    if (next !== undefined) this.put(slot, next.from, next.request);
  }

  private slot(job_id: string): JobSlot {
    let slot = this.jobs.get(job_id);
    if (slot === undefined) {
      slot = { version: 0, record: null, corrupt: undefined, writing: false, queued_puts: [] };
      this.jobs.set(job_id, slot);
    }
    return slot;
  }

  private reply(to: NodeId, request: HaRequest, result: HaResult): void {
    const response: HaResponse = { type: 'ha.response', request_id: request.request_id, job_id: request.job_id, result };
    this.runtime.send(to, response);
  }
}

function decode_slot(job_id: string, bytes: Uint8Array): JobSlot {
  const opened = unseal_json(bytes, SEALED_KIND.ha_record);
  if (!opened.ok) return corrupt_slot(opened.reason);
  const stored = opened.value as StoredRecord;
  if (typeof stored !== 'object' || stored === null || stored.job_id !== job_id || !Number.isSafeInteger(stored.version) || stored.version < 1) {
    return corrupt_slot('stored HA record has a malformed header');
  }
  const problem = validate_ha_record(stored.record, job_id);
  if (problem !== undefined) return corrupt_slot(`stored HA record is malformed: ${problem}`);
  return { version: stored.version, record: stored.record, corrupt: undefined, writing: false, queued_puts: [] };
}

function corrupt_slot(reason: string): JobSlot {
  return { version: 0, record: null, corrupt: reason, writing: false, queued_puts: [] };
}

function parse_request(message: unknown): HaRequest | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Omit<Partial<HaPutRequest>, 'type'> & { type?: unknown };
  if (typeof m.request_id !== 'number' || typeof m.job_id !== 'string' || m.job_id.length === 0) return undefined;
  if (m.type === 'ha.get') return { type: 'ha.get', request_id: m.request_id, job_id: m.job_id };
  if (m.type === 'ha.put' && typeof m.expected_version === 'number' && typeof m.record === 'object' && m.record !== null) {
    return { type: 'ha.put', request_id: m.request_id, job_id: m.job_id, expected_version: m.expected_version, record: m.record };
  }
  return undefined;
}

/** The factory the host registers for the "ha" process. */
export function create_ha_store_node(runtime: Runtime): EngineNode {
  return new HaStoreNode(runtime);
}
