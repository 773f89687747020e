// Flink's TwoPhaseCommitSinkFunction contract as a sink writer over the transactional store: one transaction per
// checkpoint interval, pre-commit on snapshot, commit of every pending transaction ≤ id on notify, recover-and-commit
// on restore, lingering aborts. Independent of the engine's plumbing: requests go out through an injected transport.
import type { Sink, SinkWriter, SinkWriterContext } from '../api/functions.js';
import type { NodeId, Runtime } from '../runtime.js';
import { TxnStoreClient, is_success, parse_transactional_id, type TxnRequest, type TxnResponse, type TxstoreRequestMessage } from './transactional-store.js';

/** What the writer needs from its host: the clock, the trace, coverage probes and invariant failures. */
export type SinkRuntime = Pick<Runtime, 'now_ms' | 'log' | 'probe' | 'fail_invariant'>;

/** How requests reach the store; responses come back through `on_message`. */
export interface SinkTransport {
  send(to: NodeId, message: TxstoreRequestMessage): void;
}

/** A transaction as recorded in operator state. `epoch` is null when the begin was not acknowledged at snapshot time. */
export interface TxnHandle {
  txn_id: string;
  counter: number;
  epoch: number | null;
  record_count: number;
  write_count: number;
}

/** The operator (list) state of one subtask: persisted by the host at every checkpoint. */
export interface TwoPhaseCommitSinkState {
  /** The checkpoint this state was taken for. */
  checkpoint_id: number;
  subtask_index: number;
  parallelism: number;
  current: TxnHandle;
  /** Pre-committed transactions not yet known to be committed, ascending by checkpoint id. */
  pending: { checkpoint_id: number; txn: TxnHandle }[];
}

export interface RestoredSinkState {
  /** The checkpoint (or savepoint) restored from. */
  checkpoint_id: number;
  /** The states of the old subtasks assigned to this subtask (several after a rescale, none for a new subtask). */
  states: TwoPhaseCommitSinkState[];
}

export interface TwoPhaseCommitSinkOptions {
  /** Transactional id prefix: ids are `<prefix>-<subtask>-<counter>` as in Kafka. */
  transactional_id_prefix: string;
  subtask_index: number;
  parallelism: number;
  store_node: NodeId;
  /** Unique per writer instance (include the process incarnation), used for request ids. */
  client_id: string;
  /** Put on every request and echoed on responses, for hosts that route replies by tag. */
  reply_tag?: string;
  /**
   * The writer generation (the job attempt: it only grows, across JobManager leaders too). The store fences the
   * transactional id prefix by it, so a writer of a stale attempt (a paused TaskManager's zombie) is refused once the
   * new attempt has spoken, instead of aborting or committing the new attempt's transactions.
   */
  generation?: number;
  records_per_write: number;
  max_pending_requests: number;
  /** Records invoked but not yet acknowledged by the store; the host must respect is_backpressured(). */
  max_buffered_records: number;
  retry_after_ms: number;
  /** Called once the pre-commit of a checkpoint is durable in the store: the host may then acknowledge it. */
  on_precommitted?: (checkpoint_id: number) => void;
  /** Called once when the writer can no longer guarantee its output: the host must fail the task. */
  on_failure?: (reason: string) => void;
  /**
   * Flink's TwoPhaseCommitSinkFunction.ignoreFailuresAfterTransactionTimeout (off by default): a transaction recovered
   * from a checkpoint whose commit fails because the store expired it is logged as data loss instead of failing the
   * task. A commit that fails after notifyCheckpointComplete always fails the task.
   */
  ignore_failures_after_transaction_timeout?: boolean;
  /**
   * PLANTED BUG, tests and scenarios only: commit at pre-commit instead of on checkpoint completion. A crash before
   * the checkpoint completes then replays records that were already committed, duplicating output.
   */
  test_only_commit_on_precommit?: boolean;
}

export const DEFAULT_TWO_PHASE_COMMIT_SINK_OPTIONS = {
  records_per_write: 64,
  max_pending_requests: 64,
  max_buffered_records: 100_000,
  retry_after_ms: 200,
} as const;

export interface LostTransaction {
  txn_id: string;
  checkpoint_id: number;
  records: number;
  reason: string;
}

interface Txn {
  txn_id: string;
  counter: number;
  epoch: number | null;
  /** Recovered from state: only commit (pending) — never written to by this instance. */
  restored: boolean;
  begin_sent: boolean;
  buffer: unknown[];
  unsent_writes: { write_seq: number; records: unknown[] }[];
  next_write_seq: number;
  acked_writes: Set<number>;
  record_count: number;
  unacked_records: number;
  /** Set by snapshot_state: the checkpoint this transaction was pre-committed for. */
  checkpoint_id: number | null;
  prepare_sent: boolean;
  prepared: boolean;
  commit_requested: boolean;
  commit_sent: boolean;
}

export class TwoPhaseCommitSinkWriter {
  private readonly options: TwoPhaseCommitSinkOptions;
  private readonly client: TxnStoreClient;
  /**
   * Live transactions in creation order: restored pending, then pre-committed, then the current one. A transaction
   * leaves the table when it is committed or lost, and an id is never used twice by one writer.
   */
  private readonly txns = new Map<string, Txn>();
  private current: Txn | null = null;
  private initialized = false;
  private lingering_done = false;
  private last_snapshot_id = 0;
  private buffered_records = 0;
  private failure_reason: string | null = null;
  /** Refused by the store as a stale generation: a zombie that must not send anything any more. */
  private superseded = false;
  /** The lingering abort, waiting for room in the request table (at most one entry). */
  private readonly recovery_outbox: Parameters<TxnStoreClient['send']>[0][] = [];
  private committed_records_count = 0;
  private readonly lost: LostTransaction[] = [];

  constructor(
    private readonly runtime: SinkRuntime,
    transport: SinkTransport,
    options: Partial<TwoPhaseCommitSinkOptions> &
      Pick<TwoPhaseCommitSinkOptions, 'transactional_id_prefix' | 'subtask_index' | 'parallelism' | 'store_node' | 'client_id'>,
  ) {
    this.options = { ...DEFAULT_TWO_PHASE_COMMIT_SINK_OPTIONS, ...options };
    const o = this.options;
    if (!(o.subtask_index >= 0 && o.subtask_index < o.parallelism)) {
      throw new Error(`2PC sink: subtask ${o.subtask_index} outside parallelism ${o.parallelism}`);
    }
    if (!(o.records_per_write >= 1)) throw new Error('2PC sink: records_per_write must be ≥ 1');
    this.client = new TxnStoreClient({
      client_id: o.client_id,
      store_node: o.store_node,
      max_pending_requests: o.max_pending_requests,
      send: (to, message) => transport.send(to, message),
      reply_tag: o.reply_tag,
      ...(o.generation === undefined ? {} : { fence: { scope: o.transactional_id_prefix, generation: o.generation } }),
    });
  }

  /** Flink's initializeState: recover-and-commit pending, recover-and-abort the open one, abort lingering, begin. */
  initialize_state(restored: RestoredSinkState | null): void {
    if (this.initialized) this.runtime.fail_invariant('2PC sink: initialize_state called twice');
    this.initialized = true;
    const restored_id = restored?.checkpoint_id ?? 0;
    const states = [...(restored?.states ?? [])].sort((a, b) => a.subtask_index - b.subtask_index);
    let pending_count = 0;
    for (const state of states) {
      if (state.current.counter > restored_id + 1) {
        // Only after transactional ids were found taken (a run got further than an older checkpoint restored later):
        // exactly-once output is already at risk there, and the trace says so.
        this.runtime.log('sink.counter_ahead_of_checkpoint', { txn_id: state.current.txn_id, checkpoint_id: restored_id });
      }
      for (const { checkpoint_id, txn } of [...state.pending].sort((a, b) => a.checkpoint_id - b.checkpoint_id)) {
        pending_count += 1;
        const recovered = this.new_txn(txn.txn_id, txn.counter, true);
        recovered.epoch = txn.epoch;
        recovered.record_count = txn.record_count;
        recovered.checkpoint_id = checkpoint_id;
        recovered.prepared = true;
        recovered.commit_requested = true;
        this.txns.set(recovered.txn_id, recovered);
      }
      // recoverAndAbort of the state's open transaction: Flink begins it before writing the state, but begins are
      // asynchronous here, so the state never holds its epoch. The owner's lingering abort (counter ≥ restored id + 1,
      // below) aborts it, fenced by nothing else a new owner has begun since.
    }
    if (pending_count > 0) {
      this.runtime.probe('sink.crash_between_precommit_and_commit');
      this.runtime.log('sink.recover_pending', { subtask: this.options.subtask_index, transaction_count: pending_count, checkpoint_id: restored_id });
    }
    this.recovery_outbox.push({
      kind: 'abort_lingering',
      prefix: `${this.options.transactional_id_prefix}-`,
      owner_modulo: this.options.parallelism,
      owner_remainder: this.options.subtask_index,
      min_counter: restored_id + 1,
      // The restored pending set (of every old subtask, whichever new subtask holds it after a rescale) is committed,
      // never aborted, even when a counter ran ahead of the checkpoint id.
      keep_prepared_up_to: restored_id,
    });
    this.last_snapshot_id = restored_id;
    // Never re-begin a restored transactional id: a begin of a prepared pending id would fence (abort) it before its
    // recover-and-commit. Counters run ahead of checkpoint ids once an id was found taken.
    let first_counter = restored_id + 1;
    const own_prefix = `${this.options.transactional_id_prefix}-`;
    for (const txn of this.txns.values()) {
      if (parse_transactional_id(own_prefix, txn.txn_id)?.owner === this.options.subtask_index) first_counter = Math.max(first_counter, txn.counter + 1);
    }
    this.current = this.begin_new(first_counter);
    this.drive();
  }

  invoke(record: unknown): void {
    const current = this.must_current();
    if (this.buffered_records >= this.options.max_buffered_records) {
      this.runtime.fail_invariant('2PC sink: buffered records above max_buffered_records (host ignored is_backpressured)', {
        max_buffered_records: this.options.max_buffered_records,
      });
    }
    current.buffer.push(record);
    current.record_count += 1;
    current.unacked_records += 1;
    this.buffered_records += 1;
    if (current.buffer.length >= this.options.records_per_write) {
      this.cut_write(current);
      this.drive();
    }
  }

  is_backpressured(): boolean {
    return this.buffered_records >= this.options.max_buffered_records;
  }

  /** snapshotState: pre-commit the current transaction, remember it as pending for this checkpoint, begin a new one. */
  snapshot_state(checkpoint_id: number): TwoPhaseCommitSinkState {
    const current = this.must_current();
    if (checkpoint_id <= this.last_snapshot_id) {
      this.runtime.fail_invariant('2PC sink: checkpoint ids must increase', { checkpoint_id, last: this.last_snapshot_id });
    }
    this.last_snapshot_id = checkpoint_id;
    this.cut_write(current);
    current.checkpoint_id = checkpoint_id;
    if (this.options.test_only_commit_on_precommit === true) current.commit_requested = true;
    this.current = this.begin_new(Math.max(checkpoint_id + 1, current.counter + 1));
    const state: TwoPhaseCommitSinkState = {
      checkpoint_id,
      subtask_index: this.options.subtask_index,
      parallelism: this.options.parallelism,
      current: this.handle(this.current),
      pending: [...this.txns.values()]
        .filter((t) => t.checkpoint_id !== null)
        .map((t) => ({ checkpoint_id: t.checkpoint_id as number, txn: this.handle(t) })),
    };
    this.drive();
    return state;
  }

  /**
   * True once every transaction pre-committed at or before `checkpoint_id` is prepared (durable) in the store. Never
   * after a failure: a failed transaction is gone from the table, and acknowledging would complete a checkpoint whose
   * pending set names a transaction that will never commit (or, worse, another run's committed one).
   */
  is_precommitted(checkpoint_id: number): boolean {
    if (this.failure_reason !== null) return false;
    for (const txn of this.txns.values()) {
      if (txn.checkpoint_id !== null && txn.checkpoint_id <= checkpoint_id && !txn.prepared) return false;
    }
    return true;
  }

  /** Commits every pending transaction ≤ id (skipped, late and duplicate notifications are all fine). */
  notify_checkpoint_complete(checkpoint_id: number): void {
    for (const txn of this.txns.values()) {
      if (txn.checkpoint_id !== null && txn.checkpoint_id <= checkpoint_id) txn.commit_requested = true;
    }
    this.drive();
  }

  /** An aborted checkpoint must not discard data: its transaction stays pending and a later completion commits it. */
  notify_checkpoint_aborted(checkpoint_id: number): void {
    this.runtime.log('sink.checkpoint_aborted', { subtask: this.options.subtask_index, checkpoint_id });
  }

  /** Feed every message the host receives; returns true when it was a response for this writer. */
  on_message(message: unknown): boolean {
    const matched = this.client.on_message(message);
    if (matched === null) return false;
    this.on_response(matched.request, matched.response);
    this.drive();
    return true;
  }

  /** Call periodically: resends requests without a response for retry_after_ms and sends what waits for capacity. */
  tick(): void {
    if (this.superseded) return;
    this.client.resend_overdue(this.runtime.now_ms(), this.options.retry_after_ms);
    this.drive();
  }

  failure(): string | null {
    return this.failure_reason;
  }

  /** Records whose commit failed after their checkpoint completed: real, detected data loss. */
  lost_transactions(): readonly LostTransaction[] {
    return this.lost;
  }

  stats(): { committed_records: number; lost_records: number; pending_transactions: number; pending_requests: number } {
    let pending = 0;
    for (const txn of this.txns.values()) if (txn.checkpoint_id !== null) pending += 1;
    return {
      committed_records: this.committed_records_count,
      lost_records: this.lost.reduce((sum, l) => sum + l.records, 0),
      pending_transactions: pending,
      pending_requests: this.client.pending_count(),
    };
  }

  /** Requests sent and not yet answered (what stats().pending_requests reports, without building the stats). */
  pending_requests(): number {
    return this.client.pending_count();
  }

  // ---- internals ----

  private must_current(): Txn {
    if (this.current === null) this.runtime.fail_invariant('2PC sink: used before initialize_state');
    return this.current;
  }

  private txn_id(counter: number): string {
    return `${this.options.transactional_id_prefix}-${this.options.subtask_index}-${counter}`;
  }

  private new_txn(txn_id: string, counter: number, restored: boolean): Txn {
    return {
      txn_id,
      counter,
      epoch: null,
      restored,
      begin_sent: false,
      buffer: [],
      unsent_writes: [],
      next_write_seq: 0,
      acked_writes: new Set(),
      record_count: 0,
      unacked_records: 0,
      checkpoint_id: null,
      prepare_sent: false,
      prepared: false,
      commit_requested: false,
      commit_sent: false,
    };
  }

  private begin_new(counter: number): Txn {
    const txn = this.new_txn(this.txn_id(counter), counter, false);
    this.txns.set(txn.txn_id, txn);
    return txn;
  }

  private handle(txn: Txn): TxnHandle {
    return { txn_id: txn.txn_id, counter: txn.counter, epoch: txn.epoch, record_count: txn.record_count, write_count: txn.next_write_seq };
  }

  private cut_write(txn: Txn): void {
    if (txn.buffer.length === 0) return;
    txn.unsent_writes.push({ write_seq: txn.next_write_seq, records: txn.buffer });
    txn.next_write_seq += 1;
    txn.buffer = [];
  }

  private send(body: Parameters<TxnStoreClient['send']>[0]): boolean {
    if (!this.client.can_send()) return false;
    this.client.send(body, this.runtime.now_ms());
    return true;
  }

  /** Advances every live transaction as far as the protocol and the request bound allow. */
  private drive(): void {
    if (this.superseded) return;
    while (this.recovery_outbox.length > 0 && this.send(this.recovery_outbox[0] as Parameters<TxnStoreClient['send']>[0])) this.recovery_outbox.shift();
    // Commits go out one at a time in checkpoint order, as TwoPhaseCommitSinkFunction commits its pending
    // transactions in order: a commit whose answer is lost (the store crashed) is resent before any later one, so the
    // store never makes a later checkpoint's output visible ahead of an earlier one's.
    let earlier_commit_unconfirmed = false;
    for (const txn of this.txns.values()) {
      if (!txn.restored) {
        if (txn.epoch === null) {
          if (!txn.begin_sent && this.lingering_done && this.send({ kind: 'begin', txn_id: txn.txn_id })) txn.begin_sent = true;
          continue;
        }
        while (txn.unsent_writes.length > 0) {
          const write = txn.unsent_writes[0] as { write_seq: number; records: unknown[] };
          if (!this.send({ kind: 'write', txn_id: txn.txn_id, epoch: txn.epoch, write_seq: write.write_seq, records: write.records })) break;
          txn.unsent_writes.shift();
        }
        const all_acked = txn.buffer.length === 0 && txn.unsent_writes.length === 0 && txn.acked_writes.size === txn.next_write_seq;
        if (txn.checkpoint_id !== null && !txn.prepare_sent && all_acked) {
          if (this.send({ kind: 'prepare', txn_id: txn.txn_id, epoch: txn.epoch, write_count: txn.next_write_seq, checkpoint_id: txn.checkpoint_id })) {
            txn.prepare_sent = true;
          }
        }
      }
      if (txn.prepared && txn.commit_requested) {
        if (!txn.commit_sent && !earlier_commit_unconfirmed && this.send({ kind: 'commit', txn_id: txn.txn_id })) txn.commit_sent = true;
        earlier_commit_unconfirmed = true;
      }
    }
  }

  private retry(request: TxnRequest): void {
    this.client.mark_for_retry(request.request_id, request);
  }

  private on_response(request: TxnRequest, response: TxnResponse): void {
    if (response.outcome === 'busy') return this.retry(request);
    if (response.outcome === 'superseded') return this.on_superseded(request, response);
    switch (request.kind) {
      case 'abort_lingering': {
        const aborted = response.aborted ?? [];
        if (aborted.length > 0) {
          this.runtime.probe('sink.lingering_aborted');
          this.runtime.log('sink.lingering_aborted', { subtask: this.options.subtask_index, txn_ids: aborted });
        }
        this.lingering_done = true;
        // Recovery-time part "reset sink": pending transactions recovered and lingering ones aborted.
        this.runtime.log('sink.recovered', { subtask: this.options.subtask_index });
        this.skip_taken_ids(response.max_reserved_counter ?? -1);
        return;
      }
      case 'begin':
        return this.on_begin(request, response);
      case 'write': {
        const txn = this.txns.get(request.txn_id);
        if (txn === undefined) return;
        if (is_success(response.outcome)) {
          if (!txn.acked_writes.has(request.write_seq)) {
            txn.acked_writes.add(request.write_seq);
            txn.unacked_records -= request.records.length;
            this.buffered_records -= request.records.length;
          }
          return;
        }
        if (response.outcome === 'out_of_sequence') return this.retry(request);
        return this.fail(txn, `write ${response.outcome}`);
      }
      case 'prepare': {
        const txn = this.txns.get(request.txn_id);
        if (txn === undefined) return;
        if (is_success(response.outcome)) {
          txn.prepared = true;
          this.runtime.log('sink.precommitted', { txn_id: txn.txn_id, checkpoint_id: txn.checkpoint_id, records: txn.record_count });
          if (txn.checkpoint_id !== null && this.is_precommitted(txn.checkpoint_id)) this.options.on_precommitted?.(txn.checkpoint_id);
          return;
        }
        // missing_writes included: the store lost writes it had acknowledged (a truncated log); resending the prepare
        // cannot bring them back, only a restore can.
        return this.fail(txn, `prepare ${response.outcome}`);
      }
      case 'commit':
        return this.on_commit(request.txn_id, response);
    }
  }

  /**
   * After the lingering abort: the store said which counters its ids already used (a run that got further than the
   * restored checkpoint committed some). The current transaction takes the next free one instead of failing on
   * "already committed" ids one begin at a time. It has not been begun (nothing is begun before the lingering abort
   * answered) nor named in a snapshot (a snapshot replaces it with a fresh one).
   */
  private skip_taken_ids(max_counter: number): void {
    const current = this.must_current();
    // Stryker disable all: invariant a correct writer cannot reach (begins wait for the lingering abort's answer; a snapshot replaces the current transaction)
    if (current.begin_sent || current.epoch !== null || current.checkpoint_id !== null) {
      this.runtime.fail_invariant('2PC sink: the current transaction was begun or named in a snapshot before the lingering abort answered', { txn_id: current.txn_id });
    }
    // Stryker restore all
    if (current.counter > max_counter) return;
    this.runtime.log('sink.transactional_id_taken', { txn_id: current.txn_id, next_free_counter: max_counter + 1 });
    this.txns.delete(current.txn_id);
    current.counter = max_counter + 1;
    current.txn_id = this.txn_id(current.counter);
    this.txns.set(current.txn_id, current);
  }

  private on_begin(request: TxnRequest & { kind: 'begin' }, response: TxnResponse): void {
    const txn = this.txns.get(request.txn_id);
    if (txn === undefined || txn.epoch !== null) return;
    if (response.outcome === 'ok' && response.epoch !== undefined) {
      txn.epoch = response.epoch;
      return;
    }
    if (response.outcome === 'too_many_open_transactions') return this.retry(request);
    // Also already_committed: ids an earlier run committed were skipped when the lingering abort answered (begins wait
    // for it), so another writer committed this one since — a zombie; or a snapshot named the id before that answer.
    this.fail(txn, `begin ${response.outcome}`);
  }

  private on_commit(txn_id: string, response: TxnResponse): void {
    const txn = this.txns.get(txn_id);
    if (txn === undefined) return;
    const checkpoint_id = txn.checkpoint_id as number;
    if (is_success(response.outcome)) {
      this.txns.delete(txn_id);
      if (response.outcome === 'ok') this.committed_records_count += txn.record_count;
      if (txn.restored) this.runtime.probe('sink.commit_after_restore');
      this.runtime.log('sink.committed', { txn_id, checkpoint_id, records: txn.record_count, outcome: response.outcome });
      return;
    }
    // The checkpoint that contains these records completed: the source will not replay them. This is data loss.
    this.txns.delete(txn_id);
    const lost: LostTransaction = { txn_id, checkpoint_id, records: txn.record_count, reason: response.outcome };
    this.lost.push(lost);
    this.runtime.log('sink.commit_failed', { txn_id, checkpoint_id, records: txn.record_count, outcome: response.outcome, detail: response.detail });
    if (txn.restored && response.outcome === 'expired' && this.options.ignore_failures_after_transaction_timeout === true) {
      // recoverAndCommit of a transaction older than the timeout, with ignoreFailuresAfterTransactionTimeout: Flink logs
      // "Data loss might have occurred" and goes on.
      this.runtime.log('sink.data_loss', { txn_id, checkpoint_id, records: txn.record_count, reason: response.outcome });
      return;
    }
    // TwoPhaseCommitSinkFunction: a commit that fails (in notifyCheckpointComplete, or in recoverAndCommit after a
    // restore) throws, and the task fails; the restart strategy decides what follows.
    this.runtime.probe('sink.commit_failed_task');
    const reason = `committing transaction ${txn_id} of completed checkpoint ${checkpoint_id} failed (${response.outcome}): ${txn.record_count} record(s) the source will not replay`;
    if (this.failure_reason === null) {
      this.failure_reason = reason;
      this.options.on_failure?.(reason);
    }
  }

  /**
   * A newer attempt's writer owns the transactional ids now: this writer is a zombie. It stops sending (its requests
   * would be refused anyway) and fails its task; nothing is lost — the new attempt commits what the restored
   * checkpoint holds.
   */
  private on_superseded(request: TxnRequest, response: TxnResponse): void {
    if (this.superseded) return;
    this.superseded = true;
    this.recovery_outbox.length = 0;
    this.runtime.probe('sink.zombie_fenced');
    this.runtime.log('sink.superseded', { subtask: this.options.subtask_index, request: request.kind, detail: response.detail });
    const full = `superseded by a newer attempt (${response.detail ?? 'fenced'})`;
    if (this.failure_reason === null) {
      this.failure_reason = full;
      this.options.on_failure?.(full);
    }
  }

  /** A transaction died before commit (fenced, expired while open, …): the task must fail and restore. */
  private fail(txn: Txn, reason: string): void {
    this.buffered_records -= txn.unacked_records;
    txn.unacked_records = 0;
    this.txns.delete(txn.txn_id);
    if (this.current === txn) this.current = this.begin_new(txn.counter + 1);
    const full = `transaction ${txn.txn_id}: ${reason}`;
    this.runtime.log('sink.transaction_failed', { txn_id: txn.txn_id, reason, checkpoint_id: txn.checkpoint_id });
    if (this.failure_reason === null) {
      this.failure_reason = full;
      this.options.on_failure?.(full);
    }
  }
}

// ---- Hosting in the engine's sink API (engine/api/functions.ts) ----

/**
 * What a checkpointed sink writer needs from its task beyond SinkWriterContext (a proposed extension: the task
 * layer provides these, as SourceReaderContext already provides reply_tag for sources).
 */
export interface CheckpointedSinkWriterContext extends SinkWriterContext {
  /** The task routes messages carrying this reply_tag to the writer's onMessage. Unique per task attempt. */
  readonly reply_tag: string;
  /** The checkpoint or savepoint this attempt restored from; null on a fresh start. */
  readonly restored_checkpoint_id: number | null;
  /** The job attempt this task belongs to (grows with every failover and JobManager leader): fences zombie writers. */
  readonly attempt?: number;
  log(event: string, fields?: Record<string, unknown>): void;
  probe(name: string): void;
  fail_invariant(message: string, detail?: Record<string, unknown>): never;
}

/**
 * The checkpoint hooks a sink writer needs from its task (Flink's CheckpointedFunction + CheckpointListener):
 * initializeState before the first write; snapshotState when the barrier reaches the sink (its operator list state
 * is then snapshotted); the task acknowledges the checkpoint only once isSnapshotDurable (the writer calls
 * ctx.wakeAfter(0) when that changes); notify* on completion/abort; onMessage for replies tagged with reply_tag.
 * failure() non-null means the task must fail (and restore).
 */
export interface CheckpointedSinkWriter<T> extends SinkWriter<T> {
  initializeState(): void;
  snapshotState(checkpoint_id: number): void;
  isSnapshotDurable(checkpoint_id: number): boolean;
  notifyCheckpointComplete(checkpoint_id: number): void;
  notifyCheckpointAborted(checkpoint_id: number): void;
  onMessage(message: unknown): void;
  failure(): string | null;
}

export function is_checkpointed_sink_writer(writer: SinkWriter<unknown>): writer is CheckpointedSinkWriter<unknown> {
  const w = writer as Partial<CheckpointedSinkWriter<unknown>>;
  return typeof w.snapshotState === 'function' && typeof w.isSnapshotDurable === 'function' && typeof w.onMessage === 'function';
}

/** Checks that the task provides the extended context; a clear error instead of silently losing commits. */
export function as_checkpointed_context(ctx: SinkWriterContext, sink_kind: string): CheckpointedSinkWriterContext {
  const c = ctx as Partial<CheckpointedSinkWriterContext>;
  if (typeof c.reply_tag !== 'string' || c.restored_checkpoint_id === undefined || typeof c.log !== 'function' || typeof c.probe !== 'function' || typeof c.fail_invariant !== 'function') {
    throw new Error(
      `${sink_kind} sink: the task must provide CheckpointedSinkWriterContext (reply_tag, restored_checkpoint_id, log, probe, fail_invariant) and call the CheckpointedSinkWriter hooks`,
    );
  }
  return ctx as CheckpointedSinkWriterContext;
}

export interface TwoPhaseCommitSinkConfig {
  store_node: NodeId;
  transactional_id_prefix: string;
  records_per_write?: number;
  max_pending_requests?: number;
  max_buffered_records?: number;
  retry_after_ms?: number;
  /** PLANTED BUG switch (see TwoPhaseCommitSinkOptions). */
  test_only_commit_on_precommit?: boolean;
  /** See TwoPhaseCommitSinkOptions (Flink's ignoreFailuresAfterTransactionTimeout). */
  ignore_failures_after_transaction_timeout?: boolean;
}

/** Operator list state name (even-split: one entry per old subtask, dealt out on rescale). */
export const TWO_PHASE_COMMIT_STATE = 'two-phase-commit';

class TwoPhaseCommitSinkAdapter implements CheckpointedSinkWriter<unknown> {
  private readonly writer: TwoPhaseCommitSinkWriter;
  private readonly state;
  private readonly retry_after_ms: number;

  constructor(
    private readonly ctx: CheckpointedSinkWriterContext,
    config: TwoPhaseCommitSinkConfig,
  ) {
    this.state = ctx.getOperatorListState<TwoPhaseCommitSinkState>(TWO_PHASE_COMMIT_STATE, 'split');
    this.retry_after_ms = config.retry_after_ms ?? DEFAULT_TWO_PHASE_COMMIT_SINK_OPTIONS.retry_after_ms;
    const optional = Object.fromEntries(
      (['records_per_write', 'max_pending_requests', 'max_buffered_records', 'retry_after_ms', 'test_only_commit_on_precommit', 'ignore_failures_after_transaction_timeout'] as const)
        .filter((k) => config[k] !== undefined)
        .map((k) => [k, config[k]]),
    ) as Partial<TwoPhaseCommitSinkOptions>;
    this.writer = new TwoPhaseCommitSinkWriter(ctx, { send: (to, message) => ctx.send(to, message) }, {
      ...optional,
      transactional_id_prefix: config.transactional_id_prefix,
      subtask_index: ctx.subtask_index,
      parallelism: ctx.parallelism,
      store_node: config.store_node,
      client_id: `${ctx.node_id}/${ctx.reply_tag}`,
      reply_tag: ctx.reply_tag,
      ...(ctx.attempt === undefined ? {} : { generation: ctx.attempt }),
      on_precommitted: () => ctx.wakeAfter(0),
    });
  }

  initializeState(): void {
    const states = [...this.state.get()];
    const restored_id = this.ctx.restored_checkpoint_id;
    if (restored_id === null && states.length > 0) {
      this.ctx.fail_invariant('2PC sink: operator state handed to a task that restored no checkpoint', { states: states.length });
    }
    this.writer.initialize_state(restored_id === null ? null : { checkpoint_id: restored_id, states });
    this.keep_ticking();
  }
  write(value: unknown): void {
    this.writer.invoke(value);
  }
  canAccept(): boolean {
    if (!this.writer.is_backpressured()) return true;
    this.ctx.wakeAfter(this.retry_after_ms);
    return false;
  }
  flush(): void {
    this.writer.tick();
    this.keep_ticking();
  }
  snapshotState(checkpoint_id: number): void {
    this.state.update([this.writer.snapshot_state(checkpoint_id)]);
    this.keep_ticking();
  }
  isSnapshotDurable(checkpoint_id: number): boolean {
    return this.writer.is_precommitted(checkpoint_id);
  }
  notifyCheckpointComplete(checkpoint_id: number): void {
    this.writer.notify_checkpoint_complete(checkpoint_id);
    this.keep_ticking();
  }
  notifyCheckpointAborted(checkpoint_id: number): void {
    this.writer.notify_checkpoint_aborted(checkpoint_id);
  }
  onMessage(message: unknown): void {
    this.writer.on_message(message);
    this.keep_ticking();
  }
  failure(): string | null {
    return this.writer.failure();
  }
  /** Requests without a reply need resending: make sure the task steps (and flushes) again. */
  private keep_ticking(): void {
    if (this.writer.pending_requests() > 0) this.ctx.wakeAfter(this.retry_after_ms);
  }
  /** For checkers: the writer's committed and lost records. */
  stats(): ReturnType<TwoPhaseCommitSinkWriter['stats']> {
    return this.writer.stats();
  }
}

/** The 2PC sink in the engine's Sink API (kind "two_phase_commit"); needs a task with the checkpoint hooks above. */
export class TwoPhaseCommitSink implements Sink<unknown> {
  readonly kind = 'two_phase_commit';
  constructor(readonly config: TwoPhaseCommitSinkConfig) {}
  createWriter(ctx: SinkWriterContext): CheckpointedSinkWriter<unknown> & { stats(): ReturnType<TwoPhaseCommitSinkWriter['stats']> } {
    return new TwoPhaseCommitSinkAdapter(as_checkpointed_context(ctx, this.kind), this.config);
  }
}
