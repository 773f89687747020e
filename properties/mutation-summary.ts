// Condenses Stryker's full JSON reports (reports-out/mutation/*.json, not committed) into the small mutation-score
// file kept in the repo: the score overall, per area (folder) and per file, computed as Stryker does. Several reports
// (e.g. one per area when the run is split) merge; a file in more than one counts from the last report naming it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

interface StrykerMutant {
  status: string;
}
interface StrykerReport {
  files: Record<string, { mutants: StrykerMutant[] }>;
}
interface ScoreCounts {
  killed: number;
  timeout: number;
  survived: number;
  no_coverage: number;
}

const args = process.argv.slice(2);
const out_flag = args.indexOf('--out');
const summary_path = out_flag >= 0 ? (args[out_flag + 1] ?? '') : 'properties/mutation-score.json';
const report_paths = args.filter((_, i) => out_flag < 0 || (i !== out_flag && i !== out_flag + 1));
if (report_paths.length === 0) report_paths.push('reports-out/mutation/mutation-report.json');

function score_percent(counts: ScoreCounts): number {
  const detected = counts.killed + counts.timeout;
  const valid = detected + counts.survived + counts.no_coverage;
  return valid === 0 ? 0 : Math.round((detected / valid) * 10_000) / 100;
}

function count(mutants: StrykerMutant[]): ScoreCounts {
  const counts: ScoreCounts = { killed: 0, timeout: 0, survived: 0, no_coverage: 0 };
  for (const mutant of mutants) {
    if (mutant.status === 'Killed') counts.killed += 1;
    else if (mutant.status === 'Timeout') counts.timeout += 1;
    else if (mutant.status === 'Survived') counts.survived += 1;
    else if (mutant.status === 'NoCoverage') counts.no_coverage += 1;
  }
  return counts;
}

function sum(rows: ScoreCounts[]): ScoreCounts {
  return rows.reduce<ScoreCounts>(
    (total, row) => ({
      killed: total.killed + row.killed,
      timeout: total.timeout + row.timeout,
      survived: total.survived + row.survived,
      no_coverage: total.no_coverage + row.no_coverage,
    }),
    { killed: 0, timeout: 0, survived: 0, no_coverage: 0 },
  );
}

const mutants_by_file = new Map<string, StrykerMutant[]>();
for (const path of report_paths) {
  const report = JSON.parse(readFileSync(path, 'utf8')) as StrykerReport;
  for (const [file, result] of Object.entries(report.files)) mutants_by_file.set(file, result.mutants);
}
const files = [...mutants_by_file.keys()].sort().map((path) => {
  const counts = count(mutants_by_file.get(path) ?? []);
  return { path, score_percent: score_percent(counts), ...counts };
});
const areas = [...new Set(files.map((file) => dirname(file.path)))].sort().map((area) => {
  const counts = sum(files.filter((file) => dirname(file.path) === area));
  return { area, score_percent: score_percent(counts), ...counts };
});
const totals = sum(files);
const summary = {
  tool: 'stryker',
  test_selection: 'vitest.mutation.config.ts (checkpoint, recovery, cluster, state, savepoint, HA and connector specifications, heartbeat scenarios, restart-strategy model check)',
  score_percent: score_percent(totals),
  score_of_covered_percent: score_percent({ ...totals, no_coverage: 0 }),
  ...totals,
  areas,
  files,
};
writeFileSync(summary_path, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`mutation score ${summary.score_percent}% (${summary.score_of_covered_percent}% of covered code) -> ${summary_path}`);
for (const area of areas) {
  console.log(`  ${area.area}: ${area.score_percent}% (killed ${area.killed}, timeout ${area.timeout}, survived ${area.survived}, no coverage ${area.no_coverage})`);
}
