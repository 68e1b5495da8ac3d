// What a reader may not be shown (solutions/README.md): the solution of an exercise of the
// reader's own chapter or a later one. The book's build checks every code block of a page with
// this before it publishes the page.

import type { MarkedTree } from './generate.ts';
import { exerciseSolutions } from './generate.ts';

/** A solution found in shown text: the exercise, and the line of the text where it starts. */
export interface Spoiler {
  id: string;
  /** 1-based, in the text searched. */
  line: number;
}

/** The lines that carry code, trimmed: blank and comment-only lines say nothing away. */
function codeLines(lines: readonly string[]): { text: string; line: number }[] {
  return lines
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('//') && !text.startsWith(';'));
}

/**
 * The exercises whose whole solution appears, line for line, in `text`, among those hidden from
 * the reader of chapter `reader` (undefined: a page outside the chapters, from which all are).
 */
export function spoilersIn(tree: MarkedTree, reader: string | undefined, text: string): Spoiler[] {
  const limit = reader === undefined ? -1 : tree.chapters.indexOf(reader);
  const shown = codeLines(text.split('\n'));
  const found: Spoiler[] = [];
  for (const solution of exerciseSolutions(tree)) {
    if (tree.chapters.indexOf(solution.chapter) < limit) continue;
    const body = codeLines(solution.lines).map((l) => l.text);
    if (body.length === 0) continue;
    for (let at = 0; at + body.length <= shown.length; at++) {
      if (body.every((l, k) => shown[at + k]!.text === l)) {
        found.push({ id: solution.id, line: shown[at]!.line });
        break;
      }
    }
  }
  return found;
}
