// The stager on disk: reads solutions/ and the chapter manifests, writes chapters/NN-slug/src
// (or a solved snapshot elsewhere). The snapshot itself is computed by generate.ts.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Exercise } from '../../chapters/exercise.ts';
import { CHAPTERS, type Chapter } from '../../chapters/index.ts';
import { cacheDir, REPO_ROOT } from '../cache.ts';
import {
  generateSnapshot,
  isStageable,
  type ManifestEntry,
  type MarkedTree,
  parseTree,
  type StageSource,
  type StubSpan,
} from './generate.ts';
import type { MarkerError } from './markers.ts';

export type { MarkerError } from './markers.ts';

/** The manifest of a chapter folder, relative to the repository. */
export function manifestPath(chapter: Chapter): string {
  return `chapters/${chapter.slug}/exercises.ts`;
}

/** Chapters that are staged: those with an exercises.ts, in book order. */
export function stagedChapters(root = REPO_ROOT): Chapter[] {
  return CHAPTERS.filter((c) => existsSync(join(root, manifestPath(c))));
}

export function chapterById(id: string): Chapter | undefined {
  return CHAPTERS.find((c) => c.id === id);
}

/** Every file under `dir` the stager reads, by path relative to it (sorted). */
export function readTree(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  const entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, readTree(dir, rel));
    else if (isStageable(rel)) files[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return files;
}

/** Loads a TypeScript module by file URL: the runtime's own import, or tsx's where there is none. */
export type ModuleLoader = (url: string) => Promise<unknown>;

/** The staged chapters' exercises (id and section), read from their manifests. */
export async function loadManifests(
  root = REPO_ROOT,
  load: ModuleLoader = (url) => import(url),
): Promise<Record<string, ManifestEntry[]>> {
  const manifests: Record<string, ManifestEntry[]> = {};
  for (const chapter of stagedChapters(root)) {
    const url = pathToFileURL(join(root, manifestPath(chapter))).href;
    const module = (await load(url)) as { EXERCISES?: Exercise[] };
    manifests[chapter.id] = (module.EXERCISES ?? []).map((e) => ({ id: e.id, section: e.section }));
  }
  return manifests;
}

/** Everything the stager reads from the repository. */
export async function readStageSource(root = REPO_ROOT, load?: ModuleLoader): Promise<StageSource> {
  const manifestPaths: Record<string, string> = {};
  for (const c of CHAPTERS) manifestPaths[c.id] = manifestPath(c);
  return {
    chapters: CHAPTERS.map((c) => c.id),
    files: readTree(join(root, 'solutions')),
    manifests: await loadManifests(root, load),
    manifestPaths,
  };
}

/** solutions/ parsed and checked; throws a StageError listing every marker mistake. */
export async function readMarkedTree(root = REPO_ROOT, load?: ModuleLoader): Promise<MarkedTree> {
  const { tree, errors } = parseTree(await readStageSource(root, load));
  if (errors.length > 0) throw new StageError(errors);
  return tree;
}

/** Marker mistakes in solutions/: `solutions/…:LINE: message`, one per line. */
export class StageError extends Error {
  override name = 'StageError';
  constructor(readonly errors: MarkerError[]) {
    super(errors.map(formatMarkerError).join('\n'));
  }
}

export function formatMarkerError(e: MarkerError): string {
  const file = e.file.startsWith('chapters/') ? e.file : `solutions/${e.file}`;
  return `${file}:${e.line}: ${e.message}`;
}

/** The snapshot of `chapter` (starter, or solved), as output path → text. */
export function snapshot(
  tree: MarkedTree,
  chapter: Pick<Chapter, 'id' | 'slug'>,
  solved: boolean,
  stubs?: StubSpan[],
): Record<string, string> {
  return generateSnapshot(tree, chapter.id, { slug: chapter.slug, solved, stubs });
}

/**
 * Makes `dir` hold `files`: writes those that differ and, with `prune`, removes every other file
 * (and folders left empty). Returns how many files it wrote and removed.
 */
export function writeSnapshot(
  dir: string,
  files: Record<string, string>,
  prune = true,
): { written: number; removed: number } {
  let written = 0;
  let removed = 0;
  for (const [rel, text] of Object.entries(files)) {
    const path = join(dir, rel);
    if (existsSync(path) && readFileSync(path, 'utf8') === text) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    written++;
  }
  if (prune && existsSync(dir)) {
    for (const rel of listFiles(dir)) {
      if (files[rel] !== undefined) continue;
      rmSync(join(dir, rel));
      removed++;
    }
    removeEmptyFolders(dir);
  }
  return { written, removed };
}

/** Every file under `dir`, relative to it, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      out.push(relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
  }
  return out.sort();
}

function removeEmptyFolders(dir: string): boolean {
  let empty = true;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && removeEmptyFolders(join(dir, entry.name)))
      rmSync(join(dir, entry.name), { recursive: true });
    else empty = false;
  }
  return empty;
}

/** The chapter's src/ on disk compared with a fresh generation: paths that differ. */
export function drift(dir: string, files: Record<string, string>): string[] {
  const onDisk = existsSync(dir) ? listFiles(dir) : [];
  const paths = [...new Set([...onDisk, ...Object.keys(files)])].sort();
  return paths.filter((rel) => {
    const want = files[rel];
    const path = join(dir, rel);
    if (want === undefined || !existsSync(path)) return true;
    return readFileSync(path, 'utf8') !== want;
  });
}

/**
 * The files of a chapter's src/ that hold someone's work: those a generation would change
 * (`drift`) that are neither what the stager last wrote here (its record in the cache folder)
 * nor what the repository has committed (`git show HEAD:…`). A file the stager wrote and nobody
 * touched since is safe to regenerate; any other change is a learner's, kept unless forced.
 */
export function editedFiles(dir: string, files: Record<string, string>): string[] {
  const record = readStagedRecord(dir);
  return drift(dir, files).filter((rel) => {
    const path = join(dir, rel);
    if (!existsSync(path)) return false;
    const text = readFileSync(path, 'utf8');
    return record[rel] !== sha256(text) && committedText(path) !== text;
  });
}

/** Notes what the stager wrote into `dir`, for `editedFiles`. */
export function recordStaged(dir: string, files: Record<string, string>): void {
  const path = stagedRecordPath(dir);
  mkdirSync(dirname(path), { recursive: true });
  const hashes = Object.fromEntries(Object.entries(files).map(([rel, t]) => [rel, sha256(t)]));
  writeFileSync(path, `${JSON.stringify(hashes, null, 2)}\n`);
}

function stagedRecordPath(dir: string): string {
  const rel = relative(REPO_ROOT, dir).split('\\').join('/').replaceAll('/', '__');
  return join(cacheDir(), 'staged', `${rel}.json`);
}

function readStagedRecord(dir: string): Record<string, string> {
  const path = stagedRecordPath(dir);
  if (!existsSync(path)) return {};
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The committed text of `path` (HEAD of its git repository), or undefined. */
function committedText(path: string): string | undefined {
  const r = spawnSync('git', ['show', `HEAD:./${relative(dirname(path), path)}`], {
    cwd: dirname(path),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  return r.status === 0 ? r.stdout : undefined;
}
