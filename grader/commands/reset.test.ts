import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradedChapters } from '../chapters.ts';
import { exerciseAt, formatBodyReset, locateBody } from '../exercise-body.ts';
import { fixtureChapter, TREES } from '../fixtures/grade.ts';
import { starterWithStubs, writeFiles } from '../starter.ts';
import { applyBodyResets, applyReset, planBodyReset, planReset } from './reset.ts';

describe('xenlab reset NN', () => {
  it('restores the whole src/, losing files the starter does not have', () => {
    const fx = fixtureChapter();
    const fresh = fx.tree('half', join(fx.root, 'fresh'));
    const src = fx.tree('solved', join(fx.chapter.dir, 'src'));
    writeFileSync(join(src, 'notes.ts'), 'export {};\n');
    const plan = planReset(fx.chapter, fresh);
    expect(plan).toMatchObject({ changed: ['src/calc.ts'], extra: ['src/notes.ts'] });
    applyReset(plan, fresh);
    expect(readFileSync(join(src, 'calc.ts'), 'utf8')).toBe(TREES.half);
    expect(planReset(fx.chapter, fresh)).toMatchObject({ changed: [], extra: [] });
  });
});

describe('xenlab reset ID', async () => {
  // A starter file holding the bodies of two exercises or more: resetting one keeps the others.
  const candidates = await Promise.all(
    (await gradedChapters()).map(async (chapter) => ({
      chapter,
      ...(await starterWithStubs(chapter)),
    })),
  );
  const { chapter, files, stubs } = candidates.find(({ stubs }) =>
    stubs.some((s) => stubs.filter((t) => t.path === s.path).length >= 2),
  )!;
  const path = stubs.find((s) => stubs.filter((t) => t.path === s.path).length >= 2)!.path;
  const [first, ...others] = stubs.filter((s) => s.path === path);
  const solved = (await starterWithStubs(chapter, true)).files;

  /** The chapter with a src/ of its own: the starter, with `path` fully solved. */
  function learner() {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-reset-'));
    writeFiles(join(dir, 'src'), { ...files, [path]: solved[path]! });
    return { ...chapter, dir };
  }

  it('puts back only that exercise’s body; the other exercises of the file keep their code', async () => {
    const mine = learner();
    const resets = await planBodyReset(mine, first!.id);
    expect(resets.map((r) => [r.id, r.path])).toEqual([[first!.id, path]]);
    expect(resets[0]!.starter).toEqual(files[path]!.split('\n').slice(first!.start, first!.end));
    expect(resets[0]!.mine.length, 'the solution’s lines are shown').toBeGreaterThan(0);
    applyBodyResets(mine, resets);
    expect(await planBodyReset(mine, first!.id), 'nothing left to reset').toEqual([]);
    for (const other of others) {
      const kept = await planBodyReset(mine, other.id);
      expect(
        kept.map((r) => r.id),
        `${other.id} is still solved`,
      ).toEqual([other.id]);
    }
    // Resetting the others too leaves every body of the file as in the starter.
    for (const other of others) applyBodyResets(mine, await planBodyReset(mine, other.id));
    for (const s of [first!, ...others]) expect(await planBodyReset(mine, s.id)).toEqual([]);
  });

  it('shows the change as a diff: where, the lines that go and the starter’s lines', async () => {
    const [reset] = await planBodyReset(learner(), first!.id);
    const diff = formatBodyReset(reset!, `src/${path}`);
    expect(diff[0]).toMatch(
      new RegExp(`^src/${path}, lines \\d+–\\d+ \\(the body of exercise ${first!.id}\\)`),
    );
    expect(diff.filter((l) => l.startsWith('  - '))).toEqual(reset!.mine.map((l) => `  - ${l}`));
    expect(diff.filter((l) => l.startsWith('  + '))).toEqual(reset!.starter.map((l) => `  + ${l}`));
  });

  it('tells which exercise’s body a line of the file is in (a hang names it)', async () => {
    const mine = learner();
    const [reset] = await planBodyReset(mine, first!.id);
    const text = readFileSync(join(mine.dir, 'src', path), 'utf8').split('\n');
    expect(exerciseAt(path, reset!.start + 1, text, files, stubs)).toBe(first!.id);
    expect(exerciseAt(path, reset!.end, text, files, stubs)).toBe(first!.id);
    expect(exerciseAt(path, 1, text, files, stubs)).toBeUndefined();
  });

  it('refuses, naming the file, when the lines around the body are gone', async () => {
    const mine = learner();
    const starter = files[path]!.split('\n');
    const before = starter.slice(0, first!.start).filter((l) => l.trim() !== '');
    const text = readFileSync(join(mine.dir, 'src', path), 'utf8');
    writeFileSync(join(mine.dir, 'src', path), text.replace(before.at(-1)!, '// (deleted)'));
    await expect(planBodyReset(mine, first!.id)).rejects.toThrow(
      new RegExp(`cannot find the body of ${first!.id} in src/${path}`),
    );
    expect(locateBody(['a', 'b'], starter, first!)).toBeUndefined();
  });
});
