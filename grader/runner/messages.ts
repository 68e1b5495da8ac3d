// Turning a failed test's errors into the message a learner reads (docs/architecture.md §8): the
// assertion's own words with expected/actual, an unwritten exercise as the command that helps,
// and where in the learner's code it went wrong.

import { isAbsolute, relative } from 'node:path';
import { REPO_ROOT } from '../cache.ts';

/** What the runner's child process keeps of a test error (vitest's TestError, serialisable). */
export interface ErrorInfo {
  name?: string;
  message: string;
  diff?: string;
  stack?: string;
  stacks?: { file: string; line: number; column: number; method?: string }[];
  exercise?: unknown;
  section?: unknown;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The first stack frame inside the graded tree, as `src/xen/builder.ts:123:5`. */
export function frameInSrc(error: ErrorInfo, src: string): string | undefined {
  const frames = error.stacks ?? [];
  for (const frame of frames) {
    const file = frame.file.replace(/^file:\/\//, '');
    const rel = relative(src, file);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) {
      return `src/${rel}:${frame.line}:${frame.column}`;
    }
  }
  // Frames vitest did not parse: look through the raw stack.
  for (const line of (error.stack ?? '').split('\n')) {
    const m = /\(?((?:file:\/\/)?\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (m === null) continue;
    const rel = relative(src, m[1]!.replace(/^file:\/\//, ''));
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel))
      return `src/${rel}:${m[2]}:${m[3]}`;
  }
  return undefined;
}

/** A `NotImplemented` from an exercise stub: its exercise id and book section. */
export function notImplemented(
  error: ErrorInfo,
): { exercise: string; section: string } | undefined {
  if (error.name !== 'NotImplemented') return undefined;
  if (typeof error.exercise === 'string' && typeof error.section === 'string') {
    return { exercise: error.exercise, section: error.section };
  }
  const m = /exercise (\S+) is not implemented yet \(book §([^)]+)\)/.exec(error.message);
  return m === null ? undefined : { exercise: m[1]!, section: m[2]! };
}

/**
 * The teaching message for one error of a failed test of exercise `exercise`: a stub of another
 * exercise says that this test needs that one first.
 */
export function errorMessage(error: ErrorInfo, src: string, exercise?: string): string {
  const where = frameInSrc(error, src);
  const stub = notImplemented(error);
  const parts: string[] = [];
  if (stub !== undefined) {
    const first =
      exercise !== undefined && stub.exercise !== exercise
        ? `needs ${stub.exercise} first: this test runs its code, which is not implemented yet`
        : `not implemented yet: exercise ${stub.exercise}`;
    parts.push(`${first} (book §${stub.section}) — \`npx xenlab hint ${stub.exercise}\``);
  } else {
    const name = error.name && error.name !== 'Error' && error.name !== 'AssertionError';
    const text = name ? `${error.name}: ${error.message}` : error.message;
    parts.push(tidyPaths(stripAnsi(text), src));
    if (error.diff) parts.push(stripAnsi(error.diff));
  }
  if (where !== undefined) parts.push(`at ${where}`);
  return parts.join('\n\n');
}

/** The message of a failed test (of exercise `exercise`) with one or more errors. */
export function failureMessage(
  errors: readonly ErrorInfo[],
  src: string,
  exercise?: string,
): string {
  if (errors.length === 0) return 'the test failed without an error message';
  return errors.map((e) => errorMessage(e, src, exercise)).join('\n\n');
}

/** Paths into the graded tree as a learner knows them: `src/…` (Vite may cut the root off). */
export function tidyPaths(text: string, src: string): string {
  const inRepo = relative(REPO_ROOT, src);
  let out = text.split(`${src}/`).join('src/');
  if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) out = out.split(`/${inRepo}/`).join('src/');
  return out;
}
