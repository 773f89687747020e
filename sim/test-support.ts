// Shared helpers for the world's own tests: property run counts and a scriptable recording process.
import type { ProcessContext, ProcessFactory, SimProcess } from './types.js';

/** fast-check run count from STREAMSIM_PROPERTY_RUNS (default 30). */
export function property_runs(default_runs = 30): number {
  // Test-only configuration; never read by the world itself.
  // eslint-disable-next-line no-restricted-properties
  const configured = Number(process.env.STREAMSIM_PROPERTY_RUNS);
  return Number.isInteger(configured) && configured > 0 ? configured : default_runs;
}

export type Observed =
  | { kind: 'start'; node: string; incarnation: number; at_ms: number }
  | { kind: 'message'; node: string; from: string; message: unknown; at_ms: number }
  | { kind: 'timer'; node: string; tag: unknown; at_ms: number; local_ms: number }
  | { kind: 'link_broken'; node: string; peer: string; at_ms: number }
  | { kind: 'refused'; node: string; to: string; message: unknown; at_ms: number };

/**
 * A process that records what it sees into a shared log (by virtual time via `clock`) and runs optional hooks.
 * Tests drive it from outside through the hooks and world.schedule.
 */
export function recorder(
  log: Observed[],
  virtual_now: () => number,
  hooks: {
    on_start?: (context: ProcessContext) => void;
    on_message?: (context: ProcessContext, from: string, message: unknown) => void;
    on_timer?: (context: ProcessContext, tag: unknown) => void;
  } = {},
): ProcessFactory {
  return (context: ProcessContext): SimProcess => ({
    onStart(): void {
      log.push({ kind: 'start', node: context.process_id, incarnation: context.incarnation, at_ms: virtual_now() });
      hooks.on_start?.(context);
    },
    onMessage(from: string, message: unknown): void {
      log.push({ kind: 'message', node: context.process_id, from, message, at_ms: virtual_now() });
      hooks.on_message?.(context, from, message);
    },
    onTimer(tag: unknown): void {
      log.push({ kind: 'timer', node: context.process_id, tag, at_ms: virtual_now(), local_ms: context.now_ms() });
      hooks.on_timer?.(context, tag);
    },
    onLinkBroken(peer: string): void {
      log.push({ kind: 'link_broken', node: context.process_id, peer, at_ms: virtual_now() });
    },
    onSendRefused(to: string, message: unknown): void {
      log.push({ kind: 'refused', node: context.process_id, to, message, at_ms: virtual_now() });
    },
  });
}
