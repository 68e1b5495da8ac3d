// Type-checking a graded tree with its chapter's tests before its grade counts
// (docs/architecture.md §8): vitest strips types without checking them, so a type error would
// otherwise be graded around. The tree is checked where a learner's editor sees it: a small copy of
// the repository's layout in the cache folder (chapters/SLUG/src a link to the tree, beside links
// to sim/, grader/, the tests), with tsc's incremental build info kept there, so a warm check
// redoes only what changed; and a check whose inputs are byte for byte those of the last one (a
// grade again with no edit in between) reuses its verdict without starting tsc.

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { cacheDir, REPO_ROOT } from './cache.ts';
import type { GradedChapter } from './chapters.ts';
import { filesUnder } from './starter.ts';

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
    // The options a learner's editor applies to chapters/*/src.
    extends: join(REPO_ROOT, 'chapters', 'tsconfig.json'),
    compilerOptions: {
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
  const last = lastVerdict(root);
  if (last !== undefined && last.inputs === fingerprint(root, chapter.slug).inputs) {
    return last.errors;
  }
  const started = Date.now();
  const errors = await runTsc(root, chapter.slug);
  // Kept only if no input changed while tsc read them.
  const now = fingerprint(root, chapter.slug);
  if (now.newest < started) writeVerdict(root, { inputs: now.inputs, errors });
  return errors;
}

async function runTsc(root: string, slug: string): Promise<string[]> {
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
  const own = [`src/`, `chapters/${slug}/tests/`];
  return formatTscOutput(output, slug).filter((e) => own.some((o) => e.startsWith(o)));
}

/** A check's result: the fingerprint of what it read, and the learner's type errors. */
interface Verdict {
  inputs: string;
  errors: string[];
}

function lastVerdict(root: string): Verdict | undefined {
  try {
    return JSON.parse(readFileSync(join(root, 'verdict.json'), 'utf8')) as Verdict;
  } catch {
    return undefined;
  }
}

function writeVerdict(root: string, verdict: Verdict): void {
  writeFileSync(join(root, 'verdict.json'), `${JSON.stringify(verdict)}\n`);
}

/**
 * What a check reads, hashed: tsc's version, the configs, every file of the last check's program
 * (tsc's build info lists them: the tree, the tests, what they import, the libraries' types) and
 * every TypeScript file of the tree and the tests (a new one joins the program); with the newest
 * modification time among them.
 */
function fingerprint(root: string, slug: string): { inputs: string; newest: number } {
  const files = new Set([
    join(REPO_ROOT, 'node_modules', 'typescript', 'package.json'),
    join(REPO_ROOT, 'tsconfig.json'),
    join(REPO_ROOT, 'chapters', 'tsconfig.json'),
    join(root, 'tsconfig.json'),
  ]);
  try {
    const info = JSON.parse(readFileSync(join(root, 'tsbuildinfo'), 'utf8')) as {
      fileNames: string[];
    };
    for (const name of info.fileNames) files.add(resolve(root, name));
  } catch {
    // No build info yet: the first check runs tsc anyway.
  }
  for (const dir of ['src', 'tests']) {
    const under = join(root, 'chapters', slug, dir);
    for (const f of filesUnder(under)) if (/\.[cm]?tsx?$/.test(f)) files.add(join(under, f));
  }
  const hash = createHash('sha256');
  let newest = 0;
  for (const file of [...files].sort()) {
    hash.update(`${file}\0`);
    try {
      hash.update(createHash('sha256').update(readFileSync(file)).digest('hex'));
      newest = Math.max(newest, statSync(file).mtimeMs);
    } catch {
      hash.update('missing');
    }
    hash.update('\n');
  }
  return { inputs: hash.digest('hex'), newest };
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
