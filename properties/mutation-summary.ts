// Condenses Stryker's full JSON report (reports-out/mutation/mutation-report.json, not committed) into the small
// mutation-score file kept in the repo: the score overall and per file, computed as Stryker does.
import { readFileSync, writeFileSync } from 'node:fs';

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

const full_report_path = process.argv[2] ?? 'reports-out/mutation/mutation-report.json';
const summary_path = process.argv[3] ?? 'properties/mutation-score.json';

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

const report = JSON.parse(readFileSync(full_report_path, 'utf8')) as StrykerReport;
const files = Object.keys(report.files)
  .sort()
  .map((path) => {
    const counts = count(report.files[path]?.mutants ?? []);
    return { path, score_percent: score_percent(counts), ...counts };
  });
const totals = files.reduce<ScoreCounts>(
  (sum, file) => ({
    killed: sum.killed + file.killed,
    timeout: sum.timeout + file.timeout,
    survived: sum.survived + file.survived,
    no_coverage: sum.no_coverage + file.no_coverage,
  }),
  { killed: 0, timeout: 0, survived: 0, no_coverage: 0 },
);
const covered = { ...totals, no_coverage: 0 };
const summary = {
  tool: 'stryker',
  test_selection: 'vitest.mutation.config.ts (checkpoint, recovery, state, HA and connector specifications)',
  score_percent: score_percent(totals),
  score_of_covered_percent: score_percent(covered),
  ...totals,
  files,
};
writeFileSync(summary_path, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`mutation score ${summary.score_percent}% (${summary.score_of_covered_percent}% of covered code) -> ${summary_path}`);
