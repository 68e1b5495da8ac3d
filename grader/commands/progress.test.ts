import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureChapter } from '../fixtures/grade.ts';
import { loadGrades, saveExercises } from '../results-cache.ts';
import { progressText, rebuildProgress } from './progress.ts';

describe('xenlab progress', () => {
  const saved = process.env.XENLAB_CACHE;
  afterEach(() => {
    process.env.XENLAB_CACHE = saved;
  });

  it('is rebuilt from scratch by re-grading every chapter with a src/', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'xenlab-cache-'));
    process.env.XENLAB_CACHE = cache;
    const fx = fixtureChapter();
    fx.tree('subWrong', join(fx.chapter.dir, 'src'));
    rmSync(cache, { recursive: true });
    expect(loadGrades().size).toBe(0);
    expect(progressText([fx.chapter], loadGrades())).toMatch(/01 {2}Fixture: not graded yet/);
    const log: string[] = [];
    await rebuildProgress([fx.chapter], (l) => log.push(l));
    const grades = loadGrades();
    expect(grades.get('01')?.score).toBe(4);
    const text = progressText([fx.chapter], grades);
    expect(text).toMatch(/^01 {2}Fixture: 4\/6 \(graded/m);
    expect(text).toMatch(/✓ 01-fixture-add {2}4\/4/);
    expect(text).toMatch(/✗ 01-fixture-sub {2}0\/2/);
    expect(text).toMatch(/Total: 4\/6$/);
  });

  it('follows runs of one exercise, and marks an exercise stale after a run of some of its tests', async () => {
    process.env.XENLAB_CACHE = mkdtempSync(join(tmpdir(), 'xenlab-cache-'));
    const fx = fixtureChapter();
    fx.tree('subWrong', join(fx.chapter.dir, 'src'));
    await rebuildProgress([fx.chapter], () => {});
    const sub = { id: '01-fixture-sub', title: 'Subtraction', max_score: 2, passed: 1, total: 1 };
    const run = { chapter: '01', seed: 1, max_score: 2, tests: [] };
    saveExercises({ ...run, score: 2, exercises: [{ ...sub, score: 2 }] }, true);
    expect(loadGrades().get('01')).toMatchObject({ score: 6 });
    expect(progressText([fx.chapter], loadGrades())).toMatch(/✓ 01-fixture-sub {2}2\/2$/m);
    saveExercises({ ...run, score: 0, exercises: [{ ...sub, score: 0, passed: 0 }] }, false);
    expect(loadGrades().get('01')).toMatchObject({ score: 6, stale: ['01-fixture-sub'] });
    expect(progressText([fx.chapter], loadGrades())).toMatch(
      /✓ 01-fixture-sub {2}2\/2 {2}\(stale: .*npx xenlab grade 01 --exercise 01-fixture-sub\)/,
    );
  });
});
