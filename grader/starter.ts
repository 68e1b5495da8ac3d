// Fresh snapshots of a chapter: what `grade` compares a learner's src/ with to pick a default
// chapter, what `reset` restores and what a handout's instructor bundle ships solved. They come
// from the stager (grader/stage) where solutions/ is present; a student handout has no
// solutions/, so the handout builder ships each chapter's starter in grader/starters/NN-slug/,
// and where its exercise bodies lie in grader/starters/NN-slug.stubs.json.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from './cache.ts';
import type { GradedChapter } from './chapters.ts';
import { UsageError } from './chapters.ts';
import type { StubSpan } from './stage/generate.ts';
import { readMarkedTree, snapshot } from './stage/index.ts';

/** Where a handout keeps its chapters' starters. */
export const STARTERS_DIR = join(REPO_ROOT, 'grader', 'starters');

/** Every file under `dir`, relative, sorted. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

/** Chapter `chapter`'s starter (or solved) snapshot: path relative to src/ → text. */
export async function snapshotFiles(
  chapter: GradedChapter,
  solved: boolean,
  root = REPO_ROOT,
): Promise<Record<string, string>> {
  return (await starterWithStubs(chapter, solved, root)).files;
}

/** A snapshot and, for a starter, where its exercise bodies (stubs) lie. */
export async function starterWithStubs(
  chapter: GradedChapter,
  solved = false,
  root = REPO_ROOT,
): Promise<{ files: Record<string, string>; stubs: StubSpan[] }> {
  if (existsSync(join(root, 'solutions'))) {
    const stubs: StubSpan[] = [];
    const files = snapshot(await readMarkedTree(root), chapter, solved, stubs);
    return { files, stubs };
  }
  const shipped = join(STARTERS_DIR, chapter.slug);
  if (!solved && existsSync(shipped)) {
    const files = Object.fromEntries(
      filesUnder(shipped).map((f) => [f, readFileSync(join(shipped, f), 'utf8')]),
    );
    const spans = `${shipped}.stubs.json`;
    const stubs = existsSync(spans) ? (JSON.parse(readFileSync(spans, 'utf8')) as StubSpan[]) : [];
    return { files, stubs };
  }
  throw new UsageError(
    `the ${solved ? 'solved snapshot' : 'starter'} of chapter ${chapter.id} cannot be made here: ` +
      'this handout has neither the reference (solutions/) nor ' +
      `grader/starters/${chapter.slug}/`,
  );
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
}

/** Writes chapter `chapter`'s snapshot into `out`. */
export async function writeSnapshot(
  chapter: GradedChapter,
  out: string,
  solved: boolean,
): Promise<void> {
  writeFiles(out, await snapshotFiles(chapter, solved));
}

/** A fresh starter of the chapter in a temporary folder; the caller removes it. */
export async function freshStarter(chapter: GradedChapter): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `xenlab-starter-${chapter.id}-`));
  await writeSnapshot(chapter, dir, false);
  return dir;
}

/** Whether the learner's chapters/NN-slug/src differs from a fresh starter. */
export async function chapterChanged(chapter: GradedChapter): Promise<boolean> {
  const src = join(chapter.dir, 'src');
  if (!existsSync(src)) return false;
  const fresh = await snapshotFiles(chapter, false);
  const mine = filesUnder(src);
  if (mine.join('\n') !== Object.keys(fresh).sort().join('\n')) return true;
  return mine.some((f) => readFileSync(join(src, f), 'utf8') !== fresh[f]);
}
