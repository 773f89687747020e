// JobManager high availability (Flink's JobMasterServiceLeadershipRunner with its leader election and HA services):
// leader election by compare-and-set on the HA record, a standby watching the leader, fencing (a leader whose write
// is fenced retires), the ordered queue of HA writes (checkpoint pointers, id reservations, the job result), and
// holding the job's traffic once this leader's lease (its HA session) expired unrenewed.
import type { NodeId, Runtime } from '../runtime.js';
import { HaClient, type HaRecord, type HaResult } from '../ha/ha-protocol.js';
import { isClusterMessage, type ClusterMessage } from './messages.js';

/** HA role: electing (reading the record), standby (watching the leader), leader, retired (lost leadership). */
export type JobManagerRole = 'electing' | 'standby' | 'leader' | 'retired';

/** Checkpoint ids a leader reserves in the HA record ahead of use, so a successor never reuses an id. */
export const CHECKPOINT_ID_BLOCK = 1_000;
/** Bound on HA writes waiting behind the one in flight. */
const MAX_QUEUED_HA_WRITES = 256;
/**
 * Checkpoint pointers this JobManager keeps in the HA record, newest first: a recovery restores the first, the rest are
 * for operators (the record itself allows up to ha-protocol's MAX_HA_POINTERS).
 */
const HA_POINTERS_KEPT = 8;
/** Bound on job messages held while a leader waits for the HA store to confirm it. */
const MAX_HELD_MESSAGES = 10_000;

export type LeadershipTimer = { kind: 'ha_watch' } | { kind: 'ha_timeout'; request_id: number };

export interface JobManagerHaConfig {
  /** The HA store process. */
  ha_store: NodeId;
  /** A standby lets a leader-less job wait one heartbeat timeout before claiming it (the primary claims at once). */
  standby?: boolean;
}

interface HaWrite {
  /** The record to write, built from the newest known record when the write starts. */
  build: (current: HaRecord | null) => HaRecord;
  /** `possibly_written`: a failed write whose record may be durable all the same (no answer, or an unverified disk write). */
  done: (ok: boolean, detail: string, possibly_written?: boolean) => void;
}

/** A registration heard before leading, replayed on becoming leader if still fresh. */
export interface EarlyRegistration {
  from: NodeId;
  message: ClusterMessage;
}

/** What leadership needs from the JobMaster that hosts it. */
export interface LeadershipContext {
  readonly runtime: Runtime;
  readonly job_id: string;
  readonly heartbeat_interval_ms: number;
  readonly heartbeat_timeout_ms: number;
  /** Whether the job reached a terminal status. */
  is_terminal(): boolean;
  /** Deliver a job message (held ones once leadership is confirmed). */
  on_message(from: NodeId, message: unknown): void;
  /** Leadership granted with `fencing_token`: checkpoint ids start at `first_checkpoint_id`. */
  adopt_leadership(fencing_token: number, first_checkpoint_id: number): void;
  /** After `jm.leader` is logged: run or recover the job as `previous` left it; replay `registrations` at the right moment. */
  on_leader(previous: HaRecord | null, registrations: EarlyRegistration[]): void;
  /** Leadership lost: stop triggering checkpoints and let go of the TaskManagers. */
  on_retired(reason: string): void;
  /** Whether checkpoint `id`'s pointer must stay in the HA record (a retained checkpoint or the resumed savepoint). */
  keep_pointer(checkpoint_id: number): boolean;
  /** The id the next checkpoint will get. */
  next_checkpoint_id(): number;
}

export class JobLeadership {
  private readonly ha: HaClient;
  private role: JobManagerRole = 'electing';
  private fencing_token = 0;
  private ha_version = 0;
  private ha_record: HaRecord | null = null;
  private readonly ha_handlers = new Map<number, (result: HaResult) => void>();
  private ha_write_in_flight = false;
  private readonly ha_writes: HaWrite[] = [];
  /** Checkpoint ids this leader may use: [first_checkpoint_id, reserved_until). */
  private first_id = 1;
  private reserved_until = Number.MAX_SAFE_INTEGER;
  private renewing_reservation = false;
  /** Standby: the leader being watched and when it last answered. */
  private watched_leader: { node_id: NodeId; fencing_token: number } | null = null;
  private last_leader_sign_ms = 0;
  private standby_since_ms = 0;
  private electing = false;
  /**
   * When the HA store last renewed this leader's lease: the send time, on the monotonic clock, of the read or write
   * that confirmed it (a clock jump neither expires nor extends a lease, as Flink measures it with System.nanoTime).
   */
  private lease_renewed_monotonic_ms = Number.NEGATIVE_INFINITY;
  /** Job traffic that arrived after the lease expired (replayed once renewed, dropped on retirement). */
  private held_messages: { from: NodeId; message: unknown }[] = [];
  /** Registrations heard before leading (one per TaskManager), replayed on becoming leader if still fresh. */
  private readonly early_registrations = new Map<NodeId, { message: ClusterMessage; at_ms: number }>();

  constructor(
    private readonly context: LeadershipContext,
    private readonly config: JobManagerHaConfig,
  ) {
    this.ha = new HaClient(config.ha_store, (to, message) => context.runtime.send(to, message));
  }

  private get runtime(): Runtime {
    return this.context.runtime;
  }

  get current_role(): JobManagerRole {
    return this.role;
  }

  get is_leader(): boolean {
    return this.role === 'leader';
  }

  /** The fencing token this JobManager leads with (0 before it leads). */
  get leader_fencing_token(): number {
    return this.fencing_token;
  }

  /** The first checkpoint id this leader may use. */
  get first_checkpoint_id(): number {
    return this.first_id;
  }

  start(): void {
    this.standby_since_ms = this.runtime.now_ms();
    this.readRecord();
    this.runtime.setTimer(this.context.heartbeat_interval_ms, { kind: 'ha_watch' } satisfies LeadershipTimer);
  }

  /**
   * HA traffic and leadership gating of the job's messages; true when the message was consumed here (the JobMaster
   * handles the rest).
   */
  intercept_message(from: NodeId, message: unknown): boolean {
    const response = this.ha.parse(from, message);
    if (response !== undefined) {
      const handle = this.ha_handlers.get(response.request_id);
      this.ha_handlers.delete(response.request_id);
      if (response.job_id === this.context.job_id) handle?.(response.result);
      return true;
    }
    if (!isClusterMessage(message)) return true;
    if (message.type === 'jm.ping') {
      if (this.role === 'leader') {
        this.runtime.send(from, { type: 'jm.pong', fencing_token: this.fencing_token, terminal: this.context.is_terminal() } satisfies ClusterMessage);
      }
      return true;
    }
    if (message.type === 'jm.pong') {
      if (this.watched_leader !== null && from === this.watched_leader.node_id && message.fencing_token === this.watched_leader.fencing_token) {
        this.last_leader_sign_ms = this.runtime.now_ms();
        // The job is over: nothing left to stand by for (lets a finished cluster run out of events).
        if (message.terminal === true && this.role === 'standby') {
          this.role = 'retired';
          this.runtime.log('jm.standby_stopped', { reason: 'the leader reports the job terminal' });
        }
      }
      return true;
    }
    if (this.role === 'leader' && this.lease_expired()) {
      // Paused or cut off for longer than the lease: act on nothing until the HA store renews it (or names another).
      if (this.held_messages.length < MAX_HELD_MESSAGES) this.held_messages.push({ from, message });
      this.readRecord();
      return true;
    }
    // Only the leader runs the job; a standby or a retired leader ignores the job's traffic.
    if (this.role !== 'leader') {
      if (message.type === 'tm.register' && this.role !== 'retired') {
        this.early_registrations.delete(from);
        this.early_registrations.set(from, { message, at_ms: this.runtime.now_ms() });
      }
      return true;
    }
    return false;
  }

  /**
   * This leader's lease has expired: the HA store has not confirmed it for the heartbeat timeout, after which a
   * standby that lost sight of it may claim the job. Flink's leader election loses leadership the same way, when its
   * session (ZooKeeper) or lease (Kubernetes: renew deadline) expires unrenewed, never sooner: slow HA answers within
   * the lease do not stop a leader. Renewals are the HA reads of every heartbeat interval and every HA write.
   */
  lease_expired(): boolean {
    return this.role === 'leader' && this.runtime.monotonic_ms() - this.lease_renewed_monotonic_ms > this.context.heartbeat_timeout_ms;
  }

  /** HA timers are consumed here (false); any other timer proceeds (true) only while this JobManager leads. */
  on_timer(tag: unknown): boolean {
    const timer = tag as Partial<LeadershipTimer>;
    if (timer.kind === 'ha_timeout') {
      const request_id = (tag as { request_id: number }).request_id;
      const handle = this.ha_handlers.get(request_id);
      if (handle !== undefined) {
        this.ha_handlers.delete(request_id);
        handle({ ok: false, error: 'io_error', detail: 'no answer from the HA store' });
      }
      return false;
    }
    if (timer.kind === 'ha_watch') {
      if (this.role === 'retired' || (this.role === 'leader' && this.context.is_terminal())) return false;
      if (this.role === 'standby' && this.watched_leader !== null) {
        this.runtime.send(this.watched_leader.node_id, { type: 'jm.ping' } satisfies ClusterMessage);
      }
      // Leader: confirm leadership; standby/electing: look for a dead or missing leader.
      this.readRecord();
      this.runtime.setTimer(this.context.heartbeat_interval_ms, { kind: 'ha_watch' } satisfies LeadershipTimer);
      return false;
    }
    return this.role === 'leader';
  }

  private haRequest(send: () => number, handle: (result: HaResult) => void): void {
    const request_id = send();
    this.ha_handlers.set(request_id, handle);
    this.runtime.setTimer(this.context.heartbeat_timeout_ms, { kind: 'ha_timeout', request_id } satisfies LeadershipTimer);
  }

  /** Electing or watching: read the record and decide (claim, follow a leader, or confirm leadership). */
  private readRecord(): void {
    if (this.electing) return;
    this.electing = true;
    const sent_monotonic_ms = this.runtime.monotonic_ms();
    this.haRequest(
      () => this.ha.get(this.context.job_id),
      (result) => {
        this.electing = false;
        if (!result.ok) {
          this.runtime.log('jm.ha_read_failed', { error: result.error, detail: result.detail });
          return; // the watch timer reads again
        }
        if (this.role === 'leader' && result.version < this.ha_version) return; // older than our own write
        this.ha_version = result.version;
        this.ha_record = result.record;
        this.onRecord(result.record, sent_monotonic_ms);
      },
    );
  }

  private onRecord(record: HaRecord | null, renewed_monotonic_ms = Number.NEGATIVE_INFINITY): void {
    const self = this.runtime.node_id;
    const leader = record?.leader ?? null;
    if (this.role === 'leader') {
      if (leader === null || leader.node_id !== self || leader.fencing_token !== this.fencing_token) this.retire('another JobManager leads the job');
      else {
        this.lease_renewed_monotonic_ms = Math.max(this.lease_renewed_monotonic_ms, renewed_monotonic_ms);
        if (!this.lease_expired() && this.held_messages.length > 0) {
          const held = this.held_messages;
          this.held_messages = [];
          for (const { from, message } of held) this.context.on_message(from, message);
        }
      }
      return;
    }
    if (this.role === 'retired') return;
    const now = this.runtime.now_ms();
    if (leader === null || leader.node_id === self) {
      // No leader, or this process led before it restarted: claim (a standby first gives the primary a chance).
      if (leader === null && this.config.standby === true && now - this.standby_since_ms <= this.context.heartbeat_timeout_ms) {
        this.role = 'standby';
        return;
      }
      this.claim(record);
      return;
    }
    if (this.watched_leader === null || this.watched_leader.fencing_token !== leader.fencing_token) {
      this.watched_leader = { ...leader };
      this.last_leader_sign_ms = now;
      if (this.role !== 'standby') this.runtime.log('jm.standby', { leader: leader.node_id, fencing_token: leader.fencing_token });
      this.role = 'standby';
      return;
    }
    if (now - this.last_leader_sign_ms > this.context.heartbeat_timeout_ms) this.claim(record);
  }

  /** Compare-and-set the record with this process as leader; the new version is the fencing token. */
  private claim(record: HaRecord | null): void {
    const expected = this.ha_version;
    const first_id = record?.checkpoint_id_counter ?? 1;
    const claimed: HaRecord = {
      job_id: this.context.job_id,
      checkpoints: record?.checkpoints.map((p) => ({ ...p })) ?? [],
      checkpoint_id_counter: first_id + CHECKPOINT_ID_BLOCK,
      leader: { node_id: this.runtime.node_id, fencing_token: expected + 1 },
      ...(record?.terminal !== undefined ? { terminal: record.terminal } : {}),
    };
    this.electing = true;
    this.haRequest(
      () => this.ha.put(this.context.job_id, expected, claimed),
      (result) => {
        this.electing = false;
        if (!result.ok) {
          this.runtime.log('jm.claim_failed', { error: result.error, detail: result.detail });
          if (result.error === 'version_conflict' && result.version !== undefined) {
            this.ha_version = result.version;
            this.ha_record = result.record ?? null;
            this.onRecord(this.ha_record);
          }
          return;
        }
        this.ha_version = result.version;
        this.ha_record = claimed;
        this.becomeLeader(record, claimed, first_id);
      },
    );
  }

  private becomeLeader(previous: HaRecord | null, claimed: HaRecord, first_id: number): void {
    this.role = 'leader';
    this.lease_renewed_monotonic_ms = this.runtime.monotonic_ms();
    this.fencing_token = claimed.leader!.fencing_token;
    this.first_id = first_id;
    this.reserved_until = claimed.checkpoint_id_counter;
    this.context.adopt_leadership(this.fencing_token, first_id);
    this.runtime.log('jm.leader', { fencing_token: this.fencing_token, first_checkpoint_id: first_id, previous_leader: previous?.leader?.node_id ?? null });
    const fresh = [...this.early_registrations]
      .filter(([, r]) => this.runtime.now_ms() - r.at_ms <= this.context.heartbeat_timeout_ms)
      .map(([from, r]) => ({ from, message: r.message }));
    this.early_registrations.clear();
    this.context.on_leader(previous, fresh);
  }

  /** The leader lost its leadership (its write was fenced, or the record names another leader): it goes inert. */
  private retire(reason: string): void {
    if (this.role === 'retired') return;
    this.role = 'retired';
    this.held_messages = [];
    this.context.on_retired(reason);
    this.runtime.log('jm.leadership_lost', { reason, fencing_token: this.fencing_token });
    this.runtime.probe('jm.leadership_lost');
    for (const write of this.ha_writes.splice(0)) write.done(false, 'leadership lost');
  }

  /** Queue an HA write; one is in flight at a time, each built from the newest record. */
  private haWrite(write: HaWrite): void {
    if (this.ha_writes.length >= MAX_QUEUED_HA_WRITES) {
      write.done(false, 'too many queued HA writes');
      return;
    }
    this.ha_writes.push(write);
    this.nextHaWrite();
  }

  private nextHaWrite(): void {
    if (this.ha_write_in_flight || this.role !== 'leader') return;
    const write = this.ha_writes.shift();
    if (write === undefined) return;
    const record = write.build(this.ha_record);
    this.ha_write_in_flight = true;
    const sent_monotonic_ms = this.runtime.monotonic_ms();
    this.haRequest(
      () => this.ha.put(this.context.job_id, this.ha_version, record),
      (result) => {
        this.ha_write_in_flight = false;
        if (result.ok) {
          this.ha_version = result.version;
          this.ha_record = record;
          this.reserved_until = Math.max(this.reserved_until, record.checkpoint_id_counter);
          this.lease_renewed_monotonic_ms = Math.max(this.lease_renewed_monotonic_ms, sent_monotonic_ms);
          write.done(true, '');
        } else if (result.error === 'version_conflict') {
          const current = result.record ?? null;
          const mine = current?.leader?.node_id === this.runtime.node_id && current.leader.fencing_token === this.fencing_token;
          if (mine && result.version !== undefined) {
            // An earlier write of ours landed although its answer was lost: catch up and write again.
            this.ha_version = result.version;
            this.ha_record = current;
            this.ha_writes.unshift(write);
          } else {
            write.done(false, 'fenced: another JobManager leads the job');
            this.retire('HA write fenced');
          }
        } else {
          // io_error: the store's answer never came, or its disk write could not be verified; either way the record
          // may be on its disk (Flink's PossibleInconsistentStateException). busy/corrupt/bad_request wrote nothing.
          write.done(false, `${result.error}: ${result.detail}`, result.error === 'io_error');
        }
        this.nextHaWrite();
      },
    );
  }

  /** The completed checkpoint's pointer (and a renewed id reservation) into the HA record. */
  persist_pointer(checkpoint_id: number, path: string, done: (ok: boolean, detail: string, possibly_written?: boolean) => void): void {
    this.haWrite({
      build: (current) => {
        const keep = (id: number): boolean => this.context.keep_pointer(id);
        const pointers = (current?.checkpoints ?? []).filter((p) => p.checkpoint_id !== checkpoint_id && keep(p.checkpoint_id));
        pointers.push({ checkpoint_id, metadata_path: path });
        pointers.sort((a, b) => b.checkpoint_id - a.checkpoint_id);
        const counter = Math.max(current?.checkpoint_id_counter ?? 1, this.context.next_checkpoint_id() + CHECKPOINT_ID_BLOCK, checkpoint_id + 1);
        return {
          job_id: this.context.job_id,
          checkpoints: pointers.slice(0, HA_POINTERS_KEPT),
          checkpoint_id_counter: counter,
          leader: current?.leader ?? null,
          ...(current?.terminal !== undefined ? { terminal: current.terminal } : {}),
        };
      },
      done,
    });
  }

  /** The job's result into the HA record (Flink's JobResultStore), before its checkpoints are discarded. */
  record_job_result(status: 'FINISHED' | 'FAILED', reason: string, done: (ok: boolean, detail: string) => void): void {
    this.haWrite({
      build: (current) => ({ ...(current ?? { job_id: this.context.job_id, checkpoints: [], checkpoint_id_counter: 1, leader: null }), terminal: { status, reason } }),
      done,
    });
  }

  /** Never reuse a checkpoint id: every id a leader triggers lies in the range it reserved in the HA store. */
  check_id_reserved(checkpoint_id: number): void {
    if (checkpoint_id < this.first_id || checkpoint_id >= this.reserved_until) {
      this.runtime.fail_invariant('checkpoint id outside the range reserved in the HA store', {
        checkpoint_id, first: this.first_id, reserved_until: this.reserved_until,
      });
    }
    if (!this.renewing_reservation && checkpoint_id >= this.reserved_until - CHECKPOINT_ID_BLOCK / 2) {
      this.renewing_reservation = true;
      this.haWrite({
        build: (current) => ({ ...(current ?? { job_id: this.context.job_id, checkpoints: [], leader: null }), checkpoint_id_counter: checkpoint_id + CHECKPOINT_ID_BLOCK }),
        done: () => { this.renewing_reservation = false; },
      });
    }
  }
}
