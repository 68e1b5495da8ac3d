// `xenlab classroom`: writes the GitHub Classroom autograding workflow for a handout —
// .github/workflows/classroom.yml with one step per exercise (education/autograding-command-
// grader runs `xenlab grade NN --exercise ID`, worth the exercise's points when it exits 0, i.e.
// with every test of the exercise passing), and the grading reporter collecting them all.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { type GradedChapter, gradedChapters, loadChapter, UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';

/** Minutes one exercise's grading step may take. */
const STEP_TIMEOUT_MINUTES = 10;

/** A YAML scalar: JSON's double-quoted strings are valid YAML. */
const q = (s: string) => JSON.stringify(s);

/** The step id of an exercise: ids must start with a letter. */
export function stepId(exercise: string): string {
  return `ex-${exercise}`;
}

/** The workflow's text for the chapters given, in book order. */
export function classroomWorkflow(chapters: GradedChapter[]): string {
  const steps: string[] = [];
  const ids: string[] = [];
  for (const c of chapters) {
    for (const e of c.exercises) {
      const id = stepId(e.id);
      ids.push(id);
      steps.push(
        `      - name: ${q(`${e.id}: ${e.title}`)}`,
        `        id: ${id}`,
        '        uses: education/autograding-command-grader@v1',
        '        with:',
        `          test-name: ${q(`${e.id}: ${e.title}`)}`,
        `          setup-command: ""`,
        `          command: ${q(`npx xenlab grade ${c.id} --exercise ${e.id}`)}`,
        `          timeout: ${STEP_TIMEOUT_MINUTES}`,
        `          max-score: ${e.points}`,
      );
    }
  }
  return [
    '# GitHub Classroom autograding for xenlab, written by `npx xenlab classroom`: one step per',
    '# exercise, worth its points when all of its tests pass; the reporter sends the total.',
    'name: Autograding Tests',
    '"on":',
    '  - push',
    '  - repository_dispatch',
    'permissions:',
    '  checks: write',
    '  actions: read',
    '  contents: read',
    'jobs:',
    '  run-autograding-tests:',
    '    runs-on: ubuntu-latest',
    `    if: ${q("github.actor != 'github-classroom[bot]'")}`,
    '    steps:',
    '      - name: Checkout code',
    '        uses: actions/checkout@v4',
    '      - name: Set up Node.js',
    '        uses: actions/setup-node@v4',
    '        with:',
    '          node-version: "20"',
    '      - name: Install',
    '        run: npm ci',
    ...steps,
    '      - name: Autograding Reporter',
    '        uses: education/autograding-grading-reporter@v1',
    '        env:',
    ...ids.map(
      (id) => `          ${id.toUpperCase()}_RESULTS: ${q(`\${{steps.${id}.outputs.result}}`)}`,
    ),
    '        with:',
    `          runners: ${ids.join(',')}`,
    '',
  ].join('\n');
}

/** `01,02` → those chapters; undefined → every chapter with exercises. */
export async function chosenChapters(list: string | undefined): Promise<GradedChapter[]> {
  if (list === undefined) return gradedChapters();
  const chosen: GradedChapter[] = [];
  for (const arg of list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    chosen.push(await loadChapter(arg));
  }
  if (chosen.length === 0) throw new UsageError('--chapters needs chapter numbers: 01,02');
  return chosen;
}

export function writeClassroomWorkflow(chapters: GradedChapter[], out: string): string {
  const file = join(out, '.github', 'workflows', 'classroom.yml');
  mkdirSync(join(out, '.github', 'workflows'), { recursive: true });
  writeFileSync(file, classroomWorkflow(chapters));
  return file;
}

export function register(program: Command): void {
  program
    .command('classroom')
    .description('write the GitHub Classroom autograding workflow (one step per exercise)')
    .option('--chapters <list>', 'chapters to grade, e.g. 01,02 (default: all with exercises)')
    .option('--out <dir>', 'the repository to write .github/workflows/classroom.yml into', '.')
    .action(async (options: { chapters?: string; out: string }) => {
      try {
        const chapters = await chosenChapters(options.chapters);
        const file = writeClassroomWorkflow(chapters, options.out);
        const n = chapters.reduce((s, c) => s + c.exercises.length, 0);
        console.log(`wrote ${file}: ${n} exercise steps`);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab classroom: ${e.message}`);
        process.exitCode = EXIT.usage;
      }
    });
}
