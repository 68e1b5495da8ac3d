// Named code regions of solutions/ as a page quotes them (`<<< region:NAME`), read with the
// stager's own parser (grader/stage): marker lines dropped, and the body of every exercise of the
// page's chapter or a later one shown as its starter, as that chapter's src/ has it. Node-only.

import { CHAPTERS } from '../../chapters/index.ts';
import { type MarkedTree, regionForReader } from '../../grader/stage/generate.ts';

export interface Region {
  name: string;
  /** The file, relative to the repository root ('solutions/xen/builder.ts'). */
  file: string;
  /** The Shiki language of the file. */
  lang: string;
  code: string;
}

/** Source extensions and the Shiki language each is highlighted as. */
const LANGUAGES: Record<string, string> = { ts: 'ts', asm: 'asm', inc: 'asm' };

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** The chapter a page belongs to (`chapters/NN-slug/README.md` → NN), or undefined. */
export function pageChapter(page: string): string | undefined {
  const slug = /^chapters\/([^/]+)\/README\.md$/.exec(page)?.[1];
  return CHAPTERS.find((c) => c.slug === slug)?.id;
}

/** Region `name` as the reader of chapter `reader` sees it, or undefined when none has that name. */
export function quoteRegion(
  tree: MarkedTree,
  name: string,
  reader: string | undefined,
): Region | undefined {
  const found = regionForReader(tree, name, reader);
  if (found === undefined) return undefined;
  const file = `solutions/${found.file.path}`;
  const lang = LANGUAGES[file.split('.').pop() ?? ''] ?? 'text';
  return { name, file, lang, code: dedent(found.lines) };
}
