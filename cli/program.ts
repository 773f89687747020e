// The streamsim command line: run, replay, swarm, merge, validate, explore, bench, catalogue, completion.
// `run_cli(argv, deps)` is the whole tool as a function (tests call it in-process); cli/main.ts wires it to the real
// process. Output paths are checked before anything runs, and every finished result is reported even when a later
// step fails. Exit codes: cli/errors.ts. Start-up stays light: the loader (ajv, yaml), the runner and the reports are
// imported when a command needs them.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { ENGINE_PROBES } from '../properties/probes.js';
import type { RunResult } from '../scenarios/result-format.js';
import type { RunBudget, RunProgress } from '../scenarios/runner.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { JobUnderTest } from '../scenarios/job-under-test.js';
import type { ReportMeta, SwarmMeta, SwarmStop } from '../reports/json-report.js';
import { parse_count, parse_seed, parse_shard, seeds_of_shard, shard_seed_range, type Shard } from './args.js';
import { parse_budget_flags, parse_expected_hash, parse_time_budget, type BudgetFlags } from './budget-flags.js';
import { COMPLETION_SHELLS, completion_script, type CompletionShell } from './completion.js';
import { run_shrink_command, shrink_and_write, type ShrinkCommandOptions } from './shrink-command.js';
import { EXIT, MissingComponentError, UsageError } from './errors.js';
import { DEFAULT_REPORTS_DIR, FailureFiles, display_path, replay_command_for_file, replay_command_for_seed } from './failure-output.js';
import { check_output_dir_later, check_reports_spare, prepare_output_dir, prepare_trace_file, type InputFile } from './output-paths.js';
import { clean, failure_lines, plain_run_table, render_table, run_failed, short_hash, use_color, type TextSink } from './output.js';
import { PACKAGE_ROOT, own_module, package_version } from './package-root.js';
import { default_worker_count, type JobFailure, type PoolScenario, type SwarmJob } from './pool.js';
import { format_clock } from './progress.js';
import { DEFAULT_RUNNER_MODULE, load_runner, type RunScenario } from './runner-port.js';
import { run_session, type InterruptSource, type SessionOutcome } from './swarm-session.js';

export { PACKAGE_ROOT } from './package-root.js';
export const CATALOGUE_DIR = join(PACKAGE_ROOT, 'scenarios', 'catalogue');
export const BENCH_DIR = join(PACKAGE_ROOT, 'bench');
/** Failure files written per command, at most (a swarm can fail thousands of seeds). */
export const MAX_FAILURE_FILES = 50;
/** Failures printed in full per command, at most; the rest are counted. */
export const MAX_LISTED_FAILURES = 20;
/** Failures a swarm or catalogue run with --shrink shrinks, at most. */
export const MAX_SHRUNK_FAILURES = 10;
/** Above this many runs a swarm prints a row per scenario instead of a row per run. */
export const MAX_SUMMARY_RUN_ROWS = 50;
/** Exit code after Ctrl-C (128 + SIGINT), once the partial summary is written. */
export const EXIT_INTERRUPTED = 130;
/** What to change after a run went over its budget: the flags for events and time (a memory budget says its own). */
function budget_advice(message: string): string {
  return message.includes('(--max-') ? '; raise --max-events or --max-run-time (0 = no limit), or make the scenario smaller' : '';
}

/** A single run prints a progress line this often once it has run this long. */
export const RUN_PROGRESS_EVERY_MS = 10_000;

export interface CliDeps {
  cwd: string;
  stdout: TextSink;
  stderr: TextSink;
  /** Environment (NO_COLOR, FORCE_COLOR); default none. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Ctrl-C: swarms stop early and still report. Default: never. */
  on_interrupt?: InterruptSource;
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

const REPORTS_MODULE = own_module('../reports/index');
const TERMINAL_MODULE = own_module('../reports/terminal');
const EXPLORER_MODULE = own_module('../reports/explorer/index');

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

/** Flags every command understands. */
interface GlobalFlags {
  quiet?: boolean;
  color?: boolean;
}

interface RunFlags extends BudgetFlags {
  seed?: string;
  trace?: string;
  json?: boolean;
  reports?: string;
}

interface ReplayFlags extends BudgetFlags {
  seed?: string;
  trace?: string;
  json?: boolean;
  reports?: string;
  expectHash?: string;
}

interface SwarmFlags extends BudgetFlags {
  seeds: string;
  firstSeed?: string;
  workers?: string;
  shard?: string;
  json?: boolean;
  reports?: string;
  failFast?: boolean;
  timeBudget?: string;
  shrink?: boolean;
  shrinkBudget?: string;
}

interface CatalogueFlags extends BudgetFlags {
  seedsPerScenario?: string;
  workers?: string;
  reports?: string;
  json?: boolean;
  failFast?: boolean;
  timeBudget?: string;
  shrink?: boolean;
  shrinkBudget?: string;
}

/** A scenario that could not be used (a swarm reports it and runs the others). */
interface InputProblem {
  file: string;
  message: string;
}

class Cli {
  global: GlobalFlags = {};

  constructor(private readonly deps: CliDeps) {}

  private out(text: string): void {
    this.deps.stdout.write(text);
  }
  private err(text: string): void {
    this.deps.stderr.write(text);
  }
  /** Informational stderr lines, silenced by --quiet (failures and errors never are). */
  private note(text: string): void {
    if (this.global.quiet !== true) this.err(text);
  }
  private abs(path: string): string {
    return resolve(this.deps.cwd, path);
  }
  private shown(path: string): string {
    return display_path(this.abs(path), this.deps.cwd);
  }
  private get runner_module(): string {
    return this.deps.runner_module ?? DEFAULT_RUNNER_MODULE;
  }
  private async runner(): Promise<RunScenario> {
    return this.deps.runner ?? load_runner(this.runner_module);
  }
  private get color(): boolean {
    return use_color(this.global.color, this.deps.env ?? {}, this.deps.stdout.isTTY === true);
  }

  /** Loads a scenario file and the job it names (a module's job is imported here). */
  async load(path: string): Promise<{ scenario: Scenario; file: string; job: JobUnderTest }> {
    const { load_checked_scenario } = await import('./load-scenario.js');
    return { ...(await load_checked_scenario(this.abs(path), this.deps.cwd)), file: path };
  }

  private async summary(results: readonly RunResult[]): Promise<string> {
    const terminal = await import_optional(this.deps.terminal_module ?? TERMINAL_MODULE);
    const render = terminal?.['render_terminal_summary'];
    if (typeof render === 'function') {
      // Every probe the engine declares is counted, so one that no run reached shows as never hit.
      const known_probes = ENGINE_PROBES.map((probe) => probe.name);
      const text = (render as (r: readonly RunResult[], o: { color: boolean; known_probes: string[] }) => string)(results, { color: this.color, known_probes });
      return text.endsWith('\n') ? text : `${text}\n`;
    }
    return plain_run_table(results);
  }

  /** Writes the report files; a failure to write is reported (exit 2 at the end), never allowed to lose the results. */
  private async write_reports(results: readonly RunResult[], dir: string, meta: Omit<ReportMeta, 'run_id'>): Promise<boolean> {
    const reports = await import_optional(this.deps.reports_module ?? REPORTS_MODULE);
    const write = reports?.['write_reports'];
    if (typeof write !== 'function') {
      this.err('reports/ has no write_reports yet: only the terminal summary was produced\n');
      return true;
    }
    try {
      // The probe table lists every probe the engine declares, so one that no run reached shows as never hit.
      const with_probes = { known_probes: ENGINE_PROBES.map((probe) => probe.name), ...meta };
      await (write as (r: readonly RunResult[], o: { dir: string; meta: Omit<ReportMeta, 'run_id'> }) => unknown)(results, { dir, meta: with_probes });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === undefined) throw error;
      this.err(`error: could not write the reports into ${display_path(dir, this.deps.cwd)} (${code}); the results above are complete\n`);
      return false;
    }
    this.note(`reports written to ${display_path(dir, this.deps.cwd)}${meta.swarm?.complete === false ? ' (marked incomplete)' : ''}\n`);
    return true;
  }

  /** The lines for a failed run, with its failure file (bounded per command); a file that cannot be written is said. */
  private failure_text(
    failures: FailureFiles | undefined,
    scenario: Scenario,
    scenario_file: string,
    result: RunResult,
    job?: JobUnderTest,
    evidence = true,
  ): string {
    let failure_path: string | undefined;
    let write_error: string | undefined;
    if (failures !== undefined) {
      try {
        failure_path = failures.write(scenario, this.abs(scenario_file), result, job);
      } catch (error) {
        write_error = (error as NodeJS.ErrnoException).code ?? String(error);
      }
    }
    const replay = replay_command_for_seed(result.seed, this.abs(scenario_file), this.deps.cwd);
    const header = `FAILED ${clean(scenario.name)} (${this.shown(scenario_file)}) seed ${result.seed}\n`;
    let text = header + failure_lines(result, replay, failure_path && display_path(failure_path, this.deps.cwd), { evidence }).join('\n') + '\n';
    if (failure_path !== undefined) text += `  or: ${replay_command_for_file(failure_path, this.deps.cwd)}\n`;
    if (write_error !== undefined) text += `  (the failure file could not be written: ${write_error})\n`;
    return text;
  }

  private budget(flags: BudgetFlags): RunBudget {
    return parse_budget_flags(flags);
  }

  /** Progress lines for one long run: the first after RUN_PROGRESS_EVERY_MS, then as often. */
  private run_progress(label: string): ((progress: RunProgress) => void) | undefined {
    if (this.global.quiet === true) return undefined;
    let next_ms = RUN_PROGRESS_EVERY_MS;
    return (progress) => {
      if (progress.wall_ms < next_ms) return;
      next_ms = progress.wall_ms + RUN_PROGRESS_EVERY_MS;
      this.err(
        `${label}: ${progress.events.toLocaleString('en-US')} world events, virtual time ${(progress.virtual_ms / 1000).toFixed(1)} s, ` +
          `${format_clock(progress.wall_ms)} elapsed\n`,
      );
    };
  }

  /** Runs once, turning a run over its budget into bad input (exit 2) with what it reached. */
  private run_once(run: RunScenario, scenario: Scenario, options: Parameters<RunScenario>[1]): RunResult {
    try {
      return run(scenario, options);
    } catch (error) {
      if (error instanceof Error && error.name === 'RunBudgetExceeded') {
        throw new UsageError(`${clean(scenario.name)}: ${error.message}${budget_advice(error.message)}`);
      }
      throw error;
    }
  }

  async run(path: string, options: RunFlags): Promise<number> {
    const budget = this.budget(options);
    const { scenario, file, job } = await this.load(path);
    const seed = options.seed !== undefined ? parse_seed(options.seed) : (scenario.seeds?.[0] ?? 1);
    // Every output path is checked (and created) before the run, so a finished run is never lost to a bad path.
    const trace_path = options.trace === undefined ? undefined : prepare_trace_file(this.abs(options.trace), { flag: '--trace', shown: options.trace }, [{ path: this.abs(file), what: 'the scenario file' }]);
    const reports_dir = this.abs(options.reports ?? DEFAULT_REPORTS_DIR);
    if (options.reports !== undefined) {
      const label = { flag: '--reports', shown: options.reports };
      check_reports_spare(reports_dir, label, [{ path: this.abs(file), what: 'the scenario file being read' }, ...(trace_path === undefined ? [] : [{ path: trace_path, what: 'the trace (--trace)' }])]);
      prepare_output_dir(reports_dir, label);
    }
    check_output_dir_later(join(reports_dir, 'failures'), { flag: options.reports === undefined ? 'the failure directory' : '--reports', shown: display_path(join(reports_dir, 'failures'), this.deps.cwd) });
    const run = await this.runner();
    const on_progress = this.run_progress(`run: seed ${seed} of ${clean(scenario.name)}`);
    const result = this.run_once(run, scenario, { seed, scenario_file: file, job, budget, ...(trace_path !== undefined ? { trace_path } : {}), ...(on_progress ? { on_progress } : {}) });
    if (options.json === true) this.out(JSON.stringify(result, null, 2) + '\n');
    else this.out(await this.summary([result]));
    let reports_ok = true;
    if (options.reports !== undefined) reports_ok = await this.write_reports([result], reports_dir, { command: this.command_line() });
    if (trace_path !== undefined) this.note(`trace written to ${display_path(trace_path, this.deps.cwd)} (hash ${result.trace_hash})\n`);
    if (run_failed(result)) {
      this.err(this.failure_text(new FailureFiles(reports_dir, this.deps.cwd), scenario, file, result, job));
      return EXIT.violation;
    }
    return reports_ok ? EXIT.ok : EXIT.usage;
  }

  private argv: readonly string[] = [];
  set_argv(argv: readonly string[]): void {
    this.argv = argv;
  }
  private command_line(): string {
    return ['npx streamsim', ...this.argv.map((a) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`))].join(' ');
  }

  async replay(first: string, second: string | undefined, options: ReplayFlags): Promise<number> {
    const budget = this.budget(options);
    let scenario: Scenario;
    let scenario_file: string;
    let seed: number;
    let expected_hash = options.expectHash === undefined ? undefined : parse_expected_hash(options.expectHash);
    let source: string;
    let input: InputFile;
    let job: JobUnderTest;
    /** Why a replay may not reproduce: the job's code changed since the failure file was written. */
    let changed_code: string | undefined;
    if (second !== undefined) {
      // The original order: replay <seed> <scenario>.
      if (options.seed !== undefined) throw new UsageError('give the seed once: replay <scenario> --seed <n> (or replay <seed> <scenario>)');
      seed = parse_seed(first, 'replay <seed>');
      ({ scenario, file: scenario_file, job } = await this.load(second));
      source = 'a second run';
      input = { path: this.abs(second), what: 'the scenario file' };
    } else if (options.seed !== undefined) {
      // Like run: replay <scenario> --seed <n>.
      seed = parse_seed(options.seed);
      ({ scenario, file: scenario_file, job } = await this.load(first));
      source = 'a second run';
      input = { path: this.abs(first), what: 'the scenario file' };
    } else {
      if (/^[0-9]+$/.test(first)) throw new UsageError('replay <seed> needs a scenario file too: replay <scenario> --seed <n>, or replay <seed> <scenario>');
      if (['.yaml', '.yml'].includes(extname(first).toLowerCase())) {
        throw new UsageError(`${first}: a scenario file needs a seed: replay ${first} --seed <n> (or give a failure file written by a failing run)`);
      }
      const { read_failure_file } = await import('./failure-file.js');
      const failure = read_failure_file(this.abs(first), first);
      scenario = failure.scenario;
      scenario_file = failure.scenario_file;
      seed = failure.seed;
      expected_hash = expected_hash ?? failure.trace_hash;
      source = `the failure file ${this.shown(first)}`;
      input = { path: this.abs(first), what: 'the failure file' };
      // A job from a module is loaded from where the failure file says the scenario was.
      const scenario_dir = resolve(dirname(this.abs(first)), failure.job?.scenario_dir ?? '.');
      const [{ load_job }, { format_scenario_errors }] = await Promise.all([import('../scenarios/job-module.js'), import('../scenarios/load.js')]);
      const loaded = await load_job(scenario, scenario_dir, `${this.shown(first)} (embedded scenario)`);
      if (!loaded.ok) throw new UsageError(`cannot load the failure's job:\n${format_scenario_errors(loaded.errors)}`);
      job = loaded.job;
      const now = job.source?.source_sha256;
      if (failure.job !== undefined && now !== undefined && now !== failure.job.source_sha256) {
        changed_code = `the job's code (${display_path(job.source!.path, this.deps.cwd)} and the local modules it imports) changed since the failure: source sha256 ${failure.job.source_sha256.slice(0, 12)} then, ${now.slice(0, 12)} now`;
        this.err(`note: ${changed_code}\n`);
      }
    }
    const trace_path = options.trace === undefined ? undefined : prepare_trace_file(this.abs(options.trace), { flag: '--trace', shown: options.trace }, [input]);
    if (options.reports !== undefined) {
      const files = [{ ...input, what: `${input.what} being read` }, ...(trace_path === undefined ? [] : [{ path: trace_path, what: 'the trace (--trace)' }])];
      check_reports_spare(this.abs(options.reports), { flag: '--reports', shown: options.reports }, files);
    }
    const reports_dir = options.reports === undefined ? undefined : prepare_output_dir(this.abs(options.reports), { flag: '--reports', shown: options.reports });
    const run = await this.runner();
    const on_progress = this.run_progress(`replay: seed ${seed} of ${clean(scenario.name)}`);
    const result = this.run_once(run, scenario, { seed, scenario_file, job, budget, ...(trace_path !== undefined ? { trace_path } : {}), ...(on_progress ? { on_progress } : {}) });
    if (expected_hash === undefined) {
      // No recorded hash to compare with: determinism checks itself by running the same seed again.
      expected_hash = this.run_once(run, scenario, { seed, scenario_file, job, budget }).trace_hash;
    }
    const reproduced = result.trace_hash === expected_hash || (expected_hash.length < result.trace_hash.length && result.trace_hash.startsWith(expected_hash));
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
    let reports_ok = true;
    if (reports_dir !== undefined) reports_ok = await this.write_reports([result], reports_dir, { command: this.command_line() });
    if (trace_path !== undefined) this.note(`trace written to ${display_path(trace_path, this.deps.cwd)}\n`);
    if (run_failed(result)) {
      this.err(failure_lines(result, replay_command_for_seed(seed, this.abs(scenario_file), this.deps.cwd)).join('\n') + '\n');
    }
    if (!reproduced || run_failed(result)) return EXIT.violation;
    return reports_ok ? EXIT.ok : EXIT.usage;
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

  /** Loads every file; a bad one is reported at once and left out, so the others still run. */
  private async load_all(files: readonly string[]): Promise<{ loaded: PoolScenario[]; problems: InputProblem[] }> {
    const problems: InputProblem[] = [];
    const loaded: PoolScenario[] = [];
    for (const file of files) {
      try {
        const { scenario, job } = await this.load(file);
        loaded.push({ scenario, scenario_file: file, scenario_dir: dirname(this.abs(file)), job });
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        problems.push({ file, message: error.message });
        this.err(`error: ${error.message}\n  (this scenario is left out; the others run)\n`);
      }
    }
    return { loaded, problems };
  }

  /** Checks --reports and the failure directory before anything runs; returns both. */
  private prepare_reports(reports: string | undefined, scenario_files: readonly string[]): { reports_dir: string; failures: FailureFiles } {
    const reports_dir = this.abs(reports ?? DEFAULT_REPORTS_DIR);
    if (reports !== undefined) {
      const label = { flag: '--reports', shown: reports };
      check_reports_spare(reports_dir, label, scenario_files.map((file) => ({ path: this.abs(file), what: `the scenario file ${this.shown(file)}` })));
      prepare_output_dir(reports_dir, label);
    }
    const failures_dir = join(reports_dir, 'failures');
    check_output_dir_later(failures_dir, { flag: reports === undefined ? 'the failure directory' : '--reports', shown: display_path(failures_dir, this.deps.cwd) });
    return { reports_dir, failures: new FailureFiles(reports_dir, this.deps.cwd) };
  }

  /** A swarm or catalogue run with progress, failures as they happen and an early stop that keeps every result. */
  private async session(
    label: string,
    scenarios: PoolScenario[],
    jobs: SwarmJob[],
    workers: number,
    failures: FailureFiles,
    flags: BudgetFlags & { failFast?: boolean; timeBudget?: string },
  ): Promise<SessionOutcome> {
    const budget = this.budget(flags);
    const time_budget_ms = flags.timeBudget === undefined ? undefined : parse_time_budget(flags.timeBudget);
    for (const entry of scenarios) failures.register(entry.scenario.name, this.abs(entry.scenario_file));
    let listed = 0;
    let written = 0;
    return run_session({
      label,
      scenarios,
      jobs,
      workers,
      runner_module: this.runner_module,
      ...(this.deps.runner !== undefined ? { runner: this.deps.runner } : {}),
      budget,
      fail_fast: flags.failFast === true,
      ...(time_budget_ms !== undefined ? { time_budget_ms } : {}),
      stderr: this.deps.stderr,
      show_progress: this.global.quiet !== true,
      ...(this.deps.on_interrupt !== undefined ? { on_interrupt: this.deps.on_interrupt } : {}),
      on_failure: (entry, result) => {
        if (listed >= MAX_LISTED_FAILURES) {
          if (listed++ === MAX_LISTED_FAILURES) return `… more failures: the summary counts them, --reports has every one\n`;
          return '';
        }
        listed++;
        // One line per violation in a swarm; `replay` of the failure file shows the whole evidence.
        return this.failure_text(written++ < MAX_FAILURE_FILES ? failures : undefined, entry.scenario, entry.scenario_file, result, entry.job, false);
      },
      on_problem: (entry, job, failure) => this.problem_text(entry, job, failure),
    });
  }

  private problem_text(entry: PoolScenario, job: SwarmJob, failure: JobFailure): string {
    const what = `${clean(entry.scenario.name)} (${this.shown(entry.scenario_file)}) seed ${job.seed}`;
    if (failure.kind === 'budget') {
      return `OVER BUDGET ${what}: ${failure.message}${budget_advice(failure.message).replace(/^; /, '\n  ')}\n`;
    }
    return `INTERNAL ERROR ${what} (a bug in streamsim, please report it):\n${failure.stack ?? failure.message}\n  replay: ${replay_command_for_seed(job.seed, this.abs(entry.scenario_file), this.deps.cwd)}\n`;
  }

  /** The exit code of a swarm or catalogue: interrupted 130, then a bug 3, a violation 1, bad input or budget 2. */
  private session_exit(outcome: SessionOutcome, input_problems: number, reports_ok: boolean): number {
    if (outcome.stopped === 'interrupted') return EXIT_INTERRUPTED;
    if (outcome.problems.some((problem) => problem.failure.kind === 'internal')) return EXIT.internal;
    if (outcome.failed > 0) return EXIT.violation;
    if (input_problems > 0 || outcome.problems.length > 0 || !reports_ok) return EXIT.usage;
    return EXIT.ok;
  }

  private stop_note(label: string, outcome: SessionOutcome): void {
    const finished = outcome.results.length + outcome.problems.length;
    const why: Record<SwarmStop, string> = {
      interrupted: 'interrupted (Ctrl-C)',
      fail_fast: 'stopped at the first failure (--fail-fast)',
      time_budget: 'stopped: the time budget ran out (--time-budget)',
    };
    if (outcome.stopped !== undefined) {
      this.err(`${label}: ${why[outcome.stopped]} after ${finished} of ${outcome.runs_planned} runs; this summary and the reports cover the runs that finished\n`);
    }
  }

  async swarm(target: string, options: SwarmFlags): Promise<number> {
    const seed_count = parse_count(options.seeds, '--seeds');
    const first_seed = options.firstSeed !== undefined ? parse_seed(options.firstSeed, '--first-seed') : 1;
    const workers = options.workers !== undefined ? parse_count(options.workers, '--workers', 1, 256) : default_worker_count();
    const shard: Shard = options.shard !== undefined ? parse_shard(options.shard) : { index: 1, count: 1 };
    const seeds = seeds_of_shard(first_seed, seed_count, shard);
    this.budget(options);
    if (options.timeBudget !== undefined) parse_time_budget(options.timeBudget);
    const files = this.scenario_files(target);
    const { reports_dir, failures } = this.prepare_reports(options.reports, files);
    const { loaded: scenarios, problems: input_problems } = await this.load_all(files);
    if (scenarios.length === 0) throw new UsageError(`${target}: no scenario could be used (${input_problems.length} bad file(s) above)`);
    const jobs: SwarmJob[] = scenarios.flatMap((_, scenario_index) => seeds.map((seed) => ({ scenario_index, seed })));
    const range = shard_seed_range(first_seed, seed_count, shard);
    if (seeds.length === 0) {
      this.err(
        `swarm: shard ${shard.index}/${shard.count} of ${seed_count} seed(s) has no seeds to run (more shards than seeds); ` +
          'nothing ran, and its report (with --reports) says so for merge\n',
      );
    } else {
      this.note(
        `swarm: ${scenarios.length} scenario(s) × ${seeds.length} seed(s) [${seeds[0]}..${seeds[seeds.length - 1]}]` +
          ` (shard ${shard.index}/${shard.count}) on ${Math.min(workers, Math.max(jobs.length, 1))} worker(s)\n`,
      );
    }
    const outcome = await this.session('swarm', scenarios, jobs, workers, failures, options);
    const { results } = outcome;
    this.stop_note('swarm', outcome);
    if (options.json !== true) {
      // A row per run reads well for a few runs; a big swarm gets a row per scenario (--reports has every run).
      this.out(results.length <= MAX_SUMMARY_RUN_ROWS ? await this.summary(results) : scenario_table(scenarios, outcome.result_jobs, results));
    }
    const swarm_meta: SwarmMeta = {
      first_seed,
      seed_count,
      shard_index: shard.index,
      shard_count: shard.count,
      seeds_start: range.start,
      seeds_end: range.end,
      scenarios: scenarios.map((entry) => entry.scenario.name),
      runs_planned: jobs.length,
      runs_done: results.length,
      complete: outcome.stopped === undefined && outcome.problems.length === 0,
      ...(outcome.stopped !== undefined ? { stopped: outcome.stopped } : {}),
    };
    const failure_list = this.failure_list(scenarios, outcome);
    if (options.shrink === true) await this.shrink_failures(scenarios, outcome, reports_dir, options.shrinkBudget);
    if (options.json === true) {
      this.out(
        JSON.stringify(
          {
            format: 'streamsim-swarm',
            version: 1,
            first_seed,
            seed_count,
            shard,
            runs: results.length,
            runs_planned: jobs.length,
            complete: swarm_meta.complete,
            ...(outcome.stopped !== undefined ? { stopped: outcome.stopped } : {}),
            failures: failure_list,
            input_errors: input_problems,
            run_errors: outcome.problems.map((p) => ({ scenario: p.entry.scenario.name, seed: p.job.seed, kind: p.failure.kind, message: p.failure.message })),
            results,
          },
          null,
          2,
        ) + '\n',
      );
    }
    let reports_ok = true;
    if (options.reports !== undefined) reports_ok = await this.write_reports(results, reports_dir, { command: this.command_line(), swarm: swarm_meta });
    this.err(this.session_line('swarm', outcome, input_problems.length) + '\n');
    return this.session_exit(outcome, input_problems.length, reports_ok);
  }

  async shrink(file: string, options: ShrinkCommandOptions): Promise<number> {
    return run_shrink_command(this.deps, await this.runner(), file, options, (path) => this.abs(path));
  }

  /** --shrink: each run that failed with a violation (at most MAX_SHRUNK_FAILURES) shrunk within its budget; its shrunk file written. */
  private async shrink_failures(scenarios: readonly PoolScenario[], outcome: SessionOutcome, reports_dir: string, budget: string | undefined): Promise<void> {
    const budget_s = parse_count(budget ?? '60', '--shrink-budget', 1, 3600);
    const run = await this.runner();
    let shrunk = 0;
    for (const [index, result] of outcome.results.entries()) {
      const entry = scenarios[outcome.result_jobs[index]?.scenario_index ?? -1];
      if (entry === undefined || result.violations.length === 0 || shrunk >= MAX_SHRUNK_FAILURES) continue;
      shrunk++;
      const written = shrink_and_write(run, entry.scenario, result.seed, {
        reports_dir,
        cwd: this.deps.cwd,
        scenario_file: entry.scenario_file,
        ...(entry.job !== undefined ? { job: entry.job } : {}),
        budget_ms: budget_s * 1000,
      });
      if (written === undefined) continue;
      const { outcome: shrink, path } = written;
      this.err(
        `shrunk ${clean(entry.scenario.name)} seed ${result.seed}: ${shrink.faults_before} → ${shrink.faults_after} fault(s), still ${shrink.property} (${shrink.runs} runs)\n` +
          `  replay: ${replay_command_for_file(path, this.deps.cwd)}\n`,
      );
    }
  }

  private failure_list(scenarios: readonly PoolScenario[], outcome: SessionOutcome) {
    const list: { scenario: string; seed: number; trace_hash: string; replay_command: string }[] = [];
    outcome.results.forEach((result, index) => {
      const entry = scenarios[outcome.result_jobs[index]?.scenario_index ?? -1];
      if (entry === undefined || !run_failed(result)) return;
      list.push({
        scenario: entry.scenario.name,
        seed: result.seed,
        trace_hash: result.trace_hash,
        replay_command: replay_command_for_seed(result.seed, this.abs(entry.scenario_file), this.deps.cwd),
      });
    });
    return list;
  }

  private session_line(label: string, outcome: SessionOutcome, input_problems: number): string {
    const parts = [`${label}: ${outcome.results.length} runs, ${outcome.failed} failed`];
    const internal = outcome.problems.filter((p) => p.failure.kind === 'internal').length;
    const over = outcome.problems.length - internal;
    if (internal > 0) parts.push(`${internal} internal error(s)`);
    if (over > 0) parts.push(`${over} over budget`);
    if (input_problems > 0) parts.push(`${input_problems} bad scenario file(s) left out`);
    if (outcome.stopped !== undefined) parts.push(`incomplete: ${outcome.results.length + outcome.problems.length} of ${outcome.runs_planned} runs finished`);
    return `${parts.join(', ')} in ${format_clock(outcome.elapsed_ms)}`;
  }

  async catalogue(options: CatalogueFlags): Promise<number> {
    const per_scenario = options.seedsPerScenario !== undefined ? parse_count(options.seedsPerScenario, '--seeds-per-scenario', 1, 1000) : undefined;
    const workers = options.workers !== undefined ? parse_count(options.workers, '--workers', 1, 256) : default_worker_count();
    this.budget(options);
    if (options.timeBudget !== undefined) parse_time_budget(options.timeBudget);
    const dir = this.deps.catalogue_dir ?? CATALOGUE_DIR;
    const files = this.scenario_files(dir);
    const { reports_dir, failures } = this.prepare_reports(options.reports, files);
    const { loaded: scenarios, problems: input_problems } = await this.load_all(files);
    const jobs: SwarmJob[] = [];
    scenarios.forEach(({ scenario }, scenario_index) => {
      const defaults = scenario.seeds ?? [1, 2, 3];
      const seeds = per_scenario === undefined ? [...defaults] : defaults.slice(0, per_scenario);
      let next = Math.max(...defaults) + 1;
      while (per_scenario !== undefined && seeds.length < per_scenario) seeds.push(next++);
      for (const seed of seeds) jobs.push({ scenario_index, seed });
    });
    const outcome = await this.session('catalogue', scenarios, jobs, workers, failures, options);
    this.stop_note('catalogue', outcome);
    if (options.json === true) {
      this.out(JSON.stringify({ format: 'streamsim-catalogue', version: 1, complete: outcome.stopped === undefined, results: outcome.results }, null, 2) + '\n');
    } else {
      this.out(scenario_table(scenarios, outcome.result_jobs, outcome.results));
    }
    if (options.shrink === true) await this.shrink_failures(scenarios, outcome, reports_dir, options.shrinkBudget);
    let reports_ok = true;
    if (options.reports !== undefined) reports_ok = await this.write_reports(outcome.results, reports_dir, { command: this.command_line() });
    this.err(`catalogue: ${scenarios.length} scenarios, ${this.session_line('catalogue', outcome, input_problems.length).replace(/^catalogue: /, '').replace(/ failed/, ' not as expected')}\n`);
    return this.session_exit(outcome, input_problems.length, reports_ok);
  }

  /** Merges the report.json files of a sharded swarm into one report (JSON, JUnit, HTML) in `out`. */
  async merge(files: readonly string[], options: { out: string; json?: boolean }): Promise<number> {
    const { merge_report_files } = await import('./merge-command.js');
    const merged = merge_report_files(files, options.out, this.deps.cwd, this.command_line());
    const { results } = merged;
    if (options.json === true) {
      this.out(JSON.stringify(merged.summary, null, 2) + '\n');
    } else {
      this.out(results.length <= MAX_SUMMARY_RUN_ROWS ? await this.summary(results) : '');
    }
    const failed = results.filter(run_failed);
    for (const line of merged.failure_lines.slice(0, MAX_LISTED_FAILURES)) this.err(line);
    if (failed.length > MAX_LISTED_FAILURES) this.err(`… and ${failed.length - MAX_LISTED_FAILURES} more failures\n`);
    for (const shard of merged.incomplete_shards) this.err(`incomplete: ${shard} (the merged report is marked incomplete)\n`);
    const scenarios = new Set(results.map((result) => result.scenario.name)).size;
    this.err(
      `merge: ${files.length} report(s), ${results.length} runs of ${scenarios} scenario(s), ${failed.length} failed` +
        (merged.duplicate_runs > 0 ? `, ${merged.duplicate_runs} run(s) found twice (identical, kept once)` : '') +
        `; reports written to ${display_path(merged.dir, this.deps.cwd)}\n`,
    );
    return failed.length === 0 ? EXIT.ok : EXIT.violation;
  }

  /** Validates scenario files (or directories of them) without running anything. */
  async validate(targets: readonly string[], options: { json?: boolean }): Promise<number> {
    const entries: { file: string; ok: boolean; scenario?: string; error?: string }[] = [];
    for (const target of targets) {
      let files: string[];
      try {
        files = this.scenario_files(target);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        entries.push({ file: target, ok: false, error: error.message });
        continue;
      }
      for (const file of files) {
        try {
          const { scenario } = await this.load(file);
          entries.push({ file: this.shown(file), ok: true, scenario: scenario.name });
        } catch (error) {
          if (!(error instanceof UsageError)) throw error;
          entries.push({ file: this.shown(file), ok: false, error: error.message });
        }
      }
    }
    const bad = entries.filter((entry) => !entry.ok);
    if (options.json === true) {
      this.out(JSON.stringify({ format: 'streamsim-validate', version: 1, ok: bad.length === 0, files: entries }, null, 2) + '\n');
    } else {
      for (const entry of entries) if (entry.ok) this.out(`ok  ${entry.file}  (${clean(entry.scenario ?? '')})\n`);
      for (const entry of bad) this.err(`error: ${entry.error ?? ''}\n`);
    }
    return bad.length === 0 ? EXIT.ok : EXIT.usage;
  }

  async explore(trace: string, options: { diff?: string; print?: boolean; query?: string; json?: boolean; limit?: string }): Promise<number> {
    for (const path of [trace, ...(options.diff !== undefined ? [options.diff] : [])]) {
      if (!existsSync(this.abs(path))) throw new UsageError(`${path}: trace file not found`);
      if (!statSync(this.abs(path)).isFile()) throw new UsageError(`${path}: is a directory, not a trace file`);
    }
    if (options.json === true && options.query === undefined) throw new UsageError('--json goes with --query (raw JSON lines of the matching events)');
    if (options.limit !== undefined && options.query === undefined) throw new UsageError('--limit goes with --query');
    const limit = options.limit === undefined ? undefined : parse_count(options.limit, '--limit', 1, 10_000_000);
    const text_mode = options.print === true || options.query !== undefined;
    if (!text_mode) {
      const { force_interactive_rendering } = await import('../reports/explorer/interactive-mode.js');
      force_interactive_rendering();
    }
    const explorer = await import_optional(this.deps.explorer_module ?? EXPLORER_MODULE);
    const run_explorer = explorer?.['run_explorer'];
    if (typeof run_explorer !== 'function') {
      throw new MissingComponentError('the trace explorer (reports/explorer/index.ts, export run_explorer) is not in this checkout yet');
    }
    const code = await (run_explorer as (o: Record<string, unknown>) => unknown)({
      trace_path: this.abs(trace),
      ...(options.diff !== undefined ? { diff_path: this.abs(options.diff) } : {}),
      ...(options.print === true ? { print: true } : {}),
      ...(options.query !== undefined ? { query: options.query } : {}),
      ...(options.json === true ? { json: true } : {}),
      ...(limit !== undefined ? { limit } : {}),
      ...(text_mode ? { text_out: this.deps.stdout, labels: [this.shown(trace), options.diff === undefined ? undefined : this.shown(options.diff)] } : {}),
      // Why a trace cannot be opened goes where the CLI's own errors go.
      stderr: this.deps.stderr,
    });
    return typeof code === 'number' ? code : EXIT.ok;
  }

  async bench(options: { only?: string; runs?: string }): Promise<number> {
    const runs = options.runs === undefined ? undefined : parse_count(options.runs, '--runs', 1, 99);
    const script = join(BENCH_DIR, 'run.ts');
    if (!existsSync(script)) throw new MissingComponentError('bench/run.ts is not in this checkout yet');
    if (options.only !== undefined) {
      const areas = readdirSync(BENCH_DIR)
        .filter((name) => name.endsWith('.bench.ts'))
        .map((name) => name.replace(/\.bench\.ts$/, ''))
        .sort();
      if (!areas.includes(options.only)) {
        throw new UsageError(`--only: no benchmark area ${JSON.stringify(options.only)}; the areas are ${areas.join(', ')}`);
      }
    }
    const tsx = import.meta.resolve('tsx');
    const args = ['--import', tsx, script, ...(options.only !== undefined ? ['--only', options.only] : []), ...(runs !== undefined ? ['--runs', String(runs)] : [])];
    return new Promise<number>((resolve_exit, reject) => {
      const child = spawn(process.execPath, args, { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => this.out(chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => this.err(chunk.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => resolve_exit(code ?? EXIT.internal));
    });
  }

  completion(shell: string, program: Command): number {
    if (!(COMPLETION_SHELLS as readonly string[]).includes(shell)) {
      throw new UsageError(`completion: expected one of ${COMPLETION_SHELLS.join(', ')}, got ${JSON.stringify(shell)}`);
    }
    this.out(completion_script(program, shell as CompletionShell));
    return EXIT.ok;
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

const BUDGET_HELP = {
  events: 'stop a run after this many world events (default 100000000; 0 = no limit)',
  time: 'stop a run after this much wall-clock time, e.g. 10min, 90s (default 10 min; 0 = no limit)',
};

function add_budget_options(command: Command): Command {
  return command.option('--max-events <n>', BUDGET_HELP.events).option('--max-run-time <duration>', BUDGET_HELP.time);
}

function build_program(cli: Cli, deps: CliDeps, set_exit: (code: number) => void): Command {
  const program = new Command('streamsim');
  program
    .description('A Flink-style stream processor inside a deterministic simulated world: run scenarios, replay seeds, swarm, explore traces.')
    .version(package_version(), '-V, --version', 'print the version')
    .option('-q, --quiet', 'print only results, failures and errors (no progress or notes)')
    .option('--no-color', 'no colours (also: NO_COLOR=1; FORCE_COLOR=1 forces them)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .hook('preAction', () => {
      cli.global = program.opts<GlobalFlags>();
    })
    .addHelpText(
      'after',
      '\nExit codes: 0 every property held (or the expected violation happened), 1 a property was violated,\n' +
        '2 bad input (file, field, flag, output path, or a run over its budget), 3 internal error (a bug),\n' +
        '130 interrupted (Ctrl-C; the partial summary and reports are written).',
    );

  add_budget_options(
    program
      .command('run')
      .description('Run one scenario at one seed and check its properties.')
      .argument('<scenario>', 'scenario file (.yaml, .yml or .json)')
      .option('--seed <n>', "seed (default: the scenario's first default seed)")
      .option('--trace <file>', 'write the JSONL trace of the run to this file')
      .option('--json', 'print the RunResult as JSON on stdout')
      .option('--reports <dir>', 'write reports (and failure files) into this directory'),
  )
    .addHelpText('after', '\nExample:\n  npx streamsim run scenarios/catalogue/tm-crash-mid-checkpoint.yaml --seed 7 --trace t.jsonl')
    .action(async (scenario: string, options: RunFlags) => set_exit(await cli.run(scenario, options)));

  add_budget_options(
    program
      .command('replay')
      .description('Replay a seed exactly and say whether it reproduced the same trace hash.')
      .argument('<scenario-or-failure-file>', 'a scenario file (with --seed), or a failure file written by a failing run')
      .argument('[scenario]', 'the scenario file, after a seed (the older form: replay <seed> <scenario>)')
      .option('--seed <n>', 'the seed to replay (with a scenario file)')
      .option('--trace <file>', 'write the JSONL trace of the replay to this file')
      .option('--expect-hash <hash>', 'the trace hash the replay must reproduce (its first 12 or more hex digits)')
      .option('--json', 'print the result as JSON on stdout')
      .option('--reports <dir>', 'write reports of the replayed run into this directory'),
  )
    .addHelpText(
      'after',
      '\nExamples:\n  npx streamsim replay scenarios/catalogue/tm-crash-mid-checkpoint.yaml --seed 7\n' +
        '  npx streamsim replay streamsim-reports/failures/tm-crash-mid-checkpoint-seed-7.json --trace t.jsonl\n' +
        '  npx streamsim replay 7 scenarios/catalogue/tm-crash-mid-checkpoint.yaml   (the older order still works)',
    )
    .action(async (first: string, second: string | undefined, options: ReplayFlags) => set_exit(await cli.replay(first, second, options)));

  add_budget_options(
    program
      .command('swarm')
      .description('Run many seeds of one scenario, or of every scenario in a directory, on worker threads.')
      .argument('<scenario-or-dir>', 'a scenario file or a directory of them')
      .requiredOption('--seeds <n>', 'how many seeds')
      .option('--first-seed <s>', 'first seed of the range', '1')
      .option('--workers <k>', 'worker threads (default: every core)')
      .option('--shard <i/n>', 'run only shard i of n (contiguous blocks of the seed range)')
      .option('--fail-fast', 'stop at the first failed run')
      .option('--time-budget <duration>', 'stop starting runs after this long, e.g. 30min; the report covers what finished')
      .option('--json', 'print the swarm result as JSON on stdout')
      .option('--reports <dir>', 'write reports (and failure files) into this directory')
      .option('--shrink', 'shrink each failing run (up to 10) to its minimal fault plan and write a shrunk failure file')
      .option('--shrink-budget <s>', 'seconds of shrinking per failure (default 60)'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  npx streamsim swarm scenarios/catalogue --seeds 200 --shard 1/4 --reports out/shard-1\n' +
        'Progress goes to stderr (a bar on a terminal, a line per tenth otherwise); failures are printed as they happen.\n' +
        'Ctrl-C stops the swarm and still writes the summary and the reports (marked incomplete).',
    )
    .action(async (target: string, options: SwarmFlags) => set_exit(await cli.swarm(target, options)));

  program
    .command('merge')
    .description('Merge the report.json files of swarm shards into one report (report.json, junit.xml, report.html).')
    .argument('<report...>', 'report.json files written by `swarm --shard i/n --reports DIR`')
    .requiredOption('--out <dir>', 'directory for the merged reports')
    .option('--json', 'print a summary of the merge as JSON on stdout')
    .addHelpText(
      'after',
      '\nExample:\n  npx streamsim merge shard-1/report.json shard-2/report.json --out merged\n' +
        'Every shard of the swarm must be there: a missing one is named and the merge refused (exit 2).\n' +
        'The merged report equals the report of the same swarm run unsharded (same runs, order and run id).\n' +
        'Exit code 1 when any merged run failed.',
    )
    .action(async (files: string[], options: { out: string; json?: boolean }) => set_exit(await cli.merge(files, options)));

  program
    .command('validate')
    .description('Check scenario files against the schema and the semantic rules, without running them.')
    .argument('<scenario-or-dir...>', 'scenario files or directories of them')
    .option('--json', 'print one entry per file as JSON on stdout')
    .action(async (targets: string[], options: { json?: boolean }) => set_exit(await cli.validate(targets, options)));

  program
    .command('explore')
    .description('Explore a trace in the terminal UI (it opens at the first violation), optionally side by side with another.')
    .argument('<trace>', 'a JSONL trace written with --trace')
    .option('--diff <other>', 'a second trace to compare with')
    .option('--print', 'no UI: print a digest (violations, what preceded them, suspicious events, faults, recoveries); with --diff, where the traces differ')
    .option('--query <expr>', 'no UI: print the events matching EXPR, e.g. "suspicious", "event=sink.*", "txn_id=input-sink-0-4 time=5000..", "node=tm-1 !kind=send"')
    .option('--json', 'with --query: the matching events as raw JSON lines')
    .option('--limit <n>', 'with --query: at most n events')
    .addHelpText(
      'after',
      '\nExamples:\n  npx streamsim explore t.jsonl\n  npx streamsim explore t.jsonl --print\n  npx streamsim explore t.jsonl --query "violation"\n' +
        '  npx streamsim explore a.jsonl --diff b.jsonl --print',
    )
    .action(async (trace: string, options: Parameters<Cli['explore']>[1]) => set_exit(await cli.explore(trace, options)));

  program
    .command('bench')
    .description('Run the benchmarks (bench/*.bench.ts), each part several times in fresh processes, and write bench/results.json (each figure with its range).')
    .option('--only <area>', 'run only bench/<area>.bench.ts')
    .option('--runs <n>', 'fresh processes per figure (default 3)')
    .action(async (options: { only?: string; runs?: string }) => set_exit(await cli.bench(options)));

  add_budget_options(
    program
      .command('catalogue')
      .description('Run every scenario of scenarios/catalogue on its default seeds and print a table (what `npm start` runs).')
      .addOption(new Option('--seeds-per-scenario <n>', 'seeds per scenario (default: its own default seeds)'))
      .option('--workers <k>', 'worker threads (default: every core)')
      .option('--fail-fast', 'stop at the first run that is not as expected')
      .option('--time-budget <duration>', 'stop starting runs after this long, e.g. 10min')
      .option('--json', 'print every RunResult as JSON on stdout')
      .option('--reports <dir>', 'write reports (and failure files) into this directory')
      .option('--shrink', 'shrink each run that fails (up to 10) to its minimal fault plan')
      .option('--shrink-budget <s>', 'seconds of shrinking per failure (default 60)'),
  ).action(async (options: CatalogueFlags) => set_exit(await cli.catalogue(options)));

  program
    .command('shrink')
    .description('Shrink a failure to the fewest, earliest, shortest faults that still violate the same property.')
    .argument('<failure-file>', 'a failure file written by run, swarm, catalogue or the property tests')
    .option('--property <name>', 'the property that must keep failing (default: the first one violated)')
    .option('--max-runs <n>', 'bound on runs while shrinking (default 400)')
    .option('--budget <s>', 'bound on seconds spent shrinking')
    .option('--reports <dir>', 'where to write the shrunk failure file (default: beside the given one)')
    .option('--json', 'print the shrunk plan as JSON on stdout')
    .addHelpText(
      'after',
      '\nExample:\n  npx streamsim shrink streamsim-reports/failures/swarm-everything-on-seed-27.json\n' +
        'Exit code 1 with the shrunk failure file written; 0 when the run no longer fails.',
    )
    .action(async (file: string, options: ShrinkCommandOptions) => set_exit(await cli.shrink(file, options)));

  program
    .command('completion')
    .description('Print a shell completion script (bash, zsh or fish).')
    .argument('<shell>', COMPLETION_SHELLS.join(', '))
    .addHelpText('after', '\nExamples:\n  eval "$(npx streamsim completion bash)"\n  npx streamsim completion fish | source')
    .action((shell: string) => set_exit(cli.completion(shell, program)));

  return program;
}

/** The whole CLI as a function: parses argv (without node and script), runs the command, returns the exit code. */
export async function run_cli(argv: readonly string[], deps: CliDeps): Promise<number> {
  const cli = new Cli(deps);
  cli.set_argv(argv);
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

/** Ctrl-C for the real process: the first stops a swarm gracefully; a second one exits at once. */
function process_interrupts(): InterruptSource {
  return (handler) => {
    let count = 0;
    const on_signal = (): void => {
      count++;
      if (count > 1) {
        process.stderr.write('\ninterrupted again: exiting without a summary\n');
        process.exit(EXIT_INTERRUPTED);
      }
      process.stderr.write('\ninterrupting: finishing the summary and reports (Ctrl-C again to exit at once)\n');
      handler();
    };
    process.on('SIGINT', on_signal);
    return () => process.off('SIGINT', on_signal);
  };
}

export function process_deps(): CliDeps {
  return { cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr, env: process.env, on_interrupt: process_interrupts() };
}
