// `xenlab progress`: where the learner stands in every chapter, computed from the grades cached
// by `xenlab grade` (results-cache.ts). The cache can always be rebuilt: `--rebuild` re-grades
// every chapter that has a src/.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { cacheDir } from '../cache.ts';
import { type GradedChapter, gradedChapters } from '../chapters.ts';
import { grade } from '../grading.ts';
import { toJson } from '../report/json.ts';
import { type CachedGrade, loadGrades, saveGrade } from '../results-cache.ts';

/** The progress table: one line per chapter, its exercises, and the total. */
export function progressText(chapters: GradedChapter[], grades: Map<string, CachedGrade>): string {
  const lines: string[] = [];
  let score = 0;
  let max = 0;
  for (const c of chapters) {
    const g = grades.get(c.id);
    const points = c.exercises.reduce((s, e) => s + e.points, 0);
    max += points;
    if (g === undefined) {
      lines.push(`${c.id}  ${c.title}: not graded yet (npx xenlab grade ${c.id})`);
      continue;
    }
    score += g.score;
    lines.push(
      `${c.id}  ${c.title}: ${g.score}/${points} (graded ${g.gradedAt.slice(0, 16).replace('T', ' ')} UTC)`,
    );
    const byId = new Map(g.exercises.map((e) => [e.id, e]));
    const width = Math.max(...c.exercises.map((e) => e.id.length));
    for (const e of c.exercises) {
      const done = byId.get(e.id);
      const mark = done !== undefined && done.score === done.max_score ? '✓' : '✗';
      const stale = g.stale?.includes(e.id)
        ? `  (stale: only some of its tests ran since; npx xenlab grade ${c.id} --exercise ${e.id})`
        : '';
      lines.push(`    ${mark} ${e.id.padEnd(width)}  ${done?.score ?? 0}/${e.points}${stale}`);
    }
  }
  lines.push('', `Total: ${Math.round(score * 100) / 100}/${max}`);
  return lines.join('\n');
}

/** Re-grades every chapter whose src/ exists and caches the grades. */
export async function rebuildProgress(
  chapters: GradedChapter[],
  log: (line: string) => void = (l) => console.error(l),
): Promise<void> {
  for (const c of chapters) {
    const src = join(c.dir, 'src');
    if (!existsSync(src)) continue;
    log(`grading chapter ${c.id}…`);
    const report = await grade({ chapter: c, src, seed: 1, moduleCache: true });
    saveGrade(toJson(report));
    log(`  ${report.score}/${report.max_score}`);
  }
}

export function register(program: Command): void {
  program
    .command('progress')
    .description('your grades so far, from the cached results of `xenlab grade`')
    .option('--rebuild', 're-grade every chapter that has a src/ and cache the results')
    .action(async (options: { rebuild?: boolean }) => {
      const chapters = await gradedChapters();
      if (options.rebuild === true) await rebuildProgress(chapters);
      const grades = loadGrades();
      if (grades.size === 0) {
        console.log(
          `No grades are cached (${cacheDir()} is empty or was deleted).\n` +
            'Grade a chapter with `npx xenlab grade NN`, or rebuild them all with ' +
            '`npx xenlab progress --rebuild` (re-grades every chapter that has a src/).',
        );
        return;
      }
      console.log(progressText(chapters, grades));
    });
}
