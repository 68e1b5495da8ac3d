// A learner's work is sacred: in a copy of the repository where a learner has solved one
// exercise, the project's own tests that grade or hand out chapters still pass (they use fresh
// snapshots, never chapters/*/src), and `xenlab stage` refuses to overwrite the solved file.

import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from './cache.ts';
import { gradedChapters } from './chapters.ts';
import { snapshotFiles } from './starter.ts';

/** What the copy leaves out: installed packages, history, caches and built sites. */
const LEFT_OUT = /\/(node_modules|\.git|\.xenlab|dist|cache)(\/|$)/;
/** The project's tests that once read the chapters' src/ folders. */
const TESTS = ['grader/commands/grade.test.ts', 'grader/handout.test.ts'];

test('a learner halfway through a chapter: the project tests pass, stage keeps the work', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'xenlab-learner-'));
  cpSync(REPO_ROOT, copy, {
    recursive: true,
    filter: (p) => !LEFT_OUT.test(p.slice(REPO_ROOT.length - 1)),
  });
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));

  // The learner solves the first exercise of the first graded chapter.
  const chapter = (await gradedChapters())[0]!;
  const exercise = chapter.exercises[0]!;
  const solved = await snapshotFiles(chapter, true);
  const src = join(copy, 'chapters', chapter.slug, 'src');
  for (const f of exercise.files) writeFileSync(join(src, f.slice(4)), solved[f.slice(4)]!);
  const env = { ...process.env, XENLAB_CACHE: mkdtempSync(join(tmpdir(), 'xenlab-cache-')) };

  const vitest = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/vitest/vitest.mjs'), 'run', ...TESTS],
    { cwd: copy, encoding: 'utf8', env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' } },
  );
  expect(vitest.stdout + vitest.stderr, 'the project tests in the copy').toMatch(
    new RegExp(`Test Files +${TESTS.length} passed`),
  );
  expect(vitest.status).toBe(0);

  // Their grade shows the solved exercise: the tests above did not grade this src/ by chance.
  const xenlab = (...args: string[]) =>
    spawnSync(process.execPath, [join(copy, 'bin/xenlab.js'), ...args], {
      cwd: copy,
      encoding: 'utf8',
      env,
    });
  const grade = xenlab('grade', chapter.id, '--exercise', exercise.id);
  expect(grade.stdout).toMatch(new RegExp(`^✓ ${exercise.id} `, 'm'));

  const before = exercise.files.map((f) => readFileSync(join(copy, 'chapters', chapter.slug, f)));
  const stage = xenlab('stage', chapter.id);
  expect(stage.status).toBe(1);
  expect(stage.stderr).toContain(`chapters/${chapter.slug}/${exercise.files[0]}`);
  expect(stage.stderr).toMatch(/nothing was written/);
  const after = exercise.files.map((f) => readFileSync(join(copy, 'chapters', chapter.slug, f)));
  expect(after).toEqual(before);
}, 600_000);
