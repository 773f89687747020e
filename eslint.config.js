// Lint configuration. The determinism rule for engine/ and sim/ lives here: the simulated world must be the
// only source of time, randomness, timers and I/O for the code under test, so the real ones are banned.
import tseslint from 'typescript-eslint';

const nondeterminism_message =
  'engine/ and sim/ must be deterministic: take time, timers, randomness and I/O from the runtime/world, not from the host.';

export const determinism_rules = {
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: nondeterminism_message },
    { name: 'performance', message: nondeterminism_message },
    { name: 'setTimeout', message: nondeterminism_message },
    { name: 'setInterval', message: nondeterminism_message },
    { name: 'setImmediate', message: nondeterminism_message },
    { name: 'queueMicrotask', message: nondeterminism_message },
    { name: 'crypto', message: nondeterminism_message },
    { name: 'fetch', message: nondeterminism_message },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: nondeterminism_message },
    { object: 'process', property: 'hrtime', message: nondeterminism_message },
    { object: 'process', property: 'uptime', message: nondeterminism_message },
    { object: 'process', property: 'env', message: nondeterminism_message },
    { object: 'globalThis', property: 'setTimeout', message: nondeterminism_message },
    { object: 'globalThis', property: 'Date', message: nondeterminism_message },
  ],
};

const banned_module_paths = [
        'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'dgram', 'node:dgram',
        'http', 'node:http', 'https', 'node:https', 'crypto', 'node:crypto', 'timers', 'node:timers',
        'timers/promises', 'node:timers/promises', 'perf_hooks', 'node:perf_hooks', 'child_process',
        'node:child_process', 'worker_threads', 'node:worker_threads',
].map((name) => ({ name, message: nondeterminism_message }));

/** The load-bearing walls of ARCHITECTURE.md: engine/ never imports sim/, sim/ never imports engine/. */
function imports_rule_for(forbidden_folder) {
  return {
    'no-restricted-imports': [
      'error',
      {
        paths: banned_module_paths,
        patterns: [
          {
            group: [`**/${forbidden_folder}`, `**/${forbidden_folder}/**`],
            message: `this folder must not import ${forbidden_folder}/ (see ARCHITECTURE.md).`,
          },
        ],
      },
    ],
  };
}

/**
 * The arrows between the harness folders: scenarios/ simulates and collects (it never judges, reports or parses
 * command lines), and properties/ judges runs without knowing how they are shown.
 */
function folder_wall(forbidden_folders) {
  return {
    'no-restricted-imports': [
      'error',
      {
        patterns: forbidden_folders.map((folder) => ({
          group: [`**/${folder}`, `**/${folder}/**`],
          message: `this folder must not import ${folder}/ (see ARCHITECTURE.md).`,
        })),
      },
    ],
  };
}

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'streamsim-reports/**', '.stryker-tmp/**', 'reports-out/**', 'cli/bin.mjs'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['engine/**/*.{ts,tsx}', 'sim/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: determinism_rules,
  },
  {
    files: ['engine/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: imports_rule_for('sim'),
  },
  {
    files: ['sim/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: imports_rule_for('engine'),
  },
  {
    files: ['scenarios/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: folder_wall(['properties', 'reports', 'cli']),
  },
  {
    files: ['properties/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: folder_wall(['reports', 'cli']),
  },
  {
    // Jobs in examples/ are written as a user writes them: against the package's public entry ('streamsim') only.
    files: ['examples/**/*.{ts,tsx}'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: folder_wall(['engine', 'sim', 'scenarios', 'properties', 'reports', 'cli', 'entry']),
  },
);
