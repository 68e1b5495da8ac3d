// What the learner loop remembers, in the cache folder (cache.ts): the last grade of each
// chapter (for `xenlab progress`) and how many hints of each exercise were revealed. All of it
// can be deleted: grades are rebuilt by re-grading, hints simply start over.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.ts';
import type { JsonGrade } from './report/json.ts';

/** A cached grade: our JSON plus when it was made. */
export interface CachedGrade extends JsonGrade {
  gradedAt: string;
  /** Exercises some of whose tests ran since (`--test`): their score here may be out of date. */
  stale?: string[];
}

function resultsDir(): string {
  return join(cacheDir(), 'results');
}

/** Stores the latest grade of a chapter's own src/ (never a --src, filtered or packed run). */
export function saveGrade(grade: JsonGrade & { stale?: string[] }): void {
  mkdirSync(resultsDir(), { recursive: true });
  const cached: CachedGrade = { ...grade, gradedAt: new Date().toISOString() };
  writeFileSync(
    join(resultsDir(), `${grade.chapter}.json`),
    `${JSON.stringify(cached, null, 2)}\n`,
  );
}

/**
 * Folds a partial grade of a chapter's own src/ into its cached grade: an exercise graded whole
 * (`--exercise`) takes its new score; one only some of whose tests ran (`--test`) keeps its old
 * score, marked stale.
 */
export function saveExercises(grade: JsonGrade, whole: boolean): void {
  const cached = loadGrades().get(grade.chapter);
  const exercises = new Map((cached?.exercises ?? []).map((e) => [e.id, e]));
  const stale = new Set(cached?.stale ?? []);
  for (const e of grade.exercises) {
    if (whole) {
      exercises.set(e.id, e);
      stale.delete(e.id);
    } else stale.add(e.id);
  }
  const list = [...exercises.values()];
  saveGrade({
    ...(cached ?? grade),
    tests: cached?.tests ?? [],
    exercises: list,
    score: Math.round(list.reduce((sum, e) => sum + e.score, 0) * 100) / 100,
    ...(stale.size === 0 ? {} : { stale: [...stale].sort() }),
  });
}

/** Every cached grade, by chapter id. */
export function loadGrades(): Map<string, CachedGrade> {
  const out = new Map<string, CachedGrade>();
  if (!existsSync(resultsDir())) return out;
  for (const f of readdirSync(resultsDir()).sort()) {
    if (!f.endsWith('.json')) continue;
    try {
      const grade = JSON.parse(readFileSync(join(resultsDir(), f), 'utf8')) as CachedGrade;
      out.set(grade.chapter, grade);
    } catch {
      // A damaged entry is as good as none: re-grading rewrites it.
    }
  }
  return out;
}

function hintsFile(): string {
  return join(cacheDir(), 'hints.json');
}

/** exercise id → how many of its hints have been revealed. */
export function loadRevealed(): Record<string, number> {
  if (!existsSync(hintsFile())) return {};
  try {
    return JSON.parse(readFileSync(hintsFile(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export function saveRevealed(revealed: Record<string, number>): void {
  mkdirSync(cacheDir(), { recursive: true });
  writeFileSync(hintsFile(), `${JSON.stringify(revealed, null, 2)}\n`);
}
