// Specification of write_reports: which files land where, deterministic default directory, nothing outside it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { make_fixture_results } from './fixtures/run-results.js';
import { check_run_report } from './schema-validation.js';
import { parse_xml } from './test-support/xml.js';
import { write_reports } from './write-reports.js';

describe('write_reports', () => {
  let sandbox: string;
  let original_cwd: string;
  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'streamsim-write-reports-'));
    original_cwd = process.cwd();
  });
  afterEach(() => {
    process.chdir(original_cwd);
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('writes report.json, junit.xml and report.html into the chosen directory, creating it', () => {
    const dir = join(sandbox, 'nested', 'out');
    const written = write_reports(make_fixture_results(), { dir, run_id: 'nightly-1' });
    expect(written.dir).toBe(dir);
    expect(written.files).toEqual([join(dir, 'report.json'), join(dir, 'junit.xml'), join(dir, 'report.html')]);
    expect(readdirSync(dir).sort()).toEqual(['junit.xml', 'report.html', 'report.json']);
    const report: unknown = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(check_run_report(report).valid).toBe(true);
    expect((report as { run_id: string }).run_id).toBe('nightly-1');
    expect(parse_xml(readFileSync(join(dir, 'junit.xml'), 'utf8')).name).toBe('testsuites');
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
  });

  it('defaults to ./streamsim-reports/<scenario>-<first seed>-<hash>/, the same for the same runs', () => {
    process.chdir(sandbox);
    const runs = make_fixture_results().filter((r) => r.scenario.name === 'word-count-2pc-crash');
    const first = write_reports(runs);
    const second = write_reports(make_fixture_results().filter((r) => r.scenario.name === 'word-count-2pc-crash'));
    expect(second.dir).toBe(first.dir);
    expect(first.dir.startsWith(join(sandbox, 'streamsim-reports', 'word-count-2pc-crash-1-'))).toBe(true);
    expect(readdirSync(join(sandbox, 'streamsim-reports'))).toHaveLength(1);
    expect(readFileSync(join(first.dir, 'report.html'), 'utf8')).toBe(readFileSync(join(second.dir, 'report.html'), 'utf8'));
  });

  it('writes only the formats asked for; terminal writes summary.txt without colours', () => {
    const written = write_reports(make_fixture_results(), { dir: sandbox, formats: ['terminal', 'junit'] });
    expect(readdirSync(sandbox).sort()).toEqual(['junit.xml', 'summary.txt']);
    expect(written.files).toHaveLength(2);
    const summary = readFileSync(join(sandbox, 'summary.txt'), 'utf8');
    expect(summary).toContain('Failures (1):');
    expect(summary).not.toContain('\x1b');
  });

  it('refuses run ids that could escape the reports directory', () => {
    process.chdir(sandbox);
    for (const run_id of ['../escape', 'a/b', '..', '.hidden', '', 'x\\y']) {
      expect(() => write_reports(make_fixture_results(), { run_id }), run_id).toThrow(/invalid run id/);
    }
    expect(existsSync(join(sandbox, 'streamsim-reports'))).toBe(false);
    expect(readdirSync(sandbox)).toEqual([]);
  });
});
