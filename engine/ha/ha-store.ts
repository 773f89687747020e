// The HA store process: durable, compare-and-set storage of each job's HA record (latest checkpoint pointers, the
// checkpoint id counter, leader info) on its own disk through sealed blobs in two alternating slots. A write is read
// back and verified before it is acknowledged; a restart reloads the newest verified slot; corrupt data is reported,
// never silently reset.

import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { SEALED_KIND, seal_json, unseal_json } from '../util/sealed.js';
import {
  type HaPutRequest, type HaRecord, type HaRequest, type HaResponse, type HaResult, validate_ha_record,
} from './ha-protocol.js';
import { put_durable } from '../util/durable-write.js';

export const HA_DISK_PREFIX = 'ha/';
/** Requests held while the store loads from disk. */
export const MAX_WAITING_REQUESTS = 1000;
/** Puts queued per job behind the one being written. */
export const MAX_QUEUED_PUTS_PER_JOB = 100;
export const LOAD_RETRY_MS = 200;
/** Write + read-back attempts before a put fails with io_error. */
export const MAX_WRITE_ATTEMPTS = 4;
/** Reads of one slot at load before it is declared invalid (a read can return flipped bits). */
export const MAX_SLOT_READS = 3;
/**
 * Whole loads (LOAD_RETRY_MS apart) in which no slot of a job verifies before its record is declared corrupt: flipped
 * reads come and go, damage at rest stays.
 */
export const MAX_UNVERIFIED_LOADS = 5;

export type SlotName = 'a' | 'b';

interface StoredRecord {
  job_id: string;
  version: number;
  record: HaRecord;
}

interface JobSlot {
  version: number;
  record: HaRecord | null;
  /** The disk slot holding `version`; the next write goes to the other one, so a failed write never harms it. */
  current_slot: SlotName | undefined;
  /** Set when the disk copy failed verification: the job's HA data is unusable until an operator intervenes. */
  corrupt: string | undefined;
  writing: boolean;
  queued_puts: { from: NodeId; request: HaPutRequest }[];
}

export function ha_disk_key(job_id: string, slot: SlotName): string {
  return `${HA_DISK_PREFIX}${encodeURIComponent(job_id)}/${slot}`;
}

function parse_disk_key(key: string): { job_id: string; slot: SlotName } | undefined {
  const rest = key.slice(HA_DISK_PREFIX.length);
  const cut = rest.lastIndexOf('/');
  const slot = rest.slice(cut + 1);
  if (cut <= 0 || (slot !== 'a' && slot !== 'b')) return undefined;
  return { job_id: decodeURIComponent(rest.slice(0, cut)), slot };
}

function bytes_equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class HaStoreNode implements EngineNode {
  private phase: 'loading' | 'ready' = 'loading';
  private readonly jobs = new Map<string, JobSlot>();
  private waiting: { from: NodeId; request: HaRequest }[] = [];
  private load_generation = 0;
  /** Loads so far in which some job had no slot that verified. */
  private unverified_loads = 0;

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
        this.retry_load(listed.error);
        return;
      }
      const slots: { key: string; job_id: string; slot: SlotName }[] = [];
      for (const key of [...listed.value].sort()) {
        const parsed = parse_disk_key(key);
        if (parsed === undefined) this.runtime.log('ha.unknown_key', { key });
        else slots.push({ key, ...parsed });
      }
      const read_back = new Map<string, { slot: SlotName; stored: StoredRecord | undefined; reason: string }[]>();
      let remaining = slots.length;
      let failed = false;
      if (remaining === 0) this.finish_load(read_back);
      for (const entry of slots) {
        this.read_slot(entry.key, entry.job_id, 1, generation, (outcome) => {
          if (generation !== this.load_generation || failed) return;
          if (outcome === 'io_error') {
            failed = true;
            this.retry_load(`reading ${entry.key} failed`);
            return;
          }
          const list = read_back.get(entry.job_id) ?? [];
          list.push({ slot: entry.slot, ...outcome });
          read_back.set(entry.job_id, list);
          remaining--;
          if (remaining === 0) this.finish_load(read_back);
        });
      }
    });
  }

  /** Read and verify one slot, re-reading a few times (a read may return flipped bits). */
  private read_slot(
    key: string, job_id: string, attempt: number, generation: number,
    done: (outcome: { stored: StoredRecord | undefined; reason: string } | 'io_error') => void,
  ): void {
    this.runtime.disk.get(key, (read) => {
      if (generation !== this.load_generation) return;
      if (!read.ok && read.error !== 'missing') {
        done('io_error');
        return;
      }
      const decoded = read.ok ? decode_stored(job_id, read.value) : { stored: undefined, reason: 'listed on disk but missing when read' };
      if (decoded.stored === undefined && attempt < MAX_SLOT_READS) {
        this.read_slot(key, job_id, attempt + 1, generation, done);
        return;
      }
      done(decoded);
    });
  }

  private retry_load(reason: string): void {
    this.runtime.log('ha.load_retry', { reason });
    this.runtime.setTimer(LOAD_RETRY_MS, { kind: 'ha.load_retry' });
  }

  private finish_load(read_back: Map<string, { slot: SlotName; stored: StoredRecord | undefined; reason: string }[]>): void {
    const unverified = [...read_back.values()].some((slots) => slots.every((c) => c.stored === undefined));
    if (unverified && ++this.unverified_loads < MAX_UNVERIFIED_LOADS) {
      this.retry_load('no slot of a job verified (reads may have come back flipped)');
      return;
    }
    for (const job_id of [...read_back.keys()].sort()) {
      const slots = (read_back.get(job_id) ?? []).sort((x, y) => (x.slot < y.slot ? -1 : 1));
      let best: { slot: SlotName; stored: StoredRecord } | undefined;
      for (const candidate of slots) {
        if (candidate.stored !== undefined && (best === undefined || candidate.stored.version > best.stored.version)) {
          best = { slot: candidate.slot, stored: candidate.stored };
        }
      }
      for (const candidate of slots) {
        if (candidate.stored !== undefined) continue;
        // Expected after a write that failed verification (it never was acknowledged); reported all the same.
        this.runtime.log('ha.slot_invalid', { job_id, slot: candidate.slot, reason: candidate.reason, using_slot: best?.slot ?? null });
        this.runtime.probe('ha.invalid_slot_on_load');
      }
      if (best === undefined) {
        const reason = slots.map((c) => `slot ${c.slot}: ${c.reason}`).join('; ');
        this.runtime.log('ha.corrupt', { job_id, reason });
        this.runtime.probe('ha.corrupt_record_detected');
        this.jobs.set(job_id, { version: 0, record: null, current_slot: undefined, corrupt: reason, writing: false, queued_puts: [] });
      } else {
        this.jobs.set(job_id, { version: best.stored.version, record: best.stored.record, current_slot: best.slot, corrupt: undefined, writing: false, queued_puts: [] });
      }
    }
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
    const target: SlotName = slot.current_slot === 'a' ? 'b' : 'a';
    const sealed = seal_json(SEALED_KIND.ha_record, { job_id: request.job_id, version, record: request.record } satisfies StoredRecord);
    slot.writing = true;
    this.write_verified(ha_disk_key(request.job_id, target), sealed, 1, (ok, detail) => {
      slot.writing = false;
      if (ok) {
        // Durable and verified: only now does the new version become visible and the writer hear about it.
        slot.version = version;
        slot.record = request.record;
        slot.current_slot = target;
        this.runtime.log('ha.put', { job_id: request.job_id, version, slot: target, latest_checkpoint: request.record.checkpoints[0]?.checkpoint_id ?? null });
        this.reply(from, request, { ok: true, version, record: request.record });
      } else {
        this.runtime.log('ha.put_failed', { job_id: request.job_id, detail });
        this.reply(from, request, { ok: false, error: 'io_error', detail });
      }
      this.next_put(slot);
    });
  }

  /** Put, read back, compare; retry up to MAX_WRITE_ATTEMPTS (catches torn, lost and bit-flipped writes). */
  private write_verified(key: string, sealed: Uint8Array, attempt: number, done: (ok: boolean, detail: string) => void): void {
    const retry = (why: string): void => {
      this.runtime.log('ha.write_retry', { key, attempt, why });
      if (attempt >= MAX_WRITE_ATTEMPTS) done(false, `disk write not verified after ${attempt} attempts: ${why}`);
      else this.write_verified(key, sealed, attempt + 1, done);
    };
    put_durable(this.runtime.disk, key, sealed, (written) => {
      if (!written.ok) {
        if (written.error === 'no_space') this.runtime.probe('ha.disk_full');
        retry(`put failed: ${written.error}`);
        return;
      }
      this.runtime.disk.get(key, (read) => {
        if (!read.ok) retry(`read-back failed: ${read.error}`);
        else if (!bytes_equal(read.value, sealed)) retry('read-back differs from what was written');
        else done(true, '');
      });
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
      slot = { version: 0, record: null, current_slot: undefined, corrupt: undefined, writing: false, queued_puts: [] };
      this.jobs.set(job_id, slot);
    }
    return slot;
  }

  private reply(to: NodeId, request: HaRequest, result: HaResult): void {
    const response: HaResponse = { type: 'ha.response', request_id: request.request_id, job_id: request.job_id, result };
    this.runtime.send(to, response);
  }
}

function decode_stored(job_id: string, bytes: Uint8Array): { stored: StoredRecord | undefined; reason: string } {
  const opened = unseal_json(bytes, SEALED_KIND.ha_record);
  if (!opened.ok) return { stored: undefined, reason: opened.reason };
  const stored = opened.value as StoredRecord;
  if (typeof stored !== 'object' || stored === null || stored.job_id !== job_id || !Number.isSafeInteger(stored.version) || stored.version < 1) {
    return { stored: undefined, reason: 'stored HA record has a malformed header' };
  }
  const problem = validate_ha_record(stored.record, job_id);
  if (problem !== undefined) return { stored: undefined, reason: `stored HA record is malformed: ${problem}` };
  return { stored, reason: '' };
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
