// The book's two quoting lines, as a markdown-it block rule that runs before VitePress's own
// `<<< file` snippets:
//   <<< region:NAME   the code of region NAME in solutions/, highlighted by Shiki;
//   <<< console:GUEST the guest's console as a terminal shows it, from a run at build time.
// Quoting something that does not exist fails the build, naming the page and what was asked.

import { relative } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';
import type { Region } from './regions.ts';

export interface QuoteSources {
  /** The repository root: pages are named relative to it in errors. */
  root: string;
  regions: ReadonlyMap<string, Region>;
  /** Each guest's rendered screen, one string per line. */
  consoles: ReadonlyMap<string, readonly string[]>;
}

const QUOTE = /^<<< (region|console):(\S+)$/;

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
      const [, kind, name] = match as unknown as [string, 'region' | 'console', string];
      // realPath is the page's file before VitePress's rewrites (chapters/NN-slug/README.md).
      const env = state.env as { realPath?: string; path?: string };
      const file = env.realPath ?? env.path;
      const page = file === undefined ? '(unknown page)' : relative(sources.root, file);
      let caption: string;
      let lang: string;
      let code: string;
      if (kind === 'region') {
        const region = sources.regions.get(name);
        if (region === undefined) {
          throw new QuoteError(`${page}:${startLine + 1}: no region "${name}" in solutions/`);
        }
        caption = `<code>${escapeHtml(region.file)}</code> · region <code>${escapeHtml(name)}</code>`;
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
}
