// Where each committed output record came from: the stretches of the external system's output, each with when it
// was committed, by which transaction, for which checkpoint and in which attempt of the job; and the transactions
// whose records were thrown away (expired, or whose commit failed). Evidence for a failed output check, never a check.
import type { RunObserver } from './observer.js';
import type { RunView } from './assemble.js';

/** A stretch of committed output, [start_index, end_index) in commit order. */
export interface OutputStretch {
  start_index: number;
  end_index: number;
  time_ms: number;
  /** The transaction whose commit appended it (two-phase-commit sinks), else null. */
  txn_id: string | null;
  /** The checkpoint the transaction was pre-committed for, when known. */
  checkpoint_id: number | null;
  /** The job attempt (1 = first deployment) that wrote it. */
  attempt: number;
}

/** A transaction whose records never reached the output: the store expired it, or its commit failed. */
export interface DroppedTransaction {
  txn_id: string;
  /** The transaction's records as the store held them when it ended (the same objects, not copies). */
  records: readonly unknown[];
  state_when_dropped: 'open' | 'prepared';
  begin_ms: number;
  dropped_ms: number;
  timeout_ms: number | null;
  checkpoint_id: number | null;
  attempt: number;
  /** When a sink later tried to commit it and the store refused (sink.commit_failed), else null. */
  commit_failed_ms: number | null;
  commit_failed_attempt: number | null;
}

/** One deployment of the job: when it was deployed and what it restored. */
export interface AttemptStart {
  attempt: number;
  time_ms: number;
  /** The checkpoint the attempt restored, null when it started empty, undefined when it never said. */
  restored_checkpoint_id?: number | null;
}

/** Bounds: a run commits far fewer stretches and drops far fewer transactions. */
export const MAX_STRETCHES = 200_000;
export const MAX_DROPPED_TRANSACTIONS = 1_000;

export class OutputLedger {
  readonly stretches: OutputStretch[] = [];
  readonly dropped: DroppedTransaction[] = [];
  readonly attempts: AttemptStart[] = [];
  private attempt = 0;
  /** Transaction → checkpoint and attempt of its pre-commit. */
  private readonly precommitted = new Map<string, { checkpoint_id: number | null; attempt: number }>();
  private readonly dropped_by_id = new Map<string, DroppedTransaction>();
  private covered = 0;
  private transactional = false;

  constructor(
    private readonly view: RunView,
    private readonly observer: RunObserver,
  ) {}

  attach(): void {
    const observer = this.observer;
    // A recovery restores a checkpoint, then deploys the attempt that runs from it.
    let restored: number | null | undefined;
    observer.on('recovery.restored', (event) => {
      const id = event.fields['checkpoint_id'];
      restored = typeof id === 'number' ? id : null;
    });
    observer.on('jm.deploying', (event) => {
      this.attempt++;
      const start: AttemptStart = { attempt: this.attempt, time_ms: event.time_ms };
      if (restored !== undefined) start.restored_checkpoint_id = restored;
      restored = undefined;
      if (this.attempts.length < MAX_STRETCHES) this.attempts.push(start);
    });
    observer.on('sink.precommitted', (event) => {
      const txn_id = event.fields['txn_id'];
      const checkpoint_id = event.fields['checkpoint_id'];
      if (typeof txn_id !== 'string' || this.precommitted.size >= MAX_STRETCHES) return;
      this.precommitted.set(txn_id, { checkpoint_id: typeof checkpoint_id === 'number' ? checkpoint_id : null, attempt: this.attempt });
    });
    observer.on('txstore.committed', (event) => {
      this.transactional = true;
      const txn_id = event.fields['txn_id'];
      const end_index = this.view.collected_output().length;
      const records = event.fields['records'];
      const count = typeof records === 'number' ? records : end_index - this.covered;
      if (typeof txn_id !== 'string') return;
      this.catch_up(end_index - count, event.time_ms);
      const origin = this.precommitted.get(txn_id);
      this.push({ start_index: end_index - count, end_index, time_ms: event.time_ms, txn_id, checkpoint_id: origin?.checkpoint_id ?? null, attempt: origin?.attempt ?? this.attempt });
    });
    observer.on('txstore.txn_expired', (event) => {
      const txn_id = event.fields['txn_id'];
      const state = event.fields['state'];
      if (typeof txn_id !== 'string' || this.dropped.length >= MAX_DROPPED_TRANSACTIONS) return;
      const records = this.view.txstore()?.transaction_records(txn_id);
      if (records === undefined || records.length === 0) return;
      const origin = this.precommitted.get(txn_id);
      const checkpoint_id = event.fields['checkpoint_id'];
      const timeout_ms = event.fields['timeout_ms'];
      const begin_ms = event.fields['begin_ms'];
      const dropped: DroppedTransaction = {
        txn_id,
        records,
        state_when_dropped: state === 'prepared' ? 'prepared' : 'open',
        begin_ms: typeof begin_ms === 'number' ? begin_ms : event.time_ms,
        dropped_ms: event.time_ms,
        timeout_ms: typeof timeout_ms === 'number' ? timeout_ms : null,
        checkpoint_id: typeof checkpoint_id === 'number' ? checkpoint_id : (origin?.checkpoint_id ?? null),
        attempt: origin?.attempt ?? this.attempt,
        commit_failed_ms: null,
        commit_failed_attempt: null,
      };
      this.dropped.push(dropped);
      this.dropped_by_id.set(txn_id, dropped);
    });
    observer.on('sink.commit_failed', (event) => {
      const txn_id = event.fields['txn_id'];
      const dropped = typeof txn_id === 'string' ? this.dropped_by_id.get(txn_id) : undefined;
      if (dropped === undefined || dropped.commit_failed_ms !== null) return;
      dropped.commit_failed_ms = event.time_ms;
      dropped.commit_failed_attempt = this.attempt;
    });
  }

  /** After every event: output that grew without a transactional commit (other sinks) becomes a stretch of its own. */
  sample(now_ms: number): void {
    // An upsert table is no sequence of commits: its output has no stretches.
    if (this.transactional || this.view.run.engine_sink_kind === 'idempotent') return;
    const length = this.view.collected_output().length;
    if (length > this.covered) this.push({ start_index: this.covered, end_index: length, time_ms: now_ms, txn_id: null, checkpoint_id: null, attempt: this.attempt });
  }

  /** The stretch holding output index `index` (binary search), undefined past the recorded output. */
  stretch_at(index: number): OutputStretch | undefined {
    let low = 0;
    let high = this.stretches.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const stretch = this.stretches[middle] as OutputStretch;
      if (index < stretch.start_index) high = middle - 1;
      else if (index >= stretch.end_index) low = middle + 1;
      else return stretch;
    }
    return undefined;
  }

  private catch_up(start_index: number, time_ms: number): void {
    if (start_index > this.covered) this.push({ start_index: this.covered, end_index: start_index, time_ms, txn_id: null, checkpoint_id: null, attempt: this.attempt });
  }

  private push(stretch: OutputStretch): void {
    if (stretch.end_index <= stretch.start_index || this.stretches.length >= MAX_STRETCHES) return;
    this.stretches.push(stretch);
    this.covered = Math.max(this.covered, stretch.end_index);
  }
}
