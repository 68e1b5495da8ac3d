// Grading a tree against a chapter's tests: the runner runs them, this module turns results into
// points (docs/architecture.md §8). Every report format (text, JSON, Gradescope, CSV) reads a
// GradeReport.
//
// Scoring: an exercise's points are shared equally by its tests, so an exercise with P points
// and T tests scores P × passed / T, rounded to 2 decimals; each test is worth P / T. The
// chapter's score is the sum of its exercises' scores. A test that did not run (the tree does
// not compile, the run hung and was stopped) counts as failed, with the reason as its message.
// A tree that does not type-check is not graded at all: its type errors are the report.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Exercise } from '../chapters/exercise.ts';
import { cacheDir } from './cache.ts';
import type { GradedChapter } from './chapters.ts';
import { exerciseAt } from './exercise-body.ts';
import { assembleGuests } from './guests.ts';
import { runTests, type TestResult } from './runner/index.ts';
import { starterWithStubs } from './starter.ts';
import { typeErrors } from './typecheck.ts';

/** One test's outcome with its share of the exercise's points. */
export interface GradedTest {
  id: string;
  exercise: string;
  name: string;
  file: string;
  status: 'passed' | 'failed';
  message: string;
  score: number;
  max_score: number;
  durationMs: number;
  /** The test comes from a hidden test pack (not in the learner's copy). */
  hidden: boolean;
}

export interface ExerciseGrade {
  id: string;
  title: string;
  section: string;
  points: number;
  score: number;
  passed: number;
  total: number;
}

export interface GradeReport {
  /** The chapter id, `02`. */
  chapter: string;
  seed: number;
  /** The graded source tree (absolute). */
  src: string;
  score: number;
  max_score: number;
  exercises: ExerciseGrade[];
  /** In run order, so the first failure is the first failed entry. */
  tests: GradedTest[];
  /** Why the run stopped early or did not start, if it did. */
  error?: string;
  /** The tree's type errors (`src/FILE:LINE:COL: …`): when present, no test counted. */
  typeErrors?: string[];
  /** What the assembler warns about in the tree's guests (`src/guests/FILE:LINE:COL: …`). */
  asmWarnings?: string[];
  /** Only part of the chapter was graded (`--test`, `--exercise`). */
  partial: boolean;
  durationMs: number;
}

export interface GradeOptions {
  chapter: GradedChapter;
  /** Earlier chapters whose tests also run (`--cumulative`). */
  earlier?: GradedChapter[];
  src: string;
  seed: number;
  /** Only tests whose name contains this. */
  test?: string;
  /** Only this exercise's tests. */
  exercise?: string;
  /** Hidden test pack folders, each holding NN-slug/tests/. */
  packs?: string[];
  /**
   * Grade the tests alone, without the checks of the tree's text (its type errors, the
   * assembler's warnings on its guests): the mutants, which only need the score.
   */
  testsOnly?: boolean;
  /** Keep the transformed modules in the cache folder for the next grade of this tree. */
  moduleCache?: boolean;
  wallClockLimitMs?: number;
  /** How long one test may run before it counts as hung. */
  testTimeoutMs?: number;
  /** After each test, the report so far (Gradescope's file is rewritten from it). */
  onUpdate?: (report: GradeReport) => void;
  onProgress?: (done: number, total: number) => void;
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** The test folders a grade runs: the chapter's own (and earlier ones'), then the packs'. */
export function testDirsFor(options: GradeOptions): { dirs: string[]; hidden: string[] } {
  const chapters = [...(options.earlier ?? []), options.chapter];
  const dirs = chapters.map((c) => resolve(c.dir, 'tests'));
  const hidden = chapters.flatMap((c) =>
    (options.packs ?? []).map((pack) => resolve(pack, c.slug, 'tests')),
  );
  return { dirs, hidden };
}

/** A runner result, and whether it comes from a hidden test pack. */
export type RunResult = TestResult & { hidden?: boolean };

function selected(r: RunResult, options: GradeOptions): boolean {
  if (options.exercise !== undefined && r.exercise !== options.exercise) return false;
  if (options.test !== undefined && !r.name.includes(options.test)) return false;
  return true;
}

/**
 * Turns runner results into a report. With `final`, an exercise that no test graded gets one
 * failed entry saying why (the run's error, or that the chapter has no test for it).
 */
export function scoreResults(
  options: GradeOptions,
  results: RunResult[],
  error: string | undefined,
  final: boolean,
  durationMs = 0,
): GradeReport {
  const exercises = [...(options.earlier ?? []), options.chapter].flatMap((c) => c.exercises);
  const partial = options.test !== undefined || options.exercise !== undefined;
  const tests: GradedTest[] = [];
  const grades: ExerciseGrade[] = [];
  const byExercise = new Map<string, RunResult[]>();
  for (const r of results) {
    if (!selected(r, options)) continue;
    const list = byExercise.get(r.exercise) ?? [];
    list.push(r);
    byExercise.set(r.exercise, list);
  }
  const worth = new Map<string, number>();
  for (const e of exercises) {
    const own = byExercise.get(e.id) ?? [];
    if (own.length === 0 && (partial || !final)) continue;
    if (own.length === 0) {
      grades.push({ ...pick(e), score: 0, passed: 0, total: 1 });
      continue;
    }
    const passed = own.filter((r) => r.status === 'passed').length;
    worth.set(e.id, e.points / own.length);
    grades.push({
      ...pick(e),
      score: round2((e.points * passed) / own.length),
      passed,
      total: own.length,
    });
  }
  for (const r of results) {
    if (!selected(r, options)) continue;
    const each = worth.get(r.exercise) ?? 0;
    tests.push({
      id: r.id,
      exercise: r.exercise,
      name: r.name,
      file: r.file,
      status: r.status,
      message: worth.has(r.exercise)
        ? r.message
        : `${r.message}\n(not graded: "${r.exercise}" is not an exercise of this chapter)`.trim(),
      score: r.status === 'passed' ? round2(each) : 0,
      max_score: round2(each),
      durationMs: r.durationMs,
      hidden: r.hidden === true,
    });
  }
  if (final) {
    for (const g of grades) {
      if (byExercise.has(g.id)) continue;
      tests.push({
        id: `${g.id}:did-not-run`,
        exercise: g.id,
        name: '(the exercise’s tests did not run)',
        file: '',
        status: 'failed',
        message:
          error === undefined
            ? 'no test of this chapter grades this exercise (a chapter bug: please report it)'
            : error,
        score: 0,
        max_score: g.points,
        durationMs: 0,
        hidden: false,
      });
    }
  }
  return {
    chapter: options.chapter.id,
    seed: options.seed,
    src: resolve(options.src),
    score: round2(grades.reduce((s, g) => s + g.score, 0)),
    max_score: round2(grades.reduce((s, g) => s + g.points, 0)),
    exercises: grades,
    tests,
    error,
    partial,
    durationMs,
  };
}

function pick(e: Exercise): Omit<ExerciseGrade, 'score' | 'passed' | 'total'> {
  return { id: e.id, title: e.title, section: e.section, points: e.points };
}

/**
 * Type-checks `src` and runs the chapter's tests against it at once (two processes, so a warm
 * grade takes the longer of the two), and meanwhile assembles its guests for the assembler's
 * warnings; with type errors, those are the report and no test counts.
 */
export async function grade(options: GradeOptions): Promise<GradeReport> {
  const started = process.hrtime.bigint();
  const checked = options.testsOnly
    ? Promise.resolve([])
    : typeErrors(options.chapter, options.src);
  const run = runGrade(options);
  const warnings = options.testsOnly ? [] : assembleGuests(options.src).warnings;
  const [errors, tested] = await Promise.all([checked, run]);
  const report =
    warnings.length === 0 ? tested : { ...tested, asmWarnings: warnings.map((w) => `src/${w}`) };
  if (errors.length === 0) return report;
  const ms = Number((process.hrtime.bigint() - started) / 1_000_000n);
  const why = `not graded: your code does not type-check:\n${errors.join('\n')}`;
  return { ...scoreResults(options, [], why, true, ms), typeErrors: errors };
}

/** Runs the chapter's tests, then any packs' (a run of their own, so each result is known to be
 * public or hidden), against `src` and scores them. */
async function runGrade(options: GradeOptions): Promise<GradeReport> {
  const { dirs, hidden } = testDirsFor(options);
  const packDirs = hidden.filter((dir) => existsSync(dir) && statSync(dir).isDirectory());
  const results: RunResult[] = [];
  const errors: string[] = [];
  // Time the grader reports to Gradescope; the graded code never sees the wall clock.
  const started = process.hrtime.bigint();
  const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
  // The runner matches its filter against vitest's full name (names joined by spaces): give it
  // the test's last name, then keep exactly the matching results.
  const filter = options.test?.split(' › ').pop() ?? options.exercise;
  const runs = [{ testDirs: dirs, hidden: false }];
  if (packDirs.length > 0) runs.push({ testDirs: packDirs, hidden: true });
  for (const run of runs) {
    const seen = new Set<string>();
    const add = (r: TestResult) => {
      if (seen.has(r.id)) return;
      seen.add(r.id);
      results.push({ ...r, hidden: run.hidden });
    };
    const outcome = await runTests({
      src: resolve(options.src),
      testDirs: run.testDirs,
      seed: options.seed,
      filter,
      wallClockLimitMs: options.wallClockLimitMs,
      testTimeoutMs: options.testTimeoutMs,
      moduleCache: options.moduleCache ? join(cacheDir(), 'modules') : undefined,
      onResult: (r) => {
        add(r);
        options.onUpdate?.(scoreResults(options, results, undefined, false, elapsed()));
      },
      onProgress: options.onProgress,
    });
    for (const r of outcome.results) add(r);
    if (outcome.error !== undefined) errors.push(outcome.error);
  }
  const error = errors.length === 0 ? undefined : errors.join('\n');
  return scoreResults(options, await withLoopExercises(options, results), error, true, elapsed());
}

/** A hang's place (`… in FUNCTION at src/FILE:LINE:COL`) in the text of a message. */
const LOOP_AT = /( in \S+ at src\/([^:\s]+):(\d+):\d+)/;

/**
 * Hang messages that say where the code was looping also name the exercise whose body that is
 * (the loop may be in another exercise's code than the test's).
 */
async function withLoopExercises(
  options: GradeOptions,
  results: RunResult[],
): Promise<RunResult[]> {
  if (!results.some((r) => LOOP_AT.test(r.message))) return results;
  let starter: Awaited<ReturnType<typeof starterWithStubs>>;
  try {
    starter = await starterWithStubs(options.chapter);
  } catch {
    return results; // no starter to compare with (a handout without grader/starters/)
  }
  return results.map((r) => {
    const m = LOOP_AT.exec(r.message);
    const path = join(options.src, m?.[2] ?? '');
    if (m === null || !existsSync(path)) return r;
    const mine = readFileSync(path, 'utf8').split('\n');
    const id = exerciseAt(m[2]!, Number(m[3]), mine, starter.files, starter.stubs);
    if (id === undefined) return r;
    return { ...r, message: r.message.replace(m[1]!, `${m[1]} (the body of exercise ${id})`) };
  });
}
