// `xenlab stage [NN…]` regenerates chapters/NN-slug/src from solutions/ (every staged chapter
// when none is named); `xenlab stage NN [--solved] --out DIR` writes one snapshot elsewhere.
// It never overwrites a learner's work: a src/ file someone edited stops it unless --force.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Chapter } from '../../chapters/index.ts';
import { REPO_ROOT } from '../cache.ts';
import { EXIT } from '../exit-codes.ts';
import type { MarkedTree } from '../stage/generate.ts';
import {
  chapterById,
  editedFiles,
  readMarkedTree,
  recordStaged,
  StageError,
  snapshot,
  stagedChapters,
  writeSnapshot,
} from '../stage/index.ts';

export interface StageOptions {
  solved?: boolean;
  out?: string;
  /** Overwrite edited files of chapters/NN-slug/src too. */
  force?: boolean;
}

/** Resolves chapter ids (all staged chapters when none); prints the mistake and returns undefined. */
export function chaptersFromArgs(command: string, ids: readonly string[]): Chapter[] | undefined {
  if (ids.length === 0) return stagedChapters();
  const chapters: Chapter[] = [];
  for (const id of ids) {
    const chapter = chapterById(id);
    if (chapter === undefined) {
      console.error(`xenlab ${command}: no chapter "${id}"; chapters are listed by npm start`);
      return undefined;
    }
    chapters.push(chapter);
  }
  return chapters;
}

/**
 * The marked tree of solutions/ for `command`, or undefined after saying why there is none:
 * no solutions/ (a handout: `absent` says what that means here), or marker errors.
 */
export async function markedTreeFor(
  command: string,
  absent: string,
  broken = '',
): Promise<MarkedTree | undefined> {
  if (!existsSync(join(REPO_ROOT, 'solutions'))) {
    console.error(`xenlab ${command}: there is no solutions/ here (a handout has none): ${absent}`);
    return undefined;
  }
  try {
    return await readMarkedTree();
  } catch (e) {
    if (!(e instanceof StageError)) throw e;
    console.error(e.message);
    const tail = broken === '' ? '' : `; ${broken}`;
    console.error(`xenlab ${command}: ${e.errors.length} marker error(s) in solutions/${tail}`);
    return undefined;
  }
}

export async function runStage(ids: readonly string[], options: StageOptions): Promise<number> {
  const chapters = chaptersFromArgs('stage', ids);
  if (chapters === undefined) return EXIT.usage;
  if (options.out !== undefined && chapters.length !== 1) {
    console.error('xenlab stage: --out writes one chapter; name exactly one');
    return EXIT.usage;
  }
  if (options.solved && options.out === undefined) {
    console.error('xenlab stage: --solved needs --out DIR (chapters/*/src always holds starters)');
    return EXIT.usage;
  }
  const tree = await markedTreeFor('stage', 'nothing to generate from', 'nothing written');
  if (tree === undefined) return EXIT.failed;
  const staged = new Set(stagedChapters().map((c) => c.id));
  const solved = options.solved === true;
  const plans = chapters.map((chapter) => ({
    chapter,
    dir: resolve(options.out ?? `${REPO_ROOT}chapters/${chapter.slug}/src`),
    files: snapshot(tree, chapter, solved),
  }));
  for (const { chapter } of plans) {
    if (!solved && !staged.has(chapter.id)) {
      console.error(
        `xenlab stage: chapter ${chapter.id} has no chapters/${chapter.slug}/exercises.ts yet`,
      );
      return EXIT.failed;
    }
  }
  if (options.out === undefined && options.force !== true) {
    const edited = plans.flatMap(({ chapter, dir, files }) =>
      editedFiles(dir, files).map((f) => `chapters/${chapter.slug}/src/${f}`),
    );
    if (edited.length > 0) {
      console.error('xenlab stage: these files hold changes of yours; nothing was written:');
      for (const f of edited) console.error(`  ${f}`);
      console.error(
        'Your work stays as it is. To start an exercise over, `npx xenlab reset ID` restores ' +
          'just its body; `npx xenlab stage --force` would overwrite every file listed.',
      );
      return EXIT.failed;
    }
  }
  for (const { chapter, dir, files } of plans) {
    // A chapter's src/ is the stager's to prune; a folder named by --out keeps its other files.
    const { written, removed } = writeSnapshot(dir, files, options.out === undefined);
    if (options.out === undefined) recordStaged(dir, files);
    const kind = solved ? 'solved snapshot' : 'starter';
    console.log(
      `chapter ${chapter.id}: ${kind} in ${dir}: ${Object.keys(files).length} files ` +
        `(${written} written, ${removed} removed)`,
    );
  }
  if (chapters.length === 0) console.log('no chapter has an exercises.ts yet: nothing to stage');
  return EXIT.ok;
}

export function register(program: Command): void {
  program
    .command('stage')
    .argument('[chapters...]', 'chapter ids, e.g. 02 03 (default: every chapter with exercises)')
    .option('--solved', "the solved snapshot: the chapter's own exercises keep their solutions")
    .option('--out <dir>', 'write the snapshot of one chapter into DIR instead of its src/')
    .option('--force', 'overwrite files of chapters/NN-slug/src that hold changes of yours')
    .description('generate chapters/NN-slug/src from the marked master source in solutions/')
    .action(async (ids: string[], options: StageOptions) => {
      process.exitCode = await runStage(ids, options);
    });
}
