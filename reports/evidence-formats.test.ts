// One failing run, replayed the way docs/walkthrough.md does it, carries the same evidence in every format: the
// terminal, report.json, junit.xml and report.html each hold every line of it (lost record ids, transaction,
// checkpoint, attempt, the fault before them, the first differing position per key).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run_cli } from '../cli/program.js';
import { code_blocks, REPO_ROOT } from '../docs/doc-test.js';
import type { RunResult } from '../scenarios/result-format.js';
import { violation_lines } from './evidence-text.js';

function unescape_markup(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

describe('the evidence of the walkthrough failure (seed 18 of my-sink.yaml)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'streamsim-evidence-'));
  let terminal = '';
  let exit_code = -1;
  let result: RunResult;

  beforeAll(async () => {
    const walkthrough = readFileSync(join(REPO_ROOT, 'docs', 'walkthrough.md'), 'utf8');
    const scenario = code_blocks(walkthrough).find((block) => block.file === 'my-sink.yaml');
    if (scenario === undefined) throw new Error('docs/walkthrough.md has no my-sink.yaml block');
    writeFileSync(join(dir, 'my-sink.yaml'), scenario.text);
    const sink = { write: (chunk: string) => ((terminal += chunk), true) };
    exit_code = await run_cli(['replay', '18', 'my-sink.yaml', '--reports', 'reports'], { cwd: dir, stdout: sink, stderr: sink });
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'report.json'), 'utf8')) as { results: RunResult[] };
    result = report.results[0]!;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails, and the terminal names the lost record ids, the transaction, its checkpoint and the fault before', () => {
    expect(exit_code).toBe(1);
    expect(terminal).toMatch(/lost \d[\d,]* of 20,000 expected records \([\d,]+ delivered, [\d,]+ key\(s\) differ\): w\d+#\d+-\d+, /);
    expect(terminal).toMatch(/in transaction input-sink-\d-\d+ \(checkpoint \d+, attempt \d+\): pre-committed for checkpoint \d+, then expired by the store/);
    expect(terminal).toMatch(/; after crash tm-\d at \d+(\.\d+)? s/);
    expect(terminal).toContain('replay: npx streamsim replay 18 my-sink.yaml');
  });

  it('report.json holds it as data: the ids, the transaction and checkpoint of the lost records', () => {
    const evidence = result.violations.find((v) => v.property === 'exactly_once_output')?.evidence;
    expect(evidence).toBeDefined();
    const origin = evidence!.lost.origins[0]!;
    expect(evidence!.lost.count).toBeGreaterThan(0);
    expect(evidence!.lost.ids[0]).toMatch(/^w\d+#\d+(-\d+)?$/);
    expect(origin.txn_id).toMatch(/^input-sink-\d-\d+$/);
    expect(origin.checkpoint_id).toEqual(expect.any(Number));
    expect(terminal).toContain(`in transaction ${origin.txn_id} (checkpoint ${origin.checkpoint_id}`);
  });

  it('the terminal, junit.xml and report.html each contain every line of the evidence', () => {
    const violation = result.violations.find((v) => v.property === 'exactly_once_output')!;
    const lines = violation_lines(violation, '').map((line) => line.trim());
    expect(lines.length).toBeGreaterThan(5);
    const junit = unescape_markup(readFileSync(join(dir, 'reports', 'junit.xml'), 'utf8'));
    const html = unescape_markup(readFileSync(join(dir, 'reports', 'report.html'), 'utf8'));
    for (const line of lines) {
      expect(terminal, 'terminal').toContain(line);
      expect(junit, 'junit.xml').toContain(line);
      expect(html, 'report.html').toContain(line);
    }
  });
});
