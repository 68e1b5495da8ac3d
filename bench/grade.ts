// `npx tsx bench/grade.ts [NN]`: how long a warm `xenlab grade NN` takes (default chapter 03, on
// its solved snapshot, so every test runs to the end). One warm-up run, then BENCH_RUNS runs
// (default 3); prints the median wall-clock seconds and the median CPU seconds (user + system, of
// the command and every process it started), which a loaded machine disturbs less.

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

gradeOnce();
const runs = Array.from({ length: RUNS }, gradeOnce);
console.log(`grade-${chapter.id} wall s: ${median(runs.map((r) => r.wall)).toFixed(2)}`);
console.log(`grade-${chapter.id} cpu s: ${median(runs.map((r) => r.cpu)).toFixed(2)}`);
