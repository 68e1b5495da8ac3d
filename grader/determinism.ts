// The determinism rule of docs/architecture.md §6, as a check: sim/ and the hypervisor never read
// the wall clock or an unseeded random source. Time comes from the virtual clock, randomness from
// sim/prng.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Each forbidden call, with the deterministic replacement a learner should use instead. */
export const FORBIDDEN = [
  { pattern: /\bDate\.now\s*\(/, name: 'Date.now()', use: 'the machine’s virtual clock' },
  // A Date made from a given time only formats it; `new Date()` reads the wall clock.
  {
    pattern: /\bnew\s+Date\b(?!\s*\(\s*[^\s)])/,
    name: 'new Date',
    use: 'the machine’s virtual clock',
  },
  { pattern: /\bperformance\.now\s*\(/, name: 'performance.now()', use: 'the virtual clock' },
  { pattern: /\bMath\.random\s*\(/, name: 'Math.random()', use: 'a seeded Prng (sim/prng.ts)' },
] as const;

export interface Violation {
  file: string;
  line: number;
  name: string;
  use: string;
}

/** Blanks out comments so that prose explaining the rule does not trip it. */
export function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The forbidden calls in one source text. */
export function findWallClock(file: string, source: string): Violation[] {
  const found: Violation[] = [];
  stripComments(source)
    .split('\n')
    .forEach((text, i) => {
      for (const f of FORBIDDEN) {
        if (f.pattern.test(text)) found.push({ file, line: i + 1, name: f.name, use: f.use });
      }
    });
  return found;
}

/** Every .ts file under `dir`, recursively, skipping node_modules. */
export function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (path.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Scans the given folders (relative to `root`) and reports violations with relative paths. */
export function checkDeterminism(root: string, folders: readonly string[]): Violation[] {
  return folders.flatMap((folder) =>
    sourceFiles(join(root, folder)).flatMap((path) =>
      findWallClock(relative(root, path), readFileSync(path, 'utf8')),
    ),
  );
}
