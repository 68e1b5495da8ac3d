// Chapters as the grader sees them: a chapter argument (`2`, `02`, `A`) resolved against
// chapters/index.ts, its folder, its exercise manifest and its test folders.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exercise } from '../chapters/exercise.ts';
import { CHAPTERS, type Chapter } from '../chapters/index.ts';
import { REPO_ROOT } from './cache.ts';

/** A chapter the grader can grade: where its folder is and what its exercises are. */
export interface GradedChapter extends Chapter {
  /** The chapter folder (chapters/NN-slug), absolute. */
  dir: string;
  exercises: Exercise[];
}

/** A command-line mistake: the message is for the user, the command exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const CHAPTERS_DIR = join(REPO_ROOT, 'chapters');

/** `2` → `02`; `02`, `a` → `A`; undefined when no chapter has that id. */
export function findChapter(arg: string): Chapter | undefined {
  const id = /^\d$/.test(arg) ? `0${arg}` : arg.toUpperCase();
  return CHAPTERS.find((c) => c.id === id || c.slug === arg);
}

export function chapterDir(chapter: Chapter, root = CHAPTERS_DIR): string {
  return join(root, chapter.slug);
}

/** The chapter for `arg`, or a UsageError naming the chapters that exist. */
export function requireChapter(arg: string): Chapter {
  const chapter = findChapter(arg);
  if (chapter === undefined) {
    const ids = CHAPTERS.map((c) => c.id).join(', ');
    throw new UsageError(`no chapter "${arg}" (chapters: ${ids})`);
  }
  return chapter;
}

/** Loads the exercise manifest of a chapter folder; [] when it has none yet. */
export async function loadExercises(dir: string): Promise<Exercise[]> {
  const file = join(dir, 'exercises.ts');
  if (!existsSync(file)) return [];
  const module = (await import(pathToFileURL(file).href)) as { EXERCISES?: Exercise[] };
  return module.EXERCISES ?? [];
}

/** The chapter `arg` with its manifest, or a UsageError if it has no graded exercises. */
export async function loadChapter(arg: string, root = CHAPTERS_DIR): Promise<GradedChapter> {
  const chapter = requireChapter(arg);
  const dir = chapterDir(chapter, root);
  const exercises = await loadExercises(dir);
  if (exercises.length === 0) {
    throw new UsageError(`chapter ${chapter.id} (${chapter.title}) has no graded exercises yet`);
  }
  return { ...chapter, dir, exercises };
}

/** Every chapter that has a manifest with exercises, in book order. */
export async function gradedChapters(root = CHAPTERS_DIR): Promise<GradedChapter[]> {
  const out: GradedChapter[] = [];
  for (const c of CHAPTERS) {
    const dir = chapterDir(c, root);
    if (!existsSync(dir)) continue;
    const exercises = await loadExercises(dir);
    if (exercises.length > 0) out.push({ ...c, dir, exercises });
  }
  return out;
}

/** The exercise `id` (`02-start-info`) and its chapter, or a UsageError. */
export async function findExercise(
  id: string,
  root = CHAPTERS_DIR,
): Promise<{ chapter: GradedChapter; exercise: Exercise }> {
  for (const chapter of await gradedChapters(root)) {
    const exercise = chapter.exercises.find((e) => e.id === id);
    if (exercise !== undefined) return { chapter, exercise };
  }
  throw new UsageError(`no exercise "${id}" (exercise ids look like 02-start-info)`);
}

/** The test files of a chapter folder's tests/ (relative names, sorted). */
export function testFiles(testsDir: string): string[] {
  if (!existsSync(testsDir)) return [];
  return readdirSync(testsDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.split('\\').join('/'))
    .sort();
}
