// The engine's restart strategies against Flink's rule for each of them (properties/restart-oracle.ts, the oracle the
// restart-strategy property judges whole runs with): for any configuration and any failure times, including failures
// exactly at the interval, backoff and reset boundaries, the engine restarts after the delay Flink would take, or
// fails the job exactly when Flink would.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { create_restart_strategy } from '../engine/recovery/restart-strategy.js';
import type { Random } from '../engine/runtime.js';
import type { RestartStrategyConfig as ScenarioRestartConfig } from '../scenarios/flink-config.js';
import { FlinkRestartRule } from './restart-oracle.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 300);

/** The engine's configuration for a scenario's restart strategy (as scenarios/run/assemble.ts maps it). */
function engine_config(config: ScenarioRestartConfig): Parameters<typeof create_restart_strategy>[0] {
  switch (config.type) {
    case 'none': return { type: 'none' };
    case 'fixed-delay': return { type: 'fixed-delay', attempts: config.attempts, delay_ms: config.delay_ms };
    case 'failure-rate': return { type: 'failure-rate', max_failures_per_interval: config.max_failures_per_interval, failure_rate_interval_ms: config.interval_ms, delay_ms: config.delay_ms };
    case 'exponential-delay': return {
      type: 'exponential-delay', initial_backoff_ms: config.initial_backoff_ms, max_backoff_ms: config.max_backoff_ms,
      backoff_multiplier: config.backoff_multiplier, reset_backoff_threshold_ms: config.reset_backoff_threshold_ms,
      jitter_factor: config.jitter_factor, attempts: config.attempts_before_reset_backoff,
    };
  }
}

const strategy_config: fc.Arbitrary<ScenarioRestartConfig> = fc.oneof(
  fc.constant({ type: 'none' as const }),
  fc.record({ type: fc.constant('fixed-delay' as const), attempts: fc.integer({ min: 0, max: 6 }), delay_ms: fc.integer({ min: 0, max: 3000 }) }),
  fc.record({
    type: fc.constant('failure-rate' as const), max_failures_per_interval: fc.integer({ min: 1, max: 4 }),
    interval_ms: fc.integer({ min: 1, max: 1000 }), delay_ms: fc.integer({ min: 0, max: 100 }),
  }),
  fc.record({
    initial_backoff_ms: fc.integer({ min: 1, max: 1000 }), spread: fc.integer({ min: 1, max: 60 }),
    backoff_multiplier: fc.oneof(fc.constantFrom(1.5, 2, 3), fc.double({ min: 1.01, max: 4, noNaN: true })),
    reset_backoff_threshold_ms: fc.integer({ min: 1, max: 100_000 }), jitter_factor: fc.oneof(fc.constantFrom(0, 0.1, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    attempts_before_reset_backoff: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(2147483647)),
  }).map(({ spread, ...c }) => ({ type: 'exponential-delay' as const, ...c, max_backoff_ms: c.initial_backoff_ms * spread })),
);

/** Gaps between failures: arbitrary ones and the boundaries each strategy decides at (0, the interval, the backoff, …). */
function failure_gaps(config: ScenarioRestartConfig): fc.Arbitrary<number[]> {
  const edges = [0, 1];
  if (config.type === 'fixed-delay') edges.push(config.delay_ms);
  if (config.type === 'failure-rate') edges.push(config.interval_ms - 1, config.interval_ms, config.interval_ms + 1, Math.floor(config.interval_ms / 2));
  if (config.type === 'exponential-delay') {
    edges.push(config.initial_backoff_ms, config.initial_backoff_ms + 1, config.max_backoff_ms, config.reset_backoff_threshold_ms - 1, config.reset_backoff_threshold_ms, config.reset_backoff_threshold_ms + config.max_backoff_ms);
  }
  const gap = fc.oneof(fc.constantFrom(...edges.filter((e) => e >= 0)), fc.integer({ min: 0, max: 200_000 }));
  return fc.array(gap, { minLength: 1, maxLength: 25, size: 'max' });
}

/** Jitter draws from a list of fractions: any value of the range, both ends included. */
function drawing(fractions: number[]): Random {
  let i = 0;
  return {
    next: () => 0.5,
    chance: () => false,
    int_inclusive: (min, max) => {
      const f = fractions[i++ % fractions.length] ?? 0;
      return f >= 1 ? max : min + Math.floor(f * (max - min + 1));
    },
  };
}

describe('restart strategies decide as Flink does (model check against properties/restart-oracle.ts)', () => {
  it('restart or fail, and the delay, for every failure of any failure sequence', () => {
    fc.assert(
      fc.property(
        strategy_config.chain((config) => fc.tuple(fc.constant(config), failure_gaps(config), fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 1, maxLength: 8 }))),
        ([config, gaps, fractions]) => {
          const engine = create_restart_strategy(engine_config(config), drawing(fractions));
          const flink = new FlinkRestartRule(config);
          let now_ms = 0;
          for (const gap of gaps) {
            now_ms += gap;
            const expected = flink.on_failure(now_ms);
            const actual = engine.on_failure(now_ms);
            const at = `failure at ${now_ms} ms under ${flink.describe()} (${expected.rule})`;
            expect(actual.restart, at).toBe(expected.restart);
            if (!actual.restart || !expected.restart) {
              if (!actual.restart) expect(actual.reason, at).toMatch(/exhausted|none/);
              // The reason the job failed with names what Flink's rule counted (e.g. the failures and their span).
              if (!actual.restart && config.type === 'failure-rate') expect(actual.reason, at).toContain(expected.rule);
              return; // the job failed: nothing asks the strategy again
            }
            expect(actual.delay_ms, at).toBeGreaterThanOrEqual(expected.min_delay_ms);
            expect(actual.delay_ms, at).toBeLessThanOrEqual(expected.max_delay_ms);
            flink.accept(now_ms, actual.delay_ms);
          }
        },
      ),
      { numRuns: runs },
    );
  });

  it('uses the whole jitter range: with jitter the delays of equal attempts differ by the draw, within ±jitter × backoff', () => {
    const config: ScenarioRestartConfig = {
      type: 'exponential-delay', initial_backoff_ms: 100, max_backoff_ms: 100_000, backoff_multiplier: 2,
      reset_backoff_threshold_ms: 3_600_000, jitter_factor: 0.5, attempts_before_reset_backoff: 10,
    };
    const delays = (fraction: number): number[] => {
      const engine = create_restart_strategy(engine_config(config), drawing([fraction]));
      let now_ms = 0;
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        const decision = engine.on_failure(now_ms);
        if (!decision.restart) throw new Error('expected a restart');
        out.push(decision.delay_ms);
        now_ms += decision.delay_ms + 1;
      }
      return out;
    };
    // Backoffs 100, 200, 400, 800 with offsets 50, 100, 200, 400; the low end is clamped to the initial backoff.
    expect(delays(1)).toEqual([150, 300, 600, 1200]);
    expect(delays(0)).toEqual([100, 100, 200, 400]);
  });
});
