// Restart strategies (Flink's RestartBackoffTimeStrategy family): none, fixed-delay, failure-rate, exponential-delay.
// Each answers on_failure(now_ms) with "restart after delay_ms" or "do not restart, because …". Randomness (jitter)
// comes from an injected Random so runs stay deterministic.
//
// Defaults follow Flink 1.19+/2.x: fixed-delay attempts 1, delay 1 s; failure-rate 1 failure per 1 min, delay 1 s;
// exponential-delay initial 1 s, max 1 min, multiplier 1.5, reset threshold 1 h, jitter 0.1, attempts unlimited.

import type { Random } from '../runtime.js';

export type RestartDecision = { restart: true; delay_ms: number } | { restart: false; reason: string };

export interface RestartStrategy {
  /** A failure happened at `now_ms` (this process's clock). */
  on_failure(now_ms: number): RestartDecision;
}

export type RestartStrategyConfig =
  | { type: 'none' }
  | { type: 'fixed-delay'; attempts?: number; delay_ms?: number }
  | { type: 'failure-rate'; max_failures_per_interval?: number; failure_rate_interval_ms?: number; delay_ms?: number }
  | {
      type: 'exponential-delay';
      initial_backoff_ms?: number;
      max_backoff_ms?: number;
      backoff_multiplier?: number;
      reset_backoff_threshold_ms?: number;
      jitter_factor?: number;
      /** Restarts allowed before the backoff resets (Flink: restart-strategy.exponential-delay.attempts-before-reset-backoff). */
      attempts?: number;
    };

export function create_restart_strategy(config: RestartStrategyConfig, random: Random): RestartStrategy {
  switch (config.type) {
    case 'none': return new NoRestartStrategy();
    case 'fixed-delay': return new FixedDelayRestartStrategy(config.attempts ?? 1, config.delay_ms ?? 1000);
    case 'failure-rate': return new FailureRateRestartStrategy(config.max_failures_per_interval ?? 1, config.failure_rate_interval_ms ?? 60_000, config.delay_ms ?? 1000);
    case 'exponential-delay': return new ExponentialDelayRestartStrategy({
      initial_backoff_ms: config.initial_backoff_ms ?? 1000,
      max_backoff_ms: config.max_backoff_ms ?? 60_000,
      backoff_multiplier: config.backoff_multiplier ?? 1.5,
      reset_backoff_threshold_ms: config.reset_backoff_threshold_ms ?? 3_600_000,
      jitter_factor: config.jitter_factor ?? 0.1,
      attempts: config.attempts ?? Number.MAX_SAFE_INTEGER,
    }, random);
  }
}

export class NoRestartStrategy implements RestartStrategy {
  on_failure(_now_ms: number): RestartDecision {
    return { restart: false, reason: 'restart strategy is none: the job fails on its first failure' };
  }
}

/** Restarts at most `attempts` times in total, each after `delay_ms`. */
export class FixedDelayRestartStrategy implements RestartStrategy {
  private failures = 0;
  constructor(readonly attempts: number, readonly delay_ms: number) {
    if (!Number.isInteger(attempts) || attempts < 0 || delay_ms < 0) throw new Error('fixed-delay: attempts ≥ 0 and delay ≥ 0');
  }
  on_failure(_now_ms: number): RestartDecision {
    this.failures++;
    if (this.failures <= this.attempts) return { restart: true, delay_ms: this.delay_ms };
    return { restart: false, reason: `fixed-delay restart strategy exhausted: failure ${this.failures} exceeds ${this.attempts} allowed restart attempt(s)` };
  }
}

/**
 * Restarts unless more than `max_failures_per_interval` failures fell within `interval_ms` (Flink keeps the last
 * max + 1 failure timestamps and refuses when the oldest of them is within the interval).
 */
export class FailureRateRestartStrategy implements RestartStrategy {
  /** Bounded: at most max_failures_per_interval + 1 timestamps. */
  private readonly failure_times_ms: number[] = [];
  constructor(readonly max_failures_per_interval: number, readonly interval_ms: number, readonly delay_ms: number) {
    if (!Number.isInteger(max_failures_per_interval) || max_failures_per_interval < 1 || interval_ms <= 0 || delay_ms < 0) {
      throw new Error('failure-rate: max failures ≥ 1, interval > 0, delay ≥ 0');
    }
  }
  on_failure(now_ms: number): RestartDecision {
    if (this.failure_times_ms.length > this.max_failures_per_interval) this.failure_times_ms.shift();
    this.failure_times_ms.push(now_ms);
    if (this.failure_times_ms.length > this.max_failures_per_interval) {
      const earliest = this.failure_times_ms[0] as number;
      if (now_ms - earliest <= this.interval_ms) {
        return {
          restart: false,
          reason: `failure-rate restart strategy exhausted: ${this.failure_times_ms.length} failures within ${now_ms - earliest} ms exceed ${this.max_failures_per_interval} per ${this.interval_ms} ms`,
        };
      }
    }
    return { restart: true, delay_ms: this.delay_ms };
  }
}

export interface ExponentialDelayOptions {
  initial_backoff_ms: number;
  max_backoff_ms: number;
  backoff_multiplier: number;
  reset_backoff_threshold_ms: number;
  jitter_factor: number;
  attempts: number;
}

/**
 * Flink's ExponentialDelayRestartBackoffTimeStrategy: backoff = initial × multiplier^attempt (+ jitter in
 * ±jitter×backoff), clamped to [initial, max]; failures before the scheduled restart merge into that restart; a quiet
 * period of reset_backoff_threshold_ms after the last scheduled restart resets the attempt count.
 */
export class ExponentialDelayRestartStrategy implements RestartStrategy {
  private attempt = 0;
  private next_restart_ms = Number.NEGATIVE_INFINITY;
  constructor(readonly options: ExponentialDelayOptions, private readonly random: Random) {
    const o = options;
    if (o.initial_backoff_ms < 1 || o.max_backoff_ms < o.initial_backoff_ms || o.backoff_multiplier <= 1
      || o.reset_backoff_threshold_ms < 1 || o.jitter_factor < 0 || o.jitter_factor > 1 || o.attempts < 1) {
      throw new Error('exponential-delay: 1 ≤ initial ≤ max, multiplier > 1, threshold ≥ 1, jitter in [0, 1], attempts ≥ 1');
    }
  }
  on_failure(now_ms: number): RestartDecision {
    if (now_ms <= this.next_restart_ms) {
      // Merged into the restart already scheduled.
      return this.decision(now_ms);
    }
    if (now_ms - this.next_restart_ms >= this.options.reset_backoff_threshold_ms) this.attempt = 0;
    this.next_restart_ms = now_ms + this.backoff_ms();
    this.attempt++;
    return this.decision(now_ms);
  }

  private decision(now_ms: number): RestartDecision {
    if (this.attempt > this.options.attempts) {
      return { restart: false, reason: `exponential-delay restart strategy exhausted: ${this.attempt} attempts exceed ${this.options.attempts} before reset` };
    }
    return { restart: true, delay_ms: Math.max(0, this.next_restart_ms - now_ms) };
  }

  /**
   * Flink's calculateActualBackoffTime: the jitter offset is jitter × the unclamped backoff of this attempt (so once the
   * backoff passes max_backoff the jitter mostly pulls it below the maximum), then clamped to [initial, max]. The
   * backoff is capped at Number.MAX_SAFE_INTEGER where Java's long arithmetic would overflow.
   */
  private backoff_ms(): number {
    const o = this.options;
    const base = Math.min(Math.floor(o.initial_backoff_ms * Math.pow(o.backoff_multiplier, this.attempt)), Number.MAX_SAFE_INTEGER);
    const offset = Math.min(Math.floor(base * o.jitter_factor), o.max_backoff_ms);
    const jitter = offset === 0 ? 0 : this.random.int_inclusive(-offset, offset);
    return Math.max(o.initial_backoff_ms, Math.min(base + jitter, o.max_backoff_ms));
  }
}
