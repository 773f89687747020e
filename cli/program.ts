// The streamsim command line: run, replay, swarm, merge, validate, explore, bench, catalogue. `run_cli(argv, deps)`
// is the whole tool as a function (tests call it in-process); cli/main.ts wires it to the real process. Exit codes:
// cli/errors.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import type { RunResult } from '../scenarios/result-format.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { format_scenario_errors } from '../scenarios/load.js';
import { load_job, load_scenario_with_job } from '../scenarios/job-module.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import { parse_count, parse_seed, parse_shard, seeds_of_shard, type Shard } from './args.js';
import { EXIT, MissingComponentError, UsageError } from './errors.js';
import {
  DEFAULT_REPORTS_DIR,
  display_path,
  read_failure_file,
  replay_command_for_file,
  replay_command_for_seed,
  write_failure_file,
} from './failure-file.js';
import { clean, failure_lines, plain_run_table, progress_line, render_table, run_failed, short_hash, type TextSink } from './output.js';
import { default_worker_count, run_jobs, type PoolScenario, type SwarmJob } from './pool.js';
import { DEFAULT_RUNNER_MODULE, load_runner, type RunScenario } from './runner-port.js';
import { failure_reasons } from '../reports/aggregate.js';
import { merge_run_reports, ReportMergeError, type MergeInput } from '../reports/merge.js';
import { write_reports } from '../reports/write-reports.js';
import { force_interactive_rendering } from '../reports/explorer/interactive-mode.js';

export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CATALOGUE_DIR = join(PACKAGE_ROOT, 'scenarios', 'catalogue');
/** Failure files written per command, at most (a swarm can fail thousands of seeds). */
export const MAX_FAILURE_FILES = 50;
/** Failures listed in a summary, at most. */
export const MAX_LISTED_FAILURES = 20;
/** Above this many runs a swarm prints a row per scenario instead of a row per run. */
export const MAX_SUMMARY_RUN_ROWS = 50;

export interface CliDeps {
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
  /** In-thread runner (tests inject a fake); default: run_scenario from `runner_module`. */
  runner?: RunScenario;
  /** Module URL exporting run_scenario; what swarm workers import. */
  runner_module?: string;
  catalogue_dir?: string;
  /** Module URLs of optional parts built elsewhere (overridable so tests can point at fixtures). */
  reports_module?: string;
  terminal_module?: string;
  explorer_module?: string;
}

const REPORTS_MODULE = new URL('../reports/index.ts', import.meta.url).href;
const TERMINAL_MODULE = new URL('../reports/terminal.ts', import.meta.url).href;
const EXPLORER_MODULE = new URL('../reports/explorer/index.ts', import.meta.url).href;

/** Imports an optional module; null when the module itself is absent (errors inside it still propagate). */
async function import_optional(module_url: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(module_url)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: string } | null)?.code;
    const stem = new URL(module_url).pathname.replace(/\.(ts|js)$/, '');
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(stem)) return null;
    throw error;
  }
}

class Cli {
  constructor(private readonly deps: CliDeps) {}

  private out(text: string): void {
    this.deps.stdout.write(text);
  }
  private err(text: string): void {
    this.deps.stderr.write(text);
  }
  private abs(path: string): string {
    return resolve(this.deps.cwd, path);
  }
  private get runner_module(): string {
    return this.deps.runner_module ?? DEFAULT_RUNNER_MODULE;
  }
  private async runner(): Promise<RunScenario> {
    return this.deps.runner ?? load_runner(this.runner_module);
  }

  /** Loads and validates a scenario file and the job it names (a module's job is imported here). */
  async load(path: string): Promise<{ scenario: Scenario; file: string; job: JobUnderTest }> {
    const loaded = await load_scenario_with_job(this.abs(path));
    if (!loaded.ok) {
      const errors = loaded.errors.map((e) => ({ ...e, file: display_path(e.file, this.deps.cwd) }));
      throw new UsageError(`invalid scenario:\n${format_scenario_errors(errors)}`);
    }
    return { scenario: loaded.scenario, file: path, job: loaded.job };
  }

  private async summary(results: readonly RunResult[]): Promise<string> {
    const terminal = await import_optional(this.deps.terminal_module ?? TERMINAL_MODULE);
    const render = terminal?.['render_terminal_summary'];
    if (typeof render === 'function') {
      const text = (render as (r: readonly RunResult[], o: { color: boolean }) => string)(results, {
        color: this.deps.stdout.isTTY === true,
      });
      return text.endsWith('\n') ? text : `${text}\n`;
    }
    return plain_run_table(results);
  }

  private async write_reports(results: readonly RunResult[], dir: string): Promise<void> {
    const reports = await import_optional(this.deps.reports_module ?? REPORTS_MODULE);
    const write = reports?.['write_reports'];
    mkdirSync(dir, { recursive: true });
    if (typeof write === 'function') {
      await (write as (r: readonly RunResult[], o: { dir: string }) => unknown)(results, { dir });
      this.err(`reports written to ${display_path(dir, this.deps.cwd)}\n`);
    } else {
      this.err('reports/ has no write_reports yet: only the terminal summary was produced\n');
    }
  }

  /** Reports a failed run: its lines, a failure file (bounded), and returns the replay command. */
  private report_failure(
    scenario: Scenario,
    scenario_file: string,
    result: RunResult,
    reports_dir: string,
    write_file: boolean,
    job?: JobUnderTest,
  ): string {
    const failure_path = write_file ? write_failure_file(reports_dir, scenario, this.abs(scenario_file), result, this.deps.cwd, job) : undefined;
    const replay = replay_command_for_seed(result.seed, this.abs(scenario_file), this.deps.cwd);
    const header = `FAILED ${clean(scenario.name)} (${display_path(this.abs(scenario_file), this.deps.cwd)}) seed ${result.seed}\n`;
    this.err(header + failure_lines(result, replay, failure_path && display_path(failure_path, this.deps.cwd)).join('\n') + '\n');
    if (failure_path !== undefined) this.err(`  or: ${replay_command_for_file(failure_path, this.deps.cwd)}\n`);
    return replay;
  }

  async run(path: string, options: { seed?: string; trace?: string; json?: boolean; reports?: string }): Promise<number> {
    const { scenario, file, job } = await this.load(path);
    const seed = options.seed !== undefined ? parse_seed(options.seed) : (scenario.seeds?.[0] ?? 1);
    const trace_path = options.trace !== undefined ? this.abs(options.trace) : undefined;
    if (trace_path !== undefined) mkdirSync(dirname(trace_path), { recursive: true });
    const run = await this.runner();
    const result = run(scenario, { seed, scenario_file: file, job, ...(trace_path !== undefined ? { trace_path } : {}) });
    if (options.json === true) this.out(JSON.stringify(result, null, 2) + '\n');
    else this.out(await this.summary([result]));
    const reports_dir = this.abs(options.reports ?? DEFAULT_REPORTS_DIR);
    if (options.reports !== undefined) await this.write_reports([result], reports_dir);
    if (trace_path !== undefined) this.err(`trace written to ${display_path(trace_path, this.deps.cwd)} (hash ${result.trace_hash})\n`);
    if (run_failed(result)) {
      this.report_failure(scenario, file, result, reports_dir, true, job);
      return EXIT.violation;
    }
    return EXIT.ok;
  }

  async replay(
    first: string,
    second: string | undefined,
    options: { trace?: string; json?: boolean; expectHash?: string },
  ): Promise<number> {
    let scenario: Scenario;
    let scenario_file: string;
    let seed: number;
    let expected_hash: string | undefined = options.expectHash;
    let source: string;
    let job: JobUnderTest;
    /** Why a replay may not reproduce: the job's code changed since the failure file was written. */
    let changed_code: string | undefined;
    if (second === undefined) {
      if (/^[0-9]+$/.test(first)) throw new UsageError('replay <seed> needs a scenario file too: replay <seed> <scenario>');
      const failure_path = this.abs(first);
      const failure = read_failure_file(failure_path);
      scenario = failure.scenario;
      scenario_file = failure.scenario_file;
      seed = failure.seed;
      expected_hash = expected_hash ?? failure.trace_hash;
      source = `the failure file ${display_path(failure_path, this.deps.cwd)}`;
      const scenario_dir = resolve(dirname(failure_path), failure.job?.scenario_dir ?? '.');
      const loaded = await load_job(scenario, scenario_dir, `${display_path(failure_path, this.deps.cwd)} (embedded scenario)`);
      if (!loaded.ok) throw new UsageError(`cannot load the failure's job:\n${format_scenario_errors(loaded.errors)}`);
      job = loaded.job;
      const now = job.source?.source_sha256;
      if (failure.job !== undefined && now !== undefined && now !== failure.job.source_sha256) {
        changed_code = `the job's code (${display_path(job.source!.path, this.deps.cwd)} and the local modules it imports) changed since the failure: source sha256 ${failure.job.source_sha256.slice(0, 12)} then, ${now.slice(0, 12)} now`;
        this.err(`note: ${changed_code}\n`);
      }
    } else {
      seed = parse_seed(first, 'replay <seed>');
      const loaded = await this.load(second);
      scenario = loaded.scenario;
      scenario_file = loaded.file;
      job = loaded.job;
      source = 'a second run';
    }
    const trace_path = options.trace !== undefined ? this.abs(options.trace) : undefined;
    if (trace_path !== undefined) mkdirSync(dirname(trace_path), { recursive: true });
    const run = await this.runner();
    const result = run(scenario, { seed, scenario_file, job, ...(trace_path !== undefined ? { trace_path } : {}) });
    if (expected_hash === undefined) {
      // No recorded hash to compare with: determinism checks itself by running the same seed again.
      expected_hash = run(scenario, { seed, scenario_file, job }).trace_hash;
    }
    const reproduced = result.trace_hash === expected_hash;
    if (options.json === true) this.out(JSON.stringify({ reproduced, expected_trace_hash: expected_hash, result }, null, 2) + '\n');
    else this.out(await this.summary([result]));
    if (reproduced) {
      this.err(`reproduced: seed ${seed} of ${clean(scenario.name)} gives trace hash ${result.trace_hash}, identical to ${source}\n`);
    } else {
      this.err(
        `NOT reproduced: seed ${seed} of ${clean(scenario.name)} gives trace hash ${result.trace_hash}, but ${source} has ${expected_hash}` +
          (changed_code !== undefined ? ` (${changed_code})\n` : ' (the code or the scenario changed since, or the run is not deterministic)\n'),
      );
    }
    if (trace_path !== undefined) this.err(`trace written to ${display_path(trace_path, this.deps.cwd)}\n`);
    if (run_failed(result)) {
      this.err(failure_lines(result, replay_command_for_seed(seed, this.abs(scenario_file), this.deps.cwd)).join('\n') + '\n');
    }
    return reproduced && !run_failed(result) ? EXIT.ok : EXIT.violation;
  }

  private scenario_files(target: string): string[] {
    const absolute = this.abs(target);
    let is_dir: boolean;
    try {
      is_dir = statSync(absolute).isDirectory();
    } catch {
      throw new UsageError(`${target}: no such file or directory`);
    }
    if (!is_dir) return [target];
    const files = readdirSync(absolute)
      .filter((name) => ['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase()))
      .sort()
      .map((name) => join(target, name));
    if (files.length === 0) throw new UsageError(`${target}: no .yaml, .yml or .json scenario files in this directory`);
    return files;
  }

  private async load_all(files: readonly string[]): Promise<PoolScenario[]> {
    const errors: string[] = [];
    const loaded: PoolScenario[] = [];
    for (const file of files) {
      try {
        const { scenario, job } = await this.load(file);
        loaded.push({ scenario, scenario_file: file, scenario_dir: dirname(this.abs(file)), job });
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        errors.push(error.message);
      }
    }
    if (errors.length > 0) throw new UsageError(errors.join('\n'));
    return loaded;
  }

  private async run_pool(scenarios: PoolScenario[], jobs: SwarmJob[], workers: number): Promise<RunResult[]> {
    const show_progress = this.deps.stderr.isTTY === true;
    let failures = 0;
    const results = await run_jobs({
      scenarios,
      jobs,
      workers,
      runner_module: this.runner_module,
      ...(workers <= 1 && this.deps.runner !== undefined ? { runner: this.deps.runner } : {}),
      on_result: (done, total, result) => {
        if (run_failed(result)) failures++;
        if (show_progress) this.err(progress_line(done, total, failures));
      },
    });
    if (show_progress) this.err('\n');
    return results;
  }

  private report_failures(scenarios: PoolScenario[], jobs: SwarmJob[], results: RunResult[], reports_dir: string) {
    const failures: { scenario: string; seed: number; trace_hash: string; replay_command: string }[] = [];
    results.forEach((result, index) => {
      const job = jobs[index];
      const entry = job === undefined ? undefined : scenarios[job.scenario_index];
      if (entry === undefined || !run_failed(result)) return;
      const listed = failures.length < MAX_LISTED_FAILURES;
      const replay = listed
        ? this.report_failure(entry.scenario, entry.scenario_file, result, reports_dir, failures.length < MAX_FAILURE_FILES, entry.job)
        : replay_command_for_seed(result.seed, this.abs(entry.scenario_file), this.deps.cwd);
      failures.push({ scenario: entry.scenario.name, seed: result.seed, trace_hash: result.trace_hash, replay_command: replay });
    });
    if (failures.length > MAX_LISTED_FAILURES) this.err(`… and ${failures.length - MAX_LISTED_FAILURES} more failures\n`);
    return failures;
  }

  async swarm(
    target: string,
    options: { seeds: string; firstSeed?: string; workers?: string; shard?: string; json?: boolean; reports?: string },
  ): Promise<number> {
    const seed_count = parse_count(options.seeds, '--seeds');
    const first_seed = options.firstSeed !== undefined ? parse_seed(options.firstSeed, '--first-seed') : 1;
    const workers = options.workers !== undefined ? parse_count(options.workers, '--workers', 1, 256) : default_worker_count();
    const shard: Shard = options.shard !== undefined ? parse_shard(options.shard) : { index: 1, count: 1 };
    const seeds = seeds_of_shard(first_seed, seed_count, shard);
    const scenarios = await this.load_all(this.scenario_files(target));
    const jobs: SwarmJob[] = scenarios.flatMap((_, scenario_index) => seeds.map((seed) => ({ scenario_index, seed })));
    this.err(
      `swarm: ${scenarios.length} scenario(s) × ${seeds.length} seed(s)` +
        (seeds.length > 0 ? ` [${seeds[0]}..${seeds[seeds.length - 1]}]` : '') +
        ` (shard ${shard.index}/${shard.count}) on ${Math.min(workers, Math.max(jobs.length, 1))} worker(s)\n`,
    );
    const results = await this.run_pool(scenarios, jobs, workers);
    const reports_dir = this.abs(options.reports ?? DEFAULT_REPORTS_DIR);
    if (options.json !== true) {
      // A row per run reads well for a few runs; a big swarm gets a row per scenario (--reports has every run).
      this.out(results.length <= MAX_SUMMARY_RUN_ROWS ? await this.summary(results) : scenario_table(scenarios, jobs, results));
    }
    const failures = this.report_failures(scenarios, jobs, results, reports_dir);
    if (options.json === true) {
      this.out(
        JSON.stringify(
          { format: 'streamsim-swarm', version: 1, first_seed, seed_count, shard, runs: results.length, failures, results },
          null,
          2,
        ) + '\n',
      );
    }
    if (options.reports !== undefined) await this.write_reports(results, reports_dir);
    this.err(`swarm: ${results.length} runs, ${failures.length} failed\n`);
    return failures.length === 0 ? EXIT.ok : EXIT.violation;
  }

  async catalogue(options: { seedsPerScenario?: string; workers?: string; reports?: string; json?: boolean }): Promise<number> {
    const per_scenario = options.seedsPerScenario !== undefined ? parse_count(options.seedsPerScenario, '--seeds-per-scenario', 1, 1000) : undefined;
    const workers = options.workers !== undefined ? parse_count(options.workers, '--workers', 1, 256) : default_worker_count();
    const dir = this.deps.catalogue_dir ?? CATALOGUE_DIR;
    const scenarios = await this.load_all(this.scenario_files(dir));
    const jobs: SwarmJob[] = [];
    scenarios.forEach(({ scenario }, scenario_index) => {
      const defaults = scenario.seeds ?? [1, 2, 3];
      const seeds = per_scenario === undefined ? [...defaults] : defaults.slice(0, per_scenario);
      let next = Math.max(...defaults) + 1;
      while (per_scenario !== undefined && seeds.length < per_scenario) seeds.push(next++);
      for (const seed of seeds) jobs.push({ scenario_index, seed });
    });
    const results = await this.run_pool(scenarios, jobs, workers);
    if (options.json === true) this.out(JSON.stringify({ format: 'streamsim-catalogue', version: 1, results }, null, 2) + '\n');
    else this.out(scenario_table(scenarios, jobs, results));
    const reports_dir = this.abs(options.reports ?? DEFAULT_REPORTS_DIR);
    const failures = this.report_failures(scenarios, jobs, results, reports_dir);
    if (options.reports !== undefined) await this.write_reports(results, reports_dir);
    this.err(`catalogue: ${scenarios.length} scenarios, ${results.length} runs, ${failures.length} not as expected\n`);
    return failures.length === 0 ? EXIT.ok : EXIT.violation;
  }

  /** Merges the report.json files of a sharded swarm into one report (JSON, JUnit, HTML) in `out`. */
  async merge(files: readonly string[], options: { out: string }): Promise<number> {
    const inputs: MergeInput[] = files.map((file) => {
      let text: string;
      try {
        text = readFileSync(this.abs(file), 'utf8');
      } catch {
        throw new UsageError(`${file}: no such report file`);
      }
      try {
        return { source: file, report: JSON.parse(text) as unknown };
      } catch (error) {
        throw new UsageError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
      }
    });
    let merged: ReturnType<typeof merge_run_reports>;
    try {
      merged = merge_run_reports(inputs);
    } catch (error) {
      if (error instanceof ReportMergeError) throw new UsageError(error.message);
      throw error;
    }
    const { results } = merged;
    const dir = this.abs(options.out);
    write_reports(results, {
      dir,
      meta: {
        title: `${results.length} runs merged from ${files.length} report(s)`,
        command: ['npx streamsim merge', ...files, '--out', options.out].join(' '),
        ...(merged.known_probes !== undefined ? { known_probes: merged.known_probes } : {}),
      },
    });
    this.out(results.length <= MAX_SUMMARY_RUN_ROWS ? await this.summary(results) : '');
    const failed = results.filter(run_failed);
    for (const result of failed.slice(0, MAX_LISTED_FAILURES)) {
      this.err(`FAILED ${clean(result.scenario.name)} seed ${result.seed}: ${clean(failure_reasons(result).join('; ')).slice(0, 300)}\n  replay: ${result.replay_command}\n`);
    }
    if (failed.length > MAX_LISTED_FAILURES) this.err(`… and ${failed.length - MAX_LISTED_FAILURES} more failures\n`);
    const scenarios = new Set(results.map((result) => result.scenario.name)).size;
    this.err(
      `merge: ${files.length} report(s), ${results.length} runs of ${scenarios} scenario(s), ${failed.length} failed` +
        (merged.duplicate_runs > 0 ? `, ${merged.duplicate_runs} run(s) found twice (identical, kept once)` : '') +
        `; reports written to ${display_path(dir, this.deps.cwd)}\n`,
    );
    return failed.length === 0 ? EXIT.ok : EXIT.violation;
  }

  /** Validates scenario files (or directories of them) without running anything. */
  async validate(targets: readonly string[]): Promise<number> {
    const errors: string[] = [];
    const attempt = async (check: () => Promise<void>): Promise<void> => {
      try {
        await check();
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        errors.push(error.message);
      }
    };
    for (const target of targets) {
      await attempt(async () => {
        for (const file of this.scenario_files(target)) {
          await attempt(async () => {
            const { scenario } = await this.load(file);
            this.out(`ok  ${display_path(this.abs(file), this.deps.cwd)}  (${clean(scenario.name)})\n`);
          });
        }
      });
    }
    if (errors.length > 0) throw new UsageError(errors.join('\n'));
    return EXIT.ok;
  }

  async explore(trace: string, options: { diff?: string }): Promise<number> {
    for (const path of [trace, ...(options.diff !== undefined ? [options.diff] : [])]) {
      if (!existsSync(this.abs(path)) || !statSync(this.abs(path)).isFile()) throw new UsageError(`${path}: trace file not found`);
    }
    force_interactive_rendering();
    const explorer = await import_optional(this.deps.explorer_module ?? EXPLORER_MODULE);
    const run_explorer = explorer?.['run_explorer'];
    if (typeof run_explorer !== 'function') {
      throw new MissingComponentError('the trace explorer (reports/explorer/index.ts, export run_explorer) is not in this checkout yet');
    }
    const code = await (run_explorer as (o: { trace_path: string; diff_path?: string }) => unknown)({
      trace_path: this.abs(trace),
      ...(options.diff !== undefined ? { diff_path: this.abs(options.diff) } : {}),
    });
    return typeof code === 'number' ? code : EXIT.ok;
  }

  async bench(options: { only?: string }): Promise<number> {
    const script = join(PACKAGE_ROOT, 'bench', 'run.ts');
    if (!existsSync(script)) throw new MissingComponentError('bench/run.ts is not in this checkout yet');
    if (options.only !== undefined && !/^[a-z0-9_-]+$/i.test(options.only)) {
      throw new UsageError(`--only: expected a benchmark area name such as "sim", got ${JSON.stringify(options.only)}`);
    }
    const tsx = import.meta.resolve('tsx');
    const args = ['--import', tsx, script, ...(options.only !== undefined ? ['--only', options.only] : [])];
    return new Promise<number>((resolve_exit, reject) => {
      const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => this.out(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => this.err(chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve_exit(code ?? EXIT.internal));
    });
  }
}

/** One row per scenario: seeds run, outcome, whether expectations were met, first seed's hash, wall time. */
function scenario_table(scenarios: readonly PoolScenario[], jobs: readonly SwarmJob[], results: readonly RunResult[]): string {
  const rows = scenarios.map(({ scenario }, scenario_index) => {
    const mine = results.filter((_, i) => jobs[i]?.scenario_index === scenario_index);
    const violations = mine.filter((r) => r.outcome === 'violation').length;
    const unmet = mine.filter((r) => !r.expectation_met).map((r) => r.seed);
    const unmet_text = unmet.length <= 5 ? unmet.join(', ') : `${unmet.slice(0, 5).join(', ')}, … ${unmet.length} in all`;
    return [
      clean(scenario.name),
      String(mine.length),
      violations === 0 ? 'pass' : `violation ${violations}/${mine.length}`,
      unmet.length === 0 ? 'yes' : `NO (seed ${unmet_text})`,
      mine[0] === undefined ? '-' : short_hash(mine[0].trace_hash),
      String(Math.round(mine.reduce((sum, r) => sum + r.wall_ms, 0))),
    ];
  });
  return render_table(['scenario', 'seeds', 'outcome', 'expectation met', 'hash (first seed)', 'wall ms'], rows);
}

function build_program(cli: Cli, deps: CliDeps, set_exit: (code: number) => void): Command {
  const program = new Command('streamsim');
  program
    .description('A Flink-style stream processor inside a deterministic simulated world: run scenarios, replay seeds, swarm, explore traces.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nExit codes: 0 every property held (or the expected violation happened), 1 a property was violated,\n' +
        '2 bad input (file, field, flag), 3 internal error (a bug).',
    );

  program
    .command('run')
    .description('Run one scenario at one seed and check its properties.')
    .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
    .option('--seed <n>', "seed (default: the scenario's first default seed)")
    .option('--trace <file>', 'write the JSONL trace of the run to this file')
    .option('--json', 'print the RunResult as JSON on stdout')
    .option('--reports <dir>', 'write reports (and failure files) into this directory')
    .addHelpText('after', '\nExample:\n  npx streamsim run scenarios/catalogue/tm-crash-mid-checkpoint.yaml --seed 7 --trace t.jsonl')
    .action(async (scenario: string, options: Parameters<Cli['run']>[1]) => set_exit(await cli.run(scenario, options)));

  program
    .command('replay')
    .description('Replay a seed exactly and say whether it reproduced the same trace hash.')
    .argument('<seed-or-failure-file>', 'a seed, or a failure file written by a failing run')
    .argument('[scenario]', 'the scenario file (with a seed)')
    .option('--trace <file>', 'write the JSONL trace of the replay to this file')
    .option('--expect-hash <hash>', 'the trace hash the replay must reproduce')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText(
      'after',
      '\nExamples:\n  npx streamsim replay 7 scenarios/catalogue/tm-crash-mid-checkpoint.yaml\n' +
        '  npx streamsim replay streamsim-reports/failures/tm-crash-mid-checkpoint-seed-7.json --trace t.jsonl',
    )
    .action(async (first: string, second: string | undefined, options: Parameters<Cli['replay']>[2]) =>
      set_exit(await cli.replay(first, second, options)),
    );

  program
    .command('swarm')
    .description('Run many seeds of one scenario, or of every scenario in a directory, on worker threads.')
    .argument('<scenario-or-dir>', 'a scenario file or a directory of them')
    .requiredOption('--seeds <n>', 'how many seeds')
    .option('--first-seed <s>', 'first seed of the range', '1')
    .option('--workers <k>', 'worker threads (default: every core)')
    .option('--shard <i/n>', 'run only shard i of n (contiguous blocks of the seed range)')
    .option('--json', 'print the swarm result as JSON on stdout')
    .option('--reports <dir>', 'write reports (and failure files) into this directory')
    .addHelpText('after', '\nExample:\n  npx streamsim swarm scenarios/catalogue --seeds 200 --shard 1/4')
    .action(async (target: string, options: Parameters<Cli['swarm']>[1]) => set_exit(await cli.swarm(target, options)));

  program
    .command('merge')
    .description('Merge the report.json files of swarm shards into one report (report.json, junit.xml, report.html).')
    .argument('<report...>', 'report.json files written by `swarm --shard i/n --reports DIR`')
    .requiredOption('--out <dir>', 'directory for the merged reports')
    .addHelpText(
      'after',
      '\nExample:\n  npx streamsim merge shard-1/report.json shard-2/report.json --out merged\n' +
        'The merged report equals the report of the same swarm run unsharded (same runs, order and run id).\n' +
        'Exit code 1 when any merged run failed.',
    )
    .action(async (files: string[], options: { out: string }) => set_exit(await cli.merge(files, options)));

  program
    .command('validate')
    .description('Check scenario files against the schema and the semantic rules, without running them.')
    .argument('<scenario-or-dir...>', 'scenario files or directories of them')
    .action(async (targets: string[]) => set_exit(await cli.validate(targets)));

  program
    .command('explore')
    .description('Explore a trace in the terminal UI, optionally side by side with another.')
    .argument('<trace>', 'a JSONL trace written with --trace')
    .option('--diff <other>', 'a second trace to compare with')
    .action(async (trace: string, options: { diff?: string }) => set_exit(await cli.explore(trace, options)));

  program
    .command('bench')
    .description('Run the benchmarks (bench/*.bench.ts) and write bench/results.json.')
    .option('--only <area>', 'run only bench/<area>.bench.ts')
    .action(async (options: { only?: string }) => set_exit(await cli.bench(options)));

  program
    .command('catalogue')
    .description('Run every scenario of scenarios/catalogue on its default seeds and print a table (what `npm start` runs).')
    .addOption(new Option('--seeds-per-scenario <n>', 'seeds per scenario (default: its own default seeds)'))
    .option('--workers <k>', 'worker threads (default: every core)')
    .option('--json', 'print every RunResult as JSON on stdout')
    .option('--reports <dir>', 'write reports (and failure files) into this directory')
    .action(async (options: Parameters<Cli['catalogue']>[0]) => set_exit(await cli.catalogue(options)));

  return program;
}

/** The whole CLI as a function: parses argv (without node and script), runs the command, returns the exit code. */
export async function run_cli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const cli = new Cli(deps);
  let exit_code: number = EXIT.ok;
  const program = build_program(cli, deps, (code) => {
    exit_code = code;
  });
  if (argv.length === 0) {
    deps.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exit_code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version') return EXIT.ok;
      return EXIT.usage;
    }
    if (error instanceof UsageError) {
      deps.stderr.write(`error: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof MissingComponentError) {
      deps.stderr.write(`error: ${error.message}\n`);
      return EXIT.internal;
    }
    deps.stderr.write(`internal error (a bug in streamsim, please report it):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.internal;
  }
}

export function process_deps(): CliDeps {
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr };
}

