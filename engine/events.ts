// The engine's structured events: every name the engine logs through Runtime.log, what it means and what must be
// configured for it to happen at all. One registry: the scenario schema's `on.event` enum, its docs, the explorer's
// marks and editor completion are generated from it, and a test fails when the engine logs a name not listed here.

/** What a scenario must configure for an event to ever be logged (`validate` refuses a trigger that cannot fire). */
export type EngineEventCondition =
  | 'checkpointing' // execution.checkpointing.interval set
  | 'transactional_store' // a sink writing to the external transactional store (two_phase_commit, idempotent, at_least_once)
  | 'two_phase_commit_sink' // sink.kind two_phase_commit
  | 'idempotent_sink' // sink.kind idempotent
  | 'job_manager_ha' // cluster.job_manager_ha: true
  | 'savepoint' // a savepoint fault in the plan
  | 'unaligned_checkpoints'; // execution.checkpointing.unaligned.enabled: true

export interface EngineEventSpec {
  /** One sentence: when the engine logs it. */
  about: string;
  /** Conditions that must all hold for the event to be logged at all. */
  requires?: readonly EngineEventCondition[];
  /**
   * Something went wrong that may explain a failure (data loss, an expired or failed transaction, a refused restore):
   * the explorer and the HTML report mark these, and they can be searched for.
   */
  suspicious?: true;
}

export const ENGINE_EVENT_REGISTRY = {
  'job.status': { about: 'The job changed status (CREATED, RUNNING, FAILING, RESTARTING, FINISHED, FAILED, CANCELED), with the reason and the attempt.' },
  'jm.deploying': { about: 'The JobManager deploys an attempt of the job to the TaskManagers.' },
  'jm.tm_registered': { about: 'A TaskManager registered with the JobManager.' },
  'jm.tm_lost': { about: 'The JobManager declared a TaskManager lost after a heartbeat timeout.', suspicious: true },
  'heartbeat.rpc_failed': { about: 'A heartbeat request was refused (the target process is down); at the RPC failure threshold the target counts as lost.' },
  'jm.final_checkpoint': { about: 'Every task finished: the JobManager asks for the final checkpoint that commits the last output.', requires: ['checkpointing'] },
  'jm.finish_unconfirmed': { about: 'The job finished but some TaskManagers have not confirmed that their tasks settled.' },
  'jm.job_result_recorded': { about: 'The JobManager wrote the job result to the HA store.', requires: ['job_manager_ha'] },
  'jm.job_result_adopted': { about: 'A new leader adopted the job result its predecessor recorded.', requires: ['job_manager_ha'] },
  'jm.leader': { about: 'A JobManager became the leader (HA).', requires: ['job_manager_ha'] },
  'jm.standby': { about: 'A JobManager found another leader and stands by (HA).', requires: ['job_manager_ha'] },
  'jm.standby_stopped': { about: 'A standby JobManager stopped because the leader reports the job terminal.', requires: ['job_manager_ha'] },
  'jm.leadership_lost': { about: 'The leading JobManager lost its leadership (its HA write was fenced).', requires: ['job_manager_ha'], suspicious: true },
  'jm.claim_failed': { about: 'A JobManager could not claim leadership in the HA store.', requires: ['job_manager_ha'] },
  'jm.ha_read_failed': { about: 'A JobManager could not read the HA record.', requires: ['job_manager_ha'] },
  'jm.failover_restored': { about: 'A new leading JobManager restored the job from the checkpoint its HA record points at.', requires: ['job_manager_ha'] },
  'jm.savepoint_requested': { about: 'An operator asked for a savepoint (or stop-with-savepoint).', requires: ['savepoint'] },
  'jm.savepoint_completed': { about: 'A savepoint was written.', requires: ['savepoint'] },
  'jm.savepoint_failed': { about: 'A savepoint could not be taken.', requires: ['savepoint'], suspicious: true },
  'jm.savepoint_resuming': { about: 'The job resumes from a savepoint (possibly at another parallelism).', requires: ['savepoint'] },
  'jm.savepoint_restore_failed': { about: 'Resuming from a savepoint failed.', requires: ['savepoint'], suspicious: true },
  'checkpoint.triggered': { about: 'The checkpoint coordinator triggered a checkpoint or savepoint (barriers go to the sources).', requires: ['checkpointing'] },
  'checkpoint.finalizing': { about: 'Every task acknowledged: the coordinator writes the checkpoint metadata.', requires: ['checkpointing'] },
  'checkpoint.completed': { about: 'A checkpoint completed (its metadata and state read back intact); sinks are told to commit.', requires: ['checkpointing'] },
  'checkpoint.aborted': { about: 'A checkpoint was aborted (timeout, a declined or failed task, a lost TaskManager), with the reason.', requires: ['checkpointing'], suspicious: true },
  'checkpoint.ack_discarded': { about: 'An acknowledgement arrived for a checkpoint that is no longer pending and was discarded.', requires: ['checkpointing'] },
  'checkpoint.snapshot_skipped': { about: 'A task skipped the snapshot of a checkpoint that was aborted before its barrier arrived there.', requires: ['checkpointing'] },
  'checkpoint.request_dropped': { about: 'A periodic trigger was skipped: too early after the last completion (rescheduled after the minimum pause).', requires: ['checkpointing'] },
  'checkpoint.timeout_while_persisting': { about: 'A checkpoint timed out while its metadata was being written.', requires: ['checkpointing'], suspicious: true },
  'checkpoint.read_back_failed': { about: 'A checkpoint did not read back intact after it was written, so it is not completed.', requires: ['checkpointing'], suspicious: true },
  'checkpoint.retained_on_shutdown': { about: 'The job ended and the coordinator kept (or discarded) its checkpoints per the retention setting.', requires: ['checkpointing'] },
  'checkpoint.alignment_timeout_switch': { about: 'A task waited longer than the aligned-checkpoint timeout and switched the checkpoint to unaligned.', requires: ['checkpointing', 'unaligned_checkpoints'] },
  'recovery.started': { about: 'The JobManager began a recovery after a failure, with the reason.' },
  'recovery.awaiting_finalizing': { about: 'Recovery waits for checkpoints whose metadata is still being written.', requires: ['checkpointing'] },
  'recovery.verify_retry': { about: 'The checkpoint to restore could not be read yet; recovery reads it again.', requires: ['checkpointing'] },
  'recovery.restore_failed': { about: 'The newest completed checkpoint could not be read, so the restore was refused (it is tried again after the restart delay).', requires: ['checkpointing'], suspicious: true },
  'recovery.restored': { about: 'Recovery chose the checkpoint to restore (null: start empty).' },
  'recovery.completed': { about: 'The restored attempt runs again, with the recovery time split (detect, redeploy, load state).' },
  'restore.channel_state': { about: 'A task restored the in-flight records of an unaligned checkpoint.', requires: ['checkpointing', 'unaligned_checkpoints'] },
  'tm.deployed': { about: 'A TaskManager deployed its tasks of an attempt.' },
  'tm.restored': { about: 'A TaskManager loaded the restored checkpoint state of its tasks.', requires: ['checkpointing'] },
  'tm.restore_failed': { about: 'A TaskManager could not load the state of a task from the restored checkpoint.', requires: ['checkpointing'], suspicious: true },
  'tm.attempt_failed': { about: 'A TaskManager failed its tasks of an attempt, with the reason.', suspicious: true },
  'tm.tasks_cancelled': { about: 'A TaskManager cancelled its tasks (e.g. the JobManager went silent).' },
  'tm.job_manager_silent': { about: 'A TaskManager heard nothing from the JobManager for the heartbeat timeout.', suspicious: true },
  'tm.job_manager_disconnected': { about: 'A TaskManager was disconnected by a JobManager that lost its leadership and registers with every candidate again.', requires: ['job_manager_ha'] },
  'tm.leader_changed': { about: 'A TaskManager follows a new leading JobManager.', requires: ['job_manager_ha'] },
  'task.failed': { about: 'A task failed, with the reason.', suspicious: true },
  'task.finished': { about: 'A task reached the end of its input and finished.' },
  'source.rewound': { about: 'A source reader is positioned at its restored offset (or the start) and reads from there.' },
  'source.request_timeout': { about: 'A source request had no reply within the source request timeout and is sent again.' },
  'source.splits_discovered': { about: 'The split enumerator found new source splits.' },
  'source.splits_added_back': { about: 'Splits of a failed reader went back to the enumerator.' },
  'source.discovery_failed': { about: 'The split enumerator could not list the topic.' },
  'source.fetch_failed': { about: 'A split reader could not fetch records.' },
  'broker.loaded': { about: 'The source log broker loaded its segments from disk.' },
  'broker.load_failed': { about: 'The source log broker could not list its segments.', suspicious: true },
  'broker.preloaded': { about: 'The source log broker holds the whole input.' },
  'broker.preload_failed': { about: 'The source log broker could not write the input.', suspicious: true },
  'broker.segment_unreadable': { about: 'A segment of the source log could not be read.', suspicious: true },
  'broker.segment_skipped': { about: 'A corrupt or out-of-order segment of the source log was skipped.', suspicious: true },
  'sink.precommitted': { about: 'A two-phase-commit sink pre-committed (prepared) its transaction for a checkpoint.', requires: ['two_phase_commit_sink', 'checkpointing'] },
  'sink.committed': { about: 'A two-phase-commit sink committed a transaction after its checkpoint completed.', requires: ['two_phase_commit_sink', 'checkpointing'] },
  'sink.commit_failed': { about: 'The store refused to commit a transaction whose checkpoint completed (it expired or was aborted).', requires: ['two_phase_commit_sink', 'checkpointing'], suspicious: true },
  'sink.data_loss': { about: 'Records of a completed checkpoint can never be committed: data loss the sink detected.', requires: ['two_phase_commit_sink', 'checkpointing'], suspicious: true },
  'sink.transaction_failed': { about: 'A sink transaction died before its commit (expired while open, fenced); the task fails and restores.', requires: ['two_phase_commit_sink'], suspicious: true },
  'sink.recover_pending': { about: 'A restored sink recovers the pre-committed transactions of the restored checkpoint to commit them.', requires: ['two_phase_commit_sink', 'checkpointing'] },
  'sink.recovered': { about: 'A sink finished its recovery (pending transactions recovered, lingering ones aborted).', requires: ['two_phase_commit_sink'] },
  'sink.lingering_aborted': { about: 'A restored sink aborted transactions an earlier attempt left open.', requires: ['two_phase_commit_sink'] },
  'sink.checkpoint_aborted': { about: 'A sink was told a checkpoint was aborted; its transaction stays pending for a later one.', requires: ['two_phase_commit_sink', 'checkpointing'] },
  'sink.transactional_id_taken': { about: 'A transactional id was already used by a run that got further; the sink takes the next one.', requires: ['two_phase_commit_sink'] },
  'sink.counter_ahead_of_checkpoint': { about: 'A restored sink found transaction counters ahead of the restored checkpoint.', requires: ['two_phase_commit_sink', 'checkpointing'], suspicious: true },
  'sink.superseded': { about: 'A writer of an older attempt (a zombie) was refused by the store.', requires: ['transactional_store'] },
  'txstore.ready': { about: 'The external transactional store is ready (after loading its write-ahead log).', requires: ['transactional_store'] },
  'txstore.committed': { about: 'The external store committed a transaction: its records are visible output.', requires: ['two_phase_commit_sink'] },
  'txstore.txn_expired': { about: 'The external store aborted a transaction open or prepared longer than its transaction timeout.', requires: ['two_phase_commit_sink'], suspicious: true },
  'txstore.txn_fenced': { about: 'A transaction was begun again under the same id: the older epoch is fenced.', requires: ['two_phase_commit_sink'] },
  'txstore.lingering_aborted': { about: 'The store aborted lingering transactions at a restored sink\'s request.', requires: ['two_phase_commit_sink'] },
  'txstore.superseded': { about: 'The store refused a request from an older writer generation.', requires: ['transactional_store'] },
  'txstore.outage': { about: 'The external store is unavailable for a while (a sink outage).', requires: ['transactional_store'] },
  'txstore.compacted': { about: 'The external store compacted its write-ahead log into a snapshot.', requires: ['transactional_store'] },
  'txstore.disk_retry': { about: 'A disk write of the external store failed and is retried.', requires: ['transactional_store'] },
  'txstore.load_failed': { about: 'The external store could not load its state after a restart.', requires: ['transactional_store'], suspicious: true },
  'txstore.snapshot_rejected': { about: 'A snapshot of the external store failed its checksum and was not loaded.', requires: ['transactional_store'], suspicious: true },
  'txstore.wal_truncated': { about: 'The external store stopped loading its write-ahead log at a damaged entry.', requires: ['transactional_store'], suspicious: true },
  'txstore.data_loss': { about: 'The external store lost acknowledged entries of its write-ahead log.', requires: ['transactional_store'], suspicious: true },
  'ha.loaded': { about: 'The HA store loaded its records.', requires: ['job_manager_ha'] },
  'ha.load_retry': { about: 'The HA store retries loading its records.', requires: ['job_manager_ha'] },
  'ha.put': { about: 'The HA store wrote a job record (the latest checkpoint pointer).', requires: ['job_manager_ha'] },
  'ha.put_failed': { about: 'The HA store could not write a job record.', requires: ['job_manager_ha'], suspicious: true },
  'ha.write_retry': { about: 'A write of the HA store failed and is retried.', requires: ['job_manager_ha'] },
  'ha.corrupt': { about: 'A record of the HA store failed its checksum.', requires: ['job_manager_ha'], suspicious: true },
  'ha.slot_invalid': { about: 'One of the HA store\'s two record slots is invalid; the other is used.', requires: ['job_manager_ha'], suspicious: true },
  'ha.unknown_key': { about: 'The HA store found a key it does not know.', requires: ['job_manager_ha'] },
  'ha.bad_request': { about: 'The HA store received a malformed request.', requires: ['job_manager_ha'] },
} as const satisfies Record<string, EngineEventSpec>;

export type EngineEventName = keyof typeof ENGINE_EVENT_REGISTRY;

/** Every engine event name, sorted. */
export const ENGINE_EVENT_NAMES: readonly EngineEventName[] = (Object.keys(ENGINE_EVENT_REGISTRY) as EngineEventName[]).sort();

export function is_engine_event(name: string): name is EngineEventName {
  return Object.prototype.hasOwnProperty.call(ENGINE_EVENT_REGISTRY, name);
}

export function engine_event_spec(name: EngineEventName): EngineEventSpec {
  return ENGINE_EVENT_REGISTRY[name];
}

/** Events marked suspicious, sorted (the explorer and reports mark them). */
export const SUSPICIOUS_ENGINE_EVENTS: readonly EngineEventName[] = ENGINE_EVENT_NAMES.filter((name) => (ENGINE_EVENT_REGISTRY[name] as EngineEventSpec).suspicious === true);
