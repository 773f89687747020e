// Explorer speed on a 1,000,000-event synthetic trace: time to first screen (index + first ink render) and time
// per jump (next fault, jump to time, search, end), each from key press to the next rendered frame.
// Targets: first screen < 2 s, each jump < 100 ms (medians of several presses). Values are CPU time of this
// process (the machine is shared, so wall time mostly measures the neighbours); wall time is in each note.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { render } from 'ink-testing-library';
import { createElement } from 'react';
import type { BenchFigure } from './figure.js';
import { ExplorerApp } from '../reports/explorer/app.js';
import { ExplorerModel } from '../reports/explorer/explorer-model.js';
import { write_synthetic_trace } from '../reports/explorer/synthetic-trace.js';
import { TraceIndex } from '../reports/explorer/trace-index.js';

const event_count = 1_000_000;
const presses_per_jump = 7;
const first_screen_target_ms = 2_000;
const jump_target_ms = 100;
const max_wait_for_frame_ms = 10_000;

function cpu_ms(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e3;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function next_frame(frames: string[], frames_before: number): Promise<void> {
  const started_ms = performance.now();
  while (frames.length === frames_before && performance.now() - started_ms < max_wait_for_frame_ms) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

export async function run_bench(): Promise<BenchFigure[]> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'explorer-bench-'));
  const trace_path = path.join(directory, 'trace.jsonl');
  try {
    const summary = write_synthetic_trace({ path: trace_path, event_count, seed: 42 });
    const size_bytes = fs.statSync(trace_path).size;

    const wall_started_ms = performance.now();
    const cpu_started_ms = cpu_ms();
    const index = TraceIndex.open(trace_path);
    const index_ms = performance.now() - wall_started_ms;
    const model = new ExplorerModel(index);
    const ui = render(createElement(ExplorerApp, { model, height: 45, width: 160 }));
    await next_frame(ui.frames, 0);
    const first_screen_ms = performance.now() - wall_started_ms;
    const first_screen_cpu_ms = cpu_ms() - cpu_started_ms;

    /** Presses a key and waits for the frame it causes; returns [wall ms, CPU ms]. */
    const press = async (key: string): Promise<[number, number]> => {
      const frames_before = ui.frames.length;
      const started_ms = performance.now();
      const started_cpu_ms = cpu_ms();
      ui.stdin.write(key);
      await next_frame(ui.frames, frames_before);
      return [performance.now() - started_ms, cpu_ms() - started_cpu_ms];
    };
    const measure = async (prepare: (round: number) => Promise<void>, key: (round: number) => string): Promise<[number, number]> => {
      const wall_ms: number[] = [];
      const cpu_times_ms: number[] = [];
      for (let round = 0; round < presses_per_jump; round++) {
        await prepare(round);
        const [wall, cpu] = await press(key(round));
        wall_ms.push(wall);
        cpu_times_ms.push(cpu);
      }
      return [median(wall_ms), median(cpu_times_ms)];
    };
    const nothing = async (): Promise<void> => {};
    const next_fault_ms = await measure(nothing, () => 'n');
    const time_ms = await measure(
      async (round) => {
        await press('t');
        await press(String(Math.floor((summary.last_time_ms * (round + 1)) / (presses_per_jump + 2))));
      },
      () => '\r',
    );
    await press('g');
    await press('/');
    await press('checkpoint.aborted');
    const search_ms = await measure(nothing, () => '\r');
    await press('\x1b');
    await new Promise((resolve) => setTimeout(resolve, 50));
    const end_ms = await measure(async () => void (await press('g')), () => 'G');
    const end_reached = model.cursor_line === index.line_count - 1;
    ui.unmount();
    index.close();

    const jump = (name: string, [wall_ms, value_ms]: [number, number], note: string): BenchFigure => ({
      name,
      value: Number(value_ms.toFixed(2)),
      unit: 'ms CPU',
      target: `< ${jump_target_ms} ms`,
      pass: value_ms < jump_target_ms,
      note: `median of ${presses_per_jump} presses, key press to rendered frame (${wall_ms.toFixed(1)} ms wall); ${note}`,
    });
    return [
      {
        name: 'explorer: time to first screen (1M events)',
        value: Number(first_screen_cpu_ms.toFixed(1)),
        unit: 'ms CPU',
        target: `< ${first_screen_target_ms} ms`,
        pass: first_screen_cpu_ms < first_screen_target_ms,
        note: `${first_screen_ms.toFixed(0)} ms wall (index ${index_ms.toFixed(0)} ms wall); ${(size_bytes / 1e6).toFixed(0)} MB trace, ${summary.line_count} lines`,
      },
      jump('explorer: jump to next fault', next_fault_ms, 'key n'),
      jump('explorer: jump to time', time_ms, 'key t, ms, Enter (Enter timed)'),
      jump('explorer: search next match', search_ms, '/checkpoint.aborted then Enter (Enter timed)'),
      jump('explorer: jump to end', end_ms, end_reached ? 'key G' : 'key G (did not reach the end!)'),
    ];
  } finally {
    fs.rmSync(directory, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const figure of await run_bench()) console.log(JSON.stringify(figure));
}
