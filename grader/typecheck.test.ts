import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureChapter } from './fixtures/grade.ts';
import { grade } from './grading.ts';
import { typeErrors } from './typecheck.ts';

describe('grading type-checks the tree first', () => {
  const fx = fixtureChapter();

  it('a tree that type-checks has no errors', async () => {
    expect(await typeErrors(fx.chapter, fx.tree('solved'))).toEqual([]);
  });

  it('a type error is the report, with file:line, and no test counts', async () => {
    const src = fx.tree('solved', join(fx.root, 'typed-wrong'));
    writeFileSync(
      join(src, 'calc.ts'),
      'export const add = (a: number, b: number): string => a + b;\n' +
        'export const sub = (a: number, b: number) => a - b;\n',
    );
    const report = await grade({ chapter: fx.chapter, src, seed: 1 });
    expect(report.typeErrors).toHaveLength(1);
    expect(report.typeErrors![0]).toMatch(/^src\/calc\.ts:1:\d+: error TS2322: /);
    expect(report.score).toBe(0);
    expect(report.tests).toHaveLength(2);
    for (const t of report.tests)
      expect(t.message).toMatch(/^not graded: your code does not type-check:\nsrc\/calc\.ts:1:/);
  });
});
