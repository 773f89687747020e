// The harness knows jobs only through the job contract: no code in scenarios/ or properties/ (tests and test support
// aside) names a built-in job, so a user's job gets exactly the treatment a built-in one gets.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILT_IN_JOBS } from '../engine/examples/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function code_files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'test-support' && name !== 'node_modules') out.push(...code_files(path));
    } else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name) && !name.includes('test-support')) {
      out.push(path);
    }
  }
  return out;
}

describe('scenarios/ and properties/ name no job', () => {
  it('no built-in job name appears in their code', () => {
    const names = [...BUILT_IN_JOBS.keys()];
    expect(names.length).toBeGreaterThan(0);
    const found: string[] = [];
    for (const file of [...code_files(join(ROOT, 'scenarios')), ...code_files(join(ROOT, 'properties'))]) {
      const text = readFileSync(file, 'utf8');
      for (const name of names) if (text.includes(name)) found.push(`${relative(ROOT, file)}: ${name}`);
    }
    expect(found).toEqual([]);
  });
});
