// Grading the mutant corpus (grader/mutants/index.ts): each mutant applied to its chapter's
// solved snapshot in a folder of its own, graded by the real grader on each seed with the tests
// of the exercise it breaks. A mutant is killed on a seed when that exercise loses points: its
// own tests must catch the bug, not only the tests of exercises that happen to use the code.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GradedChapter } from '../chapters.ts';
import { grade } from '../grading.ts';
import { writeFiles } from '../starter.ts';
import { applyMutant, type Mutant } from './mutant.ts';

/** One mutant graded on one seed. */
export interface MutantOutcome {
  mutant: Mutant;
  seed: number;
  score: number;
  max: number;
  /** Why the exercise lost points: its first failing test and message. */
  failure?: string;
}

/** A test that runs this long under a mutant counts as hung (the mutant is then killed). */
const MUTANT_TEST_TIMEOUT_MS = 30_000;

/** Grades `chapter`'s solved snapshot `files` with `m` applied, on `seed`. */
export async function gradeMutant(
  m: Mutant,
  chapter: GradedChapter,
  files: Readonly<Record<string, string>>,
  seed: number,
): Promise<MutantOutcome> {
  const mutated = applyMutant(files, m);
  const dir = mkdtempSync(join(tmpdir(), `xenlab-mutant-${m.name}-`));
  try {
    writeFiles(dir, mutated);
    const report = await grade({
      chapter,
      src: dir,
      seed,
      exercise: m.exercise,
      // A mutant is wrong behaviour in well-typed code: its tests must catch it, not tsc.
      testsOnly: true,
      testTimeoutMs: MUTANT_TEST_TIMEOUT_MS,
    });
    if (report.max_score === 0) {
      throw new Error(
        `mutant ${m.name}: no test of ${m.exercise} ran (${report.error ?? 'no error given'})`,
      );
    }
    const failed = report.tests.find((t) => t.status === 'failed');
    return {
      mutant: m,
      seed,
      score: report.score,
      max: report.max_score,
      failure: failed === undefined ? undefined : `${failed.name}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function killed(o: MutantOutcome): boolean {
  return o.score < o.max;
}

/** One line of `xenlab mutants`' report. */
export function formatOutcome(o: MutantOutcome): string {
  const id = `${o.mutant.exercise}/${o.mutant.name}`;
  if (killed(o)) {
    return `killed    ${id} (seed ${o.seed}): ${o.score}/${o.max}, by "${o.failure ?? '?'}"`;
  }
  return `SURVIVED  ${id} (seed ${o.seed}): full marks ${o.score}/${o.max} — ${o.mutant.why}`;
}

/** Runs `work` over `items` with at most `jobs` at a time, in order of start. */
export async function pool<T>(
  items: readonly T[],
  jobs: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}
