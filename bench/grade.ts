// `npx tsx bench/grade.ts [NN]`: how long a warm `xenlab grade NN` takes (default chapter 03, on
// its solved snapshot, so every test runs to the end). One warm-up run, then BENCH_RUNS runs
// (default 3) of each case: `grade-NN` grades the tree again unchanged; `grade-NN-edited` first
// edits one of its files (a comment line added to src/xen/time.ts, so the type-check and the
// module cache see a change, as after a learner's edit). Prints the median wall-clock seconds and
// the median CPU seconds (user + system, of the command and every process it started), which a
// loaded machine disturbs less.

import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../grader/cache.ts';
import { loadChapter } from '../grader/chapters.ts';
import { writeSnapshot } from '../grader/starter.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const chapter = await loadChapter(process.argv[2] ?? '03');
const solved = mkdtempSync(join(tmpdir(), 'xenlab-bench-grade-'));
await writeSnapshot(chapter, solved, true);

/** One `xenlab grade`, timed by bash: wall-clock and children's CPU seconds. */
function gradeOnce(): { wall: number; cpu: number } {
  const command =
    `TIMEFORMAT='%R %U %S'; time node ${join(REPO_ROOT, 'bin/xenlab.js')} grade ${chapter.id} ` +
    `--src ${solved} >/dev/null 2>&1`;
  const r = spawnSync('bash', ['-c', command], { encoding: 'utf8' });
  const [wall, user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wall: wall!, cpu: user! + sys! };
}

let edits = 0;
function editedOnce(): { wall: number; cpu: number } {
  appendFileSync(join(solved, 'xen', 'time.ts'), `// edit ${++edits}\n`);
  return gradeOnce();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function report(name: string, runs: { wall: number; cpu: number }[]): void {
  console.log(`${name} wall s: ${median(runs.map((r) => r.wall)).toFixed(2)}`);
  console.log(`${name} cpu s: ${median(runs.map((r) => r.cpu)).toFixed(2)}`);
}

gradeOnce();
report(`grade-${chapter.id}`, Array.from({ length: RUNS }, gradeOnce));
report(`grade-${chapter.id}-edited`, Array.from({ length: RUNS }, editedOnce));
