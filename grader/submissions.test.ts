import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureChapter } from './fixtures/grade.ts';
import { gradeSubmissions, submissionTree } from './submissions.ts';

describe('grading a folder of submissions', () => {
  it('writes a CSV row per student; a broken or looping one scores 0 where affected', async () => {
    const fx = fixtureChapter();
    const subs = join(fx.root, 'subs');
    // Three layouts: a whole repository, a src/ folder, the tree itself.
    fx.tree('solved', join(subs, 'alice', 'chapters', '01-virtualization', 'src'));
    fx.tree('broken', join(subs, 'bob', 'src'));
    fx.tree('loops', join(subs, 'carol'));
    mkdirSync(join(subs, '.git'));
    const out = join(fx.root, 'out');
    const lines: string[] = [];
    const code = await gradeSubmissions({
      chapter: fx.chapter,
      dir: subs,
      out,
      seed: 1,
      testTimeoutMs: 1000,
      wallClockLimitMs: 60_000,
      jobs: 1,
      log: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(readFileSync(join(out, 'grades.csv'), 'utf8')).toBe(
      'student,score,max_score,01-fixture-add,01-fixture-sub\n' +
        'alice,6,6,4,2\n' +
        'bob,0,6,0,0\n' +
        'carol,4,6,2,2\n',
    );
    const json = JSON.parse(readFileSync(join(out, 'grades.json'), 'utf8'));
    const bob = json.students.find((s: { student: string }) => s.student === 'bob');
    expect(bob.tests[0].message).toMatch(
      /does not type-check:\nsrc\/calc\.ts:\d+:\d+: error TS1005/,
    );
    const carol = json.students.find((s: { student: string }) => s.student === 'carol');
    const hung = carol.tests.find((t: { name: string }) => t.name === 'adds negative numbers');
    expect(hung.message).toMatch(/infinite loop/);
    expect(readFileSync(join(out, 'feedback', 'carol.txt'), 'utf8')).toMatch(/Score: 4\/6/);
    expect(lines[0]).toMatch(/^\[1\/3\] alice: 6\/6$/);

    // Three at once: the same grades, feedback and JSON; carol's hang touches no one else.
    const parallel = join(fx.root, 'parallel');
    await gradeSubmissions({
      chapter: fx.chapter,
      dir: subs,
      out: parallel,
      seed: 1,
      testTimeoutMs: 1000,
      wallClockLimitMs: 60_000,
      jobs: 3,
      log: () => {},
    });
    for (const f of [
      'grades.csv',
      'grades.json',
      ...['alice', 'bob', 'carol'].map((s) => `feedback/${s}.txt`),
    ]) {
      expect(readFileSync(join(parallel, f), 'utf8'), f).toBe(readFileSync(join(out, f), 'utf8'));
    }
  }, 240_000);

  it('finds the tree in a submission', () => {
    const fx = fixtureChapter();
    const repo = join(fx.root, 'repo');
    fx.tree('solved', join(repo, 'chapters', '01-virtualization', 'src'));
    expect(submissionTree(repo, fx.chapter)).toBe(
      join(repo, 'chapters', '01-virtualization', 'src'),
    );
    expect(submissionTree(join(fx.root, 'none'), fx.chapter)).toBe(join(fx.root, 'none'));
  });
});
