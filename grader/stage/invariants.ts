// The staging invariants (docs/architecture.md §7), checked in CI for every staged chapter N:
//   (a) chapters/N/src equals a fresh generation from solutions/ (no drift);
//   (b) the starter and the solved snapshot type-check, with the chapter tests that use them;
//   (c) every guest of both snapshots assembles, without a warning;
//   (d) the starter passes every test of the chapters before N and fails every test of N;
//   (e) the solved snapshot passes every test of the chapters up to N.
// Snapshots are written under the cache folder as small copies of the repository's layout
// (chapters/SLUG/src beside links to sim/, grader/, tools/ and the tests), so tsc sees what a
// learner's editor sees.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { Chapter } from '../../chapters/index.ts';
import { cacheDir, REPO_ROOT } from '../cache.ts';
import { assembleGuests } from '../guests.ts';
import { runTests, type TestResult } from '../runner/index.ts';
import type { MarkedTree } from './generate.ts';
import { drift, snapshot, stagedChapters, writeSnapshot } from './index.ts';

export type Kind = 'starter' | 'solved';

/** One invariant of one chapter: ok, or what broke it. */
export interface Check {
  chapter: string;
  name: string;
  ok: boolean;
  /** A one-line summary (counts). */
  summary: string;
  /** The offenders, one per line. */
  details: string[];
}

export interface InvariantOptions {
  seed?: number;
  /** Progress lines as the checks go (to stderr, say). */
  log?: (line: string) => void;
}

const ROOT = REPO_ROOT.replace(/[\\/]$/, '');

/** The copy of the repository's layout in which snapshot `kind` of `chapter` lives. */
export function snapshotRoot(chapter: Chapter, kind: Kind): string {
  return join(cacheDir(), 'invariants', `${chapter.id}-${kind}`);
}

/** Where the snapshot's own files are inside its layout copy. */
function snapshotSrc(chapter: Chapter, kind: Kind): string {
  return join(snapshotRoot(chapter, kind), 'chapters', chapter.slug, 'src');
}

function testsDir(chapter: Chapter): string {
  return join(ROOT, 'chapters', chapter.slug, 'tests');
}

function hasTests(chapter: Chapter): boolean {
  return existsSync(testsDir(chapter));
}

/**
 * Writes the snapshot into a fresh layout copy: chapters/SLUG/src holds it, earlier chapters'
 * src/ link to it (their tests run on it too), tests and shared folders link to the repository.
 */
function layOut(tree: MarkedTree, chapter: Chapter, kind: Kind, upTo: Chapter[]): void {
  const root = snapshotRoot(chapter, kind);
  rmSync(root, { recursive: true, force: true });
  writeSnapshot(snapshotSrc(chapter, kind), snapshot(tree, chapter, kind === 'solved'));
  for (const shared of ['sim', 'grader', 'tools', 'node_modules', 'package.json']) {
    symlinkSync(join(ROOT, shared), join(root, shared));
  }
  for (const shared of ['testing', 'index.ts', 'exercise.ts']) {
    symlinkSync(join(ROOT, 'chapters', shared), join(root, 'chapters', shared));
  }
  for (const c of upTo) {
    const dir = join(root, 'chapters', c.slug);
    mkdirSync(dir, { recursive: true });
    if (c !== chapter) symlinkSync(snapshotSrc(chapter, kind), join(dir, 'src'));
    if (hasTests(c)) symlinkSync(testsDir(c), join(dir, 'tests'));
    // Tests may read their chapter's manifest (points, fuel).
    const manifest = join(ROOT, 'chapters', c.slug, 'exercises.ts');
    if (existsSync(manifest)) symlinkSync(manifest, join(dir, 'exercises.ts'));
  }
}

/** The chapters whose tests grade snapshot N: those up to N, in book order. */
function chaptersUpTo(chapter: Chapter, all: readonly Chapter[]): Chapter[] {
  return all.slice(0, all.indexOf(chapter) + 1);
}

/** tsc over every laid-out snapshot at once (sim/ is checked once); errors by snapshot root. */
function typecheck(roots: string[]): Map<string, string[]> {
  const base = join(cacheDir(), 'invariants');
  const config = {
    extends: join(ROOT, 'tsconfig.json'),
    // A starter leaves parameters and imports of its stubbed bodies unused.
    compilerOptions: { noUnusedLocals: false, noUnusedParameters: false },
    include: roots.flatMap((r) => [
      `${relative(base, r)}/chapters/*/src`,
      `${relative(base, r)}/chapters/*/tests`,
    ]),
    exclude: [],
  };
  const path = join(base, 'tsconfig.json');
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', path, '--noEmit', '--pretty', 'false'], {
    encoding: 'utf8',
    cwd: base,
    maxBuffer: 64 << 20,
  });
  const byRoot = new Map<string, string[]>(roots.map((root) => [root, []]));
  const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l.trim() !== '');
  for (const line of lines) {
    if (/^\s/.test(line)) continue; // continuation of the previous message
    const file = join(base, line.replace(/\(\d+,\d+\).*$/, ''));
    const root = roots.find((rt) => file.startsWith(rt + sep));
    const list = byRoot.get(root ?? roots[0]!)!;
    list.push(
      root === undefined ? line : `${relative(root, file)}${line.slice(line.indexOf('('))}`,
    );
  }
  if (r.status !== 0 && lines.length === 0)
    byRoot.get(roots[0]!)!.push(`tsc failed: ${r.error ?? r.status}`);
  return byRoot;
}

function describeTest(r: TestResult): string {
  const first = r.message.split('\n')[0] ?? '';
  return `${r.id}${r.status === 'failed' && first !== '' ? `: ${first}` : ''}`;
}

/** Checks the invariants of `chapters` (default: every staged chapter). */
export async function checkInvariants(
  tree: MarkedTree,
  chapters: readonly Chapter[],
  options: InvariantOptions = {},
): Promise<Check[]> {
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 1;
  const all = stagedChapters();
  const checks: Check[] = [];
  const add = (chapter: Chapter, name: string, details: string[], summary: string) =>
    checks.push({ chapter: chapter.id, name, ok: details.length === 0, summary, details });

  // (a) drift, and the snapshots laid out for the rest.
  const roots: string[] = [];
  for (const chapter of chapters) {
    const srcDir = join(ROOT, 'chapters', chapter.slug, 'src');
    const files = snapshot(tree, chapter, false);
    const differ = drift(srcDir, files).map((f) => `chapters/${chapter.slug}/src/${f}`);
    add(chapter, 'src/ equals a fresh generation', differ, `${Object.keys(files).length} files`);
    const upTo = chaptersUpTo(chapter, all.includes(chapter) ? all : [...all, chapter]);
    for (const kind of ['starter', 'solved'] as const) {
      layOut(tree, chapter, kind, upTo);
      roots.push(snapshotRoot(chapter, kind));
    }
  }

  // (b) one tsc for every snapshot.
  log(`type-checking ${roots.length} snapshots…`);
  const typeErrors = roots.length > 0 ? typecheck(roots) : new Map<string, string[]>();
  for (const chapter of chapters) {
    const errors = (['starter', 'solved'] as const).flatMap((kind) =>
      (typeErrors.get(snapshotRoot(chapter, kind)) ?? []).map((e) => `${kind}: ${e}`),
    );
    add(chapter, 'starter and solved type-check', errors, `${errors.length} errors`);

    // (c) guests.
    const guests = (['starter', 'solved'] as const).map((kind) => {
      const g = assembleGuests(snapshotSrc(chapter, kind));
      // A warning in a grade is then always about the learner's own lines.
      return { count: g.count, errors: [...g.errors, ...g.warnings].map((e) => `${kind}: ${e}`) };
    });
    add(
      chapter,
      'guests assemble',
      guests.flatMap((g) => g.errors),
      `${guests[0]!.count} guest programs`,
    );

    // (d) and (e): the tests.
    const upTo = chaptersUpTo(chapter, all.includes(chapter) ? all : [...all, chapter]);
    const testDirs = upTo.filter(hasTests).map(testsDir);
    const own = `${chapter.slug}/`;
    log(`chapter ${chapter.id}: running the tests of chapters ≤ ${chapter.id} on the starter…`);
    const starter = await runTests({ src: snapshotSrc(chapter, 'starter'), testDirs, seed });
    const earlier = starter.results.filter((r) => !r.id.startsWith(own));
    const mine = starter.results.filter((r) => r.id.startsWith(own));
    add(
      chapter,
      'starter passes the tests of earlier chapters',
      [
        ...earlier.filter((r) => r.status === 'failed').map(describeTest),
        ...(starter.error === undefined ? [] : [`run error: ${starter.error}`]),
      ],
      `${earlier.filter((r) => r.status === 'passed').length}/${earlier.length} pass`,
    );
    add(
      chapter,
      `starter fails every test of chapter ${chapter.id}`,
      [
        ...mine.filter((r) => r.status === 'passed').map((r) => `${r.id}: passes on the starter`),
        ...(mine.length === 0 && hasTests(chapter) ? ['the chapter has no test results'] : []),
        ...(hasTests(chapter) ? [] : [`chapters/${chapter.slug}/tests does not exist`]),
      ],
      `${mine.filter((r) => r.status === 'failed').length}/${mine.length} fail`,
    );
    log(`chapter ${chapter.id}: running the tests of chapters ≤ ${chapter.id} on the solution…`);
    const solved = await runTests({ src: snapshotSrc(chapter, 'solved'), testDirs, seed });
    add(
      chapter,
      `solved passes every test of chapters ≤ ${chapter.id}`,
      [
        ...solved.results.filter((r) => r.status === 'failed').map(describeTest),
        ...(solved.error === undefined ? [] : [`run error: ${solved.error}`]),
      ],
      `${solved.results.filter((r) => r.status === 'passed').length}/${solved.results.length} pass`,
    );
  }
  return checks;
}

/** The report: one line per check, offenders indented below, a summary last. */
export function formatChecks(checks: readonly Check[]): string {
  const out: string[] = [];
  const chapters = [...new Set(checks.map((c) => c.chapter))];
  const byChapter = chapters.flatMap((id) => checks.filter((c) => c.chapter === id));
  let chapter = '';
  for (const c of byChapter) {
    if (c.chapter !== chapter) {
      chapter = c.chapter;
      out.push(`chapter ${chapter}`);
    }
    out.push(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.summary})`);
    for (const d of c.details.slice(0, 50))
      out.push(`         ${d.split('\n').join('\n         ')}`);
    if (c.details.length > 50) out.push(`         … and ${c.details.length - 50} more`);
  }
  const failed = checks.filter((c) => !c.ok).length;
  out.push(
    `invariants: ${chapters.length} chapter(s), ${checks.length - failed}/${checks.length} checks passed` +
      (failed > 0 ? `, ${failed} violated` : ''),
  );
  return out.join('\n');
}
