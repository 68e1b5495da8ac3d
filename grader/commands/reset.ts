// `xenlab reset <exercise | NN>`: start over — an exercise's files, or a chapter's whole src/,
// restored from a fresh starter (the stager's), after showing what will be overwritten and asking.
// An exercise's `files` are restored whole: other work in those files is lost too, and the list
// says so before anything happens.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import {
  findChapter,
  findExercise,
  type GradedChapter,
  loadChapter,
  UsageError,
} from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { filesUnder, freshStarter } from '../starter.ts';

export interface ResetPlan {
  chapter: GradedChapter;
  /** Paths relative to the chapter folder (`src/xen/builder.ts`). */
  files: string[];
  /** Of those, the ones that differ from the starter (the work that would be lost). */
  changed: string[];
  /** Files of src/ not in the starter, removed by a whole-chapter reset. */
  extra: string[];
}

/** What resetting `files` of `chapter` (or its whole src/) to the starter in `fresh` does. */
export function planReset(
  chapter: GradedChapter,
  fresh: string,
  files: string[] | 'all',
): ResetPlan {
  const src = join(chapter.dir, 'src');
  const starter = filesUnder(fresh).map((f) => `src/${f}`);
  const chosen = files === 'all' ? starter : files;
  for (const f of chosen) {
    if (!starter.includes(f))
      throw new UsageError(`${f} is not part of chapter ${chapter.id}'s starter`);
  }
  const differs = (f: string) => {
    const mine = join(chapter.dir, f);
    return !existsSync(mine) || !readFileSync(mine).equals(readFileSync(join(fresh, f.slice(4))));
  };
  const extra =
    files === 'all'
      ? filesUnder(src)
          .map((f) => `src/${f}`)
          .filter((f) => !starter.includes(f))
      : [];
  return { chapter, files: chosen, changed: chosen.filter(differs), extra };
}

/** Carries out a plan: copies the starter's files over, removes the extras. */
export function applyReset(plan: ResetPlan, fresh: string): void {
  for (const f of plan.changed) {
    const to = join(plan.chapter.dir, f);
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(join(fresh, f.slice(4)), to);
  }
  for (const f of plan.extra) rmSync(join(plan.chapter.dir, f));
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question(question);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

async function target(arg: string): Promise<{ chapter: GradedChapter; files: string[] | 'all' }> {
  if (findChapter(arg) !== undefined && !arg.includes('-'))
    return { chapter: await loadChapter(arg), files: 'all' };
  const { chapter, exercise } = await findExercise(arg);
  return { chapter, files: exercise.files };
}

export function register(program: Command): void {
  program
    .command('reset')
    .argument('<target>', 'an exercise id (02-start-info) or a chapter number (02)')
    .description('restore an exercise’s files, or a chapter’s whole src/, to the starter')
    .option('--yes', 'do not ask for confirmation')
    .action(async (arg: string, options: { yes?: boolean }) => {
      let fresh: string | undefined;
      try {
        const { chapter, files } = await target(arg);
        fresh = await freshStarter(chapter);
        const plan = planReset(chapter, fresh, files);
        const lost = [...plan.changed, ...plan.extra];
        if (lost.length === 0) {
          console.log(
            `nothing to do: ${files === 'all' ? `chapters/${chapter.slug}/src` : files.join(', ')} is as in the starter`,
          );
          return;
        }
        console.log(
          `This restores chapters/${chapter.slug}/ files to the starter; your changes in them are lost:`,
        );
        for (const f of plan.changed) console.log(`  overwrite ${f}`);
        for (const f of plan.extra) console.log(`  remove    ${f}`);
        if (options.yes !== true && !(await confirm('Go ahead? [y/N] '))) {
          console.error('nothing changed (pass --yes to reset without asking)');
          process.exitCode = EXIT.failed;
          return;
        }
        applyReset(plan, fresh);
        console.log(`done: ${lost.length} file${lost.length === 1 ? '' : 's'} restored`);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab reset: ${e.message}`);
        process.exitCode = EXIT.usage;
      } finally {
        if (fresh !== undefined) rmSync(fresh, { recursive: true, force: true });
      }
    });
}
