// The mutant corpus is well formed: every mutant applies to its chapter's solved snapshot and
// changes it, names are unique, and every graded exercise of chapters 02–05 has at least three.
// One mutant is graded for real, as a smoke test of `xenlab mutants` (the whole corpus runs in CI).

import { describe, expect, test } from 'vitest';
import { loadChapter } from '../chapters.ts';
import { snapshotFiles } from '../starter.ts';
import { MUTANTS, mutantChapter } from './index.ts';
import { applyMutant } from './mutant.ts';
import { gradeMutant } from './run.ts';

const CHAPTERS = ['02', '03', '04', '05'];

describe('the mutant corpus', () => {
  test('every mutant applies once to its solved snapshot and changes it', async () => {
    const broken: string[] = [];
    for (const id of CHAPTERS) {
      const chapter = await loadChapter(id);
      const files = await snapshotFiles(chapter, true);
      for (const m of MUTANTS.filter((x) => mutantChapter(x) === id)) {
        try {
          if (applyMutant(files, m)[m.file] === files[m.file]) broken.push(`${m.name}: no change`);
        } catch (e) {
          broken.push((e as Error).message);
        }
      }
    }
    expect(broken, 'mutants that do not apply to the reference').toEqual([]);
  });

  test('names are unique and every exercise of chapters 02–05 has three mutants or more', async () => {
    const names = MUTANTS.map((m) => m.name);
    expect(new Set(names).size, 'mutant names are unique').toBe(names.length);
    for (const id of CHAPTERS) {
      const chapter = await loadChapter(id);
      for (const e of chapter.exercises) {
        const count = MUTANTS.filter((m) => m.exercise === e.id).length;
        expect(count, `mutants of ${e.id}`).toBeGreaterThanOrEqual(3);
      }
    }
  });

  test('a mutant graded by the real grader loses points', async () => {
    const m = MUTANTS.find((x) => x.name === 'console-no-chunking')!;
    const chapter = await loadChapter(mutantChapter(m));
    const outcome = await gradeMutant(m, chapter, await snapshotFiles(chapter, true), 1);
    expect(outcome.score, `${m.exercise} graded with ${m.name}`).toBeLessThan(outcome.max);
  }, 120_000);
});
