import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureChapter, TREES } from '../fixtures/grade.ts';
import { applyReset, planReset } from './reset.ts';

describe('xenlab reset', () => {
  it('restores an exercise’s file to the starter, and only what differs', () => {
    const fx = fixtureChapter();
    const fresh = fx.tree('half', join(fx.root, 'fresh'));
    const src = fx.tree('solved', join(fx.chapter.dir, 'src'));
    const plan = planReset(fx.chapter, fresh, ['src/calc.ts']);
    expect(plan.changed).toEqual(['src/calc.ts']);
    applyReset(plan, fresh);
    expect(readFileSync(join(src, 'calc.ts'), 'utf8')).toBe(TREES.half);
    expect(planReset(fx.chapter, fresh, ['src/calc.ts']).changed).toEqual([]);
  });

  it('a whole chapter also loses files the starter does not have', () => {
    const fx = fixtureChapter();
    const fresh = fx.tree('half', join(fx.root, 'fresh'));
    const src = fx.tree('solved', join(fx.chapter.dir, 'src'));
    writeFileSync(join(src, 'notes.ts'), 'export {};\n');
    const plan = planReset(fx.chapter, fresh, 'all');
    expect(plan).toMatchObject({ changed: ['src/calc.ts'], extra: ['src/notes.ts'] });
    applyReset(plan, fresh);
    expect(planReset(fx.chapter, fresh, 'all')).toMatchObject({ changed: [], extra: [] });
    expect(() => planReset(fx.chapter, fresh, ['src/missing.ts'])).toThrow(
      /not part of chapter 01/,
    );
  });
});
