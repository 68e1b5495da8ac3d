import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { gradedChapters } from '../chapters.ts';
import type { JsonGrade } from '../report/json.ts';
import { freshStarter, writeSnapshot } from '../starter.ts';

const bin = fileURLToPath(new URL('../../bin/xenlab.js', import.meta.url));

function xenlab(...args: string[]) {
  const cache = mkdtempSync(join(tmpdir(), 'xenlab-cache-'));
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, XENLAB_CACHE: cache },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('xenlab grade on the first graded chapter (one exercise, two runs)', async () => {
  const chapter = (await gradedChapters())[0]!;
  const exercise = chapter.exercises[0]!;
  const number = String(Number(chapter.id)); // `2` for 02: the way npm run grade -- 2 gives it

  it('the starter scores 0 on the exercise, each failure saying why; exit 1', async () => {
    // A fresh starter, not chapters/NN-slug/src: that is the learner's, maybe half solved.
    const starter = await freshStarter(chapter);
    const r = xenlab(
      'grade',
      number,
      '--src',
      starter,
      '--exercise',
      exercise.id,
      '--format',
      'json',
    );
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out) as JsonGrade;
    expect(json).toMatchObject({
      chapter: chapter.id,
      seed: 1,
      score: 0,
      max_score: exercise.points,
    });
    expect(json.tests.length).toBeGreaterThan(0);
    for (const t of json.tests) {
      expect(t.exercise).toBe(exercise.id);
      expect(t.status).toBe('failed');
      expect(t.message, 'a failure says why').not.toBe('');
    }
  });

  it('the solved snapshot gets full marks; exit 0', async () => {
    const solved = mkdtempSync(join(tmpdir(), 'xenlab-solved-'));
    await writeSnapshot(chapter, solved, true);
    const r = xenlab('grade', chapter.id, '--src', solved, '--exercise', exercise.id);
    expect(r.out).toMatch(
      new RegExp(`^✓ ${exercise.id} .* ${exercise.points}/${exercise.points}$`, 'm'),
    );
    expect(r.out).toMatch(new RegExp(`Score: ${exercise.points}/${exercise.points}`));
    expect(r.code).toBe(0);
  });
});
