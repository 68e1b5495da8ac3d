// The guest worker as the site publishes it (site/README.md, "The guest worker"): one bundle per
// written chapter, `workers/NN.js`, built by esbuild from theme/guest/worker.ts with solutions/
// as that chapter's reader may have it (grader/stage's runnableTree): the lines that exist by
// chapter NN, and the bodies of the exercises of every later chapter replaced by their starters,
// so no page ships the solution of an exercise its reader has still to do. Before the build
// publishes a bundle, it is searched for those solutions (grader/stage/spoilers.ts). Node-only.

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { build, type Plugin, type PluginBuild } from 'esbuild';
import type { Plugin as VitePlugin } from 'vite';
import { CHAPTERS } from '../../chapters/index.ts';
import type { MarkedTree } from '../../grader/stage/generate.ts';
import { runnableTree } from '../../grader/stage/generate.ts';
import { type Spoiler, spoilersIn, spoilersInBundle } from '../../grader/stage/spoilers.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';

/** True when `file` is `dir` or lies inside it. */
function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** One chapter's worker: its code, and the text of every solutions/ file that went into it. */
export interface WorkerBundle {
  chapter: string;
  /** Exercises of this chapter and later ones are starters in it. */
  hiddenFrom: string;
  code: string;
  modules: Record<string, string>;
}

const WORKER_ENTRY = 'site/.vitepress/theme/guest/worker.ts';
const ESBUILD = {
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // ES2022 keeps class fields native (see config.ts): downlevelled, the sim runs slower.
  target: 'es2022',
  write: false,
  logLevel: 'silent',
} as const;

/** The chapter after `chapter` in the book's order (its exercises are the first hidden). */
export function nextChapter(tree: MarkedTree, chapter: string): string {
  const next = tree.chapters[tree.chapters.indexOf(chapter) + 1];
  if (next === undefined) throw new Error(`no chapter after ${chapter}`);
  return next;
}

/** The worker of the pages of `chapter`: solutions/ as its reader may have it. */
export async function buildWorker(
  root: string,
  tree: MarkedTree,
  chapter: string,
  options: { hiddenFrom?: string; minify?: boolean } = {},
): Promise<WorkerBundle> {
  const hiddenFrom = options.hiddenFrom ?? chapter;
  // The worker finds its guests in guests/index.ts: a chapter before that file (chapter 01, whose
  // guests run on its monitor) gets the code of the chapter that adds it, exercises hidden alike.
  const order = (id: string) => tree.chapters.indexOf(id);
  const guestsFrom = tree.files.find((f) => f.path === 'guests/index.ts')?.from ?? chapter;
  const lines = order(chapter) < order(guestsFrom) ? guestsFrom : chapter;
  const view = runnableTree(tree, lines, hiddenFrom);
  const modules: Record<string, string> = {};
  const result = await build({
    ...ESBUILD,
    entryPoints: [join(root, WORKER_ENTRY)],
    minify: options.minify ?? true,
    plugins: [viewPlugin(root, tree, lines, view, modules)],
  });
  return { chapter, hiddenFrom, code: result.outputFiles[0]!.text, modules };
}

/**
 * Chapter `chapter`'s worker built from a tree of the reader's instead of the stager's view: a
 * chapters/NN-slug/src (rebased imports and all), as `npm start` serves the book, so a page's
 * consoles run the reader's own code. A file the tree lacks (a later chapter's) is its names,
 * undefined, as in the published workers.
 */
export async function buildTreeWorker(
  root: string,
  chapter: string,
  src: string,
  options: { minify?: boolean } = {},
): Promise<WorkerBundle> {
  const solutions = join(root, 'solutions');
  const slug = CHAPTERS.find((c) => c.id === chapter)?.slug ?? chapter;
  const home = join(root, 'chapters', slug, 'src');
  const modules: Record<string, string> = {};
  const reference = (path: string) => {
    const file = join(solutions, path);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  };
  const plugin: Plugin = {
    name: 'xenlab-reader-tree',
    setup(b) {
      rawImports(b);
      b.onResolve({ filter: /\/guest-sources\.ts$/ }, () => ({
        path: 'guest-sources',
        namespace: 'xenlab',
      }));
      b.onLoad({ filter: /^guest-sources$/, namespace: 'xenlab' }, () => {
        const sources = asmSourcesUnder(join(src, 'guests'));
        return {
          contents: `export const GUEST_SOURCES = ${JSON.stringify(sources)};`,
          loader: 'js',
        };
      });
      // The site's imports of solutions/ go to the tree, or to a later file's names; the tree's
      // imports that leave it (to sim/) resolve from where its chapter's src/ stands.
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        if (isInside(src, args.resolveDir) && !isInside(src, target)) {
          return { path: resolve(join(home, relative(src, args.resolveDir)), args.path) };
        }
        const path = relative(solutions, target).split('\\').join('/');
        if (path.startsWith('..')) return undefined;
        const mine = join(src, path);
        return existsSync(mine) ? { path: mine } : { path, namespace: 'xenlab-later' };
      });
      b.onLoad({ filter: /.*/, namespace: 'xenlab-later' }, (args) => ({
        contents: withLaterNames('', reference(args.path)),
        loader: 'ts',
      }));
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const path = relative(src, args.path).split('\\').join('/');
        if (path.startsWith('..')) return undefined;
        const text = withLaterNames(readFileSync(args.path, 'utf8'), reference(path));
        modules[path] = text;
        return { contents: text, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
  const result = await build({
    ...ESBUILD,
    minify: options.minify ?? true,
    plugins: [plugin],
    entryPoints: [join(root, WORKER_ENTRY)],
  });
  return { chapter, hiddenFrom: chapter, code: result.outputFiles[0]!.text, modules };
}

/** `?raw` imports (bench/loop.asm) as text. */
function rawImports(b: PluginBuild): void {
  b.onResolve({ filter: /\?raw$/ }, (args) => ({
    path: resolve(args.resolveDir, args.path.slice(0, -'?raw'.length)),
    namespace: 'raw',
  }));
  b.onLoad({ filter: /.*/, namespace: 'raw' }, (args) => ({
    contents: readFileSync(args.path, 'utf8'),
    loader: 'text',
  }));
}

/**
 * Serves solutions/ as chapter `chapter` has it: a file that exists by then from `view`; a later
 * chapter's file as its names, undefined (its code is not in the worker at all). The
 * guest sources come from the view too, and `?raw` imports as text.
 */
function viewPlugin(
  root: string,
  tree: MarkedTree,
  chapter: string,
  view: Record<string, string>,
  modules: Record<string, string>,
): Plugin {
  const solutions = join(root, 'solutions');
  const order = (id: string) => tree.chapters.indexOf(id);
  const current = new Set(
    tree.files.filter((f) => order(f.from) <= order(chapter)).map((f) => f.path),
  );
  return {
    name: 'xenlab-chapter-view',
    setup(b) {
      rawImports(b);
      b.onResolve({ filter: /\/guest-sources\.ts$/ }, () => ({
        path: 'guest-sources',
        namespace: 'xenlab',
      }));
      b.onLoad({ filter: /^guest-sources$/, namespace: 'xenlab' }, () => {
        const sources: Record<string, string> = {};
        for (const [path, text] of Object.entries(view)) {
          if (!current.has(path) || !/^guests\/.*\.(asm|inc)$/.test(path)) continue;
          sources[path.slice('guests/'.length)] = text;
          modules[path] = text;
        }
        return {
          contents: `export const GUEST_SOURCES = ${JSON.stringify(sources)};`,
          loader: 'js',
        };
      });
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const path = relative(solutions, args.path).split('\\').join('/');
        if (path.startsWith('..')) return undefined;
        const raw = readFileSync(args.path, 'utf8');
        const text =
          view[path] === undefined
            ? raw
            : current.has(path)
              ? withLaterNames(view[path], raw)
              : withLaterNames('', raw);
        modules[path] = text;
        return { contents: text, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

const EXPORTED =
  /^export\s+(?:declare\s+)?(?:abstract\s+)?(?:const|let|var|function\*?|async\s+function|class|enum)\s+([A-Za-z_$][\w$]*)/gm;

/**
 * A file of the chapter's view, with every value name the reference file exports and the
 * chapter's lines do not (a later chapter's region, or a later file) undefined: the site's
 * modules import the whole reference's names (a visualiser of a later chapter its own), and
 * check for what their chapter may lack.
 */
function withLaterNames(text: string, raw: string): string {
  const has = new Set([...text.matchAll(EXPORTED)].map((m) => m[1]!));
  const later = [...new Set([...raw.matchAll(EXPORTED)].map((m) => m[1]!))].filter(
    (n) => !has.has(n),
  );
  if (later.length === 0) return text;
  return `${text}\n${later.map((n) => `export const ${n} = undefined;`).join('\n')}\n`;
}

/** What a chapter's worker gives away: solutions hidden from its reader, in its code or inputs. */
export function workerSpoilers(tree: MarkedTree, bundle: WorkerBundle): Spoiler[] {
  const found = new Map<string, Spoiler>();
  for (const text of Object.values(bundle.modules)) {
    for (const s of spoilersIn(tree, bundle.hiddenFrom, text)) found.set(s.id, s);
  }
  for (const s of spoilersInBundle(tree, bundle.hiddenFrom, bundle.code)) found.set(s.id, s);
  return [...found.values()];
}

/** The path of chapter `id`'s worker below the site's base. */
export function workerPath(id: string): string {
  return `workers/${id}.js`;
}

/**
 * Writes every written chapter's worker into the built site (`outDir`), then searches it and
 * every other script of the site for solutions a reader of its pages may not see: a worker for
 * the solutions of its chapter's later ones, the scripts every page loads for any solution.
 * Throws, failing the build, naming each one found.
 */
export async function publishWorkers(
  root: string,
  tree: MarkedTree,
  chapters: readonly { id: string }[],
  outDir: string,
): Promise<void> {
  const problems: string[] = [];
  mkdirSync(join(outDir, 'workers'), { recursive: true });
  for (const { id } of chapters) {
    const bundle = await buildWorker(root, tree, id);
    for (const s of workerSpoilers(tree, bundle)) {
      problems.push(`${workerPath(id)}: holds the solution of exercise ${s.id}`);
    }
    writeFileSync(join(outDir, workerPath(id)), bundle.code);
  }
  for (const file of filesUnder(join(outDir, 'assets'))) {
    if (!file.endsWith('.js')) continue;
    for (const s of spoilersInBundle(
      tree,
      undefined,
      readFileSync(join(outDir, 'assets', file), 'utf8'),
    )) {
      problems.push(`assets/${file}: holds the solution of exercise ${s.id}`);
    }
  }
  if (problems.length > 0)
    throw new Error(`the site gives solutions away:\n${problems.join('\n')}`);
}

function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

/**
 * The dev server's side (`npm start`): `workers/NN.js` built on request from the files as they
 * are now, from the reader's own chapters/NN-slug/src when it exists, so the consoles of a
 * chapter's page run the reader's code as they write it (reload the page after an edit).
 */
export function workerServer(
  root: string,
  tree: MarkedTree,
  chapters: readonly { id: string; slug: string }[],
): VitePlugin {
  return {
    name: 'xenlab-workers',
    configureServer(server) {
      server.middlewares.use(async (req, res, next) => {
        const m = /\/workers\/([0-9A-Z]{1,2})\.js$/.exec(req.url?.split('?')[0] ?? '');
        const chapter = chapters.find((c) => c.id === m?.[1]);
        if (chapter === undefined) return next();
        try {
          const src = join(root, 'chapters', chapter.slug, 'src');
          const bundle = existsSync(src)
            ? await buildTreeWorker(root, chapter.id, src, { minify: false })
            : await buildWorker(root, tree, chapter.id, { minify: false });
          res.setHeader('Content-Type', 'text/javascript');
          res.end(bundle.code);
        } catch (e) {
          next(e);
        }
      });
    },
  };
}
