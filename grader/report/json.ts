// Our machine-readable grade (`xenlab grade --format json`): one object per run.
//
//   { chapter, seed, score, max_score,
//     tests: [{ id, exercise, name, status, score, max_score, message }],
//     exercises: [{ id, title, score, max_score, passed, total }], error?, asm_warnings? }

import type { GradeReport } from '../grading.ts';

export interface JsonTest {
  id: string;
  exercise: string;
  name: string;
  status: 'passed' | 'failed';
  score: number;
  max_score: number;
  message: string;
}

export interface JsonExercise {
  id: string;
  title: string;
  score: number;
  max_score: number;
  passed: number;
  total: number;
}

export interface JsonGrade {
  chapter: string;
  seed: number;
  score: number;
  max_score: number;
  tests: JsonTest[];
  exercises: JsonExercise[];
  error?: string;
  /** What the assembler warns about in the tree's guests, each with its source line. */
  asm_warnings?: string[];
}

export function toJson(report: GradeReport): JsonGrade {
  return {
    chapter: report.chapter,
    seed: report.seed,
    score: report.score,
    max_score: report.max_score,
    tests: report.tests.map((t) => ({
      id: t.id,
      exercise: t.exercise,
      name: t.name,
      status: t.status,
      score: t.score,
      max_score: t.max_score,
      message: t.message,
    })),
    exercises: report.exercises.map((e) => ({
      id: e.id,
      title: e.title,
      score: e.score,
      max_score: e.points,
      passed: e.passed,
      total: e.total,
    })),
    ...(report.error === undefined ? {} : { error: report.error }),
    ...(report.asmWarnings === undefined ? {} : { asm_warnings: report.asmWarnings }),
  };
}
