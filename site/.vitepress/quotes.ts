// The book's two quoting lines, as a markdown-it block rule that runs before VitePress's own
// `<<< file` snippets:
//   <<< region:NAME   the code of region NAME in solutions/, highlighted by Shiki;
//   <<< console:GUEST the guest's console as a terminal shows it, from a run at build time;
//   <<< figure:NAME   a figure drawn at build time from a run of the code (figures.ts).
// With a repository URL, a region's caption on a chapter page links to the file in that chapter's
// src/ in the repository: the file the reader works in, which shows what the quote shows.
// Quoting something that does not exist fails the build, naming the page and what was asked; so
// does a code block of the page (quoted or typed) that shows the solution of an exercise of the
// page's chapter or a later one.

import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';
import type { MarkedTree } from '../../grader/stage/generate.ts';
import { spoilersIn } from '../../grader/stage/spoilers.ts';
import type { Figure } from './figures.ts';
import { pageChapter, quoteRegion } from './regions.ts';

export interface QuoteSources {
  /** The repository root: pages are named relative to it in errors. */
  root: string;
  /** solutions/ as the stager reads it: regions, exercises and their starters. */
  tree: MarkedTree;
  /** Each guest's rendered screen, one string per line. */
  consoles: ReadonlyMap<string, readonly string[]>;
  figures: ReadonlyMap<string, Figure>;
  /** The repository's address files are appended to (…/blob/main), from XENLAB_REPO_URL. */
  repoUrl?: string;
}

const QUOTE = /^<<< (region|console|figure):(\S+)$/;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class QuoteError extends Error {
  override name = 'QuoteError';
}

export function quotePlugin(md: MarkdownRenderer, sources: QuoteSources): void {
  md.block.ruler.before(
    'snippet',
    'xenlab_quote',
    (state, startLine, _endLine, silent) => {
      const line = state.src.slice(state.bMarks[startLine], state.eMarks[startLine]);
      const match = QUOTE.exec(line);
      if (match === null) return false;
      if (silent) return true;
      const [, kind, name] = match as unknown as [string, 'region' | 'console' | 'figure', string];
      const page = pageOf(state.env, sources.root);
      if (kind === 'figure') {
        const figure = sources.figures.get(name);
        if (figure === undefined) {
          const known = [...sources.figures.keys()].join(', ');
          throw new QuoteError(`${page}:${startLine + 1}: no figure "${name}" (figures: ${known})`);
        }
        const html = state.push('html_block', '', 0);
        html.content =
          `<figure class="xenlab-figure-box" data-figure="${escapeHtml(name)}">${figure.svg}` +
          `<figcaption>${escapeHtml(figure.caption)}</figcaption></figure>\n`;
        state.line = startLine + 1;
        return true;
      }
      let caption: string;
      let lang: string;
      let code: string;
      if (kind === 'region') {
        const region = quoteRegion(sources.tree, name, pageChapter(page));
        if (region === undefined) {
          throw new QuoteError(`${page}:${startLine + 1}: no region "${name}" in solutions/`);
        }
        caption = `<code>${escapeHtml(region.file)}</code> · region <code>${escapeHtml(name)}</code>`;
        const source = sourceLink(sources, page, region.file);
        if (source !== undefined) caption += ` · ${source}`;
        lang = region.lang;
        code = region.code;
      } else {
        const screen = sources.consoles.get(name);
        if (screen === undefined) {
          const known = [...sources.consoles.keys()].join(', ');
          throw new QuoteError(`${page}:${startLine + 1}: no guest "${name}" (guests: ${known})`);
        }
        caption = `<code>npx xenlab run ${escapeHtml(name)}</code>`;
        lang = 'text';
        code = screen.join('\n');
      }
      const head = state.push('html_block', '', 0);
      head.content = `<div class="xenlab-quote-caption">${caption}</div>\n`;
      const fence = state.push('fence', 'code', 0);
      fence.info = lang;
      fence.content = `${code}\n`;
      fence.markup = '```';
      fence.map = [startLine, startLine + 1];
      state.line = startLine + 1;
      return true;
    },
    { alt: ['paragraph', 'reference', 'blockquote', 'list'] },
  );
  md.core.ruler.push('xenlab_no_spoilers', (state) => {
    const page = pageOf(state.env, sources.root);
    const reader = pageChapter(page);
    for (const token of state.tokens) {
      if (token.type !== 'fence' && token.type !== 'code_block') continue;
      const [spoiler] = spoilersIn(sources.tree, reader, token.content);
      if (spoiler === undefined) continue;
      const line = (token.map?.[0] ?? 0) + 1;
      throw new QuoteError(
        `${page}:${line}: shows the solution of exercise ${spoiler.id}, ` +
          `which a reader of ${reader === undefined ? 'this page' : `chapter ${reader}`} ` +
          'has still to do: quote its region (which shows the starter) instead',
      );
    }
    return true;
  });
}

/**
 * A link to `file` (solutions/…) as the reader of `page`'s chapter has it in the repository
 * (chapters/NN-slug/src/…), or undefined without a repository URL or outside a chapter.
 */
function sourceLink(sources: QuoteSources, page: string, file: string): string | undefined {
  const slug = /^chapters\/([^/]+)\/README\.md$/.exec(page)?.[1];
  if (sources.repoUrl === undefined || slug === undefined) return undefined;
  const path = `chapters/${slug}/src/${file.replace(/^solutions\//, '')}`;
  if (!existsSync(join(sources.root, path))) return undefined;
  const href = `${sources.repoUrl.replace(/\/$/, '')}/${path}`;
  return `<a class="xenlab-source" href="${escapeHtml(href)}">${escapeHtml(path)}</a>`;
}

/** The page's file relative to the root: realPath is the file before VitePress's rewrites. */
function pageOf(env: unknown, root: string): string {
  const { realPath, path } = env as { realPath?: string; path?: string };
  const file = realPath ?? path;
  return file === undefined ? '(unknown page)' : relative(root, file);
}
