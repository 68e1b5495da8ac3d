// Batch grading (`xenlab grade NN --submissions DIR`): every immediate subfolder of DIR is one
// student's submission, graded with the same runner and pristine tests as a learner's own grade.
// Writes grades.csv (one row per student, one column per exercise), grades.json (everything,
// with each test's message) and feedback/<student>.txt (the text report a learner would see).
// A submission that does not compile or hangs scores 0 on the affected tests, with the reason;
// it never stops the batch.

import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GradedChapter } from './chapters.ts';
import { UsageError } from './chapters.ts';
import { EXIT } from './exit-codes.ts';
import { type GradeReport, grade, scoreResults } from './grading.ts';
import { toJson } from './report/json.ts';
import { formatText } from './report/text.ts';

export interface SubmissionsOptions {
  chapter: GradedChapter;
  /** The folder of submissions. */
  dir: string;
  /** Where grades.csv, grades.json and feedback/ go. */
  out: string;
  seed: number;
  packs?: string[];
  wallClockLimitMs?: number;
  testTimeoutMs?: number;
  /** Where progress lines go (stderr by default). */
  log?: (line: string) => void;
}

/** The tree to grade in a submission: its chapters/NN-slug/src, else its src/, else itself. */
export function submissionTree(submission: string, chapter: GradedChapter): string {
  for (const candidate of [
    join(submission, 'chapters', chapter.slug, 'src'),
    join(submission, 'src'),
  ]) {
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return candidate;
  }
  return submission;
}

/** The students: every subfolder of `dir` not starting with a dot, sorted. */
export function listSubmissions(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`--submissions ${dir}: not a folder`);
  }
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function csvField(value: string | number): string {
  const s = String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** grades.csv: student, score, max_score, then one column per exercise (its score). */
export function toCsv(
  chapter: GradedChapter,
  graded: { student: string; report: GradeReport }[],
): string {
  const ids = chapter.exercises.map((e) => e.id);
  const rows = [['student', 'score', 'max_score', ...ids]];
  for (const { student, report } of graded) {
    const scores = new Map(report.exercises.map((e) => [e.id, e.score]));
    rows.push([
      student,
      String(report.score),
      String(report.max_score),
      ...ids.map((id) => String(scores.get(id) ?? 0)),
    ]);
  }
  return `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`;
}

/** A report for a submission the grader could not run at all: every exercise 0, with why. */
function failedReport(options: SubmissionsOptions, src: string, why: string): GradeReport {
  return scoreResults({ chapter: options.chapter, src, seed: options.seed }, [], why, true);
}

export async function gradeSubmissions(options: SubmissionsOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(line));
  const students = listSubmissions(options.dir);
  if (students.length === 0) throw new UsageError(`--submissions ${options.dir}: no subfolders`);
  const out = resolve(options.out);
  mkdirSync(join(out, 'feedback'), { recursive: true });
  const graded: { student: string; report: GradeReport }[] = [];
  for (const [i, student] of students.entries()) {
    const src = submissionTree(join(options.dir, student), options.chapter);
    let report: GradeReport;
    try {
      report = await grade({
        chapter: options.chapter,
        src,
        seed: options.seed,
        packs: options.packs?.map((p) => resolve(p)),
        wallClockLimitMs: options.wallClockLimitMs,
        testTimeoutMs: options.testTimeoutMs,
      });
    } catch (e) {
      report = failedReport(options, src, `the grader could not run this submission: ${String(e)}`);
    }
    graded.push({ student, report });
    const note = report.error === undefined ? '' : ' (run stopped early: see feedback)';
    log(`[${i + 1}/${students.length}] ${student}: ${report.score}/${report.max_score}${note}`);
    writeFileSync(join(out, 'feedback', `${student}.txt`), formatText(report));
    // Rewritten after every student, so a stopped batch keeps what it graded.
    writeFileSync(join(out, 'grades.csv'), toCsv(options.chapter, graded));
    const json = {
      chapter: options.chapter.id,
      seed: options.seed,
      max_score: report.max_score,
      students: graded.map((g) => ({ student: g.student, src: g.report.src, ...toJson(g.report) })),
    };
    writeFileSync(join(out, 'grades.json'), `${JSON.stringify(json, null, 2)}\n`);
  }
  log(
    `wrote ${join(out, 'grades.csv')}, grades.json and feedback/ for ${students.length} submissions`,
  );
  return EXIT.ok;
}
