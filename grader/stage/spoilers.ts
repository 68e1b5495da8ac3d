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

/**
 * The exercises whose solution is in a JavaScript bundle made from solutions/ (the site's guest
 * worker), among those hidden from the reader of chapter `reader`. A minifier keeps what a
 * TypeScript body says but not how: its property names and string literals, in order; the body
 * is found where the bundle has the same run of them. A body with fewer than six such tokens
 * (four different) cannot be told from other code this way and is not searched (the inputs of
 * a bundle are searched line for line by `spoilersIn`). Assembly is bundled as text: its lines
 * are searched as `spoilersIn` searches a page.
 */
export function spoilersInBundle(
  tree: MarkedTree,
  reader: string | undefined,
  code: string,
): Spoiler[] {
  const limit = reader === undefined ? -1 : tree.chapters.indexOf(reader);
  const lines = codeLines(unescapeStrings(code).split('\n'));
  const tokens = tokensOf(code);
  const found: Spoiler[] = [];
  for (const solution of exerciseSolutions(tree)) {
    if (tree.chapters.indexOf(solution.chapter) < limit) continue;
    if (/\.(asm|inc)$/.test(solution.file)) {
      const body = codeLines(solution.lines).map((l) => l.text);
      if (
        body.length > 0 &&
        containsRun(
          lines.map((l) => l.text),
          body,
        )
      ) {
        found.push({ id: solution.id, line: 0 });
      }
      continue;
    }
    const print = fingerprint(solution.lines);
    if (print !== undefined && containsRun(tokens, print)) found.push({ id: solution.id, line: 0 });
  }
  return found;
}

const TOKEN =
  /'((?:\\.|[^'\\\n])*)'|"((?:\\.|[^"\\\n])*)"|(?<![\w$.])\.\.\.|(?<=[\w$)\]?])\.([A-Za-z_$][\w$]*)/g;

/** Property names (`.name`) and string literals without escapes, in order. */
function tokensOf(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.matchAll(TOKEN)) {
    if (m[3] !== undefined) tokens.push(`.${m[3]}`);
    else if (m[1] !== undefined || m[2] !== undefined) {
      const literal = m[1] ?? m[2]!;
      if (!literal.includes('\\')) tokens.push(`"${literal}"`);
    }
  }
  return tokens;
}

/** A TypeScript body's tokens (tokensOf its code lines); undefined when too few to tell it by. */
export function fingerprint(lines: readonly string[]): string[] | undefined {
  const tokens = codeLines(lines).flatMap(({ text }) => tokensOf(text));
  return tokens.length >= 6 && new Set(tokens).size >= 4 ? tokens : undefined;
}

/** Whether `run` occurs in `items` as consecutive items. */
function containsRun(items: readonly string[], run: readonly string[]): boolean {
  for (let at = 0; at + run.length <= items.length; at++) {
    if (run.every((x, k) => items[at + k] === x)) return true;
  }
  return false;
}

/** A bundle's string escapes undone, so text bundled as a string reads as its lines. */
function unescapeStrings(code: string): string {
  return code.replace(/\\(n|t|"|'|\\)/g, (_, c: string) =>
    c === 'n' ? '\n' : c === 't' ? '\t' : c,
  );
}
