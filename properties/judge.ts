// Judges one simulated run: evaluates the oracle over the run's input and checks each property the scenario asks for
// (exactly-once state and output, at-least/at-most-once output, checkpoint invariants, liveness, determinism,
// engine invariants). A property the run could not check is 'skipped' with the reason, never 'pass'.
import type { PropertyName, PropertyResult, Violation } from '../scenarios/result-format.js';
import type { RunPlan } from '../scenarios/run/plan.js';
import type { SimulationEvidence } from '../scenarios/runner.js';
import { check_checkpoint_invariants } from './checkpoint-invariants.js';
import { diff_state, FinalOutputComparison, is_at_least_once, is_at_most_once, is_exactly_once, losses_by_output_id, type StateDifference } from './compare.js';
import { evaluateOracle, groupByKey, type OracleInput, type OracleResult } from './oracle.js';
import type { JobFactory } from '../engine/api/environment.js';
import { evidence_summary, output_evidence } from './evidence.js';
import type { OutputDivergence } from './output-watch.js';
import { format_ms } from '../scenarios/units.js';
import { decode_metadata } from '../engine/checkpoint/metadata.js';
import type { StateEntry } from '../engine/state/backend.js';
import { checkpoint_keyed_state, RestoreChecker, type RestoreCapture } from './restore-check.js';
import { upsert_effect } from './sink-output.js';
import { checkInterleavedState, interleaving_dependence, judge_interleaved_output, UNBRACKETED_INTERLEAVING_CHECKS, unbracketed_interleaving } from './interleaving.js';
import { check_state_between_clocks, PROCESSING_TIME_CHECKS, PROCESSING_TIME_WINDOW_CHECKS, processing_time_dependence } from './processing-time.js';
import { lost_restore_point, type LostRestorePoint } from './lost-restore-point.js';
import { judge_output_check, run_output_check } from './job-output-check.js';
import { late_elements, lateness_explains } from './lateness.js';
import { files_to_verify } from '../engine/recovery/checkpoint-selection.js';
import { judge_restart_decisions, type RestartLog } from './restart-oracle.js';
import { judge_failure_detector, type DetectorLog } from './failure-detector.js';
import { EXPIRY_NEEDS_FAULT_MS, judge_spurious_failures } from './spurious-failures.js';
import type { LatencyModel } from '../sim/index.js';
import { RunStopped } from '../scenarios/run/run-stopped.js';

/** A simulated run (scenarios/runner.ts) with what the checks that ran alongside it found. */
export interface RunEvidence extends SimulationEvidence {
  /** The restored checkpoint's metadata and files at each restore (properties/run.ts captures them). */
  restores: RestoreCapture[];
  /** The first checkpoint completed after each restore: where state a restore lost shows first. */
  checkpoints_after_restores: RestoreCapture[];
  /** Retained-checkpoint file checks made while the job ran (at each completed checkpoint and each recovery). */
  store_checks: { checks: number; findings: { message: string; time_ms: number; detail: Record<string, unknown> }[] };
  /** The newest completed checkpoint when the job reached FINISHED, before the engine cleaned checkpoints up. */
  final_checkpoint: RestoreCapture | undefined;
  /** The trace hash of the determinism re-run, when this seed was re-run. */
  determinism_rerun_hash: string | undefined;
  /** Consultations of the restart strategy (properties/restart-oracle.ts). */
  restart_log: Pick<RestartLog, 'sequence'>;
  /** The heartbeat detectors' declarations (properties/failure-detector.ts). */
  detector_log: Pick<DetectorLog, 'events'>;
  /** The oracle, when a check already evaluated it while the job ran. */
  oracle?: OracleResult | undefined;
  /** The oracle's second extreme for that oracle (oracle_extremes), when a check already worked it out. */
  oracle_extremes?: OracleExtremes | undefined;
  /** The first committed record that left its key's oracle sequence, as a check watching the output saw it. */
  output_divergence?: OutputDivergence | undefined;
}

/** The worst one-way latency a latency model allows (the world's default when the scenario sets none). */
export function max_latency_ms(model: LatencyModel | undefined): number {
  if (model === undefined) return 2;
  switch (model.kind) {
    case 'fixed':
      return model.delay_ms;
    case 'uniform':
      return model.max_ms;
    case 'long_tail':
      return Math.max(model.max_ms, model.spike_max_ms);
  }
}

/**
 * Transactions of the two-phase-commit sink left open or prepared at the end, other than each subtask's newest
 * (the empty one begun after the final checkpoint): lingering transactions of an earlier attempt, which recovery
 * must abort (in Kafka they would block read-committed consumers), or, without any recovery, ones the job itself
 * pre-committed that no completed checkpoint committed.
 */
export function lingering_transactions(transactions: readonly { txn_id: string; state: string; record_count: number }[]): string[] {
  const newest = new Map<string, number>();
  const parsed = transactions.flatMap((txn) => {
    const match = /^(.*)-(\d+)-(\d+)$/.exec(txn.txn_id);
    return match === null ? [] : [{ txn, owner: `${match[1]}-${match[2]}`, counter: Number(match[3]) }];
  });
  for (const { owner, counter } of parsed) newest.set(owner, Math.max(newest.get(owner) ?? -1, counter));
  return parsed
    .filter(({ txn, owner, counter }) => (txn.state === 'open' || txn.state === 'prepared') && counter < (newest.get(owner) ?? counter))
    .map(({ txn }) => txn.txn_id)
    .sort();
}

export interface Judgement {
  /** Output duplicates that appeared after each recovery (until the next one, or the end). */
  per_recovery_duplicates: number[];
  properties: PropertyResult[];
  violations: Violation[];
  records_in: number;
  duplicates: number;
  losses: number;
}

function describe_restart_strategy(plan: RunPlan): string {
  const strategy = plan.flink.restart_strategy;
  switch (strategy.type) {
    case 'none':
      return 'restart strategy none (no restarts)';
    case 'fixed-delay':
      return `restart strategy fixed-delay (${strategy.attempts} attempts, ${strategy.delay_ms} ms apart)`;
    case 'failure-rate':
      return `restart strategy failure-rate (${strategy.max_failures_per_interval} failures per ${strategy.interval_ms} ms)`;
    case 'exponential-delay':
      return `restart strategy exponential-delay (${strategy.initial_backoff_ms}..${strategy.max_backoff_ms} ms)`;
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function evaluate_run(evidence: RunEvidence): Judgement {
  const { plan, observer } = evidence;
  const job = evidence.view.run.job;
  const end_ms = evidence.virtual_duration_ms;
  const properties: PropertyResult[] = [];
  const violations: Violation[] = [];
  const wanted = new Set<PropertyName>(plan.properties);
  const note_suffix = evidence.notes.length > 0 ? ` (${evidence.notes.join('; ')})` : '';
  const late = late_elements(evidence.probes);
  const add = (property: PropertyName, status: PropertyResult['status'], checks: number, message?: string, violation?: Omit<Violation, 'property'>): void => {
    // A difference from the oracle that late elements explain is not a violation: the report says why it was not judged.
    const explained = status === 'fail' ? lateness_explains(property, late, job.outputCheck !== undefined, violation?.message ?? message ?? '') : undefined;
    if (explained !== undefined) {
      properties.push({ property, status: 'skipped', checks, message: explained });
      return;
    }
    const result: PropertyResult = { property, status, checks };
    if (message !== undefined) result.message = message;
    properties.push(result);
    if (status === 'fail' && violation !== undefined) violations.push({ property, ...violation });
  };

  // Engine invariants are always judged: a violated assertion stops the run.
  if (evidence.invariant !== undefined) {
    add('engine_invariants', 'fail', 1, evidence.invariant.message, {
      message: evidence.invariant.message,
      time_ms: evidence.invariant.time_ms,
      ...(evidence.invariant.detail !== undefined ? { detail: evidence.invariant.detail } : {}),
    });
  } else {
    add('engine_invariants', 'pass', 1);
  }
  const aborted = evidence.invariant !== undefined;

  const spec = evidence.view.run.spec;
  // The oracle runs the job's own functions: when it cannot (a source it does not model, or the job's code throws on
  // the input), output and state cannot be judged, and the report says why.
  const evaluated = evidence.oracle !== undefined ? { ok: true as const, oracle: evidence.oracle } : try_oracle(job.build, spec.params, evidence.view.run.input, plan.max_parallelism);
  const oracle_failure = evaluated.ok ? undefined : `the oracle could not evaluate the job: ${evaluated.reason}`;
  const oracle: OracleResult = evaluated.ok ? evaluated.oracle : { outputs: new Map(), state: new Map(), operator_state: new Map(), broadcast_state: new Map(), records_read: 0, ambiguous_keys: new Map() };
  const oracle_output = oracle.outputs.get(job.sink_uid) ?? [];
  // An idempotent sink's external effect is its upsert table: the oracle's last record per output id.
  const expected_output =
    evidence.view.run.engine_sink_kind === 'idempotent' ? upsert_effect(oracle_output, job.outputId) : oracle_output;
  // The final output compared once; the output at each recovery is judged against that comparison.
  const final_comparison = new FinalOutputComparison(groupByKey(expected_output, job.outputKey), evidence.final_output, job.outputKey);
  const comparison = final_comparison.comparison;
  const finished = evidence.final_status === 'FINISHED';
  // Records the job consumed: the whole input when it finished, else what finished source tasks reported.
  let records_in = 0;
  for (const [id, task] of observer.finished_tasks) if (id.split(':')[1]?.startsWith('0/') === true) records_in += task.records_in;
  if (finished) records_in = oracle.records_read;

  // A two-input job whose result depends on how its inputs interleave is judged between the two extreme
  // interleavings (its output order and restored state are not); a job whose result depends on processing time between
  // the frozen and the eternal clock.
  const { interleaved, clocked } = evaluated.ok
    ? (evidence.oracle_extremes ?? oracle_extremes(job, spec.params, evidence.view.run.input, plan.max_parallelism, oracle))
    : { interleaved: undefined, clocked: undefined };
  // Extremes that do not bracket the inputs merged by timestamp bound nothing: only duplicates are judged then.
  const unbracketed =
    interleaved !== undefined
      ? unbracketed_interleaving(job.build, spec.params, evidence.view.run.input, plan.max_parallelism === undefined ? {} : { max_parallelism: plan.max_parallelism }, oracle, interleaved, job.sink_uid, job.outputId)
      : undefined;
  const second_extreme = interleaved ?? clocked;
  const extremes =
    clocked === undefined
      ? unbracketed === undefined
        ? undefined
        : { noun: 'interleaving', how: UNBRACKETED_INTERLEAVING_CHECKS, only_duplicates: true }
      : oracle.processing_time_windows !== undefined
        ? { noun: 'processing-time model', how: PROCESSING_TIME_WINDOW_CHECKS, only_duplicates: true }
        : { noun: 'processing-time model', how: PROCESSING_TIME_CHECKS };

  // A job that judges its own output (it depends on time's progress) is judged by its check, not the oracle.
  const own_verdict =
    job.outputCheck !== undefined && !aborted ? run_output_check(job.outputCheck, evidence.view.run.input, evidence.final_output, finished, spec.params) : undefined;

  // Output: at every recovery (output so far) and at the end (complete output).
  const output_properties = ['exactly_once_output', 'at_least_once_output', 'at_most_once_output'] as const;
  const evidence_input = {
    expected_by_key: final_comparison.expected_by_key,
    key_of: job.outputKey,
    ledger: evidence.output_ledger,
    faults: evidence.faults,
  };
  // Exactly-once output broke when the first committed record left its key's sequence (a check watched for it).
  const divergence = evidence.output_divergence;
  const first_seen = (message: string, time_ms: number): { message: string; time_ms: number } =>
    divergence === undefined || divergence.time_ms >= time_ms
      ? { message, time_ms }
      : { message: `${message}; first seen at ${format_ms(divergence.time_ms)} (key ${divergence.key} at #${divergence.position})`, time_ms: divergence.time_ms };
  for (const property of output_properties) {
    if (!wanted.has(property)) continue;
    if (aborted) {
      add(property, 'skipped', 0, 'the run stopped at an engine invariant violation');
      continue;
    }
    if (oracle_failure !== undefined) {
      add(property, 'skipped', 0, oracle_failure);
      continue;
    }
    if (own_verdict !== undefined) {
      const judged = judge_output_check(property, own_verdict, finished, evidence.view.run.engine_sink_kind === 'idempotent');
      add(property, judged.status, judged.checks, judged.message + note_suffix, judged.status === 'fail' ? { message: judged.message, time_ms: end_ms, ...(judged.detail !== undefined ? { detail: judged.detail } : {}) } : undefined);
      continue;
    }
    if (second_extreme !== undefined) {
      const second = second_extreme.outputs.get(job.sink_uid) ?? [];
      const idempotent = evidence.view.run.engine_sink_kind === 'idempotent';
      const judged = judge_interleaved_output(property, expected_output, idempotent ? upsert_effect(second, job.outputId) : second, evidence.final_output, job.outputId, {
        finished,
        status: evidence.final_status,
      }, extremes);
      add(property, judged.status, judged.checks, judged.message + note_suffix, judged.status === 'fail' ? { message: judged.message, time_ms: end_ms, ...(judged.detail !== undefined ? { detail: judged.detail } : {}) } : undefined);
      continue;
    }
    let checks = 0;
    let failed: Omit<Violation, 'property'> | undefined;
    // Mid-run prefixes only mean something for appended output; an upsert table converges only at the end.
    if (property === 'exactly_once_output' && evidence.view.run.engine_sink_kind !== 'idempotent') {
      for (const snapshot of evidence.output_at_recoveries) {
        checks++;
        const bad = final_comparison.first_non_prefix_key(snapshot.output);
        if (bad !== undefined && failed === undefined) {
          const found = output_evidence({ ...evidence_input, output: snapshot.output, so_far: true });
          failed = {
            ...first_seen(`at the recovery at ${format_ms(snapshot.time_ms)}, the output so far is not a per-key prefix of the oracle's: ${evidence_summary(found)}`, snapshot.time_ms),
            detail: { key: bad.key },
            evidence: found,
          };
        }
      }
    }
    // A job that did not finish (unbounded input, or a failure) is judged in full only if every oracle record
    // arrived; otherwise exactly-once output can still be judged on what arrived: a per-key prefix of the oracle's.
    const complete = comparison.losses === 0;
    if (!finished && !complete && failed === undefined) {
      if (property === 'exactly_once_output' && evidence.view.run.engine_sink_kind !== 'idempotent') {
        checks++;
        const bad = final_comparison.first_non_prefix_key(evidence.final_output);
        if (bad === undefined) {
          add(property, 'pass', checks, `the job ended ${evidence.final_status}: the output so far is a per-key prefix of the oracle's${note_suffix}`);
          continue;
        }
        const found = output_evidence({ ...evidence_input, output: evidence.final_output, so_far: true });
        const message = `the job ended ${evidence.final_status} with output that is not a per-key prefix of the oracle's: ${evidence_summary(found)}`;
        add(property, 'fail', checks, message + note_suffix, { ...first_seen(message, end_ms), detail: { key: bad.key }, evidence: found });
        continue;
      }
      add(property, 'skipped', checks, `the job ended ${evidence.final_status}, so its output is incomplete; checked ${checks} recovery point(s)${note_suffix}`);
      continue;
    }
    checks++;
    // With at-least-once checkpoints the state itself may count a replayed record twice, so values the oracle never
    // emits are expected; at-least-once output then only means that nothing the oracle emits is missing. When a
    // restored snapshot took records after their barrier (they are replayed and counted twice), a result computed
    // from that state may differ from the oracle's altogether: then a result is lost only when its output id is.
    const state_exact = plan.checkpointing_mode === 'aligned' || plan.checkpointing_mode === 'unaligned';
    const state_inflated =
      !state_exact && (evidence.restores.length > 0 || observer.count('jm.savepoint_resuming') > 0) && (evidence.probes['checkpoint.at_least_once_records_past_barrier'] ?? 0) > 0;
    const lost_ids = property === 'at_least_once_output' && state_inflated ? losses_by_output_id(expected_output, evidence.final_output, job.outputId, job.outputKey) : undefined;
    const ok =
      property === 'exactly_once_output'
        ? is_exactly_once(comparison)
        : property === 'at_least_once_output'
          ? state_exact
            ? is_at_least_once(comparison)
            : (lost_ids?.losses ?? comparison.losses) === 0
          : is_at_most_once(comparison);
    if (property === 'exactly_once_output' && finished && failed === undefined && evidence.view.run.engine_sink_kind === 'two_phase_commit') {
      checks++;
      const lingering = lingering_transactions(evidence.sink_transactions);
      if (lingering.length > 0) {
        failed = {
          message:
            observer.recoveries.length > 0
              ? `${lingering.length} transaction(s) of an earlier attempt left open in the external store at the end (${lingering.slice(0, 5).join(', ')}): recovery must abort lingering transactions`
              : `${lingering.length} transaction(s) left open or prepared in the external store at the end (${lingering.slice(0, 5).join(', ')}) ` +
                'although no recovery happened: the job pre-committed them and no checkpoint completion committed them, nor did anything abort them',
          time_ms: end_ms,
          detail: { lingering: lingering.slice(0, 20) },
        };
      }
    }
    if (!ok && failed === undefined && lost_ids !== undefined) {
      failed = {
        message:
          `${lost_ids.losses} of the oracle's ${comparison.expected_records} result(s) never delivered, not even with another value or as another result of their key ` +
          `(restored state counted replayed records twice); first lost: ${short(lost_ids.first_lost)}`,
        time_ms: end_ms,
        detail: { losses: lost_ids.losses, first_lost: lost_ids.first_lost, duplicates: comparison.duplicates, unexpected: comparison.unexpected },
      };
    }
    if (!ok && failed === undefined) {
      const difference = comparison.first_difference;
      const found = evidence.view.run.engine_sink_kind === 'idempotent' ? undefined : output_evidence({ ...evidence_input, output: evidence.final_output });
      const message =
        found !== undefined
          ? evidence_summary(found)
          : `${comparison.duplicates} duplicate(s), ${comparison.losses} lost and ${comparison.unexpected} unexpected record(s) ` +
            `against the oracle's ${comparison.expected_records}` +
            (difference !== undefined
              ? `; first differing key ${difference.key}, at its record ${difference.position + 1} (the oracle has ${difference.expected_records}, the sink ${difference.actual_records}): ` +
                `expected ${short(difference.expected)}, got ${short(difference.actual)}${difference.position >= 2 ? ` (from record ${difference.position - 1})` : ''}`
              : '');
      failed = {
        ...(property === 'exactly_once_output' ? first_seen(message, end_ms) : { message, time_ms: end_ms }),
        detail: { duplicates: comparison.duplicates, losses: comparison.losses, unexpected: comparison.unexpected, key: difference?.key },
        ...(found !== undefined ? { evidence: found } : {}),
      };
    }
    const engine_sink = evidence.view.run.engine_sink_kind;
    const promises_exactly_once = plan.sink_kind === 'two_phase_commit' || plan.sink_kind === 'idempotent';
    if (property === 'exactly_once_output' && failed !== undefined && promises_exactly_once && engine_sink !== plan.sink_kind && is_at_least_once(comparison)) {
      // The engine wrote through a sink that promises only at-least-once: exactly-once output is not judgeable.
      add(
        property,
        'skipped',
        checks,
        `not judged: the engine's job writes through its ${engine_sink} sink (at-least-once), not the ${plan.sink_kind} sink the scenario asks for; ` +
          `observed ${comparison.duplicates} duplicate(s), 0 losses`,
      );
      continue;
    }
    if (failed !== undefined) add(property, 'fail', checks, failed.message + note_suffix, failed);
    else {
      const notes = [...evidence.notes];
      if (lost_ids !== undefined && comparison.losses > 0) {
        notes.push(`${comparison.losses} result(s) delivered with another value than the oracle's: a restored at-least-once snapshot counted replayed records twice`);
      }
      add(property, 'pass', checks, notes.length > 0 ? notes.join('; ') : undefined);
    }
  }

  if (wanted.has('exactly_once_state') && oracle_failure !== undefined) add('exactly_once_state', 'skipped', 0, oracle_failure);
  else if (wanted.has('exactly_once_state')) {
    // At every recovery: the restored checkpoint's keyed state equals the oracle's at its source offsets. Window
    // state depends on the watermark at the checkpoint and unaligned checkpoints hold records in flight, so those
    // runs are judged at the end only.
    let checks = 0;
    let failed: Omit<Violation, 'property'> | undefined;
    const notes: string[] = [];
    // Unaligned and at-least-once checkpoints hold state that the source offsets alone do not describe (records in
    // flight, records counted twice): their restores are not compared with the oracle at the offsets.
    const own_check = job.outputCheck !== undefined;
    const restore_checkable = plan.checkpointing_mode === 'aligned' && interleaved === undefined && !own_check;
    if (own_check && evidence.restores.length > 0) {
      notes.push("restored state not compared at recoveries (the job's output depends on time's progress: its own output check judges it)");
    } else if (interleaved !== undefined && evidence.restores.length > 0) {
      notes.push('restored state not compared at recoveries (the result depends on how the two inputs interleave)');
    } else if (!restore_checkable && evidence.restores.length > 0) {
      notes.push(`restored state not compared at recoveries (${plan.checkpointing_mode} checkpoints hold state the source offsets alone do not describe)`);
    }
    let uncompared_keys = 0;
    let uncompared_states = 0;
    if (restore_checkable) {
      const checker = new RestoreChecker({
        build: job.build,
        params: spec.params,
        input: evidence.view.run.input,
        ...(plan.max_parallelism !== undefined ? { max_parallelism: plan.max_parallelism } : {}),
      });
      const captures = [
        ...evidence.restores.map((capture) => ({ capture, what: (id: number) => `checkpoint ${id} restored at ${format_ms(capture.time_ms)}` })),
        ...evidence.checkpoints_after_restores.map((capture) => ({
          capture,
          what: (id: number) => `checkpoint ${id}, the first completed after a recovery (at ${format_ms(capture.time_ms)}),`,
        })),
      ].sort((a, b) => a.capture.time_ms - b.capture.time_ms);
      for (const { capture, what } of captures) {
        const verdict = checker.check(capture);
        if (verdict.status === 'unreadable') {
          notes.push(`${what(verdict.checkpoint_id)} could not be read back: ${verdict.reason}`);
          continue;
        }
        checks++;
        if (verdict.status === 'ok') {
          uncompared_keys = Math.max(uncompared_keys, verdict.uncompared_keys);
          uncompared_states = Math.max(uncompared_states, verdict.uncompared_states);
        }
        if (verdict.status === 'differs' && failed === undefined) {
          const first = verdict.differences[0]!;
          failed = {
            message:
              `${what(verdict.checkpoint_id)} holds ${first.operator_uid}/${first.state} for key ${first.key}${first.namespace === '' ? '' : ` (${first.namespace})`} = ${short(first.actual)}, ` +
              `but the oracle at its source offsets ${short(verdict.offsets)} has ${short(first.expected)}`,
            time_ms: capture.time_ms,
            detail: { checkpoint_id: verdict.checkpoint_id, offsets: verdict.offsets, ...first },
          };
        }
      }
    }
    if (uncompared_keys > 0) {
      notes.push(`up to ${uncompared_keys} key(s) not compared at recoveries: their event-time timers fired after later records of the key were read, an order the oracle cannot know`);
    }
    if (uncompared_states > 0) {
      notes.push(`up to ${uncompared_states} state(s) of a key not compared at recoveries: their values depend on processing time (the frozen and eternal clock models disagree on them)`);
    }
    const final = failed === undefined && !aborted && finished ? final_state_of(evidence, [...oracle.state.keys()]) : undefined;
    if (final !== undefined && final.note !== undefined) notes.push(final.note);
    if (final?.state !== undefined) {
      checks++;
      let differences: StateDifference[];
      if (interleaved !== undefined) {
        differences = checkInterleavedState(oracle.state, interleaved.state, final.state, 5, unbracketed === undefined ? [] : [unbracketed.state]);
        notes.push(`final state judged entry by entry against the ${unbracketed === undefined ? 'two extreme interleavings' : 'two extreme interleavings and the one by timestamp'} of the inputs`);
      } else if (clocked !== undefined) {
        const verdict = check_state_between_clocks(oracle.state, clocked.state, final.state);
        differences = verdict.differences;
        notes.push(`final state compared where both processing-time models agree (${verdict.uncompared_states} state(s) of a key depend on the clock)`);
      } else if (own_check) {
        // TTL state of a job with its own output check holds values processing time decided (its output shows them).
        const judged_state = (state: ReadonlyMap<string, StateEntry[]>): Map<string, StateEntry[]> =>
          new Map([...state].map(([uid, entries]) => [uid, entries.filter((entry) => !entry.state.startsWith('_ttl/'))]));
        notes.push('TTL state (_ttl/) left out of the final state comparison: processing time decided it, and the output check judged the values read from it');
        differences = diff_state(judged_state(oracle.state), judged_state(final.state));
      } else {
        differences = diff_state(oracle.state, final.state);
      }
      if (differences.length > 0) {
        const first = differences[0]!;
        const message = `${final.source} of ${first.operator_uid}/${first.state} for key ${first.key}${first.namespace === '' ? '' : ` (${first.namespace})`}: expected ${short(first.expected)}, got ${short(first.actual)}`;
        failed = { message, time_ms: end_ms, detail: { differences: differences.length, ...first } };
      }
    }
    const suffix = notes.length > 0 ? `; ${notes.join('; ')}` : '';
    if (failed !== undefined) add('exactly_once_state', 'fail', checks, failed.message + suffix, failed);
    else if (aborted) add('exactly_once_state', 'skipped', checks, `the run stopped at an engine invariant violation${suffix}`);
    else if (!finished) add('exactly_once_state', checks > 0 ? 'pass' : 'skipped', checks, `the job ended ${evidence.final_status}: final state not compared; ${checks} checkpoint(s) at recoveries (restored, or the first completed after a restore) matched the oracle${suffix}`);
    else if (final?.state === undefined) add('exactly_once_state', checks > 0 ? 'pass' : 'skipped', checks, `${checks} checkpoint(s) at recoveries (restored, or the first completed after a restore) matched the oracle${suffix}`);
    else add('exactly_once_state', 'pass', checks, `${final.source} and ${checks - 1} checkpoint(s) at recoveries (restored, or the first completed after a restore) equal the oracle's${suffix}`);
  }

  if (wanted.has('checkpoint_invariants')) {
    if (observer.triggered_ids.length === 0) {
      add('checkpoint_invariants', 'skipped', 0, plan.checkpointing_mode === 'none' ? 'checkpointing is off' : 'no checkpoint was triggered: the engine logged no checkpoint.triggered');
    } else {
      // Damage injected on purpose lasts for the safety phase: a restore is wrong only if it happened after the
      // damage and before healing. Each restore is judged against the damage done before it.
      const healed_ms = evidence.liveness_started_ms ?? Infinity;
      const damage = evidence.faults
        .filter((fault) => fault.kind === 'storage_bit_flip_read' || fault.kind === 'storage_missing_object')
        .map((fault) => ({ time_ms: fault.time_ms, prefix: fault.target.replace(/^checkpoint:/, '') }));
      // A restore is judged by when the JobManager began reading the checkpoint to verify it (verified_ms), not when it
      // deployed it: a read sees the store as it was when issued, so only damage before that must have been noticed.
      // Damage at the same instant as that read may have come after it (same-time events run in some order): only
      // damage strictly before counts.
      const leader_restores = observer.restores.filter((r) => r.by_leader);
      const damaged_restores = leader_restores.filter((r) => r.verified_ms < healed_ms && damage.some((d) => d.time_ms < r.verified_ms));
      const damaged = damage.filter((d) => damaged_restores.some((r) => d.time_ms < r.verified_ms)).map((d) => d.prefix);
      // Completed: logged as completed, or durable as an HA pointer (its JobManager may have died before logging it).
      // Completed savepoints come last: a job resumed from one restores it until its own first checkpoint completes.
      const completed = [
        ...new Set([
          ...[...observer.checkpoints.values()].filter((c) => c.status === 'completed' && c.kind === 'checkpoint').map((c) => c.checkpoint_id),
          ...observer.ha_pointer_ids,
          ...[...observer.checkpoints.values()].filter((c) => c.status === 'completed' && c.kind === 'savepoint').map((c) => c.checkpoint_id),
        ]),
      ];
      const facts = {
        triggered_ids: [...observer.triggered_ids_by_node.values()],
        completed_ids: completed,
        completed_metadata_paths: observer.completed_metadata_paths,
        metadata_path_by_id: observer.metadata_path_by_id,
        // A checkpoint whose HA pointer write timed out (or could not be verified) fails with FINALIZE_CHECKPOINT_FAILURE,
        // yet the write may have landed: then the pointer is durable and a later leader restores it (Flink's
        // PossibleInconsistentStateException keeps its state for exactly that). Only an abort for another reason
        // contradicts a completion.
        aborted_ids: [...observer.checkpoints.values()]
          .filter((c) => c.status === 'aborted' && !(observer.ha_pointer_ids.has(c.checkpoint_id) && (c.abort_reason ?? '') === 'FINALIZE_CHECKPOINT_FAILURE'))
          .map((c) => c.checkpoint_id),
        restored_ids: leader_restores.map((r) => r.checkpoint_id),
        newest_completed_at_restore: leader_restores.map((r) => r.newest_completed_id),
        timeline: {
          restore_times_ms: leader_restores.map((r) => r.time_ms),
          restore_nodes: leader_restores.map((r) => r.node),
          completed: [...observer.checkpoints.values()]
            .filter((c) => c.status === 'completed' && c.end_ms !== undefined)
            // A checkpoint is complete once its HA pointer is durable, though a leader paused right then logs it later.
            .map((c) => {
              const node = observer.triggered_by.get(c.checkpoint_id);
              return { checkpoint_id: c.checkpoint_id, trigger_ms: c.trigger_ms, completed_ms: Math.min(c.end_ms as number, observer.ha_pointer_ms.get(c.checkpoint_id) ?? Infinity), ...(node !== undefined ? { node } : {}) };
            }),
        },
        damaged_prefixes: [] as string[],
        num_retained: plan.flink.checkpointing.num_retained,
        // Files are checked while the job runs (evidence.store_checks): a finished job may discard its checkpoints.
        peek: (): Uint8Array | undefined => undefined,
        has: (): boolean => false,
        storage_faults_injected: true,
      };
      const ordered = check_checkpoint_invariants(facts);
      const after_damage = check_checkpoint_invariants({
        ...facts,
        triggered_ids: [],
        aborted_ids: [],
        restored_ids: damaged_restores.map((r) => r.checkpoint_id),
        newest_completed_at_restore: undefined,
        timeline: undefined,
        damaged_prefixes: damaged,
      });
      const result = { checks: ordered.checks + after_damage.checks, findings: [...ordered.findings, ...after_damage.findings] };
      const checks = result.checks + evidence.store_checks.checks;
      const first = result.findings[0];
      const store_first = evidence.store_checks.findings[0];
      if (first !== undefined) add('checkpoint_invariants', 'fail', checks, first.message, { message: first.message, time_ms: end_ms, detail: first.detail });
      else if (store_first !== undefined) add('checkpoint_invariants', 'fail', checks, store_first.message, store_first);
      else add('checkpoint_invariants', 'pass', checks);
    }
  }

  // The restart strategy, judged against Flink's rule for it; its verdict also tells liveness whether a FAILED job
  // failed because its strategy (rightly) gave up.
  const restart = judge_restart_decisions(plan.flink.restart_strategy, evidence.restart_log);
  if (wanted.has('restart_strategy')) {
    const first = restart.findings[0];
    if (aborted) add('restart_strategy', 'skipped', 0, 'the run stopped at an engine invariant violation');
    else if (first !== undefined) add('restart_strategy', 'fail', restart.checks, first.message, first);
    else if (restart.checks === 0) add('restart_strategy', 'skipped', 0, 'the restart strategy was never asked (no failover)');
    else add('restart_strategy', 'pass', restart.checks, `${restart.checks} restart decision(s) as Flink's ${describe_restart_strategy(plan)} decides`);
  }
  if (wanted.has('failure_detector')) {
    const detector = judge_failure_detector(
      {
        heartbeat_interval_ms: plan.flink.heartbeat.interval_ms,
        heartbeat_timeout_ms: plan.flink.heartbeat.timeout_ms,
        max_latency_ms: max_latency_ms(plan.network_latency),
        job_managers: plan.job_manager_ha ? ['jm', 'jm-standby'] : ['jm'],
        healed_ms: evidence.liveness_started_ms,
        end_ms,
      },
      evidence.faults,
      evidence.detector_log.events,
      evidence.view.run.task_manager_ids,
    );
    const first = detector.findings[0];
    const suffix = detector.notes.length > 0 ? ` (${detector.notes.join('; ')})` : '';
    if (aborted) add('failure_detector', 'skipped', 0, 'the run stopped at an engine invariant violation');
    else if (first !== undefined) add('failure_detector', 'fail', detector.checks, first.message + suffix, first);
    else if (detector.checks === 0) add('failure_detector', 'skipped', 0, `no detection could be judged: no process stayed silent past the heartbeat timeout, and every one declared lost had a fault nearby${suffix}`);
    else add('failure_detector', 'pass', detector.checks, `${detector.checks} detection(s) judged${suffix}`);
  }
  // A network whose latency tail outlasts the heartbeat (or checkpoint) timeout makes timeouts expire with no fault,
  // also after healing: the scenario itself says why the job may fail over.
  const tail_ms = max_latency_ms(plan.network_latency);
  const heartbeat = plan.flink.heartbeat;
  const timeouts_explained_by =
    heartbeat.interval_ms + 2 * tail_ms >= heartbeat.timeout_ms
      ? `the network's latency tail (${tail_ms} ms) lets heartbeats miss the ${heartbeat.timeout_ms} ms timeout`
      : plan.flink.checkpointing.enabled && 4 * tail_ms >= plan.flink.checkpointing.timeout_ms
        ? `the network's latency tail (${tail_ms} ms) lets checkpoints miss their ${plan.flink.checkpointing.timeout_ms} ms timeout`
        : undefined;
  if (wanted.has('no_spurious_failures')) {
    const spurious = judge_spurious_failures({
      faults: evidence.faults,
      actions_ms: observer.savepoint_requests_ms,
      status_history: observer.status_history,
      checkpoints: [...observer.checkpoints.values()],
      checkpoint_timeout_ms: plan.flink.checkpointing.timeout_ms,
      ...(timeouts_explained_by !== undefined ? { timeouts_explained_by } : {}),
    });
    const first = spurious.findings[0];
    if (aborted) add('no_spurious_failures', 'skipped', 0, 'the run stopped at an engine invariant violation');
    else if (timeouts_explained_by !== undefined) add('no_spurious_failures', 'skipped', 0, `not judged: ${timeouts_explained_by}`);
    else if (first !== undefined) add('no_spurious_failures', 'fail', spurious.checks, first.message, first);
    else add('no_spurious_failures', 'pass', spurious.checks, Number.isFinite(spurious.first_disturbance_ms) ? `nothing failed before the first fault at ${format_ms(spurious.first_disturbance_ms)}` : 'nothing failed in a run without faults');
  }

  if (wanted.has('liveness')) {
    const store = evidence.view.run.world.checkpoint_store;
    // Beyond the fault model: the only checkpoint recovery may use is gone for good (an older one would replay output
    // its sinks already committed), so the job cannot go on. The safety properties still judge everything it did.
    const lost_point = (engine_reason: string): LostRestorePoint | undefined =>
      lost_restore_point({
        engine_reason,
        faults: evidence.faults,
        newest_completed_id: newest_completed_id(),
        metadata_path: (checkpoint_id) => observer.metadata_path_by_id.get(checkpoint_id),
        references: (checkpoint_id, path) => {
          const metadata_path = observer.metadata_path_by_id.get(checkpoint_id);
          const bytes = metadata_path === undefined ? undefined : store.peek(metadata_path);
          const decoded = bytes === undefined ? undefined : decode_metadata(bytes);
          return decoded?.ok === true && files_to_verify(decoded.metadata).some((file) => file.path === path);
        },
        stored: (key) => store.has(key),
      });
    const newest_completed_id = (): number | undefined => {
      let newest: number | undefined;
      for (const checkpoint of observer.checkpoints.values()) {
        if (checkpoint.status === 'completed' && (newest === undefined || checkpoint.checkpoint_id > newest)) newest = checkpoint.checkpoint_id;
      }
      for (const id of observer.ha_pointer_ids) if (newest === undefined || id > newest) newest = id;
      return newest;
    };
    const excuse = (lost: LostRestorePoint, engine_reason: string): string =>
      `not expected to hold: an injected storage_missing_object removed ${lost.key} at ${format_ms(lost.removed_ms)}, which the newest completed checkpoint chk-${lost.checkpoint_id} needs; ` +
      `the engine refuses to restore an older one (status ${evidence.final_status}: ${engine_reason})${note_suffix}`;
    if (plan.phases.mode === 'unrestricted') add('liveness', 'skipped', 0, 'unrestricted mode checks safety only');
    else if (aborted) add('liveness', 'skipped', 0, 'the run stopped at an engine invariant violation');
    else if (plan.workload.bounded) {
      if (finished) add('liveness', 'pass', 1, `job FINISHED at ${format_ms(evidence.terminal_ms ?? end_ms)}`);
      else {
        const last = observer.last_status;
        const strategy = describe_restart_strategy(plan);
        const engine_reason = last?.reason ?? 'no reason logged';
        const type = plan.flink.restart_strategy.type;
        // The failure is explained by the restart strategy only when Flink's rule for it (restart-oracle.ts) decided,
        // at the failure that ended the job, that the job fails — and every earlier decision was Flink's too. Only
        // then does the message name the restart strategy.
        const explained = restart.failed_by_rule !== undefined && restart.findings.length === 0;
        const lost = lost_point(engine_reason);
        const message =
          evidence.final_status === 'FAILED'
            ? explained
              ? `job FAILED, explained by its ${strategy}: Flink's rule says ${restart.failed_by_rule?.rule ?? ''} (${engine_reason})`
              : `job FAILED although the scenario configures ${type} recovery and Flink's rule for it did not give up (the engine's reason is in the detail)`
            : `job did not finish within the liveness bound of ${plan.phases.liveness_bound_ms} ms after healing (status ${evidence.final_status}: ${engine_reason})`;
        if (lost !== undefined) {
          add('liveness', 'skipped', 1, excuse(lost, engine_reason));
        } else if (evidence.final_status === 'FAILED' && engine_reason.startsWith('cannot read savepoint') && evidence.faults.some((f) => f.kind.startsWith('storage_'))) {
          // Flink restores a savepoint when the job is submitted from it; a savepoint it cannot read fails that
          // submission, with no restart strategy to retry it (the operator resubmits).
          add('liveness', 'skipped', 1, `not expected to hold: resuming from the savepoint failed to read it while an injected storage fault was on, which fails the resumed job in Flink too (${engine_reason})${note_suffix}`);
        } else if (
          !explained &&
          plan.flink.checkpointing.timeout_ms < EXPIRY_NEEDS_FAULT_MS &&
          observer.status_history.some((c) => c.time_ms >= (evidence.liveness_started_ms ?? Infinity) && c.reason.includes('CHECKPOINT_EXPIRED'))
        ) {
          // A checkpoint timeout this tight can expire with no fault (under backpressure, or a sink's flush): after
          // healing the job kept failing over on expired checkpoints, which the scenario's own timeout explains.
          add('liveness', 'skipped', 1, `not expected to hold: checkpoints kept expiring after healing under the scenario's tight ${plan.flink.checkpointing.timeout_ms} ms checkpoint timeout (status ${evidence.final_status}: ${engine_reason})${note_suffix}`);
        } else if (timeouts_explained_by !== undefined && !explained) {
          add('liveness', 'skipped', 1, `not expected to hold: ${timeouts_explained_by}, also after healing (status ${evidence.final_status}: ${engine_reason})`);
        } else {
          add('liveness', 'fail', 1, message + note_suffix, { message, time_ms: end_ms, detail: { status: evidence.final_status, engine_reason, explained_by_restart_strategy: explained, notes: evidence.notes } });
        }
      }
    } else {
      const start = evidence.liveness_started_ms ?? 0;
      const committed_after = observer.commit_times_ms.some((t) => t >= start);
      const grew = evidence.throughput.some((bucket) => bucket.time_ms >= start && bucket.records > 0);
      if (committed_after || grew) add('liveness', 'pass', 1, 'output kept growing after the cluster healed');
      else {
        const engine_reason = observer.last_status?.reason ?? 'no reason logged';
        const lost = lost_point(engine_reason);
        const message = `no output within ${plan.phases.liveness_bound_ms} ms after the cluster healed`;
        if (lost !== undefined) add('liveness', 'skipped', 1, excuse(lost, engine_reason));
        else add('liveness', 'fail', 1, message, { message, time_ms: end_ms });
      }
    }
  }

  if (wanted.has('determinism') || evidence.determinism_rerun_hash !== undefined) {
    if (evidence.determinism_rerun_hash === undefined) add('determinism', 'skipped', 0, 'not re-run');
    else if (evidence.determinism_rerun_hash === evidence.trace_hash) add('determinism', 'pass', 1, `re-run gave trace hash ${evidence.trace_hash}`);
    else {
      const message = `re-running the seed gave trace hash ${evidence.determinism_rerun_hash}, first run ${evidence.trace_hash}`;
      add('determinism', 'fail', 1, message, { message, time_ms: end_ms });
    }
  }
  // Duplicates per recovery: growth of the duplicate count between output snapshots taken at recovery starts.
  const per_recovery_duplicates: number[] = [];
  const snapshots = evidence.output_at_recoveries;
  const duplicates_at = oracle_failure !== undefined ? [] : snapshots.map((snapshot) => final_comparison.count_duplicates(snapshot.output));
  for (let i = 0; i < observer.recoveries.length; i++) {
    const before = duplicates_at[i];
    const after = i + 1 < duplicates_at.length ? duplicates_at[i + 1] : comparison.duplicates;
    per_recovery_duplicates.push(before === undefined || after === undefined ? 0 : Math.max(0, after - before));
  }
  if (oracle_failure !== undefined) return { per_recovery_duplicates, properties, violations, records_in, duplicates: 0, losses: 0 };
  if (own_verdict !== undefined) {
    return { per_recovery_duplicates: observer.recoveries.map(() => 0), properties, violations, records_in, duplicates: own_verdict.duplicates.length, losses: finished ? own_verdict.losses.length : 0 };
  }
  return { per_recovery_duplicates, properties, violations, records_in, duplicates: comparison.duplicates, losses: comparison.losses };
}

/** The second extreme a job's result is judged against, when one oracle sequence cannot be the only right one. */
export interface OracleExtremes {
  /** A two-input job whose two extreme interleavings differ: the oracle with input 2 read first. */
  interleaved: OracleResult | undefined;
  /**
   * A job (of no such two-input kind, without its own output check) whose result depends on processing time: the
   * oracle under the eternal clock (properties/processing-time.ts).
   */
  clocked: OracleResult | undefined;
}

/** Works out the oracle's second extreme for `oracle` (the job's evaluation over `input`), if it has one. */
export function oracle_extremes(
  job: Pick<SimulationEvidence['view']['run']['job'], 'build' | 'sink_uid' | 'outputKey' | 'outputCheck'>,
  params: Record<string, unknown>,
  input: OracleInput,
  max_parallelism: number | undefined,
  oracle: OracleResult,
): OracleExtremes {
  const options = max_parallelism === undefined ? {} : { max_parallelism };
  const interleaved = interleaving_dependence(job.build, params, input, options, oracle, job.sink_uid, job.outputKey);
  const clocked =
    interleaved === undefined && job.outputCheck === undefined ? processing_time_dependence(job.build, params, input, options, oracle, job.sink_uid, job.outputKey) : undefined;
  return { interleaved, clocked };
}

/** The oracle's evaluation of the job, or why it could not run. */
export function try_oracle(
  build: JobFactory,
  params: Record<string, unknown>,
  input: OracleInput,
  max_parallelism: number | undefined,
): { ok: true; oracle: OracleResult } | { ok: false; reason: string } {
  try {
    return { ok: true, oracle: evaluateOracle(build, params, input, max_parallelism === undefined ? {} : { max_parallelism }) };
  } catch (error) {
    if (error instanceof RunStopped) throw error; // a run over its budget is stopped, not judged
    return { ok: false, reason: error instanceof Error ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}` : String(error) };
  }
}

/**
 * The state a finished job ended with: its live tasks' keyed state, unless a TaskManager holding some key groups is
 * gone (it crashed after its tasks finished, losing only memory the job no longer needs). Then the final completed
 * checkpoint — taken after the end of input, the state Flink would keep — stands in for the whole job's state.
 */
export function final_state_of(
  evidence: RunEvidence,
  keyed_operator_uids: readonly string[],
): { state: Map<string, StateEntry[]> | undefined; source: string; note?: string } {
  const incomplete = keyed_operator_uids.filter((uid) => {
    const coverage = evidence.final_state_coverage.get(uid);
    return coverage === undefined || coverage.key_groups < coverage.max_parallelism;
  });
  if (incomplete.length === 0) return { state: evidence.final_state, source: 'final state' };
  const lost = `the live state of ${incomplete.join(', ')} is partly gone (a TaskManager was lost after its tasks finished)`;
  const capture = evidence.final_checkpoint;
  if (capture === undefined) return { state: undefined, source: 'final state', note: `${lost}; no completed checkpoint to read it from, so the final state was not compared` };
  const latest = capture.checkpoint_id;
  const decoded = capture.metadata === undefined ? undefined : decode_metadata(capture.metadata);
  if (decoded === undefined || !decoded.ok) return { state: undefined, source: 'final state', note: `${lost}; final checkpoint ${latest} could not be read, so the final state was not compared` };
  try {
    return { state: checkpoint_keyed_state(decoded.metadata, capture.files), source: `final state (from final checkpoint ${latest})`, note: `${lost}; compared the final checkpoint ${latest} instead` };
  } catch (error) {
    return { state: undefined, source: 'final state', note: `${lost}; final checkpoint ${latest} could not be restored (${(error as Error).message}), so the final state was not compared` };
  }
}

