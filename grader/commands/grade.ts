// `xenlab grade [NN]`: grade a chapter — the learner's chapters/NN-slug/src by default, any tree
// with --src, a folder of submissions with --submissions — with the chapter's pristine tests
// (docs/architecture.md §8). Scoring is described in grading.ts; output formats in report/.

import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { CHAPTERS } from '../../chapters/index.ts';
import {
  CHAPTERS_DIR,
  type GradedChapter,
  gradedChapters,
  loadChapter,
  UsageError,
} from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { type GradeOptions, type GradeReport, grade, scoreResults } from '../grading.ts';
import { checkPristine, pristineFailure, TESTING } from '../pristine.ts';
import { toGradescope, writeJsonAtomic } from '../report/gradescope.ts';
import { toJson } from '../report/json.ts';
import { progressPrinter } from '../report/progress.ts';
import { formatText } from '../report/text.ts';
import { saveExercises, saveGrade } from '../results-cache.ts';
import { chapterChanged } from '../starter.ts';
import { gradeSubmissions, submissionTree } from '../submissions.ts';

export type Format = 'text' | 'json' | 'gradescope';

export interface GradeCommandOptions {
  src?: string;
  seed: number;
  test?: string;
  exercise?: string;
  tests?: string[];
  format: Format;
  out?: string;
  cumulative?: boolean;
  submissions?: string;
  timeout?: number;
  testTimeout?: number;
  jobs?: number;
}

export function seedValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new InvalidArgumentError('an integer in 0..4294967295');
  }
  return n;
}

function formatValue(value: string): Format {
  if (value === 'text' || value === 'json' || value === 'gradescope') return value;
  throw new InvalidArgumentError('text, json or gradescope');
}

function jobsValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number, 1 or more');
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('a positive number of seconds');
  return n;
}

/** The learner's own tree for a chapter: chapters/NN-slug/src. */
export function learnerSrc(chapter: GradedChapter): string {
  return join(chapter.dir, 'src');
}

/** The chapter named, or with none: the latest chapter whose src/ differs from its starter. */
export async function resolveChapter(arg: string | undefined): Promise<GradedChapter> {
  if (arg !== undefined) return loadChapter(arg);
  const chapters = await gradedChapters();
  for (const c of [...chapters].reverse()) {
    if (await chapterChanged(c)) return c;
  }
  const ids = chapters.map((c) => c.id).join(', ');
  throw new UsageError(
    `which chapter? None of your chapters/*/src differs from its starter yet; name one: ` +
      `\`npx xenlab grade NN\` (chapters with exercises: ${ids || 'none yet'})`,
  );
}

/** Refuses to grade with edited tests (pristine.ts); undefined when the tests are pristine. */
export function pristineProblem(chapters: GradedChapter[]): string | undefined {
  const problems: string[] = [];
  const check = (slug: string, dir: string): void => {
    const result = checkPristine(slug, dir);
    if (!result.ok) problems.push(pristineFailure(slug, result.problems));
  };
  for (const c of chapters) check(c.slug, c.dir);
  check(TESTING, join(CHAPTERS_DIR, TESTING));
  return problems.length === 0 ? undefined : problems.join('\n\n');
}

function earlierChapters(all: GradedChapter[], chapter: GradedChapter): GradedChapter[] {
  const order = CHAPTERS.map((c) => c.id);
  return all.filter((c) => order.indexOf(c.id) < order.indexOf(chapter.id));
}

/** The options that reproduce this grade's tree in a `--test` line. */
function reproduceWith(options: GradeCommandOptions): string | undefined {
  const extra: string[] = [];
  if (options.src !== undefined)
    extra.push(`--src ${relative(process.cwd(), resolve(options.src)) || '.'}`);
  for (const pack of options.tests ?? []) extra.push(`--tests ${pack}`);
  if (options.cumulative) extra.push('--cumulative');
  return extra.length === 0 ? undefined : extra.join(' ');
}

function render(report: GradeReport, options: GradeCommandOptions, title: string): string {
  switch (options.format) {
    case 'json':
      return `${JSON.stringify(toJson(report), null, 2)}\n`;
    case 'gradescope':
      return `${JSON.stringify(toGradescope(report), null, 2)}\n`;
    default: {
      const rel = relative(process.cwd(), report.src);
      const tree = rel === '' ? '.' : rel.startsWith('..') ? report.src : rel;
      const header = `Chapter ${report.chapter} — ${title} (seed ${report.seed}, grading ${tree})\n\n`;
      return header + formatText(report, { reproduceWith: reproduceWith(options) });
    }
  }
}

export async function gradeCommand(
  chapterArg: string | undefined,
  options: GradeCommandOptions,
): Promise<number> {
  if (options.submissions !== undefined) {
    if (chapterArg === undefined)
      throw new UsageError('--submissions needs the chapter: `grade NN --submissions DIR`');
    const chapter = await loadChapter(chapterArg);
    const problem = pristineProblem([chapter]);
    if (problem !== undefined) {
      console.error(problem);
      return EXIT.failed;
    }
    return gradeSubmissions({
      chapter,
      dir: options.submissions,
      out: options.out ?? process.cwd(),
      seed: options.seed,
      packs: options.tests,
      wallClockLimitMs: options.timeout === undefined ? undefined : options.timeout * 1000,
      testTimeoutMs: options.testTimeout === undefined ? undefined : options.testTimeout * 1000,
      jobs: options.jobs,
    });
  }
  const chapter = await resolveChapter(chapterArg);
  const earlier = options.cumulative ? earlierChapters(await gradedChapters(), chapter) : [];
  const ids = [...earlier, chapter].flatMap((c) => c.exercises.map((e) => e.id));
  if (options.exercise !== undefined && !ids.includes(options.exercise)) {
    throw new UsageError(
      `--exercise ${options.exercise}: chapter ${chapter.id}'s exercises are ${ids.join(', ')}`,
    );
  }
  const problem = pristineProblem([...earlier, chapter]);
  if (problem !== undefined) {
    console.error(problem);
    return EXIT.failed;
  }
  for (const c of [...earlier, chapter]) {
    if (!checkPristine(c.slug, c.dir).recorded) {
      console.error(`note: chapter ${c.id}'s tests are not recorded in grader/pristine.json yet`);
    }
  }
  // --src may name a tree, or a repository or submission holding one (as --submissions finds it).
  const src =
    options.src === undefined ? learnerSrc(chapter) : submissionTree(resolve(options.src), chapter);
  if (!existsSync(src)) {
    throw new UsageError(
      options.src === undefined
        ? `${src} does not exist: generate the starter with \`npx xenlab stage ${chapter.id}\``
        : `--src ${options.src}: no such folder`,
    );
  }
  const progress = progressPrinter();
  let shown = 0;
  const gradeOptions: GradeOptions = {
    chapter,
    earlier,
    src,
    seed: options.seed,
    test: options.test,
    exercise: options.exercise,
    packs: options.tests?.map((p) => resolve(p)),
    wallClockLimitMs: options.timeout === undefined ? undefined : options.timeout * 1000,
    testTimeoutMs: options.testTimeout === undefined ? undefined : options.testTimeout * 1000,
    // One tree graded again and again, as the learner works on it.
    moduleCache: true,
    onProgress: (done, total) => progress.onProgress(done, total),
    onUpdate: (report) => {
      for (; shown < report.tests.length; shown++) progress.onTest(report.tests[shown]!);
      if (options.format === 'gradescope' && options.out !== undefined) {
        writeJsonAtomic(options.out, toGradescope(report));
      }
    },
  };
  if (options.format === 'gradescope' && options.out !== undefined) {
    // Valid from the start: a run stopped before its first test still leaves a results.json.
    writeJsonAtomic(options.out, toGradescope(scoreResults(gradeOptions, [], undefined, false)));
  }
  const report = await grade(gradeOptions);
  progress.done();
  // The learner's own tree, graded by the chapter's own tests: what `progress` shows.
  const ownTree =
    options.src === undefined && (options.tests ?? []).length === 0 && !options.cumulative;
  if (ownTree && !report.partial) saveGrade(toJson(report));
  else if (ownTree) saveExercises(toJson(report), options.test === undefined);
  if (report.tests.length === 0 && options.test !== undefined) {
    console.error(`no test of chapter ${chapter.id} has "${options.test}" in its name`);
  }
  const output = render(report, options, chapter.title);
  if (options.out === undefined) process.stdout.write(output);
  else if (options.format === 'gradescope') writeJsonAtomic(options.out, toGradescope(report));
  else writeFileSync(options.out, output);
  if (options.out !== undefined && options.format !== 'text') {
    console.error(`score ${report.score}/${report.max_score}, written to ${options.out}`);
  }
  const full =
    report.error === undefined && report.score === report.max_score && report.max_score > 0;
  return full ? EXIT.ok : EXIT.failed;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function register(program: Command): void {
  program
    .command('grade')
    .argument('[chapter]', 'chapter number, e.g. 2 or 02 (default: the latest one you changed)')
    .description('grade your work on a chapter (or any tree, or a folder of submissions)')
    .option('--src <dir>', 'grade this tree (or the chapters/NN-slug/src or src/ inside it)')
    .option('--seed <s>', 'the seed of the tests’ random values', seedValue, 1)
    .option('--test <name>', 'only the tests whose name contains this')
    .option('--exercise <id>', 'only this exercise’s tests (e.g. 02-start-info)')
    .option(
      '--tests <dir>',
      'add a hidden test pack (DIR/NN-slug/tests/*.test.ts); repeatable',
      collect,
    )
    .option('--cumulative', 'also run the tests of every earlier chapter')
    .option('--format <f>', 'text, json or gradescope', formatValue, 'text')
    .option('--out <file>', 'write the result here (gradescope: rewritten after every test)')
    .option(
      '--submissions <dir>',
      'grade each subfolder of DIR; writes grades.csv and grades.json into --out (a folder)',
    )
    .option(
      '--jobs <n>',
      'with --submissions: how many to grade at once (default: the cores)',
      jobsValue,
    )
    .option('--timeout <seconds>', 'stop a run that takes longer than this (wall clock)', seconds)
    .option(
      '--test-timeout <seconds>',
      'a test running longer than this counts as hung (default 60)',
      seconds,
    )
    .addHelpText(
      'after',
      '\nAn exercise’s points are shared equally by its tests (points × passed / tests, 2 ' +
        'decimals).\nExit code 0 with full marks, 1 otherwise.',
    )
    .action(async (chapter: string | undefined, options: GradeCommandOptions) => {
      try {
        process.exitCode = await gradeCommand(chapter, options);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab grade: ${e.message}`);
        process.exitCode = EXIT.usage;
      }
    });
}
