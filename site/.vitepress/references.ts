// "chapter N" and "§N.M" in a page's text, as links: to chapter N's page, and to the heading of
// section N.M there (`## 5.7 Updating page tables`; a subsection without a heading of its own,
// §5.7.2, goes to the nearest section that has one, else to the chapter). A chapter not written
// yet keeps its text unlinked. Code, headings and the text of links are left alone. Node-only.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MarkdownRenderer } from 'vitepress';
import { chapterLink, writtenChapters } from './book.ts';

type Token = ReturnType<MarkdownRenderer['parse']>[number];

/**
 * A heading's id, as VitePress makes it by default (config.ts gives it this function, so the
 * links here and the ids there agree): accents and punctuation dropped, words joined by '-',
 * lower case, a leading digit prefixed with '_'.
 */
export function slugify(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: VitePress drops them too
      .replace(/[\u0000-\u001f]/g, '')
      .replace(/[\s~`!@#$%^&*()\-_+=[\]{}|\\;:"'“”‘’<>,.?/]+/g, '-')
      .replace(/-{2,}/g, '-')
      .replace(/^-+|-+$/g, '')
      .replace(/^(\d)/, '_$1')
      .toLowerCase()
  );
}

/** Where references go: `chapter 5` and `§5.7` (each section with a heading) → URL. */
export type ReferenceTargets = ReadonlyMap<string, string>;

const HEADING = /^#{2,4} (\d+(?:\.\d+)+) (.+)$/;

/** The targets of every written chapter: its page, and each numbered heading in it. */
export function referenceTargets(root: string): ReferenceTargets {
  const targets = new Map<string, string>();
  for (const c of writtenChapters(root)) {
    if (!/^\d+$/.test(c.id)) continue;
    const url = chapterLink(c);
    targets.set(`chapter ${Number(c.id)}`, url);
    const text = readFileSync(join(root, 'chapters', c.slug, 'README.md'), 'utf8');
    for (const line of text.split('\n')) {
      const m = HEADING.exec(line.trim());
      if (m !== null) targets.set(`§${m[1]}`, `${url}#${slugify(`${m[1]} ${m[2]}`)}`);
    }
  }
  return targets;
}

/** The URL of a reference (`chapter 5`, `§5.7.2`), or undefined when it has none. */
export function referenceUrl(targets: ReferenceTargets, reference: string): string | undefined {
  const chapter = /^[Cc]hapter (\d+)$/.exec(reference);
  if (chapter !== null) return targets.get(`chapter ${Number(chapter[1])}`);
  const parts = reference.slice(1).split('.');
  for (let n = parts.length; n >= 2; n--) {
    const url = targets.get(`§${parts.slice(0, n).join('.')}`);
    if (url !== undefined) return url;
  }
  return targets.get(`chapter ${Number(parts[0])}`);
}

const REFERENCE = /\b[Cc]hapter \d+\b|§\d+(?:\.\d+)*/g;

/** `text` as tokens: plain text, with each reference that has a URL a link. */
function linked(
  state: { Token: new (type: string, tag: string, nesting: -1 | 0 | 1) => Token },
  text: Token,
  targets: ReferenceTargets,
): Token[] {
  const out: Token[] = [];
  const plain = (content: string) => {
    if (content === '') return;
    const t = new state.Token('text', '', 0);
    t.content = content;
    out.push(t);
  };
  let at = 0;
  for (const m of text.content.matchAll(REFERENCE)) {
    const url = referenceUrl(targets, m[0]);
    if (url === undefined) continue;
    plain(text.content.slice(at, m.index));
    const open = new state.Token('link_open', 'a', 1);
    open.attrSet('href', url);
    open.attrSet('class', 'xenlab-reference');
    out.push(open);
    plain(m[0]);
    out.push(new state.Token('link_close', 'a', -1));
    at = m.index + m[0].length;
  }
  if (at === 0) return [text];
  plain(text.content.slice(at));
  return out;
}

/** A core rule: links the references in every paragraph, list item and table cell. */
export function referencePlugin(md: MarkdownRenderer, targets: ReferenceTargets): void {
  md.core.ruler.push('xenlab_references', (state) => {
    state.tokens.forEach((block, i) => {
      if (block.type !== 'inline' || state.tokens[i - 1]?.type === 'heading_open') return;
      let inLink = 0;
      block.children = (block.children ?? []).flatMap((token) => {
        if (token.type === 'link_open') inLink++;
        if (token.type === 'link_close') inLink--;
        if (token.type !== 'text' || inLink > 0) return [token];
        return linked(state, token, targets);
      });
    });
  });
}
