// The catalogue of named example jobs a scenario may run. The engine's examples (engine/examples) provide one job per
// name; the scenario schema's `job.name` variants must list exactly these (scenarios/load.test.ts checks it).

export const JOB_NAMES = ['word_count', 'sequence_check', 'windowed_sum', 'order_payments'] as const;
export type JobName = (typeof JOB_NAMES)[number];

export const JOB_DESCRIPTIONS: Readonly<Record<JobName, string>> = {
  word_count: 'lines of words, keyed by word, counted (a counter per word)',
  sequence_check: 'per-key gapless sequence numbers; next - last must be 1 (exactly-once) or <= 1 (at-least-once)',
  windowed_sum: 'event-time tumbling windows summing a value per key',
  order_payments: 'orders and payments from two topics connected and keyed by order id, matched in keyed state',
};

export function is_job_name(name: unknown): name is JobName {
  return typeof name === 'string' && (JOB_NAMES as readonly string[]).includes(name);
}
