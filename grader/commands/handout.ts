// `xenlab handout --chapters 01,02 --out DIR`: the student repository (DIR) and the instructor
// bundle (DIR-instructor): solved snapshots, the grading configuration and how to grade.

import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { type GradedChapter, UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { buildStudentTree, leakedSolutions } from '../handout.ts';
import { writeSnapshot } from '../starter.ts';
import { chosenChapters, classroomWorkflow } from './classroom.ts';

function runAutograder(chapter: GradedChapter): string {
  return `#!/usr/bin/env bash
# Gradescope runs this for each submission (its Autograder Specifications): the student's files
# are in /autograder/submission, this autograder (the student repository, plus hidden-tests/ if
# you add any) in /autograder/source. results.json is rewritten after every test, so a run that
# Gradescope stops still leaves valid results.
set -u
cd /autograder/source
mkdir -p /autograder/results
packs=()
if [ -d hidden-tests ]; then packs=(--tests hidden-tests); fi
npx xenlab grade ${chapter.id} --src /autograder/submission "\${packs[@]}" \\
  --format gradescope --out /autograder/results/results.json
# The grade's exit code says whether the marks are full; Gradescope reads only results.json.
exit 0
`;
}

const SETUP_SH = `#!/usr/bin/env bash
# Gradescope's image setup: Node.js 20 and the student repository's dependencies.
set -eu
apt-get update
apt-get install -y ca-certificates curl gnupg
curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
apt-get install -y nodejs
cd /autograder/source
npm ci
`;

function instructorReadme(chapters: GradedChapter[], student: string): string {
  const ids = chapters.map((c) => c.id).join(',');
  const solved = chapters.map((c) => `- \`solved/${c.slug}/\`: chapter ${c.id} solved`).join('\n');
  const first = chapters[0]!;
  return `# xenlab — instructor bundle for chapters ${ids}

The student repository is \`${student}\`; this bundle stays with you.

${solved}
- \`gradescope/\`: \`setup.sh\` and \`run_autograder\` for each chapter (\`run_autograder-NN\`)
- \`classroom.yml\`: the GitHub Classroom workflow (also in the student repository)
- \`hidden-tests/\`: put hidden test packs here, as \`hidden-tests/NN-slug/tests/*.test.ts\`

## Grading

All commands run in a checkout of the student repository (it holds the grader and the pristine
tests); grading never uses a student's tests, only their \`src/\`.

- A folder of submissions (one subfolder per student; each a repository, a \`src/\` or the tree
  itself): \`npx xenlab grade ${first.id} --submissions DIR --out RESULTS\` writes
  \`grades.csv\`, \`grades.json\` and \`feedback/STUDENT.txt\`. Add \`--tests hidden-tests\` for
  your hidden packs, \`--test-timeout 20\` to give up on hanging code sooner.
- Check this bundle first: \`npx xenlab grade ${first.id} --src solved/${first.slug}\` must give
  full marks.
- Gradescope: zip the student repository with \`gradescope/setup.sh\` and
  \`gradescope/run_autograder-NN\` (renamed \`run_autograder\`) at its root, and \`hidden-tests/\`
  if you use it. Hidden tests are shown to students only once grades are published.
- GitHub Classroom: make the student repository the assignment's template; its
  \`.github/workflows/classroom.yml\` grades each exercise as one test worth its points.
`;
}

export async function buildHandout(chapters: GradedChapter[], outArg: string) {
  const student = resolve(outArg);
  const instructor = `${student}-instructor`;
  for (const dir of [student, instructor]) {
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new UsageError(`${dir} is not empty: choose a new --out`);
    }
  }
  const files = await buildStudentTree(chapters, student);
  const leaks = leakedSolutions(student, files, chapters);
  mkdirSync(join(instructor, 'gradescope'), { recursive: true });
  mkdirSync(join(instructor, 'hidden-tests'), { recursive: true });
  for (const c of chapters) await writeSnapshot(c, join(instructor, 'solved', c.slug), true);
  writeFileSync(join(instructor, 'classroom.yml'), classroomWorkflow(chapters));
  writeFileSync(join(instructor, 'gradescope', 'setup.sh'), SETUP_SH);
  for (const c of chapters) {
    writeFileSync(join(instructor, 'gradescope', `run_autograder-${c.id}`), runAutograder(c));
  }
  for (const f of readdirSync(join(instructor, 'gradescope'))) {
    chmodSync(join(instructor, 'gradescope', f), 0o755);
  }
  writeFileSync(join(instructor, 'README.md'), instructorReadme(chapters, student));
  return { student, instructor, files, leaks };
}

export function register(program: Command): void {
  program
    .command('handout')
    .description(
      'build a student repository for some chapters (no solutions) and an instructor bundle',
    )
    .requiredOption('--chapters <list>', 'the chapters to hand out, e.g. 01,02')
    .requiredOption(
      '--out <dir>',
      'the student repository to create (the bundle goes to DIR-instructor)',
    )
    .action(async (options: { chapters: string; out: string }) => {
      try {
        const chapters = await chosenChapters(options.chapters);
        const result = await buildHandout(chapters, options.out);
        console.log(`student repository: ${result.student} (${result.files.length} files)`);
        console.log(`instructor bundle:  ${result.instructor}`);
        if (chapters.length > 1) {
          console.log(
            'note: each chapter starts from the previous one solved, so a later chapter’s src/ ' +
              'holds the earlier chapters’ solutions; hand chapters out one at a time if that matters.',
          );
        }
        if (result.leaks.length > 0) {
          console.error(
            `solution code found in the student repository:\n${result.leaks.join('\n')}`,
          );
          process.exitCode = EXIT.failed;
        }
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab handout: ${e.message}`);
        process.exitCode = EXIT.usage;
      }
    });
}
