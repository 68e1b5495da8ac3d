// The handout builder (`xenlab handout`): a student repository with what a learner needs to read,
// build, run and grade the chosen chapters — sim/, grader/, tools/, docs/, the chosen chapters'
// folders with their starters and tests — and no solutions; beside it an instructor bundle with
// the solved snapshots and the grading configuration. After building, the student tree is checked
// for leaked solution bodies (leakedSolutions).

import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHAPTERS } from '../chapters/index.ts';
import { REPO_ROOT } from './cache.ts';
import type { GradedChapter } from './chapters.ts';
import { classroomWorkflow } from './commands/classroom.ts';
import { fillReadme, guestsShown, type Screens } from './handout-readme.ts';
import { type PristineRecord, readPristine, TESTING } from './pristine.ts';
import { readMarkedTree } from './stage/index.ts';
import { commentOf, parseMarkers } from './stage/markers.ts';
import { starterWithStubs, writeFiles } from './starter.ts';

/** Files at the repository root a student repository keeps. */
const ROOT_FILES = [
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'biome.json',
  'vitest.config.ts',
  '.gitignore',
  'LICENSE',
];
/** Folders copied whole (less what `skipped` leaves out). */
const TREES = ['bin', 'docs', 'sim', 'grader', 'tools', 'chapters/testing'];
const CHAPTER_FILES = [
  'chapters/index.ts',
  'chapters/exercise.ts',
  'chapters/README.md',
  'chapters/tsconfig.json',
];

/** Files a folder copy leaves out: the grader's own tests and fixtures, and anything reaching
 * into solutions/ (the reference's own tests, the browser tier), which a handout has not. */
function skipped(rel: string, text: () => string): boolean {
  const parts = rel.split('/');
  if (parts.includes('node_modules') || parts.includes('fixtures') || parts.includes('.xenlab')) {
    return true;
  }
  if (parts[0] === 'grader' && rel.endsWith('.test.ts')) return true;
  if (!/\.(ts|js|mjs)$/.test(rel)) return false;
  return /(?:from\s+|import\()\s*['"](?:\.\.\/)+solutions\//.test(text());
}

function copyTree(from: string, to: string, rel: string, copied: string[]): void {
  for (const entry of readdirSync(join(from, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!skipped(`${path}/`, () => '')) copyTree(from, to, path, copied);
      continue;
    }
    if (skipped(path, () => readFileSync(join(from, path), 'utf8'))) continue;
    mkdirSync(dirname(join(to, path)), { recursive: true });
    copyFileSync(join(from, path), join(to, path));
    copied.push(path);
  }
}

function copyOne(from: string, to: string, path: string, copied: string[]): void {
  if (!existsSync(join(from, path))) return;
  mkdirSync(dirname(join(to, path)), { recursive: true });
  copyFileSync(join(from, path), join(to, path));
  copied.push(path);
}

function studentReadme(chapters: GradedChapter[]): string {
  const list = chapters.map((c) => `- ${c.id} ${c.title}: \`chapters/${c.slug}/\``).join('\n');
  return `# xenlab — your lab

An exercise-driven lab on the Xen hypervisor: you implement Xen's mechanisms in TypeScript on an
emulated x86 machine, chapter by chapter, and grade your work locally.

Chapters in this lab:

${list}

## Getting started

\`\`\`sh
npm install
npx xenlab check-setup
\`\`\`

## The learner loop

1. Read the chapter: \`chapters/NN-slug/README.md\`.
2. Edit the code in \`chapters/NN-slug/src/\`: the hypervisor as it stands when the chapter
   starts, with the chapter's exercises left for you (they throw \`NotImplemented\`).
3. Grade it: \`npm run grade -- NN\` (or \`npx xenlab watch NN\` to grade on every save). Each
   failure says what was expected, what happened, where in the book to read, the hint command
   and a one-line reproduction. Repeat until every exercise passes.

Other commands: \`npx xenlab hint ID\` (the next hint of an exercise), \`npx xenlab progress\`
(your grades so far), \`npx xenlab reset ID\` (start an exercise over), \`npx xenlab run hello
--chapter NN\` (boot a guest on your hypervisor), \`npx xenlab --help\` (everything).

The tests in \`chapters/*/tests/\` are the ones that grade you: edit them and the grade refuses to
run (restore them with \`git checkout chapters/NN-slug/tests\`). This lab does not include the
reference hypervisor, so \`xenlab run\` needs \`--chapter NN\` or \`--src DIR\`.
`;
}

/** Adds `item` at the end of the list `"key": [ … ]` of a JSON file, keeping its layout. */
export function appendToJsonList(file: string, key: string, item: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const list = new RegExp(`("${key}":\\s*\\[[^\\]]*?)(\\n[ \\t]*)\\]`).exec(text);
  if (list === null) return;
  const indent = /\n([ \t]*)"[^"\n]*"\s*$/.exec(list[1]!)?.[1] ?? '  ';
  const edited = `${list[1]},\n${indent}${JSON.stringify(item)}${list[2]}]`;
  writeFileSync(file, text.replace(list[0], edited));
}

/**
 * The screens of `guests` as `xenlab run` shows them, rendered by the site's own build code
 * (site/.vitepress/consoles.ts: a handout has no site/, so it is found at run time).
 */
async function renderScreens(root: string, guests: string[]): Promise<Screens> {
  if (guests.length === 0) return new Map();
  const url = pathToFileURL(join(root, 'site/.vitepress/consoles.ts')).href;
  const consoles = (await import(url)) as {
    renderConsoles(root: string): Promise<Map<string, string[]>>;
  };
  return consoles.renderConsoles(root);
}

/**
 * Builds the student repository in `out` (its files are returned, relative). Each chapter's
 * `src/` is generated afresh from solutions/ (never copied: the working tree may hold someone's
 * solutions), and also shipped as grader/starters/NN-slug for `reset` and `grade` (starter.ts).
 */
export async function buildStudentTree(
  chapters: GradedChapter[],
  out: string,
  root = REPO_ROOT,
): Promise<string[]> {
  const copied: string[] = [];
  const tree = await readMarkedTree(root);
  for (const f of [...ROOT_FILES, ...CHAPTER_FILES]) copyOne(root, out, f, copied);
  for (const t of TREES) {
    if (existsSync(join(root, t))) copyTree(root, out, t, copied);
  }
  for (const c of chapters) {
    const rel = relative(root, c.dir).split('\\').join('/');
    for (const entry of readdirSync(c.dir, { withFileTypes: true })) {
      const path = `${rel}/${entry.name}`;
      if (entry.name === 'src') continue;
      if (entry.isDirectory()) copyTree(root, out, path, copied);
      else if (!skipped(path, () => readFileSync(join(root, path), 'utf8')))
        copyOne(root, out, path, copied);
    }
    const readme = join(c.dir, 'README.md');
    if (existsSync(readme)) {
      const text = readFileSync(readme, 'utf8');
      const screens = await renderScreens(root, guestsShown(text));
      writeFileSync(join(out, rel, 'README.md'), fillReadme(text, c.id, tree, screens));
    }
    const { files, stubs } = await starterWithStubs(c, false, root);
    for (const dir of [`${rel}/src`, `grader/starters/${c.slug}`]) {
      writeFiles(join(out, dir), files);
      copied.push(...Object.keys(files).map((f) => `${dir}/${f}`));
    }
    const spans = `grader/starters/${c.slug}.stubs.json`;
    writeFileSync(join(out, spans), `${JSON.stringify(stubs, null, 2)}\n`);
    copied.push(spans);
  }
  // Only the chosen chapters' test hashes (the others are not there), and the shared helpers'.
  const record = readPristine(join(root, 'grader', 'pristine.json'));
  const chosen: PristineRecord = {};
  for (const slug of [...chapters.map((c) => c.slug), TESTING])
    if (record[slug] !== undefined) chosen[slug] = record[slug]!;
  writeFileSync(join(out, 'grader', 'pristine.json'), `${JSON.stringify(chosen, null, 2)}\n`);
  // The shipped starters are generated code, checked like chapters/*/src: not by the root
  // type-check and linter.
  appendToJsonList(join(out, 'tsconfig.json'), 'exclude', 'grader/starters');
  appendToJsonList(join(out, 'biome.json'), 'includes', '!grader/starters');
  writeFileSync(join(out, 'README.md'), studentReadme(chapters));
  mkdirSync(join(out, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(out, '.github', 'workflows', 'classroom.yml'), classroomWorkflow(chapters));
  copied.push('README.md', '.github/workflows/classroom.yml');
  return copied.sort();
}

/** One exercise body of solutions/: its id, chapter and the solution's code lines. */
export interface SolutionBody {
  id: string;
  chapter: string;
  file: string;
  lines: string[];
}

/** Every exercise body in solutions/ (its solution, not its starter). */
export function solutionBodies(solutions = join(REPO_ROOT, 'solutions')): SolutionBody[] {
  const ctx = { chapters: CHAPTERS.map((c) => c.id) };
  const out: SolutionBody[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(solutions, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (commentOf(path) !== undefined) {
        const { file } = parseMarkers(path, readFileSync(join(solutions, path), 'utf8'), ctx);
        for (const e of file?.exercises ?? []) {
          const last = (e.starter ?? e.end) - 1; // the line before `starter` or `end`
          const lines = file!.lines.slice(e.start, last).map((l) => l.trim());
          out.push({
            id: e.id,
            chapter: e.chapter,
            file: path,
            lines: lines.filter((l) => l !== ''),
          });
        }
      }
    }
  };
  walk('');
  return out;
}

/** Bodies too short to be told apart from ordinary code (`return 0;`) are not looked for. */
function distinctive(body: SolutionBody): boolean {
  return body.lines.join('').replace(/\s/g, '').length >= 40;
}

/**
 * Solution bodies found in the student tree, as `file: exercise` lines. A body may appear only in
 * the src/ (and shipped starter) of a chosen chapter after its own: each chapter starts from the
 * previous one solved.
 */
export function leakedSolutions(
  student: string,
  files: string[],
  chapters: GradedChapter[],
  bodies = solutionBodies(),
): string[] {
  const order = CHAPTERS.map((c) => c.id);
  const leaks: string[] = [];
  const texts = new Map(
    files
      .filter((f) => /\.(ts|asm|inc|md|js)$/.test(f))
      .map((f) => [
        f,
        readFileSync(join(student, f), 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .join('\n'),
      ]),
  );
  for (const body of bodies.filter(distinctive)) {
    const needle = body.lines.join('\n');
    const allowed = chapters
      .filter((c) => order.indexOf(c.id) > order.indexOf(body.chapter))
      .flatMap((c) => [`chapters/${c.slug}/src/`, `grader/starters/${c.slug}/`]);
    for (const [file, text] of texts) {
      if (allowed.some((a) => file.startsWith(a))) continue;
      if (text.includes(needle)) leaks.push(`${file}: the solution of ${body.id}`);
    }
  }
  return leaks;
}
