import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureChapter } from '../fixtures/grade.ts';
import { loadGrades } from '../results-cache.ts';
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
});
