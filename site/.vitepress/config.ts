// The book site (docs/architecture.md §9). Pages come from two places in the repository: site/*.md
// (home, instructors) and each written chapter's chapters/NN-slug/README.md, so the source folder
// is the repository root and everything else is excluded (book.ts). Code quotes and guest consoles
// are resolved at build time (quotes.ts).

import { fileURLToPath } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { type DefaultTheme, defineConfigWithTheme } from 'vitepress';
import { readMarkedTree } from '../../grader/stage/index.ts';
import {
  type ContentsPart,
  chapterLink,
  contents,
  type GuestEntry,
  guestEntries,
  notPages,
  pageUrls,
  rewrites,
  sidebar,
  writtenChapters,
} from './book.ts';
import { renderConsoles } from './consoles.ts';
import { renderFigures } from './figures.ts';
import { linkPlugin } from './links.ts';
import { quotePlugin } from './quotes.ts';
import { referencePlugin, referenceTargets, slugify } from './references.ts';
import { publishWorkers, workerServer } from './workers.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
// The config is bundled and run by plain Node: the chapter manifests (TypeScript) load via tsx.
const tree = await readMarkedTree(root, (url) => tsImport(url, import.meta.url));
const consoles = await renderConsoles(root);
const figures = renderFigures(root);
const first = writtenChapters(root)[0];
/** The tab icon, inline so the site has no file outside its pages and bundles. */
const ICON =
  "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'>" +
  "<rect width='16' height='16' rx='3' fill='%23e05d44'/><text x='8' y='12.5' font-size='12' " +
  "font-family='monospace' text-anchor='middle' fill='white'>x</text></svg>";

/**
 * The default theme's settings, the book's contents (<BookContents>), guests (<GuestList>) and
 * repository (<GetTheCode>).
 */
export type ThemeConfig = DefaultTheme.Config & {
  contents: ContentsPart[];
  guests: GuestEntry[];
  repository: string | null;
};
/** The repository's address, from XENLAB_REPO_URL (…/blob/REF): null when it is not set. */
const repository = process.env.XENLAB_REPO_URL?.replace(/\/(blob|tree)\/.*$/, '') ?? null;

export default defineConfigWithTheme<ThemeConfig>({
  title: 'xenlab',
  description:
    'Build the Xen hypervisor in TypeScript, one chapter at a time: an interactive textbook.',
  // A sub-path for hosts that serve the book below one (GitHub Pages: /REPOSITORY/).
  base: process.env.XENLAB_BASE ?? '/',
  srcDir: '..',
  srcExclude: notPages(root),
  rewrites: rewrites(root),
  cleanUrls: true,
  head: [['link', { rel: 'icon', href: ICON }]],
  lastUpdated: false,
  // The home page's "Start reading" opens the first written chapter.
  // The guest workers are published beside the pages, and the whole site is searched for the
  // solutions its readers may not see: a hit fails the build.
  async buildEnd(site) {
    await publishWorkers(root, tree, writtenChapters(root), site.outDir);
  },
  transformPageData(page) {
    const actions = page.frontmatter.hero?.actions as { link: string }[] | undefined;
    if (page.relativePath === 'index.md' && actions?.[0] !== undefined) {
      actions[0].link = first === undefined ? '/guests' : chapterLink(first);
    }
  },
  markdown: {
    // Heading ids made by the function references.ts links sections with.
    anchor: { slugify },
    headers: { slugify },
    config(md) {
      // XENLAB_REPO_URL: where a repository path is appended to link to it (…/blob/main).
      quotePlugin(md, { root, tree, consoles, figures, repoUrl: process.env.XENLAB_REPO_URL });
      linkPlugin(md, { root, pages: pageUrls(root) });
      referencePlugin(md, referenceTargets(root));
    },
  },
  vite: {
    // ES2022 keeps class fields native: downlevelled to defineProperty calls (Vite's default
    // target), the sim's Cpu runs several times slower in the worker.
    build: { target: 'es2022' },
    server: { fs: { allow: [root] } },
    // Each chapter's guest worker at workers/NN.js, built from what its reader may have.
    plugins: [workerServer(root, tree, writtenChapters(root))],
  },
  themeConfig: {
    nav: [
      ...(first === undefined ? [] : [{ text: 'Chapters', link: chapterLink(first) }]),
      { text: 'Guests', link: '/guests' },
      { text: 'Instructors', link: '/instructors' },
    ],
    sidebar: sidebar(root),
    contents: contents(root),
    guests: guestEntries(root),
    repository,
    socialLinks: repository === null ? [] : [{ icon: 'github', link: repository }],
    search: { provider: 'local' },
    outline: { level: [2, 3] },
    docFooter: { prev: 'Previous chapter', next: 'Next chapter' },
    footer: {
      message:
        'The code is under the MIT licence, the text under CC BY-SA 4.0 (see LICENSE). ' +
        'It follows <em>The Definitive Guide to the Xen Hypervisor</em> by David Chisnall ' +
        '(Prentice Hall, first edition, 2007) chapter by chapter; the text is its own.',
      copyright: 'Copyright © 2026 the xenlab authors',
    },
  },
});
