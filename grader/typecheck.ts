// Type-checking a graded tree with its chapter's tests before its grade counts
// (docs/architecture.md §8): vitest strips types without checking them, so a type error would
// otherwise be graded around. The tree is checked where a learner's editor sees it: a small copy of
// the repository's layout in the cache folder (chapters/SLUG/src a link to the tree, beside links
// to sim/, grader/, the tests), with tsc's incremental build info kept there, so a warm check
// redoes only what changed.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir, REPO_ROOT } from './cache.ts';
import type { GradedChapter } from './chapters.ts';

/** Repository entries the layout copy does not link (it has its own tsconfig.json). */
const OWN = new Set(['chapters', '.git', '.xenlab', 'tsconfig.json', 'tsbuildinfo']);

function link(target: string, path: string): void {
  if (isLink(path)) unlinkSync(path);
  if (existsSync(target) && !existsSync(path)) symlinkSync(target, path);
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The layout copy for grading `src` as `chapter`: one per tree, kept for tsc's build info. */
function layOut(chapter: GradedChapter, src: string): string {
  const key = createHash('sha256').update(`${chapter.dir}\n${src}`).digest('hex').slice(0, 16);
  const root = join(cacheDir(), 'typecheck', `${chapter.slug}-${key}`);
  const dir = join(root, 'chapters', chapter.slug);
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(REPO_ROOT)) {
    if (!OWN.has(entry)) link(join(REPO_ROOT, entry), join(root, entry));
  }
  for (const entry of readdirSync(join(REPO_ROOT, 'chapters'))) {
    if (entry !== chapter.slug)
      link(join(REPO_ROOT, 'chapters', entry), join(root, 'chapters', entry));
  }
  link(src, join(dir, 'src'));
  link(join(chapter.dir, 'tests'), join(dir, 'tests'));
  link(join(chapter.dir, 'exercises.ts'), join(dir, 'exercises.ts'));
  const config = {
    extends: join(REPO_ROOT, 'tsconfig.json'),
    compilerOptions: {
      // A starter leaves the parameters and imports of its stubbed bodies unused.
      noUnusedLocals: false,
      noUnusedParameters: false,
      // Imports leaving the tree resolve from where it is mounted, as the runner mounts it.
      preserveSymlinks: true,
      incremental: true,
      tsBuildInfoFile: join(root, 'tsbuildinfo'),
    },
    include: [`chapters/${chapter.slug}/src`, `chapters/${chapter.slug}/tests`],
    exclude: [],
  };
  writeFileSync(join(root, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
  return root;
}

/**
 * The type errors of `src` graded as `chapter`, each `src/FILE:LINE:COL: message` (or
 * `chapters/SLUG/tests/…` when the tests no longer fit the tree); [] when it type-checks.
 * Errors elsewhere (the grader's own files) are not the learner's and do not stop a grade.
 */
export async function typeErrors(chapter: GradedChapter, src: string): Promise<string[]> {
  const root = layOut(chapter, resolve(src));
  const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const output = await new Promise<string>((done) => {
    const child = spawn(process.execPath, [tsc, '-p', root, '--noEmit', '--pretty', 'false'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    child.on('close', () => done(text));
  });
  const own = [`src/`, `chapters/${chapter.slug}/tests/`];
  return formatTscOutput(output, chapter.slug).filter((e) => own.some((o) => e.startsWith(o)));
}

/** tsc's `FILE(LINE,COL): error …` lines (with their continuation lines) as `FILE:LINE:COL: …`. */
export function formatTscOutput(output: string, slug: string): string[] {
  const errors: string[] = [];
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue;
    const m = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    if (m === null) {
      if (errors.length > 0 && /^\s/.test(line)) errors[errors.length - 1] += `\n${line}`;
      else errors.push(line);
      continue;
    }
    const ownSrc = `chapters/${slug}/src/`;
    const file = m[1]!.startsWith(ownSrc) ? `src/${m[1]!.slice(ownSrc.length)}` : m[1]!;
    errors.push(`${file}:${m[2]}:${m[3]}: ${m[4]}`);
  }
  return errors;
}
