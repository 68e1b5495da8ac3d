// The book's structure for the site: its parts, the chapters that have text (a README.md in
// their folder), and which markdown files are pages. Chapters come from chapters/index.ts.
// Node-only.

import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DefaultTheme } from 'vitepress';
import { CHAPTERS, type Chapter } from '../../chapters/index.ts';
import { GUESTS } from '../../solutions/guests/index.ts';

/** The book's four parts (docs/book.md), by chapter id. */
export const PARTS: readonly { title: string; chapters: readonly string[] }[] = [
  { title: 'Part I — The Xen Virtual Machine', chapters: ['01', '02', '03', '04', '05'] },
  { title: 'Part II — Device I/O', chapters: ['06', '07', '08', '09', '10'] },
  { title: 'Part III — Xen Internals', chapters: ['11', '12', '13', '14'] },
  { title: 'Part IV — Appendixes', chapters: ['A', 'B'] },
];

/** The chapters whose text exists, in book order. */
export function writtenChapters(root: string): Chapter[] {
  return CHAPTERS.filter((c) => existsSync(join(root, 'chapters', c.slug, 'README.md')));
}

export function chapterLink(c: Chapter): string {
  return `/${c.slug}/`;
}

function chapterLabel(c: Chapter): string {
  return /^\d/.test(c.id) ? `${Number(c.id)}. ${c.title}` : c.title;
}

/** A part of the book with all its chapters, written or not (the home page's contents). */
export interface ContentsPart {
  title: string;
  chapters: { id: string; title: string; builds: string; link: string | null }[];
}

export function contents(root: string): ContentsPart[] {
  const written = new Set(writtenChapters(root).map((c) => c.id));
  return PARTS.map((part) => ({
    title: part.title,
    chapters: CHAPTERS.filter((c) => part.chapters.includes(c.id)).map((c) => ({
      id: c.id,
      title: chapterLabel(c),
      builds: c.builds,
      link: written.has(c.id) ? chapterLink(c) : null,
    })),
  }));
}

/** A guest of solutions/guests, with the chapter it comes from (the guests page's table). */
export interface GuestEntry {
  name: string;
  description: string;
  chapter: string;
  /** The chapter's page, when written. */
  link: string | null;
  /**
   * Whose worker runs it off its chapter's page: the first written chapter after its own (a
   * chapter's worker holds the solutions of the chapters before it only, site/.vitepress/workers.ts);
   * null while there is none.
   */
  worker: string | null;
}

export function guestEntries(root: string): GuestEntry[] {
  const written = writtenChapters(root);
  return GUESTS.map((g) => {
    const c = written.find((w) => w.id === g.chapter);
    return {
      name: g.name,
      description: g.description,
      chapter: g.chapter,
      link: c === undefined ? null : chapterLink(c),
      worker:
        written.find((w) => CHAPTERS.indexOf(w) > CHAPTERS.findIndex((x) => x.id === g.chapter))
          ?.id ?? null,
    };
  });
}

/**
 * The sidebar of the chapter pages: one group per part that has a written chapter. The other
 * pages (guests, instructors) have none, so their footer is the site's (licence, authors) and
 * not a pager from chapter to chapter.
 */
export function sidebar(root: string): DefaultTheme.SidebarMulti {
  const written = writtenChapters(root);
  const groups = PARTS.map((part) => ({
    text: part.title,
    items: written
      .filter((c) => part.chapters.includes(c.id))
      .map((c) => ({ text: chapterLabel(c), link: chapterLink(c) })),
  })).filter((group) => group.items.length > 0);
  return Object.fromEntries(written.map((c) => [chapterLink(c), groups]));
}

/**
 * Where each page's file lives and the URL it gets: site/NAME.md → /NAME, and a chapter's
 * chapters/NN-slug/README.md → /NN-slug/.
 */
export function rewrites(root: string): Record<string, string> {
  const pages: Record<string, string> = { 'site/:page.md': ':page.md' };
  for (const c of writtenChapters(root)) {
    pages[`chapters/${c.slug}/README.md`] = `${c.slug}/index.md`;
  }
  return pages;
}

/** Each page's file (relative to the root) → its URL, for links between pages. */
export function pageUrls(root: string): Map<string, string> {
  const urls = new Map<string, string>([
    ['site/index.md', '/'],
    ['README.md', '/'],
  ]);
  for (const file of readdirSync(join(root, 'site'))) {
    if (file.endsWith('.md') && file !== 'README.md' && file !== 'index.md') {
      urls.set(`site/${file}`, `/${file.slice(0, -3)}`);
    }
  }
  for (const c of writtenChapters(root)) urls.set(`chapters/${c.slug}/README.md`, chapterLink(c));
  return urls;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

/**
 * Markdown files under the repository root that are not pages (READMEs of the code, generated
 * chapter sources, test data): the site's source folder is the whole repository, so everything
 * but site/*.md and the written chapters' README.md is excluded by name.
 */
export function notPages(root: string): string[] {
  const chapters = new Set(writtenChapters(root).map((c) => `chapters/${c.slug}/README.md`));
  return markdownFiles(root)
    .map((path) => relative(root, path))
    .filter(
      (file) =>
        !chapters.has(file) && !(/^site\/[^/]+\.md$/.test(file) && file !== 'site/README.md'),
    );
}
