import type { ChildProcess } from 'node:child_process';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { fixtureChapter, TREES } from './fixtures/grade.ts';
import { grade } from './grading.ts';
import { typeErrors } from './typecheck.ts';

/** How many times tsc was started. */
const tscRuns = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:child_process', async (importOriginal) => {
  const original = await importOriginal<typeof import('node:child_process')>();
  const spawn = (...args: Parameters<typeof original.spawn>): ChildProcess => {
    if (String(args[1]?.[0]).endsWith('/tsc')) tscRuns.count++;
    return original.spawn(...args);
  };
  return { ...original, spawn };
});

const WRONG = 'export const add = (a: number, b: number): string => a + b;\n';
const SUB = 'export const sub = (a: number, b: number) => a - b;\n';

describe('grading type-checks the tree first', () => {
  const fx = fixtureChapter();

  it('a tree that type-checks has no errors', async () => {
    expect(await typeErrors(fx.chapter, fx.tree('solved'))).toEqual([]);
  });

  it('a type error is the report, with file:line, and no test counts', async () => {
    const src = fx.tree('solved', join(fx.root, 'typed-wrong'));
    writeFileSync(join(src, 'calc.ts'), WRONG + SUB);
    const report = await grade({ chapter: fx.chapter, src, seed: 1 });
    expect(report.typeErrors).toHaveLength(1);
    expect(report.typeErrors![0]).toMatch(/^src\/calc\.ts:1:\d+: error TS2322: /);
    expect(report.score).toBe(0);
    expect(report.tests).toHaveLength(2);
    for (const t of report.tests)
      expect(t.message).toMatch(/^not graded: your code does not type-check:\nsrc\/calc\.ts:1:/);
  });

  it('checks again unchanged files without tsc, and any change with it', async () => {
    const src = fx.tree('solved', join(fx.root, 'again'));
    const runs = () => tscRuns.count;
    const before = runs();
    expect(await typeErrors(fx.chapter, src)).toEqual([]);
    expect(runs()).toBe(before + 1);
    expect(await typeErrors(fx.chapter, src)).toEqual([]);
    expect(runs(), 'the same inputs: the last verdict').toBe(before + 1);
    // An edit that keeps an old modification time (an archive unpacked over the tree) counts.
    writeFileSync(join(src, 'calc.ts'), WRONG + SUB);
    utimesSync(join(src, 'calc.ts'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    expect(await typeErrors(fx.chapter, src)).toHaveLength(1);
    expect(runs()).toBe(before + 2);
    expect(await typeErrors(fx.chapter, src), 'a kept verdict keeps its errors').toHaveLength(1);
    expect(runs()).toBe(before + 2);
    // A new file joins the program (the tree is checked whole, not only what the tests import).
    writeFileSync(join(src, 'calc.ts'), TREES.solved);
    writeFileSync(join(src, 'extra.ts'), 'export const n: number = "one";\n');
    const errors = await typeErrors(fx.chapter, src);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^src\/extra\.ts:1:\d+: error TS2322: /);
  });
});
