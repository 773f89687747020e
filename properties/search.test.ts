// Specification of the CI search's seed rotation: a seed derived from the commit being tested (read from .git
// without running git, in a clone or a worktree, loose or packed refs), stable for a commit and different across
// commits; and of the case count a failure names (the run count that draws the same cases again).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { read_git_commit, rotated_seed, run_search } from './search.js';
import type { EngineCase } from './generators/engine-case.js';
import type { RunResult } from '../scenarios/result-format.js';

const SHA_A = 'a'.repeat(40);
const SHA_B = '0123456789abcdef0123456789abcdef01234567';

describe('rotated search seed', () => {
  it('is stable for one commit, differs across commits, and falls back to the day outside a checkout', () => {
    expect(rotated_seed(SHA_A, '2026-12-07')).toBe(rotated_seed(SHA_A, '2030-01-01'));
    expect(rotated_seed(SHA_A, '2026-12-07')).not.toBe(rotated_seed(SHA_B, '2026-12-07'));
    expect(rotated_seed(undefined, '2026-12-07')).toBe(rotated_seed('2026-12-07', 'ignored'));
    const seeds = new Set(Array.from({ length: 200 }, (_, i) => rotated_seed(i.toString(16).padStart(40, '0'), '')));
    expect(seeds.size).toBe(200);
    for (const seed of seeds) expect(Number.isSafeInteger(seed) && seed >= 0 && seed < 2_147_483_647).toBe(true);
  });

  it('reads the commit from a clone (loose or packed ref, detached HEAD) and from a worktree', () => {
    const files = (entries: Record<string, string>) => (path: string) => entries[path];
    expect(read_git_commit('/r', files({ '/r/.git/HEAD': 'ref: refs/heads/main\n', '/r/.git/refs/heads/main': `${SHA_A}\n` }))).toBe(SHA_A);
    expect(read_git_commit('/r', files({ '/r/.git/HEAD': 'ref: refs/heads/main\n', '/r/.git/packed-refs': `# pack-refs\n${SHA_B} refs/heads/main\n` }))).toBe(SHA_B);
    expect(read_git_commit('/r', files({ '/r/.git/HEAD': `${SHA_B}\n` }))).toBe(SHA_B);
    expect(
      read_git_commit('/w', files({ '/w/.git': 'gitdir: /r/.git/worktrees/w\n', '/r/.git/worktrees/w/HEAD': 'ref: refs/heads/topic\n', '/r/.git/worktrees/w/commondir': '../..\n', '/r/.git/worktrees/w/../../refs/heads/topic': SHA_A })),
    ).toBe(SHA_A);
    expect(read_git_commit('/none', files({}))).toBeUndefined();
  });
});

describe('run_search', () => {
  it('names the case count that draws the failing case again, variants not counted', () => {
    const arbitrary = fc.integer({ min: 0, max: 1000 }).map((n): EngineCase => ({ seed: n + 1, scenario: { name: `c${n}`, description: '', job: { name: 'j' } }, dimensions: {} }) as unknown as EngineCase);
    const run = (_scenario: unknown, seed: number): RunResult => ({ seed, probes: seed % 7 === 0 ? { rare: 1 } : {}, violations: seed % 5 === 0 ? [{ property: 'p', message: 'm' }] : [] }) as unknown as RunResult;
    const check = (result: RunResult) => result.violations[0];
    const options = { arbitrary, seed: 3, run, check, shrink_budget_ms: 0, runs: 500 };
    const guidance = { variants: 2, rare_hits: 5, jitter_ms: 0 };
    const plain = run_search(options);
    const guided = run_search({ ...options, guided: guidance });
    for (const [outcome, again] of [
      [plain, run_search({ ...options, runs: plain.cases })],
      [guided, run_search({ ...options, guided: guidance, runs: guided.cases })],
    ] as const) {
      expect(outcome.failure).toBeDefined();
      expect(outcome.cases).toBeLessThan(500);
      // Searching the same seed for exactly `cases` runs ends at the same failing case, its last one.
      expect(again.failure?.case.seed).toBe(outcome.failure?.case.seed);
      expect(again.cases).toBe(outcome.cases);
    }
    expect(guided.guided_variants).toBeGreaterThan(0);
    expect(guided.runs).toBe(guided.cases + guided.guided_variants);
  });
});
