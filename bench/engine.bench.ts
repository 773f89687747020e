// Engine throughput benchmark: word count (parallelism 4, 3 TaskManagers) run to completion inside the simulated
// world, against the same word count as a bare loop (split + Map increment) in the same process and run. Rates are
// per CPU second of this process (the machine is shared: wall time mostly measures the neighbours); wall in notes.
import { performance } from 'node:perf_hooks';
import type { BenchFigure } from './figure.js';
import { exampleJob } from '../engine/examples/index.js';
import { Cluster } from '../scenarios/cluster.js';
import type { TopicInput } from '../engine/examples/workload.js';

const LINES = 200_000;
const WORDS_PER_LINE = 5;
const PARALLELISM = 4;
const TASK_MANAGERS = 3;

function bareWordCount(input: TopicInput): number {
  const counts = new Map<string, number>();
  let words = 0;
  for (const partitions of input.values()) {
    for (const partition of partitions) {
      for (const record of partition) {
        for (const word of (record.value as string).split(' ')) {
          if (word.length === 0) continue;
          counts.set(word, (counts.get(word) ?? 0) + 1);
          words++;
        }
      }
    }
  }
  if (counts.size === 0) throw new Error('bare loop counted nothing');
  return words;
}

function cpu_ms(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e3;
}

export interface EngineRun {
  words: number;
  /** CPU time of the data path (broker ready to job finished). */
  data_path_cpu_ms: number;
  /** Whole run: world set-up, broker preload (JSON to the simulated disk), deployment, processing. */
  wall_ms: number;
  /** From the broker serving its preloaded log to the job finishing: the data path. */
  data_path_wall_ms: number;
  virtual_ms: number;
  events: number;
}

export function runEngineWordCount(lines: number, seed = 1): EngineRun {
  const params = { records: lines, words_per_line: WORDS_PER_LINE, vocabulary: 1000, partitions: 8, seed, sink: 'discard' };
  const job = exampleJob('word_count');
  const input = job.generateInput(params);
  const start = performance.now();
  const cluster = new Cluster({
    seed,
    job: { name: 'word_count', params, parallelism: PARALLELISM },
    task_managers: TASK_MANAGERS,
    slots_per_task_manager: 2,
    topics: job.topics(params),
    input,
  });
  cluster.world.run({ until: () => cluster.broker()?.serving === true });
  const data_path_start = performance.now();
  const data_path_cpu_start = cpu_ms();
  cluster.runToCompletion();
  const data_path_cpu_ms = cpu_ms() - data_path_cpu_start;
  const end = performance.now();
  const wall_ms = end - start;
  const data_path_wall_ms = end - data_path_start;
  if (cluster.jobStatus() !== 'FINISHED') throw new Error(`word count ended ${cluster.jobStatus()}`);
  // Every task reported its input count: sources read the lines, the keyed counters (chained with the sink) the words.
  const processed = cluster.jobManager()!.records.reduce((sum, r) => sum + r.records_in, 0);
  const words = lines * WORDS_PER_LINE;
  if (processed !== lines + words) throw new Error(`word count processed ${processed}, expected ${lines + words}`);
  return { words, data_path_cpu_ms, wall_ms, data_path_wall_ms, virtual_ms: cluster.world.now_ms, events: cluster.world.events };
}

export async function run_bench(): Promise<BenchFigure[]> {
  runEngineWordCount(20_000); // warm-up (JIT)
  const engine = runEngineWordCount(LINES);
  const engine_rate = engine.words / (engine.data_path_cpu_ms / 1000);
  const end_to_end_rate = engine.words / (engine.wall_ms / 1000);

  const params = { records: LINES, words_per_line: WORDS_PER_LINE, vocabulary: 1000, partitions: 8, seed: 1 };
  const input = exampleJob('word_count').generateInput(params);
  bareWordCount(input);
  const bare_start = cpu_ms();
  const bare_words = bareWordCount(input);
  const bare_rate = bare_words / ((cpu_ms() - bare_start) / 1000);
  const ratio = bare_rate / engine_rate;
  return [
    {
      name: 'engine word count in the simulator (p=4, 3 TaskManagers)',
      value: Math.round(engine_rate),
      unit: 'records/s (CPU)',
      target: '>= 1,000,000 records/s',
      pass: engine_rate >= 1_000_000,
      note: `${engine.words} words (records into the keyed count) in ${LINES} lines; ${engine.data_path_cpu_ms.toFixed(0)} ms CPU (${engine.data_path_wall_ms.toFixed(0)} ms wall) from broker ready to job finished; ${engine.events} world events`,
    },
    {
      name: 'engine word count end to end (incl. world set-up and broker preload to the simulated disk)',
      value: Math.round(end_to_end_rate),
      unit: 'records/s (wall)',
      note: `wall ${engine.wall_ms.toFixed(0)} ms`,
    },
    {
      name: 'engine word count vs bare loop (slowdown factor)',
      value: Number(ratio.toFixed(2)),
      unit: 'x',
      target: '<= 10x',
      baseline_name: 'bare word count loop (split + Map increment)',
      baseline_value: Math.round(bare_rate),
      ratio: Number(ratio.toFixed(2)),
      pass: ratio <= 10,
    },
  ];
}
