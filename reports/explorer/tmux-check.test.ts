// Runs the real-terminal check (tmux-check.sh) when tmux is installed: the explorer under tmux, keys sent,
// the pane captured and checked after each key, and the terminal restored after quitting.
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'tmux-check.sh');
const has_tmux = spawnSync('tmux', ['-V']).status === 0;

describe('the explorer in a real terminal (tmux)', () => {
  if (!has_tmux) {
    it.skip('skipped: tmux is not installed (apt-get install -y tmux to run this check)', () => {});
    return;
  }
  it('opens at the divergence, answers every key with the expected screen, and quits cleanly', () => {
    const output = execFileSync('bash', [script], { encoding: 'utf8', timeout: 170_000 });
    expect(output).toContain('ok: v: next violation');
    expect(output).toContain('ok: F Enter: follow the checkpoint');
    expect(output).toContain('ok: w: both traces aligned side by side');
    expect(output).toContain('ok: 80x24: timeline and list fit');
    expect(output).toContain('ok: 70x20: says what it needs');
    expect(output).toContain('ok: q quits with exit code 0 and restores the terminal');
    expect(output.trim().endsWith('tmux-check passed')).toBe(true);
  }, 180_000);
});
