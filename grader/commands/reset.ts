// `xenlab reset <exercise | NN>`: start over — an exercise's body, or a chapter's whole src/,
// restored from a fresh starter (the stager's), after showing what will change and asking.
// An exercise's reset puts back only its starter body (exercise-body.ts): other exercises and
// other code in the same file keep their edits.

import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
import { applyBodyReset, type BodyReset, formatBodyReset, locateBody } from '../exercise-body.ts';
import { EXIT } from '../exit-codes.ts';
import { filesUnder, freshStarter, starterWithStubs } from '../starter.ts';

export interface ResetPlan {
  chapter: GradedChapter;
  /** Paths relative to the chapter folder (`src/xen/builder.ts`). */
  files: string[];
  /** Of those, the ones that differ from the starter (the work that would be lost). */
  changed: string[];
  /** Files of src/ not in the starter, removed. */
  extra: string[];
}

/** What resetting the whole src/ of `chapter` to the starter in `fresh` does. */
export function planReset(chapter: GradedChapter, fresh: string): ResetPlan {
  const src = join(chapter.dir, 'src');
  const starter = filesUnder(fresh).map((f) => `src/${f}`);
  const differs = (f: string) => {
    const mine = join(chapter.dir, f);
    return !existsSync(mine) || !readFileSync(mine).equals(readFileSync(join(fresh, f.slice(4))));
  };
  const extra = filesUnder(src)
    .map((f) => `src/${f}`)
    .filter((f) => !starter.includes(f));
  return { chapter, files: starter, changed: starter.filter(differs), extra };
}

/**
 * The bodies of exercise `id` in the learner's src/ that differ from the starter's, each with its
 * lines; throws a UsageError naming a file where the body cannot be found.
 */
export async function planBodyReset(chapter: GradedChapter, id: string): Promise<BodyReset[]> {
  const { files, stubs } = await starterWithStubs(chapter);
  const resets: BodyReset[] = [];
  for (const span of stubs.filter((s) => s.id === id)) {
    const starter = files[span.path]!.split('\n');
    const body = starter.slice(span.start, span.end);
    const path = join(chapter.dir, 'src', span.path);
    const mine = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
    const at = locateBody(mine, starter, span);
    if (at === undefined) {
      throw new UsageError(
        `cannot find the body of ${id} in src/${span.path}: the lines around it changed too. ` +
          `Put the starter's body back by hand:\n${body.join('\n')}`,
      );
    }
    const old = mine.slice(at.start, at.end);
    if (old.length === body.length && old.every((l, i) => l.trimEnd() === body[i]!.trimEnd()))
      continue;
    resets.push({ id, path: span.path, ...at, mine: old, starter: body });
  }
  return resets;
}

/** Carries out body resets (each file's from the bottom up, so line numbers hold). */
export function applyBodyResets(chapter: GradedChapter, resets: BodyReset[]): void {
  for (const r of [...resets].sort((a, b) => b.start - a.start)) {
    const path = join(chapter.dir, 'src', r.path);
    writeFileSync(path, applyBodyReset(readFileSync(path, 'utf8'), r));
  }
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

async function target(arg: string): Promise<{ chapter: GradedChapter; exercise?: string }> {
  if (findChapter(arg) !== undefined && !arg.includes('-'))
    return { chapter: await loadChapter(arg) };
  const { chapter, exercise } = await findExercise(arg);
  return { chapter, exercise: exercise.id };
}

/** Resets one exercise's body after showing the diff; returns the exit code. */
async function resetExercise(chapter: GradedChapter, id: string, yes: boolean): Promise<number> {
  const resets = await planBodyReset(chapter, id);
  if (resets.length === 0) {
    console.log(`nothing to do: the body of ${id} is as in the starter`);
    return EXIT.ok;
  }
  console.log(`This puts back the starter body of ${id}; the rest of each file stays as it is.`);
  for (const r of resets) {
    for (const line of formatBodyReset(r, `chapters/${chapter.slug}/src/${r.path}`))
      console.log(line);
  }
  if (!yes && !(await confirm('Go ahead? [y/N] '))) {
    console.error('nothing changed (pass --yes to reset without asking)');
    return EXIT.failed;
  }
  applyBodyResets(chapter, resets);
  console.log(`done: the body of ${id} is the starter's again`);
  return EXIT.ok;
}

/** Resets the chapter's whole src/ after listing the files; returns the exit code. */
async function resetChapter(chapter: GradedChapter, yes: boolean): Promise<number> {
  const fresh = await freshStarter(chapter);
  try {
    const plan = planReset(chapter, fresh);
    const lost = [...plan.changed, ...plan.extra];
    if (lost.length === 0) {
      console.log(`nothing to do: chapters/${chapter.slug}/src is as in the starter`);
      return EXIT.ok;
    }
    console.log(
      `This restores chapters/${chapter.slug}/ files to the starter; your changes in them are lost:`,
    );
    for (const f of plan.changed) console.log(`  overwrite ${f}`);
    for (const f of plan.extra) console.log(`  remove    ${f}`);
    if (!yes && !(await confirm('Go ahead? [y/N] '))) {
      console.error('nothing changed (pass --yes to reset without asking)');
      return EXIT.failed;
    }
    applyReset(plan, fresh);
    console.log(`done: ${lost.length} file${lost.length === 1 ? '' : 's'} restored`);
    return EXIT.ok;
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  program
    .command('reset')
    .argument('<target>', 'an exercise id (02-start-info) or a chapter number (02)')
    .description('restore an exercise’s body, or a chapter’s whole src/, to the starter')
    .option('--yes', 'do not ask for confirmation')
    .action(async (arg: string, options: { yes?: boolean }) => {
      try {
        const { chapter, exercise } = await target(arg);
        const yes = options.yes === true;
        process.exitCode =
          exercise === undefined
            ? await resetChapter(chapter, yes)
            : await resetExercise(chapter, exercise, yes);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab reset: ${e.message}`);
        process.exitCode = EXIT.usage;
      }
    });
}
