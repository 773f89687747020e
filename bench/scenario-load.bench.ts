// Scenario loading speed: the one-time cost of compiling the JSON Schema validator, and the cost of loading (read,
// parse YAML, validate, semantic checks) one catalogue file. Target: a catalogue file loads in under 5 ms, so the
// CLI's validation is never what a user waits for.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchFigure } from './figure.js';
import { load_scenario } from '../scenarios/load.js';

const catalogue_dir = fileURLToPath(new URL('../scenarios/catalogue/', import.meta.url));

function cpu_ms(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e3;
}

export async function run_bench(): Promise<BenchFigure[]> {
  const files = readdirSync(catalogue_dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => join(catalogue_dir, name));
  const first_file = files[0];
  if (first_file === undefined) throw new Error('the scenario catalogue is empty');

  const compile_start = cpu_ms();
  const first = load_scenario(first_file);
  const first_load_ms = cpu_ms() - compile_start;
  if (!first.ok) throw new Error(`${first_file} does not load`);

  const rounds = 20;
  const start = cpu_ms();
  for (let round = 0; round < rounds; round++) {
    for (const file of files) {
      if (!load_scenario(file).ok) throw new Error(`${file} does not load`);
    }
  }
  const per_file_ms = (cpu_ms() - start) / (rounds * files.length);
  return [
    {
      name: 'first scenario load (includes compiling the schema validator)',
      value: Number(first_load_ms.toFixed(1)),
      unit: 'ms cpu',
      note: 'paid once per CLI process',
    },
    {
      name: 'scenario load per catalogue file (read + YAML + schema + semantic checks)',
      value: Number(per_file_ms.toFixed(3)),
      unit: 'ms cpu',
      target: '< 5 ms',
      pass: per_file_ms < 5,
      note: `${files.length} files × ${rounds} rounds`,
    },
  ];
}
