// A simulated external transactional store (Kafka-like): transactions with begin/write/prepare/commit/abort,
// a timeout that aborts even prepared transactions, durable-before-ack via a write-ahead log on runtime.disk,
// read-committed output, an upsert table, a non-transactional append log, and the client helper that talks to it.
import type { EngineNode, NodeId, Runtime, TimerHandle } from '../runtime.js';
import { SEALED_KIND, seal_json, unseal_json } from '../util/sealed.js';
import { put_durable } from '../util/durable-write.js';

export type TxnState = 'open' | 'prepared' | 'committed' | 'aborted' | 'expired';

/** Requests without their request id (the client assigns it). */
export type TxnRequestBody =
  | { kind: 'begin'; txn_id: string }
  | { kind: 'write'; txn_id: string; epoch: number; write_seq: number; records: unknown[] }
  /** `checkpoint_id`: the checkpoint the transaction is pre-committed for (abort_lingering keeps restored ones). */
  | { kind: 'prepare'; txn_id: string; epoch: number; write_count: number; checkpoint_id?: number }
  | { kind: 'commit'; txn_id: string }
  | { kind: 'abort'; txn_id: string; epoch: number | null }
  /**
   * Abort every open or prepared transaction whose id is `<prefix><owner>-<counter>` with
   * owner % owner_modulo === owner_remainder and counter ≥ min_counter (Kafka-style lingering transactions), except
   * prepared ones pre-committed for a checkpoint ≤ keep_prepared_up_to: those belong to the restored checkpoint's
   * pending set (whoever restored it commits them), even when their counter ran ahead.
   */
  | {
      kind: 'abort_lingering';
      prefix: string;
      owner_modulo: number;
      owner_remainder: number;
      min_counter: number;
      keep_prepared_up_to?: number;
    }
  | { kind: 'list'; prefix: string }
  | { kind: 'upsert'; key: string; value: unknown }
  /** Several upserts in one request and one log entry, applied in order (a JDBC batch, an Elasticsearch bulk). */
  | { kind: 'upsert_batch'; entries: UpsertEntry[] }
  | { kind: 'append'; records: unknown[] }
  | { kind: 'read_committed' };

export interface UpsertEntry {
  key: string;
  value: unknown;
}

/**
 * A writer generation (Kafka's producer epoch per transactional id, here per transactional id prefix): the store
 * remembers the highest generation it has seen per scope and refuses ("superseded") every request of a lower one, so a
 * zombie of a stale job attempt can never begin, write, prepare, commit or abort anything its successor owns.
 */
export interface WriterFence {
  scope: string;
  generation: number;
}

/** `reply_tag`, when set, is echoed on the response message so a host can route it (as broker replies are). */
export type TxnRequest = TxnRequestBody & { request_id: string; reply_tag?: string; fence?: WriterFence };

export type TxnOutcome =
  | 'ok'
  /** Commit of a transaction that is already committed: success (commits are idempotent). */
  | 'already_committed'
  /** A write whose write_seq was already applied: success, nothing changed. */
  | 'duplicate'
  | 'unknown_transaction'
  | 'aborted'
  /** The store aborted the transaction itself because transaction_timeout_ms passed since begin. */
  | 'expired'
  /** The epoch does not match: the transaction id was begun again since (fenced). */
  | 'fenced'
  | 'invalid_state'
  /** A write arrived before an earlier write_seq of the same transaction: resend the earlier one first. */
  | 'out_of_sequence'
  /** prepare's write_count is more than the writes applied so far. */
  | 'missing_writes'
  | 'too_many_open_transactions'
  | 'transaction_too_large'
  /** The store is loading or its request queue is full: retry later. */
  | 'busy'
  /** The request's writer generation is below the highest the store has seen for its scope: a zombie, refused. */
  | 'superseded';

export interface TxnSummary {
  txn_id: string;
  epoch: number;
  state: TxnState;
  begin_ms: number;
  record_count: number;
}

export interface CommittedView {
  /** Committed records in commit order (transactional commits and non-transactional appends). */
  records: unknown[];
  /** The upsert table, ascending by key. */
  table: [string, unknown][];
}

export interface TxnResponse {
  request_id: string;
  kind: TxnRequestBody['kind'];
  outcome: TxnOutcome;
  detail?: string;
  /** begin: the epoch of the (re)begun transaction. */
  epoch?: number;
  /** abort_lingering: the transactions it aborted. */
  aborted?: string[];
  /**
   * abort_lingering: the highest counter among the matched owners' ids that must never be begun again (committed, or
   * prepared and kept for the restored checkpoint), -1 for none.
   */
  max_reserved_counter?: number;
  /** list: open and prepared transactions with the prefix. */
  transactions?: TxnSummary[];
  committed?: CommittedView;
}

export const TXSTORE_REQUEST = 'txstore.request';
export const TXSTORE_RESPONSE = 'txstore.response';

export interface TxstoreRequestMessage {
  type: typeof TXSTORE_REQUEST;
  request: TxnRequest;
}
export interface TxstoreResponseMessage {
  type: typeof TXSTORE_RESPONSE;
  /** The request's reply_tag, for hosts that route replies by tag. */
  reply_tag?: string;
  response: TxnResponse;
}

export const TXSTORE_CONTROL = 'txstore.control';

/** Operator/fault control of the store (e.g. a scenario's sink outage): every request is answered "busy" meanwhile. */
export interface TxstoreControlMessage {
  type: typeof TXSTORE_CONTROL;
  outage_ms: number;
}

export function is_txstore_response(message: unknown): message is TxstoreResponseMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === TXSTORE_RESPONSE;
}
function is_txstore_request(message: unknown): message is TxstoreRequestMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === TXSTORE_REQUEST;
}

/** Success outcomes: the request had (or had already had) its effect. */
export function is_success(outcome: TxnOutcome): boolean {
  return outcome === 'ok' || outcome === 'already_committed' || outcome === 'duplicate';
}

export interface TransactionalStoreConfig {
  /** A transaction not committed this long after its begin is aborted by the store (Kafka: transaction.timeout.ms). */
  transaction_timeout_ms: number;
  max_open_transactions: number;
  max_records_per_transaction: number;
  /** Requests waiting for the disk; beyond this the store answers "busy". */
  max_queued_requests: number;
  /** Delay before retrying a failed write-ahead-log put (and a failed load). */
  disk_retry_ms: number;
  /** After this many log entries the store writes a snapshot and deletes the entries it covers. */
  compact_every_entries: number;
}

export const DEFAULT_TRANSACTIONAL_STORE_CONFIG: TransactionalStoreConfig = {
  transaction_timeout_ms: 60_000,
  max_open_transactions: 1024,
  max_records_per_transaction: 100_000,
  max_queued_requests: 4096,
  disk_retry_ms: 50,
  compact_every_entries: 512,
};

/** The effect of one accepted request, as written to the write-ahead log and replayed on restart. */
type WalEntry = WalOp & { fence?: WriterFence };
type WalOp =
  | { op: 'fence' }
  | { op: 'begin'; txn_id: string; epoch: number; begin_request_id: string; begin_ms: number }
  | { op: 'write'; txn_id: string; records: unknown[] }
  | { op: 'prepare'; txn_id: string; checkpoint_id?: number }
  | { op: 'commit'; txn_id: string }
  | { op: 'abort'; txn_ids: string[] }
  | { op: 'expire'; txn_id: string }
  | { op: 'upsert'; key: string; value: unknown }
  | { op: 'upsert_batch'; entries: UpsertEntry[] }
  | { op: 'append'; records: unknown[] };

interface TxnRecord {
  txn_id: string;
  epoch: number;
  state: TxnState;
  begin_request_id: string;
  begin_ms: number;
  write_count: number;
  /** Records written (kept after commit, when `records` has moved to the committed output). */
  record_count: number;
  records: unknown[];
  /** prepare's checkpoint id, when it said. */
  prepared_for?: number;
}

/** A compaction snapshot: the whole state after applying every log entry below `next_seq`. */
interface StoreSnapshot {
  next_seq: number;
  txns: TxnRecord[];
  committed_records: unknown[];
  table: [string, unknown][];
  fences?: [string, number][];
}

interface ExpireTag {
  kind: 'txstore.expire';
  txn_id: string;
  epoch: number;
}
interface DiskRetryTag {
  kind: 'txstore.disk_retry';
}

/** What a request does once its WAL entry is durable (or at once when it changes nothing). */
interface Plan {
  entry: WalEntry | null;
  /** The answer, sent once the entry is durable (all of it is known when the request is planned). */
  response: Omit<TxnResponse, 'request_id' | 'kind'>;
}

interface QueuedRequest {
  from: NodeId | null;
  request: TxnRequest;
}

export const WAL_PREFIX = 'txstore/wal/';
export const SNAPSHOT_PREFIX = 'txstore/snapshot/';
const WAL_SEQ_DIGITS = 12;

function wal_key(seq: number): string {
  return WAL_PREFIX + String(seq).padStart(WAL_SEQ_DIGITS, '0');
}
function snapshot_key(next_seq: number): string {
  return SNAPSHOT_PREFIX + String(next_seq).padStart(WAL_SEQ_DIGITS, '0');
}
function seq_of(key: string, prefix: string): number {
  return Number(key.slice(prefix.length));
}

/** Parses `<prefix><owner>-<counter>`; null when the id does not have that shape. */
export function parse_transactional_id(prefix: string, txn_id: string): { owner: number; counter: number } | null {
  if (!txn_id.startsWith(prefix)) return null;
  const match = /^(\d+)-(\d+)$/.exec(txn_id.slice(prefix.length));
  if (match === null) return null;
  return { owner: Number(match[1]), counter: Number(match[2]) };
}

/** A plan that logs nothing and answers `outcome` (with `detail` when given). */
function fixed_plan(outcome: TxnOutcome, detail?: string): Plan {
  return { entry: null, response: detail === undefined ? { outcome } : { outcome, detail } };
}

/** A plan that logs `entry` and, once it is durable, answers ok with `extra`. */
function ok_plan(entry: WalEntry, extra: Omit<TxnResponse, 'request_id' | 'kind' | 'outcome'> = {}): Plan {
  return { entry, response: { outcome: 'ok', ...extra } };
}

export class TransactionalStore implements EngineNode {
  private readonly runtime: Runtime;
  private readonly config: TransactionalStoreConfig;
  /** Every transaction ever begun, in begin order (committed ones are kept so commits stay idempotent). */
  private readonly txns = new Map<string, TxnRecord>();
  private readonly expiry_timers = new Map<string, TimerHandle>();
  private readonly committed_records: unknown[] = [];
  private readonly table = new Map<string, unknown>();
  /** The highest writer generation seen per fence scope (durable: part of the log and of snapshots). */
  private readonly fences = new Map<string, number>();
  private readonly queue: QueuedRequest[] = [];
  /**
   * Ids of the client requests waiting in the queue. A resend of a request still waiting adds nothing (its one answer
   * serves both): otherwise clients that resend on a timeout shorter than the queue's drain time fill the queue with
   * copies faster than the log can sync them, and it never drains (a retry storm).
   */
  private readonly queued_ids = new Set<string>();
  private open_count = 0;
  private next_wal_seq = 0;
  /** The log entries below this are covered by the newest durable snapshot. */
  private snapshot_seq = 0;
  /** Until this time (own clock) every request is answered "busy" (a sink outage). */
  private outage_until_ms = Number.NEGATIVE_INFINITY;
  private loading = true;
  /** A WAL (or snapshot) put is in flight: requests are applied strictly one after another. */
  private writing:
    | { kind: 'entry'; entry: WalEntry; bytes: Uint8Array; queued: QueuedRequest | null; plan: Plan }
    | { kind: 'snapshot'; next_seq: number; bytes: Uint8Array }
    | null = null;

  constructor(runtime: Runtime, config: Partial<TransactionalStoreConfig> = {}) {
    this.runtime = runtime;
    this.config = { ...DEFAULT_TRANSACTIONAL_STORE_CONFIG, ...config };
    if (!(this.config.transaction_timeout_ms > 0)) throw new Error('transaction_timeout_ms must be > 0');
    if (!(this.config.max_queued_requests >= 1)) throw new Error('max_queued_requests must be ≥ 1');
  }

  on_start(): void {
    this.loading = true;
    this.runtime.disk.list('txstore/', (listed) => {
      if (!listed.ok) return this.retry_load(`list: ${listed.error}`);
      const snapshots = listed.value.filter((k) => k.startsWith(SNAPSHOT_PREFIX));
      const wal = listed.value.filter((k) => k.startsWith(WAL_PREFIX));
      this.fetch_all([...snapshots, ...wal], (fetched) => this.load(snapshots, wal, fetched));
    });
  }

  private retry_load(reason: string): void {
    this.runtime.log('txstore.load_failed', { reason });
    this.runtime.setTimer(this.config.disk_retry_ms, { kind: 'txstore.reload' });
  }

  /** Reads every key; a transient read error retries the whole load later (nothing is applied before). */
  private fetch_all(keys: string[], done: (fetched: Map<string, Uint8Array | null>) => void): void {
    const fetched = new Map<string, Uint8Array | null>();
    if (keys.length === 0) return done(fetched);
    let remaining = keys.length;
    let transient: string | null = null;
    for (const key of keys) {
      this.runtime.disk.get(key, (result) => {
        if (result.ok) fetched.set(key, result.value);
        else if (result.error === 'missing') fetched.set(key, null);
        else transient = `get ${key}: ${result.error}`;
        remaining -= 1;
        if (remaining > 0) return;
        if (transient !== null) this.retry_load(transient);
        else done(fetched);
      });
    }
  }

  private load(snapshots: string[], wal: string[], fetched: Map<string, Uint8Array | null>): void {
    // The newest snapshot that verifies; a damaged newer one falls back to an older one (its log is still there:
    // entries are deleted only after a newer snapshot is durable).
    let base_seq = 0;
    let snapshot_rejected = false;
    for (const key of [...snapshots].reverse()) {
      const bytes = fetched.get(key);
      const unsealed = bytes === null || bytes === undefined ? null : unseal_json(bytes, SEALED_KIND.sink_transactions);
      if (unsealed === null || !unsealed.ok) {
        this.runtime.log('txstore.snapshot_rejected', { key, reason: unsealed === null ? 'missing' : unsealed.reason });
        snapshot_rejected = true;
        continue;
      }
      const snapshot = unsealed.value as StoreSnapshot;
      base_seq = snapshot.next_seq;
      for (const txn of snapshot.txns) {
        this.txns.set(txn.txn_id, txn);
        if (txn.state === 'open' || txn.state === 'prepared') this.open_count += 1;
      }
      for (const record of snapshot.committed_records) this.committed_records.push(record);
      for (const [k, v] of snapshot.table) this.table.set(k, v);
      for (const [scope, generation] of snapshot.fences ?? []) this.fences.set(scope, generation);
      break;
    }
    this.snapshot_seq = base_seq;
    const entries = wal.filter((k) => seq_of(k, WAL_PREFIX) >= base_seq);
    let applied = 0;
    let stop_reason: string | null = null;
    let gap = false;
    for (let index = 0; index < entries.length; index++) {
      const key = entries[index] as string;
      if (key !== wal_key(base_seq + index)) {
        stop_reason = `gap: expected ${wal_key(base_seq + index)}, found ${key}`;
        gap = true;
        break;
      }
      const bytes = fetched.get(key);
      if (bytes === null || bytes === undefined) {
        stop_reason = `missing ${key}`;
        break;
      }
      const unsealed = unseal_json(bytes, SEALED_KIND.sink_transactions);
      if (!unsealed.ok) {
        stop_reason = `${key}: ${unsealed.reason}`;
        break;
      }
      this.apply(unsealed.value as WalEntry);
      applied += 1;
    }
    const dropped = entries.slice(applied);
    if (stop_reason !== null) {
      // Entries after a damaged one cannot be trusted to follow it: they are dropped, loudly. A torn or missing last
      // entry is what a crash leaves of a write it had not synced (never acknowledged).
      this.runtime.log('txstore.wal_truncated', { reason: stop_reason, applied, dropped: dropped.length });
      this.runtime.probe('txstore.log_truncated_on_load');
    }
    // A damaged last entry may be a put that never completed; anything beyond it was acknowledged and is lost, and
    // so is everything a rejected snapshot covered once its log is gone (a gap).
    if (dropped.length > 1 || gap) {
      this.runtime.log('txstore.data_loss', { dropped: dropped.length, gap, snapshot_rejected });
    }
    this.next_wal_seq = base_seq + applied;
    const delete_next = (index: number): void => {
      const key = dropped[index];
      if (key === undefined) return this.become_ready(applied);
      this.runtime.disk.delete(key, () => delete_next(index + 1));
    };
    delete_next(0);
  }

  private become_ready(applied: number): void {
    this.loading = false;
    for (const txn of this.txns.values()) {
      if (txn.state === 'open' || txn.state === 'prepared') this.arm_expiry(txn);
    }
    this.runtime.log('txstore.ready', { wal_entries: applied, open_transactions: this.open_count });
    this.pump();
  }

  on_message(from: NodeId, message: unknown): void {
    if ((message as { type?: unknown } | null)?.type === TXSTORE_CONTROL) {
      const outage_ms = (message as TxstoreControlMessage).outage_ms;
      this.outage_until_ms = this.runtime.now_ms() + outage_ms;
      this.runtime.log('txstore.outage', { outage_ms, until_ms: this.outage_until_ms });
      return;
    }
    if (!is_txstore_request(message)) return;
    if (this.runtime.now_ms() < this.outage_until_ms) {
      this.runtime.send(from, this.response_message(message.request, { outcome: 'busy', detail: 'outage' }));
      return;
    }
    // A request being logged counts as queued: its answer is on the way.
    const request_id = message.request.request_id;
    if (this.queued_ids.has(request_id) || (this.writing?.kind === 'entry' && this.writing.queued?.request.request_id === request_id)) {
      this.runtime.probe('txstore.resend_while_queued');
      return;
    }
    if (this.queue.length >= this.config.max_queued_requests) {
      this.runtime.send(from, this.response_message(message.request, { outcome: 'busy', detail: 'request queue full' }));
      return;
    }
    this.queue.push({ from, request: message.request });
    this.queued_ids.add(message.request.request_id);
    this.pump();
  }

  on_timer(tag: unknown): void {
    const t = tag as ExpireTag | DiskRetryTag | { kind: 'txstore.reload' };
    if (t.kind === 'txstore.expire') {
      this.expiry_timers.delete(t.txn_id);
      // Internal requests bypass the bound: at most one per open transaction, itself bounded.
      this.queue.push({ from: null, request: { kind: 'abort', txn_id: t.txn_id, epoch: t.epoch, request_id: `expire:${t.txn_id}:${t.epoch}` } });
      this.pump();
    } else if (t.kind === 'txstore.disk_retry') {
      this.put_current();
    } else if (t.kind === 'txstore.reload') {
      this.on_start();
    }
  }

  private response_message(request: TxnRequest, body: Omit<TxnResponse, 'request_id' | 'kind'>): TxstoreResponseMessage {
    const response: TxnResponse = { request_id: request.request_id, kind: request.kind, ...body };
    return request.reply_tag === undefined ? { type: TXSTORE_RESPONSE, response } : { type: TXSTORE_RESPONSE, reply_tag: request.reply_tag, response };
  }

  private pump(): void {
    while (!this.loading && this.writing === null && this.queue.length > 0) {
      const queued = this.queue.shift() as QueuedRequest;
      if (queued.from !== null) this.queued_ids.delete(queued.request.request_id);
      const plan = queued.from === null ? this.plan_expiry(queued.request) : this.fenced_plan(queued.request);
      if (plan.entry === null) {
        this.reply(queued, plan);
        continue;
      }
      this.writing = { kind: 'entry', entry: plan.entry, bytes: seal_json(SEALED_KIND.sink_transactions, plan.entry), queued, plan };
      this.put_current();
    }
  }

  private put_current(): void {
    const writing = this.writing;
    if (writing === null) return;
    const seq = this.next_wal_seq;
    const key = writing.kind === 'entry' ? wal_key(seq) : snapshot_key(writing.next_seq);
    put_durable(this.runtime.disk, key, writing.bytes, (result) => {
      if (!result.ok) {
        this.runtime.log('txstore.disk_retry', { error: result.error, key });
        this.runtime.probe(result.error === 'no_space' ? 'txstore.disk_full' : 'txstore.disk_error');
        this.runtime.setTimer(this.config.disk_retry_ms, { kind: 'txstore.disk_retry' } satisfies DiskRetryTag);
        return;
      }
      this.writing = null;
      if (writing.kind === 'snapshot') {
        this.snapshot_seq = writing.next_seq;
        this.runtime.log('txstore.compacted', { snapshot_seq: writing.next_seq, size_bytes: writing.bytes.length });
        this.delete_below(writing.next_seq);
      } else {
        this.next_wal_seq = seq + 1;
        this.apply(writing.entry);
        if (writing.queued !== null) this.reply(writing.queued, writing.plan);
        if (this.next_wal_seq - this.snapshot_seq >= this.config.compact_every_entries) this.start_snapshot();
      }
      this.pump();
    });
  }

  /** Writes the whole state as a snapshot covering every log entry so far (in the same one-at-a-time pipeline). */
  private start_snapshot(): void {
    const snapshot: StoreSnapshot = {
      next_seq: this.next_wal_seq,
      txns: [...this.txns.values()],
      committed_records: this.committed_records,
      table: [...this.table.entries()],
      fences: [...this.fences.entries()],
    };
    this.writing = { kind: 'snapshot', next_seq: this.next_wal_seq, bytes: seal_json(SEALED_KIND.sink_transactions, snapshot) };
    this.put_current();
  }

  /** After a snapshot is durable: delete older snapshots and the log entries it covers (best effort, in order). */
  private delete_below(next_seq: number): void {
    this.runtime.disk.list('txstore/', (listed) => {
      if (!listed.ok) return;
      const old = listed.value.filter(
        (k) => (k.startsWith(WAL_PREFIX) && seq_of(k, WAL_PREFIX) < next_seq) || (k.startsWith(SNAPSHOT_PREFIX) && seq_of(k, SNAPSHOT_PREFIX) < next_seq),
      );
      const delete_next = (index: number): void => {
        const key = old[index];
        if (key !== undefined) this.runtime.disk.delete(key, () => delete_next(index + 1));
      };
      delete_next(0);
    });
  }

  private reply(queued: QueuedRequest, plan: Plan): void {
    const body = plan.response;
    if (queued.from !== null) this.runtime.send(queued.from, this.response_message(queued.request, body));
  }

  /**
   * Writer fencing before anything else: a request of a lower generation than its scope has seen is refused; one of a
   * higher generation raises the scope's generation in the same durable log entry as its own effect (or alone).
   */
  private fenced_plan(request: TxnRequest): Plan {
    const fence = request.fence;
    if (fence === undefined) return this.plan(request);
    const known = this.fences.get(fence.scope);
    if (known !== undefined && fence.generation < known) {
      this.runtime.log('txstore.superseded', { scope: fence.scope, generation: fence.generation, current: known, kind: request.kind });
      return { entry: null, response: { outcome: 'superseded', detail: `generation ${fence.generation} < ${known}` } };
    }
    const plan = this.plan(request);
    if (known === fence.generation) return plan;
    return { entry: { ...(plan.entry ?? { op: 'fence' }), fence: { scope: fence.scope, generation: fence.generation } }, response: plan.response };
  }

  /** The store's own timeout abort: only if the same epoch is still open or prepared. */
  private plan_expiry(request: TxnRequest): Plan {
    const nothing: Plan = { entry: null, response: { outcome: 'ok' } };
    if (request.kind !== 'abort') return nothing;
    const txn = this.txns.get(request.txn_id);
    if (txn === undefined || txn.epoch !== request.epoch) return nothing;
    if (txn.state !== 'open' && txn.state !== 'prepared') return nothing;
    this.runtime.log('txstore.txn_expired', {
      txn_id: txn.txn_id,
      epoch: txn.epoch,
      state: txn.state,
      records: txn.records.length,
      begin_ms: txn.begin_ms,
      timeout_ms: this.config.transaction_timeout_ms,
      checkpoint_id: txn.prepared_for ?? null,
    });
    return { entry: { op: 'expire', txn_id: txn.txn_id }, response: { outcome: 'ok' } };
  }

  private plan(request: TxnRequest): Plan {
    switch (request.kind) {
      case 'begin': {
        const existing = this.txns.get(request.txn_id);
        if (existing !== undefined && existing.begin_request_id === request.request_id) {
          return { entry: null, response: { outcome: 'ok', epoch: existing.epoch } };
        }
        if (existing?.state === 'committed') return fixed_plan('already_committed', 'a committed transaction id is never reused');
        const live = existing !== undefined && (existing.state === 'open' || existing.state === 'prepared');
        if (!live && this.open_count >= this.config.max_open_transactions) {
          return fixed_plan('too_many_open_transactions', `limit ${this.config.max_open_transactions}`);
        }
        if (live) this.runtime.log('txstore.txn_fenced', { txn_id: request.txn_id, epoch: existing.epoch, state: existing.state });
        const epoch = existing === undefined ? 0 : existing.epoch + 1;
        return ok_plan(
          { op: 'begin', txn_id: request.txn_id, epoch, begin_request_id: request.request_id, begin_ms: this.runtime.now_ms() },
          { epoch },
        );
      }
      case 'write': {
        const txn = this.txns.get(request.txn_id);
        const refused = this.refuse_unless_live(txn, request.epoch);
        if (refused !== null) return refused;
        const live = txn as TxnRecord;
        if (live.state !== 'open') return fixed_plan('invalid_state', `write to a ${live.state} transaction`);
        if (request.write_seq < live.write_count) return fixed_plan('duplicate');
        if (request.write_seq > live.write_count) return fixed_plan('out_of_sequence', `expected write_seq ${live.write_count}`);
        if (live.records.length + request.records.length > this.config.max_records_per_transaction) {
          return fixed_plan('transaction_too_large', `limit ${this.config.max_records_per_transaction} records`);
        }
        return ok_plan({ op: 'write', txn_id: live.txn_id, records: request.records });
      }
      case 'prepare': {
        const txn = this.txns.get(request.txn_id);
        const refused = this.refuse_unless_live(txn, request.epoch);
        if (refused !== null) return refused;
        const live = txn as TxnRecord;
        if (live.state === 'prepared') return fixed_plan('ok');
        if (request.write_count > live.write_count) return fixed_plan('missing_writes', `applied ${live.write_count} writes`);
        if (request.write_count < live.write_count) return fixed_plan('invalid_state', `store has ${live.write_count} writes`);
        return ok_plan(request.checkpoint_id === undefined ? { op: 'prepare', txn_id: live.txn_id } : { op: 'prepare', txn_id: live.txn_id, checkpoint_id: request.checkpoint_id });
      }
      case 'commit': {
        const txn = this.txns.get(request.txn_id);
        if (txn === undefined) return fixed_plan('unknown_transaction');
        if (txn.state === 'committed') return fixed_plan('already_committed');
        if (txn.state === 'aborted') return fixed_plan('aborted');
        if (txn.state === 'expired') return fixed_plan('expired', `aborted by the store ${this.config.transaction_timeout_ms} ms after begin`);
        if (txn.state === 'open') return fixed_plan('invalid_state', 'commit before prepare');
        return ok_plan({ op: 'commit', txn_id: txn.txn_id });
      }
      case 'abort': {
        const txn = this.txns.get(request.txn_id);
        if (txn === undefined) return fixed_plan('unknown_transaction');
        if (request.epoch !== null && txn.epoch !== request.epoch) return fixed_plan('fenced', `current epoch ${txn.epoch}`);
        if (txn.state === 'committed') return fixed_plan('invalid_state', 'abort of a committed transaction');
        if (txn.state === 'aborted' || txn.state === 'expired') return fixed_plan('ok');
        return ok_plan({ op: 'abort', txn_ids: [txn.txn_id] });
      }
      case 'abort_lingering': {
        if (!(request.owner_modulo >= 1)) return fixed_plan('invalid_state', 'owner_modulo must be ≥ 1');
        const victims: string[] = [];
        let max_counter = -1;
        for (const txn of this.txns.values()) {
          const parsed = parse_transactional_id(request.prefix, txn.txn_id);
          if (parsed === null) continue;
          if (parsed.owner % request.owner_modulo !== request.owner_remainder) continue;
          if (txn.state === 'committed') max_counter = Math.max(max_counter, parsed.counter);
          if (txn.state !== 'open' && txn.state !== 'prepared') continue;
          const keep = request.keep_prepared_up_to;
          if (keep !== undefined && txn.state === 'prepared' && txn.prepared_for !== undefined && txn.prepared_for <= keep) {
            max_counter = Math.max(max_counter, parsed.counter);
            continue;
          }
          if (parsed.counter < request.min_counter) continue;
          victims.push(txn.txn_id);
        }
        if (victims.length === 0) return { entry: null, response: { outcome: 'ok', aborted: [], max_reserved_counter: max_counter } };
        this.runtime.log('txstore.lingering_aborted', { prefix: request.prefix, txn_ids: victims });
        return ok_plan({ op: 'abort', txn_ids: victims }, { aborted: victims, max_reserved_counter: max_counter });
      }
      case 'list': {
        const transactions = this.list(request.prefix);
        return { entry: null, response: { outcome: 'ok', transactions } };
      }
      case 'upsert':
        return ok_plan({ op: 'upsert', key: request.key, value: request.value });
      case 'upsert_batch':
        if (request.entries.length > this.config.max_records_per_transaction) {
          return fixed_plan('transaction_too_large', `limit ${this.config.max_records_per_transaction} records`);
        }
        return ok_plan({ op: 'upsert_batch', entries: request.entries });
      case 'append':
        return ok_plan({ op: 'append', records: request.records });
      case 'read_committed': {
        const committed = this.read_committed();
        return { entry: null, response: { outcome: 'ok', committed } };
      }
    }
  }

  private refuse_unless_live(txn: TxnRecord | undefined, epoch: number): Plan | null {
    if (txn === undefined) return fixed_plan('unknown_transaction');
    if (txn.epoch !== epoch) return fixed_plan('fenced');
    if (txn.state === 'aborted') return fixed_plan('aborted');
    if (txn.state === 'expired') return fixed_plan('expired');
    if (txn.state === 'committed') return fixed_plan('invalid_state');
    return null;
  }

  /** Applies a durable WAL entry. Entries were validated when planned, so a mismatch here is a store bug. */
  private apply(entry: WalEntry): void {
    if (entry.fence !== undefined) {
      const known = this.fences.get(entry.fence.scope);
      if (known !== undefined && entry.fence.generation < known) {
        this.runtime.fail_invariant('txstore: a logged fence lowers its generation', { scope: entry.fence.scope, generation: entry.fence.generation, known });
      }
      this.fences.set(entry.fence.scope, entry.fence.generation);
    }
    switch (entry.op) {
      case 'fence':
        return;
      case 'begin': {
        const existing = this.txns.get(entry.txn_id);
        if (existing !== undefined) this.close_txn(existing, 'aborted');
        const txn: TxnRecord = {
          txn_id: entry.txn_id,
          epoch: entry.epoch,
          state: 'open',
          begin_request_id: entry.begin_request_id,
          begin_ms: entry.begin_ms,
          write_count: 0,
          record_count: 0,
          records: [],
        };
        this.txns.delete(entry.txn_id);
        this.txns.set(entry.txn_id, txn);
        this.open_count += 1;
        if (!this.loading) this.arm_expiry(txn);
        return;
      }
      case 'write': {
        const txn = this.logged_txn(entry.txn_id, entry.op);
        for (const record of entry.records) txn.records.push(record);
        txn.record_count += entry.records.length;
        txn.write_count += 1;
        return;
      }
      case 'prepare': {
        const txn = this.logged_txn(entry.txn_id, entry.op);
        txn.state = 'prepared';
        if (entry.checkpoint_id !== undefined) txn.prepared_for = entry.checkpoint_id;
        return;
      }
      case 'commit': {
        const txn = this.logged_txn(entry.txn_id, entry.op);
        for (const record of txn.records) this.committed_records.push(record);
        this.close_txn(txn, 'committed');
        if (!this.loading) this.runtime.log('txstore.committed', { txn_id: txn.txn_id, records: txn.record_count });
        return;
      }
      case 'abort':
        for (const txn_id of entry.txn_ids) this.close_txn(this.logged_txn(txn_id, entry.op), 'aborted');
        return;
      case 'expire':
        this.close_txn(this.logged_txn(entry.txn_id, entry.op), 'expired');
        return;
      case 'upsert':
        this.table.set(entry.key, entry.value);
        return;
      case 'upsert_batch':
        for (const upsert of entry.entries) this.table.set(upsert.key, upsert.value);
        return;
      case 'append':
        for (const record of entry.records) this.committed_records.push(record);
        return;
    }
  }

  /** The transaction a WAL entry names; it must exist (the entry was validated when planned). */
  private logged_txn(txn_id: string, op: WalOp['op']): TxnRecord {
    const txn = this.txns.get(txn_id);
    if (txn === undefined) this.runtime.fail_invariant('txstore: WAL entry for an unknown transaction', { txn_id, op });
    return txn;
  }

  /** Ends a transaction: it leaves the open count, drops its records and its expiry timer. */
  private close_txn(txn: TxnRecord, state: 'committed' | 'aborted' | 'expired'): void {
    if (txn.state === 'open' || txn.state === 'prepared') this.open_count -= 1;
    txn.state = state;
    txn.records = [];
    const timer = this.expiry_timers.get(txn.txn_id);
    if (timer !== undefined) {
      this.runtime.cancelTimer(timer);
      this.expiry_timers.delete(txn.txn_id);
    }
  }

  private arm_expiry(txn: TxnRecord): void {
    const remaining_ms = Math.max(0, txn.begin_ms + this.config.transaction_timeout_ms - this.runtime.now_ms());
    const tag: ExpireTag = { kind: 'txstore.expire', txn_id: txn.txn_id, epoch: txn.epoch };
    this.expiry_timers.set(txn.txn_id, this.runtime.setTimer(remaining_ms, tag));
  }

  // ---- Direct views for checkers and tests (the same data read_committed and list return) ----

  /** The committed records in commit order, as the store holds them (no copy: read them, keep a copy if needed). */
  committed_records_view(): readonly unknown[] {
    return this.committed_records;
  }

  /**
   * The records an open or prepared transaction holds (no copy), undefined once it ended or when unknown: what an
   * expiry or abort of it throws away.
   */
  transaction_records(txn_id: string): readonly unknown[] | undefined {
    const txn = this.txns.get(txn_id);
    return txn === undefined || (txn.state !== 'open' && txn.state !== 'prepared') ? undefined : txn.records;
  }

  /** When a transaction the store knows (open, prepared or ended) began, undefined when unknown. */
  transaction_begin_ms(txn_id: string): number | undefined {
    return this.txns.get(txn_id)?.begin_ms;
  }

  read_committed(): CommittedView {
    const table = [...this.table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { records: [...this.committed_records], table };
  }

  /** Open and prepared transactions whose id starts with `prefix`, in begin order. */
  list(prefix: string): TxnSummary[] {
    return this.all_transactions().filter((t) => t.txn_id.startsWith(prefix) && (t.state === 'open' || t.state === 'prepared'));
  }

  all_transactions(): TxnSummary[] {
    return [...this.txns.values()].map((t) => ({
      txn_id: t.txn_id,
      epoch: t.epoch,
      state: t.state,
      begin_ms: t.begin_ms,
      record_count: t.record_count,
    }));
  }

  is_ready(): boolean {
    return !this.loading;
  }
}

export function create_transactional_store(config: Partial<TransactionalStoreConfig> = {}): (runtime: Runtime) => EngineNode {
  return (runtime) => new TransactionalStore(runtime, config);
}

// ---- Client helper ----

export interface PendingRequest {
  request: TxnRequest;
  sent_ms: number;
  attempts: number;
}

/**
 * Builds requests with unique ids, remembers them until their response arrives (a bounded table), and says which
 * are overdue so the caller can resend them. Responses to unknown ids (late duplicates, a previous incarnation) are
 * ignored.
 */
export class TxnStoreClient {
  private next_request = 0;
  private readonly pending = new Map<string, PendingRequest>();
  /** The reply_tag and fence every request carries (only those the options set). */
  private readonly request_tags: Pick<TxnRequest, 'reply_tag' | 'fence'> = {};

  constructor(
    private readonly options: {
      /** Unique per client and incarnation, e.g. `sink-3@tm-1#2`. */
      client_id: string;
      store_node: NodeId;
      max_pending_requests: number;
      send: (to: NodeId, message: TxstoreRequestMessage) => void;
      /** Put on every request; the store echoes it on the response message. */
      reply_tag?: string;
      /** Put on every request: the store refuses requests once it has seen a higher generation for the scope. */
      fence?: WriterFence;
    },
  ) {
    if (!(options.max_pending_requests >= 1)) throw new Error('max_pending_requests must be ≥ 1');
    if (options.reply_tag !== undefined) this.request_tags.reply_tag = options.reply_tag;
    if (options.fence !== undefined) this.request_tags.fence = options.fence;
  }

  can_send(): boolean {
    return this.pending.size < this.options.max_pending_requests;
  }

  pending_count(): number {
    return this.pending.size;
  }

  /** Sends a request and returns its id. Throws when the table is full: check can_send() first. */
  send(body: TxnRequestBody, now_ms: number): string {
    if (!this.can_send()) throw new Error(`txstore client ${this.options.client_id}: more than ${this.options.max_pending_requests} pending requests`);
    // Object.assign rather than a leading spread: copying bodies of several shapes that way is several times slower.
    const request: TxnRequest = Object.assign({}, body, { request_id: `${this.options.client_id}:${this.next_request}` }, this.request_tags);
    this.next_request += 1;
    this.pending.set(request.request_id, { request, sent_ms: now_ms, attempts: 1 });
    this.options.send(this.options.store_node, { type: TXSTORE_REQUEST, request });
    return request.request_id;
  }

  /** Matches a response to its request and forgets it; null for anything else. */
  on_message(message: unknown): { request: TxnRequest; response: TxnResponse } | null {
    if (!is_txstore_response(message)) return null;
    const entry = this.pending.get(message.response.request_id);
    if (entry === undefined) return null;
    this.pending.delete(message.response.request_id);
    return { request: entry.request, response: message.response };
  }

  /** Keeps a request pending but makes it due for a resend at the next resend_overdue call. */
  mark_for_retry(request_id: string, request: TxnRequest): void {
    this.pending.set(request_id, { request, sent_ms: Number.NEGATIVE_INFINITY, attempts: this.pending.get(request_id)?.attempts ?? 1 });
  }

  /** Resends (same request id, same order as first sent) every request without a response for retry_after_ms. */
  resend_overdue(now_ms: number, retry_after_ms: number): number {
    let resent = 0;
    for (const entry of this.pending.values()) {
      if (now_ms - entry.sent_ms < retry_after_ms) continue;
      entry.sent_ms = now_ms;
      entry.attempts += 1;
      this.options.send(this.options.store_node, { type: TXSTORE_REQUEST, request: entry.request });
      resent += 1;
    }
    return resent;
  }
}
