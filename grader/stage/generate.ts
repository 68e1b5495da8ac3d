// The stager (docs/architecture.md §7): from the marked master source in solutions/, the snapshot
// of a chapter — every file and region that exists by then, the chapter's exercise bodies replaced
// by stubs (or their custom starters), imports that leave solutions/ rebased for
// chapters/NN-slug/src. Pure: file texts in, file texts out, so the same code checks for drift and
// writes the tree.

import { posix } from 'node:path';
import {
  commentOf,
  type ExerciseBody,
  type MarkedFile,
  type MarkerError,
  parseMarkers,
  type Region,
  uncomment,
} from './markers.ts';

/** An exercise as the stager needs it from chapters/NN-slug/exercises.ts. */
export interface ManifestEntry {
  id: string;
  section: string;
}

export interface StageSource {
  /** Chapter ids in book order (chapters/index.ts). */
  chapters: readonly string[];
  /** Files of solutions/ by path relative to it (tests and unmarked files are skipped). */
  files: Record<string, string>;
  /** The manifests of the chapters that have one, by chapter id. */
  manifests: Record<string, readonly ManifestEntry[]>;
  /** Where a manifest lives, for error messages: chapter id → path. */
  manifestPaths?: Record<string, string>;
}

export interface MarkedTree {
  chapters: readonly string[];
  files: MarkedFile[];
  manifests: Record<string, readonly ManifestEntry[]>;
}

/** Whether solutions/<path> is a candidate for snapshots at all. */
export function isStageable(path: string): boolean {
  return commentOf(path) !== undefined && !/\.test\.[cm]?[jt]s$/.test(path);
}

/** Parses every file and checks what spans files: region names, exercise ids, manifests. */
export function parseTree(source: StageSource): { tree: MarkedTree; errors: MarkerError[] } {
  const errors: MarkerError[] = [];
  const files: MarkedFile[] = [];
  for (const path of Object.keys(source.files).sort()) {
    if (!isStageable(path)) continue;
    const parsed = parseMarkers(path, source.files[path]!, { chapters: source.chapters });
    errors.push(...parsed.errors);
    if (parsed.file !== undefined) files.push(parsed.file);
  }
  const regionAt = new Map<string, string>();
  const marked = new Set<string>();
  for (const file of files) {
    for (const r of file.regions) {
      const first = regionAt.get(r.name);
      if (first !== undefined) {
        errors.push({
          file: file.path,
          line: r.start,
          message: `region ${r.name} again (first at ${first})`,
        });
      } else regionAt.set(r.name, `${file.path}:${r.start}`);
    }
    for (const e of file.exercises) {
      marked.add(e.id);
      const manifest = source.manifests[e.chapter];
      if (manifest !== undefined && !manifest.some((m) => m.id === e.id)) {
        const where = source.manifestPaths?.[e.chapter] ?? `the manifest of chapter ${e.chapter}`;
        errors.push({
          file: file.path,
          line: e.start,
          message: `exercise ${e.id} is not in ${where}`,
        });
      }
    }
  }
  for (const [chapter, manifest] of Object.entries(source.manifests)) {
    for (const m of manifest) {
      if (marked.has(m.id)) continue;
      const file = source.manifestPaths?.[chapter] ?? `chapter ${chapter}'s manifest`;
      errors.push({
        file,
        line: 1,
        message: `exercise ${m.id} has no exercise marker in solutions/`,
      });
    }
  }
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  return { tree: { chapters: source.chapters, files, manifests: source.manifests }, errors };
}

export interface SnapshotOptions {
  /** The chapter's slug (its folder), for the rebased imports: `02-architecture`. */
  slug: string;
  /** The solved snapshot: the chapter's own exercises keep their solutions. */
  solved: boolean;
  /** Collects where each stub (starter body) of the chapter's exercises is in the output. */
  stubs?: StubSpan[];
}

/** Where an exercise's starter body lies in a starter file: lines [start, end), 0-based. */
export interface StubSpan {
  id: string;
  path: string;
  start: number;
  end: number;
}

/** The snapshot of chapter `chapter`: output path (relative to src/) → text, sorted by path. */
export function generateSnapshot(
  tree: MarkedTree,
  chapter: string,
  options: SnapshotOptions,
): Record<string, string> {
  const order = (id: string) => tree.chapters.indexOf(id);
  const n = order(chapter);
  if (n < 0) throw new Error(`generateSnapshot: no chapter ${chapter}`);
  const out: Record<string, string> = {};
  for (const file of tree.files) {
    if (order(file.from) > n) continue;
    out[file.path] = snapshotFile(file, n, order, tree.manifests, chapter, options);
  }
  return out;
}

function snapshotFile(
  file: MarkedFile,
  n: number,
  order: (id: string) => number,
  manifests: Record<string, readonly ManifestEntry[]>,
  chapter: string,
  options: SnapshotOptions,
): string {
  const what = options.solved
    ? `The solved snapshot of chapter ${chapter}`
    : `Your working copy for chapter ${chapter}`;
  const lines: string[] = [
    `${file.comment} ${what}, generated from solutions/${file.path} by npx xenlab stage.`,
  ];
  let removed = false;
  let needsNotImplemented = false;
  const spans: StubSpan[] = [];
  const emit = (line: string) => {
    // Dropping a block must not leave two blank lines where the master has one.
    if (line.trim() === '' && removed && lines.at(-1)?.trim() === '') return;
    lines.push(line);
    removed = false;
  };
  const exists = (from: string, until?: string) =>
    order(from) <= n && (until === undefined || n < order(until));

  file.lines.forEach((text, i) => {
    const owner = file.owners[i]!;
    if (owner.kind === 'marker') {
      const stubbed = file.exercises.find((e) => e.start === i + 1);
      const region = stubbed?.region;
      const present = region === undefined || exists(region.from, region.until);
      if (stubbed !== undefined && present && isStub(stubbed.chapter)) {
        const stub = stubLines(file, stubbed, manifests);
        if (stub.throws) needsNotImplemented = true;
        const start = lines.length;
        for (const line of stub.lines) emit(line);
        spans.push({ id: stubbed.id, path: file.path, start, end: lines.length });
      }
      return;
    }
    const inRegion = owner.region === undefined || exists(owner.region.from, owner.region.until);
    const exercise = owner.exercise;
    const keep =
      inRegion && (exercise === undefined ? true : !isStub(exercise.chapter) && !owner.starter);
    if (keep) emit(file.comment === '//' ? rebaseImports(text, file.path, options.slug) : text);
    else removed = true;
  });

  function isStub(exerciseChapter: string): boolean {
    return !options.solved && exerciseChapter === chapter;
  }

  if (needsNotImplemented) {
    const added = addNotImplementedImport(lines, file.path);
    for (const span of spans) {
      if (span.start < added.at) continue;
      span.start += added.count;
      span.end += added.count;
    }
  }
  options.stubs?.push(...spans);
  return lines.join('\n');
}

/** A region as a reader of one chapter may see it (regionForReader). */
export interface ReaderRegion {
  file: MarkedFile;
  region: Region;
  /** Its lines, marker lines dropped, hidden exercise bodies replaced by their starters. */
  lines: string[];
}

/**
 * Region `name` as the reader of chapter `reader` may see it: the body of every exercise of that
 * chapter or a later one is replaced by its starter, as that exercise's own chapter stages it,
 * so a page never shows the solution of an exercise its reader has still to do. With `reader`
 * undefined (a page outside the chapters), every exercise shows its starter. Undefined when no
 * region has that name.
 */
export function regionForReader(
  tree: MarkedTree,
  name: string,
  reader: string | undefined,
): ReaderRegion | undefined {
  const limit = reader === undefined ? -1 : tree.chapters.indexOf(reader);
  const hidden = (e: ExerciseBody) => tree.chapters.indexOf(e.chapter) >= limit;
  for (const file of tree.files) {
    const region = file.regions.find((r) => r.name === name);
    if (region === undefined) continue;
    const lines: string[] = [];
    // Marker lines are 1-based: the region's lines are the 0-based indices between them.
    for (let i = region.start; i < region.end - 1; i++) {
      const owner = file.owners[i]!;
      if (owner.kind === 'marker') {
        const e = file.exercises.find((x) => x.start === i + 1);
        if (e !== undefined && hidden(e)) lines.push(...stubLines(file, e, tree.manifests).lines);
        continue;
      }
      if (owner.exercise !== undefined && (owner.starter || hidden(owner.exercise))) continue;
      lines.push(file.lines[i]!);
    }
    return { file, region, lines };
  }
  return undefined;
}

/**
 * The reference tree as the book's browser worker runs it for a page of chapter `chapter`: every
 * file of solutions/ (so the worker's imports resolve), each file that exists by that chapter
 * with that chapter's lines (regions of later chapters absent, as its snapshot has them), a file
 * of a later chapter whole; and the body of every exercise of chapter `hiddenFrom` or a later one
 * replaced by its starter, as in its own chapter's snapshot. Imports are not rebased: the files
 * stand where solutions/ has them.
 */
export function runnableTree(
  tree: MarkedTree,
  chapter: string,
  hiddenFrom: string,
): Record<string, string> {
  const order = (id: string) => tree.chapters.indexOf(id);
  const n = order(chapter);
  const hide = order(hiddenFrom);
  if (n < 0 || hide < 0)
    throw new Error(`runnableTree: no chapter ${n < 0 ? chapter : hiddenFrom}`);
  const out: Record<string, string> = {};
  for (const file of tree.files) {
    const current = order(file.from) <= n;
    const exists = (r?: Region) =>
      !current ||
      r === undefined ||
      (order(r.from) <= n && (r.until === undefined || n < order(r.until)));
    const hidden = (e: ExerciseBody) => order(e.chapter) >= hide;
    const lines: string[] = [];
    let throws = false;
    file.lines.forEach((text, i) => {
      const owner = file.owners[i]!;
      if (owner.kind === 'marker') {
        const e = file.exercises.find((x) => x.start === i + 1);
        if (e !== undefined && exists(e.region) && hidden(e)) {
          const stub = stubLines(file, e, tree.manifests);
          throws ||= stub.throws;
          lines.push(...stub.lines);
        }
        return;
      }
      if (!exists(owner.region)) return;
      if (owner.exercise !== undefined && (owner.starter || hidden(owner.exercise))) return;
      lines.push(text);
    });
    if (throws) addNotImplementedImport(lines, file.path);
    out[file.path] = lines.join('\n');
  }
  return out;
}

/** An exercise's solution: the lines of its body before any custom starter. */
export interface ExerciseSolution {
  id: string;
  chapter: string;
  file: string;
  lines: string[];
}

export function exerciseSolutions(tree: MarkedTree): ExerciseSolution[] {
  return tree.files.flatMap((file) =>
    file.exercises.map((e) => ({
      id: e.id,
      chapter: e.chapter,
      file: file.path,
      lines: file.lines.slice(e.start, (e.starter ?? e.end) - 1),
    })),
  );
}

/** The lines that stand for an exercise body in its own chapter's starter. */
function stubLines(
  file: MarkedFile,
  e: { id: string; chapter: string; start: number; end: number; starter?: number },
  manifests: Record<string, readonly ManifestEntry[]>,
): { lines: string[]; throws: boolean } {
  if (e.starter !== undefined) {
    const starter = file.lines.slice(e.starter, e.end - 1);
    return { lines: starter.map((l) => uncomment(l, file.comment)), throws: false };
  }
  const body = file.lines.slice(e.start, e.end - 1);
  // The body's indentation (in assembly, of its first instruction: labels sit at column 0).
  const code = file.comment === ';' ? /^\s+[^\s;]/ : /\S/;
  const first = body.find((l) => code.test(l)) ?? file.lines[e.start - 1]!;
  const indent = first.slice(0, first.length - first.trimStart().length);
  const section = manifests[e.chapter]?.find((m) => m.id === e.id)?.section ?? '?';
  if (file.comment === ';') {
    return {
      lines: [
        `${indent}; TODO(${e.id}): not implemented yet (book §${section}); npx xenlab hint ${e.id}`,
        `${indent}ud2`,
      ],
      throws: false,
    };
  }
  return { lines: [`${indent}throw new NotImplemented('${e.id}', '${section}');`], throws: true };
}

const IMPORT_SPEC = /(\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)(['"])(\.\.?\/[^'"]+)\2/g;

/**
 * An import that leaves solutions/ (to sim/, say), rewritten to reach the same file from
 * chapters/SLUG/src/…; imports within solutions/ stay as they are.
 */
export function rebaseImports(line: string, path: string, slug: string): string {
  return line.replace(IMPORT_SPEC, (whole, lead: string, quote: string, spec: string) => {
    const target = posix.normalize(posix.join(posix.dirname(`solutions/${path}`), spec));
    if (target.startsWith('solutions/')) return whole;
    let rebased = posix.relative(posix.dirname(`chapters/${slug}/src/${path}`), target);
    if (!rebased.startsWith('.')) rebased = `./${rebased}`;
    return `${lead}${quote}${rebased}${quote}`;
  });
}

/**
 * Adds `import { NotImplemented } from '…/exercise.ts';` for the stubs of a TypeScript file;
 * returns where, and how many lines it inserted.
 */
function addNotImplementedImport(lines: string[], path: string): { at: number; count: number } {
  if (lines.some((l) => /^import\b.*\bNotImplemented\b/.test(l))) return { at: 0, count: 0 };
  let spec = posix.relative(posix.dirname(path), 'exercise.ts');
  if (!spec.startsWith('.')) spec = `./${spec}`;
  const line = `import { NotImplemented } from '${spec}';`;
  const firstImport = lines.findIndex((l) => /^import\b/.test(l));
  if (firstImport >= 0) {
    lines.splice(firstImport, 0, line);
    return { at: firstImport, count: 1 };
  }
  let after = 0;
  while (after < lines.length && lines[after]!.startsWith('//')) after++;
  lines.splice(after, 0, '', line);
  return { at: after, count: 2 };
}
