// Scenario types generated from scenarios/schema/scenario.schema.json by scenarios/schema/generate-types.ts.
// Do not edit by hand: change the schema and run `npm run gen:types`.

/**
 * Path or URL of this JSON Schema, so editors can validate and autocomplete. Ignored by the tool.
 */
export type Schema = string;
/**
 * Short identifier of the scenario (lower case, digits, `_` and `-`).
 */
export type Name = string;
/**
 * The story this scenario tells: what happens and what must hold.
 */
export type Description = string;
/**
 * Number of TaskManager processes, named `tm-1` … `tm-N`.
 */
export type TaskManagers = number;
/**
 * Task slots per TaskManager (`taskmanager.numberOfTaskSlots`). task_managers × slots must cover the parallelism.
 */
export type SlotsPerTaskManager = number;
/**
 * Run a standby JobManager (`jm-standby`) and a durable HA store (`ha`) holding the latest checkpoint pointer, so a JobManager crash fails over.
 */
export type JobManagerHighAvailability = boolean;
/**
 * One of the built-in jobs (listed below).
 */
export type BuiltInJob = string;
/**
 * Path of a module exporting your job, relative to the scenario file (`./jobs/nexmark.ts`).
 */
export type JobModule = string;
/**
 * The module's export holding the job. Default: the `default` export if it is a job, else the module's only exported job.
 */
export type Export = string;
/**
 * Parallelism of every operator (sources follow `workload.source_partitions`).
 */
export type Parallelism = number;
/**
 * Number of key groups of every operator. Unset (Flink's default), each operator derives its own from its parallelism, min(max(roundUpPow2(p + p/2), 128), 32768), and a resume from a savepoint adopts the savepoint's.
 */
export type MaxParallelism = number;
/**
 * Time between periodic checkpoints. Absent: checkpointing is off (Flink's default).
 */
export type CheckpointInterval = string | number;
/**
 * `EXACTLY_ONCE` aligns barriers; `AT_LEAST_ONCE` only counts them (duplicates in state after a restore are possible).
 */
export type CheckpointingMode = 'EXACTLY_ONCE' | 'AT_LEAST_ONCE';
/**
 * A checkpoint not completed within this time is aborted (CHECKPOINT_EXPIRED).
 */
export type CheckpointTimeout = string | number;
/**
 * Minimal time between the end of one checkpoint and the start of the next. An interval below it is raised to it.
 */
export type MinimumPause = string | number;
/**
 * How many checkpoints may be in flight at once.
 */
export type MaxConcurrentCheckpoints = number;
/**
 * Consecutive checkpoint failures (IO, declined, expired) tolerated before the job fails.
 */
export type TolerableFailedCheckpoints = number;
/**
 * Barriers overtake buffered data, which is stored as channel state. Exactly-once mode and max-concurrent 1 only.
 */
export type UnalignedCheckpoints = boolean;
/**
 * With unaligned checkpoints on: start aligned and switch to unaligned when alignment takes longer than this (0 = always unaligned).
 */
export type AlignedCheckpointTimeout = string | number;
/**
 * Whether completed checkpoints are kept when the job is cancelled.
 */
export type ExternalizedCheckpointRetention =
  'NO_EXTERNALIZED_CHECKPOINTS' | 'DELETE_ON_CANCELLATION' | 'RETAIN_ON_CANCELLATION';
/**
 * How many completed checkpoints are kept. Recovery restores only the newest (an older one would replay output committed on it); the others are there for an operator to restore by hand.
 */
export type RetainedCheckpoints = number;
/**
 * `hashmap`: heap state, full snapshots. `rocksdb`: the embedded LSM store (streamsim's own, standing in for RocksDB), the only one with incremental checkpoints.
 */
export type StateBackend = 'hashmap' | 'rocksdb';
/**
 * Each checkpoint stores only the changes since the last completed one (rocksdb backend only).
 */
export type IncrementalCheckpoints = boolean;
/**
 * Keyed snapshots smaller than this are stored inline in the checkpoint metadata (hashmap backend; at most 1 mb).
 */
export type InlineStateThreshold = string | number;
/**
 * Memtable size of the LSM backend before it is flushed to a sorted run (rocksdb backend; at least 1 byte).
 */
export type WriteBufferSize = string | number;
/**
 * `region` restarts only the pipelined region of the failed task; `full` restarts every task. The engine restarts every task: `region` is accepted for a job that is one pipelined region (where both agree) and refused for a job of several (engine/README.md, Failover).
 */
export type FailoverStrategy = 'region' | 'full';
/**
 * How the job restarts after a failure. Flink's default with checkpointing on is `exponential-delay`; with checkpointing off, `none`. Flink's aliases are accepted too: `off` and `disable` mean `none`; `fixeddelay`, `failurerate` and `exponentialdelay` the hyphenated names.
 */
export type RestartStrategy =
  | 'none'
  | 'fixed-delay'
  | 'failure-rate'
  | 'exponential-delay'
  | 'off'
  | 'disable'
  | 'fixeddelay'
  | 'failurerate'
  | 'exponentialdelay';
/**
 * How many restarts before the job is declared failed.
 */
export type FixedDelayAttempts = number;
/**
 * Delay between two restart attempts.
 */
export type FixedDelayDelay = string | number;
/**
 * Failures within one interval before the job is declared failed.
 */
export type MaxFailuresPerInterval = number;
/**
 * Time window over which failures are counted.
 */
export type FailureRateInterval = string | number;
/**
 * Delay between two restart attempts.
 */
export type FailureRateDelay = string | number;
/**
 * Delay before the first restart.
 */
export type InitialBackoff = string | number;
/**
 * Upper bound of the delay.
 */
export type MaxBackoff = string | number;
/**
 * Factor applied to the delay after each failure; above 1 (as Flink checks).
 */
export type BackoffMultiplier = number;
/**
 * Running this long without failure resets the delay to the initial backoff.
 */
export type ResetBackoffThreshold = string | number;
/**
 * Random jitter (fraction of the delay, 0..1) added to each backoff, drawn from the seeded stream.
 */
export type JitterFactor = number;
/**
 * How many restarts before the job is declared failed (Flink default: unbounded, here 2147483647); at least 1.
 */
export type AttemptsBeforeReset = number;
/**
 * How long a partially filled network buffer may wait for more records before it is sent (Flink's output flusher). `0` sends after every record; `-1` (a plain number) sends only full buffers. Checkpoint barriers and the end of a partition always send the partial buffer first; watermarks travel inside buffers and wait with them.
 */
export type BufferTimeout = string | number;
/**
 * Time between heartbeat requests from the JobManager to each TaskManager.
 */
export type HeartbeatInterval = string | number;
/**
 * A TaskManager silent for this long is declared lost: each TaskManager has its own timeout timer, restarted by every heartbeat from it, so the loss is detected exactly this long after it was last heard from. At least `heartbeat.interval`.
 */
export type HeartbeatTimeout = string | number;
/**
 * Consecutive heartbeat requests refused by a TaskManager's host (its process is down) after which the JobManager declares it unreachable, without waiting for `heartbeat.timeout`. `-1` switches this detection off. A partition or a paused TaskManager refuses nothing: only the timeout detects those.
 */
export type HeartbeatRPCFailureThreshold = number;
/**
 * `two_phase_commit`: transactions pre-committed on checkpoint, committed on notify-complete (exactly-once output). `idempotent`: upserts by key (exactly-once effect). `at_least_once`: writes at once, flushes on checkpoint (duplicates after recovery). `collect`: an in-memory test sink that records every write.
 */
export type SinkKind = 'two_phase_commit' | 'idempotent' | 'at_least_once' | 'collect';
/**
 * Two-phase-commit only: the external system aborts a transaction open longer than this. Must exceed the longest checkpoint + restart, or prepared data is lost.
 */
export type TransactionTimeout = string | number;
/**
 * Two-phase-commit only: Flink's TwoPhaseCommitSinkFunction.ignoreFailuresAfterTransactionTimeout. Off (Flink's default): a transaction the sink cannot commit fails its task, after a restore too, and the restart strategy decides. On: a transaction recovered from a checkpoint that the external system already expired is logged as data loss (`sink.data_loss`) and the job goes on without it.
 */
export type IgnoreFailuresAfterTheTransactionTimeout = boolean;
/**
 * Number of input records (bounded input) or records per run horizon (unbounded).
 */
export type Records = number;
/**
 * Number of distinct keys.
 */
export type Keys = number;
/**
 * The names of the keys, in order (key 0 is the first), for jobs whose input generator names its keys by index (the built-in jobs do: `workload.key_names` reaches a generator as its context's `workload.key_names`). Absent: the job's own names (`w0`, `w1`, … or `k0`, `k1`, …). Any strings: unicode, keys whose Java hashCode collides, keys chosen to land on key-group boundaries. When given, `keys` must be absent or equal to the list's length.
 *
 * @minItems 1
 * @maxItems 10000
 */
export type KeyNames = [string, ...string[]];
/**
 * `uniform` or `zipf` (skewed: a few hot keys).
 */
export type KeyDistribution = 'uniform' | 'zipf';
/**
 * Skew of the `zipf` distribution (0 = uniform, 1 = classic Zipf).
 */
export type ZipfExponent = number;
/**
 * Records appended to the source log per second of virtual time.
 */
export type RatePerVirtualSecond = number;
/**
 * Partitions (splits) of the source log.
 */
export type SourcePartitions = number;
/**
 * How the job's sources (`io.source()`) read the log. `log`: the Kafka-consumer-style source (partition p is read by subtask p mod parallelism; offsets in union list state). `split`: the split source (FLIP-27): an enumerator on the JobManager assigns partitions as splits to readers, checkpoints the unassigned ones as master state, and takes a failed reader's splits back.
 */
export type SourceConnector = 'log' | 'split';
/**
 * Bounded input: the job must finish once every record is processed. Unbounded: the source keeps producing until `duration`.
 */
export type Bounded = boolean;
/**
 * Unbounded input only: how long the source produces.
 */
export type Duration = string | number;
/**
 * The source's Kafka-style `request.timeout.ms`: a fetch (or end-offsets request) without a reply after this long is failed and sent again, so a reply lost to a short network partition does not stall the job.
 */
export type SourceRequestTimeout = string | number;
/**
 * `fixed`: always `value`. `uniform`: uniformly random in [`min`, `max`]. `spikes`: `value` usually, but with probability `spike_probability` it takes `spike` instead.
 */
export type Model = 'fixed' | 'uniform' | 'spikes';
/**
 * The latency for `fixed`, and the usual latency for `spikes`.
 */
export type Value = string | number;
/**
 * Lower bound for `uniform`.
 */
export type Minimum = string | number;
/**
 * Upper bound for `uniform`.
 */
export type Maximum = string | number;
/**
 * For `spikes`: probability (0..1) that one operation takes `spike`.
 */
export type SpikeProbability = number;
/**
 * For `spikes`: the latency of a spike.
 */
export type SpikeLatency = string | number;
/**
 * Events that fall at the same virtual time (messages from different links, timers, starts, storage completions) run in a seeded random order instead of the order they were scheduled in, so each seed explores another interleaving, as FoundationDB's simulator does. Messages on one link stay in order. Default false.
 */
export type ShuffleTies = boolean;
/**
 * One fault of the plan; `kind` says which.
 */
export type Fault = Fault1 & Fault2;
export type Fault1 =
  | CrashAProcess
  | RestartAProcess
  | PauseAProcess
  | PartitionTheNetwork
  | BreakALink
  | CorruptAStoredCheckpoint
  | StorageFault
  | ClockFault
  | SinkOutage
  | SourceOutage
  | Savepoint;
/**
 * Always `crash`.
 */
export type Kind = 'crash';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At = string | number;
/**
 * An engine event name as the engine writes it to the trace, e.g. `checkpoint.completed`, `sink.precommitted`, `recovery.restored`. The list is the engine's own (engine/events.ts); the table of engine events below says when each is logged and what it needs. `validate` refuses a name the engine never logs, and an event this scenario cannot produce (e.g. `sink.precommitted` without a two-phase-commit sink).
 */
export type EngineEvent =
  | 'broker.load_failed'
  | 'broker.loaded'
  | 'broker.preload_failed'
  | 'broker.preloaded'
  | 'broker.segment_skipped'
  | 'broker.segment_unreadable'
  | 'checkpoint.aborted'
  | 'checkpoint.ack_discarded'
  | 'checkpoint.alignment_timeout_switch'
  | 'checkpoint.completed'
  | 'checkpoint.finalizing'
  | 'checkpoint.read_back_failed'
  | 'checkpoint.request_dropped'
  | 'checkpoint.retained_on_shutdown'
  | 'checkpoint.snapshot_skipped'
  | 'checkpoint.timeout_while_persisting'
  | 'checkpoint.triggered'
  | 'ha.bad_request'
  | 'ha.corrupt'
  | 'ha.load_retry'
  | 'ha.loaded'
  | 'ha.put'
  | 'ha.put_failed'
  | 'ha.slot_invalid'
  | 'ha.unknown_key'
  | 'ha.write_retry'
  | 'heartbeat.rpc_failed'
  | 'jm.claim_failed'
  | 'jm.deploying'
  | 'jm.failover_restored'
  | 'jm.final_checkpoint'
  | 'jm.finish_unconfirmed'
  | 'jm.ha_read_failed'
  | 'jm.job_result_adopted'
  | 'jm.job_result_recorded'
  | 'jm.leader'
  | 'jm.leadership_lost'
  | 'jm.savepoint_completed'
  | 'jm.savepoint_failed'
  | 'jm.savepoint_requested'
  | 'jm.savepoint_restore_failed'
  | 'jm.savepoint_resuming'
  | 'jm.standby'
  | 'jm.standby_stopped'
  | 'jm.tm_lost'
  | 'jm.tm_registered'
  | 'job.status'
  | 'recovery.awaiting_finalizing'
  | 'recovery.completed'
  | 'recovery.restore_failed'
  | 'recovery.restored'
  | 'recovery.started'
  | 'recovery.verify_retry'
  | 'restore.channel_state'
  | 'sink.checkpoint_aborted'
  | 'sink.commit_failed'
  | 'sink.committed'
  | 'sink.counter_ahead_of_checkpoint'
  | 'sink.data_loss'
  | 'sink.lingering_aborted'
  | 'sink.precommitted'
  | 'sink.recover_pending'
  | 'sink.recovered'
  | 'sink.superseded'
  | 'sink.transaction_failed'
  | 'sink.transactional_id_taken'
  | 'source.discovery_failed'
  | 'source.fetch_failed'
  | 'source.request_timeout'
  | 'source.rewound'
  | 'source.splits_added_back'
  | 'source.splits_discovered'
  | 'task.failed'
  | 'task.finished'
  | 'tm.attempt_failed'
  | 'tm.deployed'
  | 'tm.job_manager_disconnected'
  | 'tm.job_manager_silent'
  | 'tm.leader_changed'
  | 'tm.restore_failed'
  | 'tm.restored'
  | 'tm.tasks_cancelled'
  | 'txstore.committed'
  | 'txstore.compacted'
  | 'txstore.data_loss'
  | 'txstore.disk_retry'
  | 'txstore.lingering_aborted'
  | 'txstore.load_failed'
  | 'txstore.outage'
  | 'txstore.ready'
  | 'txstore.snapshot_rejected'
  | 'txstore.superseded'
  | 'txstore.txn_expired'
  | 'txstore.txn_fenced'
  | 'txstore.wal_truncated';
/**
 * Which occurrence of the event triggers the fault (1 = the first).
 */
export type Occurrence = number;
/**
 * How long after the event the fault is injected.
 */
export type Delay = string | number;
/**
 * The process to crash.
 */
export type Target = string;
/**
 * Restart the process after this delay.
 */
export type RestartAfter = string | number;
/**
 * What happens to the writes the process completed but had not synced yet (on its disk and on the checkpoint store): `dropped` (the last synced value comes back), `torn` (a strict prefix survives), `kept`, or `random` (each write one of the three, from the seed).
 */
export type UnsyncedWrites = 'random' | 'dropped' | 'torn' | 'kept';
/**
 * Always `restart`.
 */
export type Kind1 = 'restart';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At1 = string | number;
/**
 * The process to restart.
 */
export type Target1 = string;
/**
 * Always `pause`.
 */
export type Kind2 = 'pause';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At2 = string | number;
/**
 * The process to pause.
 */
export type Target2 = string;
/**
 * How long the pause lasts.
 */
export type Duration1 = string | number;
/**
 * Always `partition`.
 */
export type Kind3 = 'partition';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At3 = string | number;
/**
 * Two or more groups of processes, e.g. `[[jm], [tm-1]]` cuts the JobManager off from tm-1.
 *
 * @minItems 2
 * @maxItems 16
 */
export type Groups = [[ProcessId, ...ProcessId[]], [ProcessId, ...ProcessId[]], ...[ProcessId, ...ProcessId[]][]];
/**
 * A process of the simulated cluster: `jm` (the JobManager), `jm-standby` and `ha` (only with `cluster.job_manager_ha: true`), `tm-1` … `tm-N` (TaskManagers), `broker` (the replayable source log), `txstore` (the external transactional system a two-phase-commit sink writes to) and `collector` (where collecting sinks deliver).
 */
export type ProcessId = string;
/**
 * Only messages from the first group to the others are dropped.
 */
export type OneWay = boolean;
/**
 * How long the partition lasts; absent: until the liveness phase heals it.
 */
export type Duration2 = string | number;
/**
 * Always `link_break`.
 */
export type Kind4 = 'link_break';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At4 = string | number;
/**
 * The two ends of the link.
 *
 * @minItems 2
 * @maxItems 2
 */
export type Between = [ProcessId1, ProcessId1, ...ProcessId1[]];
/**
 * A process of the simulated cluster: `jm` (the JobManager), `jm-standby` and `ha` (only with `cluster.job_manager_ha: true`), `tm-1` … `tm-N` (TaskManagers), `broker` (the replayable source log), `txstore` (the external transactional system a two-phase-commit sink writes to) and `collector` (where collecting sinks deliver).
 */
export type ProcessId1 = string;
/**
 * Always `corrupt_checkpoint`.
 */
export type Kind5 = 'corrupt_checkpoint';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At5 = string | number;
/**
 * Which completed checkpoint: `latest` or `oldest_retained`.
 */
export type Which = 'latest' | 'oldest_retained';
/**
 * `bit_flip`, `torn_write` (truncated), or `missing` (the file is gone).
 */
export type Damage = 'bit_flip' | 'torn_write' | 'missing';
/**
 * Always `storage_fault`.
 */
export type Kind6 = 'storage_fault';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At6 = string | number;
/**
 * `checkpoint_store` (shared) or `disk` (the local disk of `target`).
 */
export type Store = 'checkpoint_store' | 'disk';
/**
 * For `store: disk`: whose disk: `ha`, `txstore` or `broker` (the processes that keep data on a local disk; TaskManagers and JobManagers keep none).
 */
export type Target3 = string;
/**
 * What goes wrong; `bit_flip_read` (reads come back with a flipped byte), `unavailable` (the store answers nothing), `missing_object` (one object is deleted).
 */
export type Mode =
  | 'io_error'
  | 'slow'
  | 'lost_write'
  | 'bit_flip'
  | 'torn_write'
  | 'bit_flip_read'
  | 'unavailable'
  | 'missing_object'
  | 'disk_full'
  | 'slow_sync';
/**
 * Probability (0..1) that one operation is affected.
 */
export type Probability = number;
/**
 * For `mode: slow` and `mode: slow_sync`: added latency per affected operation.
 */
export type ExtraLatency = string | number;
/**
 * How long the fault lasts (every mode but `missing_object` needs it).
 */
export type Duration3 = string | number;
/**
 * Always `clock`.
 */
export type Kind7 = 'clock';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At7 = string | number;
/**
 * Whose clock.
 */
export type Target4 = string;
/**
 * Jump of the clock in milliseconds (may be negative).
 */
export type OffsetMs = number;
/**
 * Clock rate error in parts per million (may be negative).
 */
export type DriftPpm = number;
/**
 * Always `sink_outage`.
 */
export type Kind8 = 'sink_outage';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At8 = string | number;
/**
 * How long the outage lasts.
 */
export type Duration4 = string | number;
/**
 * Always `source_outage`.
 */
export type Kind9 = 'source_outage';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At9 = string | number;
/**
 * How long the outage lasts.
 */
export type Duration5 = string | number;
/**
 * Always `savepoint`.
 */
export type Kind10 = 'savepoint';
/**
 * Virtual time since the start of the run at which the fault happens (Flink duration syntax). Give `at` or `on`, not both.
 */
export type At10 = string | number;
/**
 * Stop-with-savepoint: the job stops once the savepoint completes.
 */
export type Stop = boolean;
/**
 * After a stop: resume from the savepoint with this parallelism.
 */
export type ResumeParallelism = number;
/**
 * After a stop: resume this long after the savepoint completed.
 */
export type ResumeAfter = string | number;
/**
 * Which fault.
 */
export type Kind11 = string;
/**
 * Explicit faults, each at a virtual time (`at`) or relative to an engine event (`on`). Faults run only in the safety phase (or for the whole run in `unrestricted` mode).
 *
 * @maxItems 1000
 */
export type FaultPlan = Fault[];
/**
 * Crash a random TaskManager or JobManager (restarted after `restart_after`).
 */
export type CrashRate = number;
/**
 * Pause a random process (a long GC) for up to `max_pause`.
 */
export type PauseRate = number;
/**
 * Partition the network for up to `max_partition`.
 */
export type PartitionRate = number;
/**
 * Break a random link (what was in flight is dropped).
 */
export type LinkBreakRate = number;
/**
 * A storage fault on the checkpoint store (failed, slow, lost or corrupted write).
 */
export type StorageRate = number;
/**
 * Offset or drift a random process clock.
 */
export type ClockRate = number;
/**
 * Make the external sink system unavailable for a while.
 */
export type SinkOutageRate = number;
/**
 * Make the source log unavailable for a while.
 */
export type SourceOutageRate = number;
/**
 * The checkpoint store or the local disk of the HA store or the transactional store is full for a while: writes fail with ENOSPC.
 */
export type DiskFullRate = number;
/**
 * The local disk of the HA store or the transactional store fails with EIO (reads, writes and syncs) for a while.
 */
export type DiskErrorRate = number;
/**
 * Syncs on the checkpoint store or a local disk take longer for a while.
 */
export type SlowSyncRate = number;
/**
 * Each seed switches a random subset of the enabled fault kinds on (swarm testing), so rare combinations are reached.
 */
export type SwarmMode = boolean;
/**
 * A process of the simulated cluster: `jm` (the JobManager), `jm-standby` and `ha` (only with `cluster.job_manager_ha: true`), `tm-1` … `tm-N` (TaskManagers), `broker` (the replayable source log), `txstore` (the external transactional system a two-phase-commit sink writes to) and `collector` (where collecting sinks deliver).
 */
export type ProcessId2 = string;
/**
 * Processes the nemesis may crash or pause. Absent: every JobManager and TaskManager.
 *
 * @maxItems 100
 */
export type Targets = ProcessId2[];
/**
 * A process crashed by the nemesis restarts after this delay.
 */
export type RestartAfter1 = string | number;
/**
 * Upper bound of a nemesis pause.
 */
export type MaxPause = string | number;
/**
 * Upper bound of a nemesis partition.
 */
export type MaxPartition = string | number;
/**
 * Two phases, or unrestricted.
 */
export type Mode1 = 'safety_then_liveness' | 'unrestricted';
/**
 * Length of the safety phase (faults on).
 */
export type SafetyDuration = string | number;
/**
 * After the cluster is healed, the job must finish or commit again within this much virtual time.
 */
export type LivenessBound = string | number;
/**
 * Unrestricted mode only: total length of the run.
 */
export type Duration6 = string | number;
/**
 * A checkable property: `exactly_once_state` (keyed state equals the oracle's after every recovery and at the end), `exactly_once_output` (committed output equals the oracle's: nothing lost, nothing twice), `at_least_once_output` (nothing lost), `at_most_once_output` (nothing twice), `checkpoint_invariants` (ids increase, completed checkpoints are complete and readable, corrupt ones are never restored), `liveness` (after the faults heal the job finishes or keeps committing within the bound), `determinism` (the same seed gives the same trace hash), `engine_invariants` (the engine's own assertions), `restart_strategy` (every restart decision — restart after how long, or fail the job — is what Flink's rule for the configured strategy gives for the observed failure times), `failure_detector` (a process dead or silent past the heartbeat timeout is declared lost within the timeout plus one interval; a responsive one never is), `no_spurious_failures` (before the first fault or savepoint there is no failover, restart or failed checkpoint).
 */
export type PropertyName =
  | 'exactly_once_state'
  | 'exactly_once_output'
  | 'at_least_once_output'
  | 'at_most_once_output'
  | 'checkpoint_invariants'
  | 'liveness'
  | 'determinism'
  | 'engine_invariants'
  | 'restart_strategy'
  | 'failure_detector'
  | 'no_spurious_failures';
/**
 * The properties to check. Absent: every property that the sink kind and checkpointing mode promise.
 *
 * @maxItems 16
 */
export type Properties = PropertyName[];
/**
 * A checkable property: `exactly_once_state` (keyed state equals the oracle's after every recovery and at the end), `exactly_once_output` (committed output equals the oracle's: nothing lost, nothing twice), `at_least_once_output` (nothing lost), `at_most_once_output` (nothing twice), `checkpoint_invariants` (ids increase, completed checkpoints are complete and readable, corrupt ones are never restored), `liveness` (after the faults heal the job finishes or keeps committing within the bound), `determinism` (the same seed gives the same trace hash), `engine_invariants` (the engine's own assertions), `restart_strategy` (every restart decision — restart after how long, or fail the job — is what Flink's rule for the configured strategy gives for the observed failure times), `failure_detector` (a process dead or silent past the heartbeat timeout is declared lost within the timeout plus one interval; a responsive one never is), `no_spurious_failures` (before the first fault or savepoint there is no failover, restart or failed checkpoint).
 */
export type PropertyName1 =
  | 'exactly_once_state'
  | 'exactly_once_output'
  | 'at_least_once_output'
  | 'at_most_once_output'
  | 'checkpoint_invariants'
  | 'liveness'
  | 'determinism'
  | 'engine_invariants'
  | 'restart_strategy'
  | 'failure_detector'
  | 'no_spurious_failures';
/**
 * Text the expected violation's message must contain, e.g. `restart strategy` for a job that fails because its restart attempts are exhausted.
 */
export type ExpectedViolationReason = string;
/**
 * Seeds `run` and `catalogue` use when none is given.
 *
 * @minItems 1
 * @maxItems 1000
 */
export type DefaultSeeds = [number, ...number[]];

/**
 * One streamsim scenario: a cluster, a job, its Flink configuration, a workload, the world (network, storage), a fault plan and the properties to check. Every run of a scenario is decided by one seed.
 */
export interface Scenario {
  $schema?: Schema;
  name: Name;
  description: Description;
  cluster?: Cluster;
  job: Job;
  flink?: FlinkConfiguration;
  sink?: Sink;
  workload?: Workload;
  network?: Network;
  simulation?: Simulation;
  storage?: Storage;
  faults?: FaultPlan;
  nemesis?: Nemesis;
  phases?: Phases;
  properties?: Properties;
  expect_violation?: PropertyName1;
  expect_violation_reason?: ExpectedViolationReason;
  seeds?: DefaultSeeds;
}
/**
 * The simulated Flink cluster.
 */
export interface Cluster {
  task_managers?: TaskManagers;
  slots_per_task_manager?: SlotsPerTaskManager;
  job_manager_ha?: JobManagerHighAvailability;
}
/**
 * The job under test: a built-in job by `name`, or your own job from a module (`module`, `export`), with its parameters. Give exactly one of `name` and `module`. A module is TypeScript or JavaScript, its path relative to this file, and exports a job made with `defineJob` from the `streamsim` package (see docs/your-own-job.md).
 */
export interface Job {
  name?: BuiltInJob;
  module?: JobModule;
  export?: Export;
  params?: Parameters;
  parallelism?: Parallelism;
  max_parallelism?: MaxParallelism;
}
/**
 * The job's parameters, checked against the ones it declares (unknown names, types and ranges are errors); missing ones take the job's defaults.
 */
export interface Parameters {
  [k: string]: unknown | undefined;
}
/**
 * Checkpointing, state backend, restart, heartbeat and network buffer settings, written with Flink's own configuration keys and value syntax (flat keys as in a Flink configuration file). Durations: a whole number with an optional unit (`d`, `h`, `min`/`m`, `s`, `ms`, and their long forms); a plain number means milliseconds. Memory sizes: a whole number with an optional unit (`b`, `kb`, `mb`, `gb`, `tb`; 1024-based); a plain number means bytes. Enum values are read in any case, as Flink reads them (`exactly_once` is `EXACTLY_ONCE`). Absent keys take Flink's documented defaults.
 */
export interface FlinkConfiguration {
  'execution.checkpointing.interval'?: CheckpointInterval;
  'execution.checkpointing.mode'?: CheckpointingMode;
  'execution.checkpointing.timeout'?: CheckpointTimeout;
  'execution.checkpointing.min-pause'?: MinimumPause;
  'execution.checkpointing.max-concurrent-checkpoints'?: MaxConcurrentCheckpoints;
  'execution.checkpointing.tolerable-failed-checkpoints'?: TolerableFailedCheckpoints;
  'execution.checkpointing.unaligned.enabled'?: UnalignedCheckpoints;
  'execution.checkpointing.aligned-checkpoint-timeout'?: AlignedCheckpointTimeout;
  'execution.checkpointing.externalized-checkpoint-retention'?: ExternalizedCheckpointRetention;
  'state.checkpoints.num-retained'?: RetainedCheckpoints;
  'state.backend.type'?: StateBackend;
  'state.backend.incremental'?: IncrementalCheckpoints;
  'state.storage.fs.memory-threshold'?: InlineStateThreshold;
  'state.backend.rocksdb.writebuffer.size'?: WriteBufferSize;
  'jobmanager.execution.failover-strategy'?: FailoverStrategy;
  'restart-strategy.type'?: RestartStrategy;
  'restart-strategy.fixed-delay.attempts'?: FixedDelayAttempts;
  'restart-strategy.fixed-delay.delay'?: FixedDelayDelay;
  'restart-strategy.failure-rate.max-failures-per-interval'?: MaxFailuresPerInterval;
  'restart-strategy.failure-rate.failure-rate-interval'?: FailureRateInterval;
  'restart-strategy.failure-rate.delay'?: FailureRateDelay;
  'restart-strategy.exponential-delay.initial-backoff'?: InitialBackoff;
  'restart-strategy.exponential-delay.max-backoff'?: MaxBackoff;
  'restart-strategy.exponential-delay.backoff-multiplier'?: BackoffMultiplier;
  'restart-strategy.exponential-delay.reset-backoff-threshold'?: ResetBackoffThreshold;
  'restart-strategy.exponential-delay.jitter-factor'?: JitterFactor;
  'restart-strategy.exponential-delay.attempts-before-reset-backoff'?: AttemptsBeforeReset;
  'execution.buffer-timeout.interval'?: BufferTimeout;
  'heartbeat.interval'?: HeartbeatInterval;
  'heartbeat.timeout'?: HeartbeatTimeout;
  'heartbeat.rpc-failure-threshold'?: HeartbeatRPCFailureThreshold;
}
/**
 * How the job writes its output to the external system (`txstore`).
 */
export interface Sink {
  kind?: SinkKind;
  transaction_timeout?: TransactionTimeout;
  ignore_failures_after_transaction_timeout?: IgnoreFailuresAfterTheTransactionTimeout;
}
/**
 * What the replayable source (`broker`) holds, how fast it is produced and how the job's source reads it.
 */
export interface Workload {
  records?: Records;
  keys?: Keys;
  key_names?: KeyNames;
  key_distribution?: KeyDistribution;
  zipf_exponent?: ZipfExponent;
  rate_per_second?: RatePerVirtualSecond;
  source_partitions?: SourcePartitions;
  source?: SourceConnector;
  bounded?: Bounded;
  duration?: Duration;
  source_request_timeout?: SourceRequestTimeout;
}
/**
 * The simulated network between processes.
 */
export interface Network {
  latency?: LinkLatency;
}
/**
 * Latency of one message on a link.
 */
export interface LinkLatency {
  model: Model;
  value?: Value;
  min?: Minimum;
  max?: Maximum;
  spike_probability?: SpikeProbability;
  spike?: SpikeLatency;
}
/**
 * How the simulator orders what time alone does not decide.
 */
export interface Simulation {
  shuffle_ties?: ShuffleTies;
}
/**
 * The simulated disks and the shared checkpoint store.
 */
export interface Storage {
  checkpoint_store_latency?: CheckpointStoreLatency;
  disk_latency?: LocalDiskLatency;
}
/**
 * Latency of one operation on the shared checkpoint store.
 */
export interface CheckpointStoreLatency {
  model: Model;
  value?: Value;
  min?: Minimum;
  max?: Maximum;
  spike_probability?: SpikeProbability;
  spike?: SpikeLatency;
}
/**
 * Latency of one operation on a process's local disk.
 */
export interface LocalDiskLatency {
  model: Model;
  value?: Value;
  min?: Minimum;
  max?: Maximum;
  spike_probability?: SpikeProbability;
  spike?: SpikeLatency;
}
/**
 * The process loses everything not on its disk. With `restart_after` a new incarnation starts after that delay; without it the process stays down until a `restart` fault or the liveness phase.
 */
export interface CrashAProcess {
  kind: Kind;
  at?: At;
  on?: OnEngineEvent;
  target: Target;
  restart_after?: RestartAfter;
  unsynced_writes?: UnsyncedWrites;
}
/**
 * Fire the fault relative to an engine event instead of a fixed time: the `occurrence`-th time the engine logs `event`, wait `delay`, then inject. Give `at` or `on`, not both.
 */
export interface OnEngineEvent {
  event: EngineEvent;
  occurrence?: Occurrence;
  delay?: Delay;
}
/**
 * Start a new incarnation of a crashed process.
 */
export interface RestartAProcess {
  kind: Kind1;
  at?: At1;
  on?: OnEngineEvent;
  target: Target1;
}
/**
 * The process runs no handler for `duration` (a long GC), then resumes with its memory intact.
 */
export interface PauseAProcess {
  kind: Kind2;
  at?: At2;
  on?: OnEngineEvent;
  target: Target2;
  duration: Duration1;
}
/**
 * Messages between different groups are dropped for `duration`. Processes in no group are unaffected.
 */
export interface PartitionTheNetwork {
  kind: Kind3;
  at?: At3;
  on?: OnEngineEvent;
  groups: Groups;
  one_way?: OneWay;
  duration?: Duration2;
}
/**
 * The link between two processes breaks: messages in flight are dropped and both ends are told.
 */
export interface BreakALink {
  kind: Kind4;
  at?: At4;
  on?: OnEngineEvent;
  between: Between;
}
/**
 * Damage a completed checkpoint in the checkpoint store; recovery must detect it by checksum and refuse to restore it (or any older one): the restore fails and the restart strategy retries it.
 */
export interface CorruptAStoredCheckpoint {
  kind: Kind5;
  at?: At5;
  on?: OnEngineEvent;
  which?: Which;
  damage?: Damage;
}
/**
 * For `duration`, operations on a store fail, slow down, lose writes or corrupt bytes with probability `probability`. `io_error`: reads, writes and syncs fail (EIO); `disk_full`: writes fail (ENOSPC) and nothing is written; `slow`: every operation takes `extra_latency` longer; `slow_sync`: only syncs do; `lost_write`, `bit_flip`, `torn_write`: a write is acknowledged but lost, flipped or cut short; `bit_flip_read`: reads return flipped bytes; `unavailable`: the store refuses every operation; `missing_object` instead deletes one stored object (picked by the seed) at that moment.
 */
export interface StorageFault {
  kind: Kind6;
  at?: At6;
  on?: OnEngineEvent;
  store?: Store;
  target?: Target3;
  mode: Mode;
  probability?: Probability;
  extra_latency?: ExtraLatency;
  duration?: Duration3;
}
/**
 * Offset and/or drift a process clock (heartbeat timeouts and processing-time timers must survive it).
 */
export interface ClockFault {
  kind: Kind7;
  at?: At7;
  on?: OnEngineEvent;
  target: Target4;
  offset_ms?: OffsetMs;
  drift_ppm?: DriftPpm;
}
/**
 * The external sink system (`txstore`) rejects every request for `duration`.
 */
export interface SinkOutage {
  kind: Kind8;
  at?: At8;
  on?: OnEngineEvent;
  duration: Duration4;
}
/**
 * The source log (`broker`) rejects every read for `duration`.
 */
export interface SourceOutage {
  kind: Kind9;
  at?: At9;
  on?: OnEngineEvent;
  duration: Duration5;
}
/**
 * Not a fault but an operator action: trigger a savepoint; with `stop` the job stops with it and, with `resume_parallelism`, resumes from it at another parallelism (rescale).
 */
export interface Savepoint {
  kind: Kind10;
  at?: At10;
  on?: OnEngineEvent;
  stop?: Stop;
  resume_parallelism?: ResumeParallelism;
  resume_after?: ResumeAfter;
}
export interface Fault2 {
  kind: Kind11;
}
/**
 * A seeded fault scheduler that injects faults at random times, at the given rates.
 */
export interface Nemesis {
  rates?: Rates;
  swarm?: SwarmMode;
  targets?: Targets;
  restart_after?: RestartAfter1;
  max_pause?: MaxPause;
  max_partition?: MaxPartition;
}
/**
 * Expected number of faults per virtual minute, per kind. Absent or 0: that kind is off.
 */
export interface Rates {
  crash?: CrashRate;
  pause?: PauseRate;
  partition?: PartitionRate;
  link_break?: LinkBreakRate;
  storage?: StorageRate;
  clock?: ClockRate;
  sink_outage?: SinkOutageRate;
  source_outage?: SourceOutageRate;
  disk_full?: DiskFullRate;
  disk_error?: DiskErrorRate;
  slow_sync?: SlowSyncRate;
}
/**
 * How a run is judged. `safety_then_liveness`: faults during `safety_duration`, then every fault kind is switched off and the cluster healed; the job must then finish (bounded input) or keep committing within `liveness_bound`. `unrestricted`: faults for the whole `duration`, safety checked only.
 */
export interface Phases {
  mode?: Mode1;
  safety_duration?: SafetyDuration;
  liveness_bound?: LivenessBound;
  duration?: Duration6;
}
