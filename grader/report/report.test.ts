import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureChapter } from '../fixtures/grade.ts';
import { grade } from '../grading.ts';
import { type GradescopeResults, toGradescope, writeJsonAtomic } from './gradescope.ts';
import { toJson } from './json.ts';
import { formatText } from './text.ts';

describe('a grade of the fixture chapter (one runner call)', async () => {
  const fx = fixtureChapter();
  const out = join(fx.root, 'results.json');
  const snapshots: GradescopeResults[] = [];
  const report = await grade({
    chapter: fx.chapter,
    src: fx.tree('half'),
    seed: 3,
    packs: [fx.pack],
    onUpdate: (r) => {
      writeJsonAtomic(out, toGradescope(r));
      snapshots.push(JSON.parse(readFileSync(out, 'utf8')) as GradescopeResults);
    },
  });

  it('shares an exercise’s points equally among its tests', () => {
    expect(report.exercises.map((e) => [e.id, e.score, e.points, e.passed, e.total])).toEqual([
      ['01-fixture-add', 2, 4, 1, 2],
      ['01-fixture-sub', 1, 2, 1, 2],
    ]);
    expect([report.score, report.max_score]).toEqual([3, 6]);
  });

  it('a hidden pack’s tests share the exercise’s points and are marked hidden', () => {
    const hidden = report.tests.filter((t) => t.hidden);
    expect(hidden.map((t) => [t.exercise, t.name, t.status, t.score])).toEqual([
      ['01-fixture-sub', 'subtracts large numbers', 'passed', 1],
    ]);
  });

  it('text: exercises, then every failure with the first on top, section, hint and repro', () => {
    const text = formatText(report);
    expect(text).toMatch(/^✗ 01-fixture-add {2}Addition {5}2\/4$/m);
    expect(text).toMatch(/^✗ 01-fixture-sub {2}Subtraction {2}1\/2$/m);
    const first = text.indexOf('1) 01-fixture-add › adds negative numbers');
    const second = text.indexOf('2) 01-fixture-sub › subtracts');
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    const block = text.slice(first, second);
    expect(block).toMatch(/add\(-2, -3\) is -5/);
    expect(block).toMatch(/expected \+0 to be -5/);
    expect(block).toMatch(/read: {6}book §1\.4/);
    expect(block).toMatch(/hint: {6}npx xenlab hint 01-fixture-add/);
    expect(block).toMatch(/reproduce: npx xenlab grade 01 --seed 3 --test "adds negative numbers"/);
    expect(text).toMatch(/Score: 3\/6\n$/);
  });

  it('JSON has the documented fields', () => {
    const json = toJson(report);
    expect(Object.keys(json)).toEqual([
      'chapter',
      'seed',
      'score',
      'max_score',
      'tests',
      'exercises',
    ]);
    expect(json.tests).toHaveLength(4);
    for (const t of json.tests) {
      expect(Object.keys(t)).toEqual([
        'id',
        'exercise',
        'name',
        'status',
        'score',
        'max_score',
        'message',
      ]);
    }
    expect(json.tests.find((t) => t.name === 'adds small numbers')).toMatchObject({
      status: 'passed',
      score: 2,
      max_score: 2,
      message: '',
    });
  });

  it('Gradescope results.json is valid after every test, and complete at the end', () => {
    expect(snapshots.map((s) => s.tests.length)).toEqual([1, 2, 3, 4]);
    for (const s of snapshots) {
      expect(typeof s.score).toBe('number');
      expect(s.visibility).toBe('visible');
      for (const t of s.tests) {
        expect(['passed', 'failed']).toContain(t.status);
        expect(t.max_score).toBeGreaterThan(0);
        expect(t.visibility).toBe(t.name.includes('large') ? 'after_published' : 'visible');
      }
    }
    const final = toGradescope(report);
    expect(final.score).toBe(3);
    expect(final.tests.find((t) => t.status === 'failed')?.output).toMatch(
      /npx xenlab hint 01-fixture-/,
    );
  });
});

describe('the text report’s order and completeness', () => {
  const exercise = (id: string) => ({ id, title: id, section: '1.1', points: 2 });
  const failed = (exercise: string, name: string, message: string) => ({
    id: `${exercise}::${name}`,
    exercise,
    name,
    file: 'tests/t.test.ts',
    status: 'failed' as const,
    message,
    score: 0,
    max_score: 1,
    durationMs: 0,
    hidden: false,
  });
  const report = (tests: ReturnType<typeof failed>[], extra = {}) => ({
    chapter: '01',
    seed: 1,
    src: '/x',
    score: 0,
    max_score: 4,
    exercises: ['01-a', '01-b'].map((id) => ({ ...exercise(id), score: 0, passed: 0, total: 2 })),
    tests,
    partial: false,
    durationMs: 0,
    ...extra,
  });

  it('lists failures in exercise order, and shows a long diff whole', () => {
    const diff = Array.from({ length: 120 }, (_, i) => `- line ${i}`).join('\n');
    const text = formatText(
      report([failed('01-b', 'second', 'b fails'), failed('01-a', 'first', diff)]),
    );
    expect(text.indexOf('1) 01-a › first')).toBeLessThan(text.indexOf('2) 01-b › second'));
    expect(text).toContain('- line 119');
    expect(text).not.toMatch(/more lines/);
  });

  it('a tree that does not type-check: its errors once, on top, and no test failures', () => {
    const errors = ['src/a.ts:3:7: error TS2322: Type bigint is not assignable to type number.'];
    const text = formatText(
      report([failed('01-a', '(did not run)', 'x'), failed('01-b', '(did not run)', 'x')], {
        typeErrors: errors,
        error: 'does not type-check',
      }),
    );
    expect(text.indexOf('src/a.ts:3:7')).toBeLessThan(text.indexOf('✗ 01-a'));
    expect(text.split('src/a.ts:3:7').length).toBe(2);
    expect(text).not.toMatch(/failed test/);
  });
});
