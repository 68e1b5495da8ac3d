// Links in the book's pages, written for reading the repository (a chapter's README.md links
// `../03-shared-info/README.md` or `../../solutions/xen/builder.ts`), resolved for the site: a
// link to a written chapter or a site page goes to its URL; a link to a chapter not written yet,
// or to a file of the repository, keeps its text without a link (the site serves pages only).

import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

export interface LinkTargets {
  root: string;
  /** Repository file (chapters/NN-slug/README.md, site/NAME.md) → the page's URL. */
  pages: ReadonlyMap<string, string>;
}

/** The URL for `href` seen from `file`, or null when the target is not a page of the site. */
export function resolveLink(targets: LinkTargets, file: string, href: string): string | null {
  const [path = '', hash = ''] = href.split('#', 2);
  const target = relative(targets.root, resolve(dirname(file), decodeURI(path)));
  const candidates = [target, join(target, 'README.md'), join(target, 'index.md')];
  const url = candidates.map((c) => targets.pages.get(c)).find((u) => u !== undefined);
  if (url === undefined) return null;
  return hash === '' ? url : `${url}#${hash}`;
}

const EXTERNAL = /^([a-z][a-z0-9+.-]*:|#|\/)/i;

function unlink(open: Token, close: Token, title: string): void {
  open.type = 'html_inline';
  open.content = `<span class="repo-path" title="${title.replace(/"/g, '&quot;')}">`;
  close.type = 'html_inline';
  close.content = '</span>';
}

/** A core rule: rewrites the relative links of every page before VitePress renders them. */
export function linkPlugin(md: MarkdownRenderer, targets: LinkTargets): void {
  md.core.ruler.after('inline', 'xenlab_links', (state) => {
    const env = state.env as { realPath?: string; path?: string };
    const file = env.realPath ?? env.path;
    if (file === undefined) return;
    for (const block of state.tokens) {
      const children = block.children ?? [];
      children.forEach((token, i) => {
        if (token.type !== 'link_open') return;
        const href = token.attrGet('href') ?? '';
        if (href === '' || EXTERNAL.test(href)) return;
        const url = resolveLink(targets, file, href);
        if (url !== null) {
          token.attrSet('href', url);
          return;
        }
        const close = children
          .slice(i)
          .find((t) => t.type === 'link_close' && t.level === token.level);
        const where = relative(targets.root, resolve(dirname(file), href.split('#')[0]!));
        const what = existsSync(join(targets.root, where))
          ? `${where} in the repository`
          : `${where} (not written yet)`;
        if (close !== undefined) unlink(token, close, what);
      });
    }
  });
}
