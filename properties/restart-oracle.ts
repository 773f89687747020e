// The restart-strategy property: every time the JobManager asked its restart strategy (a failover, or a restore that
// could not read the newest checkpoint), the answer — restart after how long, or fail the job — must be what Flink's
// rule for that strategy gives for the failure times observed on the JobManager's own clock. One oracle per strategy,
// as in Flink's RestartBackoffTimeStrategy family (fixed-delay, failure-rate, exponential-delay, none); a new leader,
// a new JobManager process and a job resumed from a savepoint start a fresh strategy, as a new JobMaster does.
import type { RestartStrategyConfig } from '../scenarios/flink-config.js';
import type { EngineLogEvent, RunObserver } from '../scenarios/run/observer.js';

/** One consultation of the restart strategy, as the run showed it. */
export interface RestartConsultation {
  node: string;
  /** Virtual time of the failure. */
  time_ms: number;
  /** The JobManager's clock at the failure (what Flink's strategies measure). */
  local_ms: number;
  kind: 'failover' | 'restore';
  reason: string;
  /** The engine's answer: restart after delay_ms, or fail (undefined: the run ended before it answered). */
  decision: { restart: true; delay_ms: number } | { restart: false } | undefined;
}

/** A point where the strategy starts afresh (a new JobMaster in Flink). */
export interface StrategyReset {
  node: string;
  time_ms: number;
  why: string;
}

const MAX_CONSULTATIONS = 1000;

/** Collects consultations and resets from the engine's log while the run runs. */
export class RestartLog {
  readonly consultations: RestartConsultation[] = [];
  /** Resets and consultations in the order they happened. */
  readonly sequence: ({ reset: StrategyReset } | { consultation: RestartConsultation })[] = [];
  private readonly pending = new Map<string, RestartConsultation>();

  attach(observer: RunObserver, local_now: (node: string) => number): void {
    const open = (event: EngineLogEvent, kind: RestartConsultation['kind'], reason: string): void => {
      if (event.node === undefined || this.consultations.length >= MAX_CONSULTATIONS) return;
      const consultation: RestartConsultation = { node: event.node, time_ms: event.time_ms, local_ms: local_now(event.node), kind, reason, decision: undefined };
      this.consultations.push(consultation);
      this.sequence.push({ consultation });
      this.pending.set(event.node, consultation);
    };
    const reset = (event: EngineLogEvent, why: string): void => {
      if (event.node === undefined) return;
      this.pending.delete(event.node);
      if (this.sequence.length < 2 * MAX_CONSULTATIONS) this.sequence.push({ reset: { node: event.node, time_ms: event.time_ms, why } });
    };
    observer.on('job.status', (event) => {
      const status = event.fields['status'];
      const reason = typeof event.fields['reason'] === 'string' ? event.fields['reason'] : '';
      if (status === 'CREATED') return reset(event, 'a JobManager (re)started the job');
      const pending = event.node === undefined ? undefined : this.pending.get(event.node);
      if (status === 'FAILING') return open(event, 'failover', reason);
      if (pending === undefined) return;
      this.pending.delete(pending.node);
      if (status === 'FAILED') pending.decision = { restart: false };
      else if (status === 'RESTARTING') {
        const delay = /(?:restart|restore again) in ([0-9.e+-]+) ms/.exec(reason);
        pending.decision = { restart: true, delay_ms: delay === null ? Number.NaN : Number(delay[1]) };
      }
    });
    observer.on('recovery.restore_failed', (event) => open(event, 'restore', String(event.fields['reason'] ?? '')));
    observer.on('jm.leader', (event) => reset(event, 'a new leader'));
    observer.on('jm.savepoint_resuming', (event) => reset(event, 'the job resumed from a savepoint'));
  }
}

/** What Flink's rule says for one failure: restart within [min, max] ms of delay, or fail. */
export type ExpectedDecision = { restart: true; min_delay_ms: number; max_delay_ms: number; rule: string } | { restart: false; rule: string };

/** One strategy's state, following Flink's implementation of it (see each case). */
export class FlinkRestartRule {
  private failures = 0;
  private readonly failure_times_ms: number[] = [];
  private attempt = 0;
  private next_restart_ms = Number.NEGATIVE_INFINITY;

  constructor(readonly config: RestartStrategyConfig) {}

  describe(): string {
    const c = this.config;
    switch (c.type) {
      case 'none':
        return 'none';
      case 'fixed-delay':
        return `fixed-delay(${c.attempts} attempts, ${c.delay_ms} ms)`;
      case 'failure-rate':
        return `failure-rate(${c.max_failures_per_interval} per ${c.interval_ms} ms, ${c.delay_ms} ms)`;
      case 'exponential-delay':
        return `exponential-delay(${c.initial_backoff_ms}..${c.max_backoff_ms} ms ×${c.backoff_multiplier}, reset ${c.reset_backoff_threshold_ms} ms, jitter ${c.jitter_factor}, ${c.attempts_before_reset_backoff} attempts)`;
    }
  }

  /** A failure at `now_ms` (the JobManager's clock): what Flink decides. Call accept() with the delay it took. */
  on_failure(now_ms: number): ExpectedDecision {
    const c = this.config;
    switch (c.type) {
      case 'none':
        // NoRestartBackoffTimeStrategy: canRestart() is false.
        return { restart: false, rule: 'restart strategy none never restarts' };
      case 'fixed-delay': {
        // FixedDelayRestartBackoffTimeStrategy: notifyFailure counts; canRestart() while count ≤ attempts.
        this.failures++;
        if (this.failures <= c.attempts) return { restart: true, min_delay_ms: c.delay_ms, max_delay_ms: c.delay_ms, rule: `failure ${this.failures} of ${c.attempts} allowed` };
        return { restart: false, rule: `failure ${this.failures} exceeds ${c.attempts} restart attempt(s)` };
      }
      case 'failure-rate': {
        // FailureRateRestartBackoffTimeStrategy: keeps the last max+1 failure times; fails when max+1 of them lie
        // within the interval ((now - earliest) ≤ interval).
        if (this.failure_times_ms.length > c.max_failures_per_interval) this.failure_times_ms.shift();
        this.failure_times_ms.push(now_ms);
        if (this.failure_times_ms.length > c.max_failures_per_interval) {
          const span = now_ms - (this.failure_times_ms[0] as number);
          if (span <= c.interval_ms) return { restart: false, rule: `${this.failure_times_ms.length} failures within ${round(span)} ms exceed ${c.max_failures_per_interval} per ${c.interval_ms} ms` };
        }
        return { restart: true, min_delay_ms: c.delay_ms, max_delay_ms: c.delay_ms, rule: `${this.failure_times_ms.length} failure(s) in the window` };
      }
      case 'exponential-delay': {
        // ExponentialDelayRestartBackoffTimeStrategy (Flink 1.19+): failures up to the scheduled restart merge into it;
        // a quiet period of reset_backoff_threshold after the scheduled restart resets the attempt count; backoff is
        // initial × multiplier^attempt ± jitter × that, clamped to [initial, max]; canRestart() while attempt ≤ limit.
        if (now_ms <= this.next_restart_ms) {
          const remaining = Math.max(0, this.next_restart_ms - now_ms);
          if (this.attempt > c.attempts_before_reset_backoff) return { restart: false, rule: `attempt ${this.attempt} exceeds ${c.attempts_before_reset_backoff}` };
          return { restart: true, min_delay_ms: remaining, max_delay_ms: remaining, rule: 'merged into the restart already scheduled' };
        }
        if (now_ms - this.next_restart_ms >= c.reset_backoff_threshold_ms) this.attempt = 0;
        const base = Math.floor(c.initial_backoff_ms * Math.pow(c.backoff_multiplier, this.attempt));
        const offset = c.jitter_factor === 0 ? 0 : Math.floor(base * c.jitter_factor);
        const clamp = (value: number): number => Math.max(c.initial_backoff_ms, Math.min(value, c.max_backoff_ms));
        this.attempt++;
        if (this.attempt > c.attempts_before_reset_backoff) return { restart: false, rule: `attempt ${this.attempt} exceeds ${c.attempts_before_reset_backoff} before reset` };
        return { restart: true, min_delay_ms: clamp(base - offset), max_delay_ms: clamp(base + offset), rule: `attempt ${this.attempt}, backoff ${base} ± ${offset} ms` };
      }
    }
  }

  /** The restart Flink scheduled: now + the delay taken (exponential-delay remembers it to merge later failures). */
  accept(now_ms: number, delay_ms: number): void {
    if (this.config.type === 'exponential-delay' && now_ms > this.next_restart_ms) this.next_restart_ms = now_ms + delay_ms;
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export interface RestartFinding {
  message: string;
  time_ms: number;
  detail: Record<string, unknown>;
}

/** Delays are compared to the millisecond (the engine and Flink both work in whole or fractional ms). */
const DELAY_TOLERANCE_MS = 1;

/**
 * Judges every consultation against Flink's rule. Returns the checks made, the findings (empty: the strategy decided
 * as Flink would every time), and whether the job's FAILED status is what the rule decided (for the liveness message).
 */
export function judge_restart_decisions(
  config: RestartStrategyConfig,
  log: Pick<RestartLog, 'sequence'>,
): { checks: number; findings: RestartFinding[]; failed_by_rule: { rule: string; strategy: string } | undefined } {
  const rules = new Map<string, FlinkRestartRule>();
  const findings: RestartFinding[] = [];
  let checks = 0;
  let failed_by_rule: { rule: string; strategy: string } | undefined;
  for (const item of log.sequence) {
    if ('reset' in item) {
      rules.delete(item.reset.node);
      continue;
    }
    const c = item.consultation;
    let rule = rules.get(c.node);
    if (rule === undefined) {
      rule = new FlinkRestartRule(config);
      rules.set(c.node, rule);
    }
    const expected = rule.on_failure(c.local_ms);
    if (c.decision === undefined) continue;
    checks++;
    const where = `${c.kind === 'restore' ? 'a failed restore' : 'a failover'} at ${round(c.time_ms)} ms (${c.reason.slice(0, 120)})`;
    const detail = { node: c.node, time_ms: c.time_ms, local_ms: c.local_ms, strategy: rule.describe(), flink_rule: expected.rule, decision: c.decision };
    if (!expected.restart) {
      if (c.decision.restart) {
        findings.push({ message: `the job restarted after ${where}, but Flink's ${rule.describe()} fails it there: ${expected.rule}`, time_ms: c.time_ms, detail });
      } else {
        failed_by_rule = { rule: expected.rule, strategy: rule.describe() };
      }
      continue;
    }
    if (!c.decision.restart) {
      findings.push({ message: `the job FAILED at ${where}, but Flink's ${rule.describe()} restarts it there (${expected.rule})`, time_ms: c.time_ms, detail });
      continue;
    }
    const delay = c.decision.delay_ms;
    if (!(delay >= expected.min_delay_ms - DELAY_TOLERANCE_MS && delay <= expected.max_delay_ms + DELAY_TOLERANCE_MS)) {
      findings.push({
        message: `the restart after ${where} waits ${round(delay)} ms, but Flink's ${rule.describe()} waits ${expected.min_delay_ms === expected.max_delay_ms ? `${round(expected.min_delay_ms)} ms` : `${round(expected.min_delay_ms)}..${round(expected.max_delay_ms)} ms`} (${expected.rule})`,
        time_ms: c.time_ms,
        detail,
      });
    }
    rule.accept(c.local_ms, Number.isFinite(delay) ? delay : expected.min_delay_ms);
  }
  return { checks, findings, failed_by_rule };
}
