// Where an exercise's body lies in a learner's file: the stager knows where each stub lies in the
// starter (StubSpan); the learner's version of the body is found between the same surrounding
// lines, so `reset ID` can put back one exercise's starter body and keep the rest of the file.

import type { StubSpan } from './stage/generate.ts';

/** Non-blank lines of context that must match on each side of a body. */
const CONTEXT = 3;

/** One body to put back: lines [start, end) of the learner's file become `starter`. */
export interface BodyReset {
  id: string;
  /** Path relative to src/. */
  path: string;
  start: number;
  end: number;
  mine: string[];
  starter: string[];
}

const same = (a: string, b: string) => a.trimEnd() === b.trimEnd();

function matchesAt(lines: readonly string[], at: number, want: readonly string[]): boolean {
  if (at < 0 || at + want.length > lines.length) return false;
  return want.every((w, i) => same(lines[at + i]!, w));
}

/** Lines next to index `from` going `step` (−1 before, +1 after), up to `nonBlank` non-blank ones. */
function context(lines: readonly string[], from: number, step: 1 | -1, nonBlank: number): string[] {
  const out: string[] = [];
  let seen = 0;
  for (let i = from; i >= 0 && i < lines.length && seen < nonBlank; i += step) {
    out.push(lines[i]!);
    if (lines[i]!.trim() !== '') seen++;
  }
  return step === 1 ? out : out.reverse();
}

/**
 * Lines [start, end) of `mine` that stand where the starter has the stub `span`, or undefined
 * when the lines around it cannot be found once (edited too, or repeated).
 */
export function locateBody(
  mine: readonly string[],
  starter: readonly string[],
  span: Pick<StubSpan, 'start' | 'end'>,
): { start: number; end: number } | undefined {
  // Before: the shortest context, from CONTEXT non-blank lines up, that occurs exactly once.
  let start: number | undefined;
  for (let n = CONTEXT; start === undefined; n++) {
    const before = context(starter, span.start - 1, -1, n);
    const hits: number[] = [];
    for (let i = 0; i + before.length <= mine.length; i++) {
      if (matchesAt(mine, i, before)) hits.push(i + before.length);
    }
    if (hits.length === 0) return undefined;
    if (hits.length === 1) start = hits[0]!;
    else if (before.length >= span.start) return undefined;
  }
  // After: the first place from there where the lines that follow the stub come again.
  const after = context(starter, span.end, 1, CONTEXT);
  for (let i = start; i + after.length <= mine.length; i++) {
    if (matchesAt(mine, i, after)) return { start, end: i };
  }
  return undefined;
}

/** The learner's text with `reset`'s lines replaced by the starter's body. */
export function applyBodyReset(text: string, reset: BodyReset): string {
  const lines = text.split('\n');
  lines.splice(reset.start, reset.end - reset.start, ...reset.starter);
  return lines.join('\n');
}

/** A reset as a diff: where, then the lines removed (−) and the starter's lines (+). */
export function formatBodyReset(reset: BodyReset, file: string): string[] {
  const where =
    reset.end > reset.start
      ? `lines ${reset.start + 1}–${reset.end}`
      : `before line ${reset.start + 1}`;
  return [
    `${file}, ${where} (the body of exercise ${reset.id}) become the starter's:`,
    ...reset.mine.map((l) => `  - ${l}`),
    ...reset.starter.map((l) => `  + ${l}`),
  ];
}

/**
 * The exercise whose body holds line `line` (1-based) of the learner's file `path` (relative to
 * src/), found as `reset` finds bodies; undefined outside every body.
 */
export function exerciseAt(
  path: string,
  line: number,
  mine: readonly string[],
  starter: Readonly<Record<string, string>>,
  stubs: readonly StubSpan[],
): string | undefined {
  for (const span of stubs.filter((s) => s.path === path)) {
    const at = locateBody(mine, starter[path]!.split('\n'), span);
    if (at !== undefined && line > at.start && line <= at.end) return span.id;
  }
  return undefined;
}
