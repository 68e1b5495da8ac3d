// Batch grading (`xenlab grade NN --submissions DIR`): every immediate subfolder of DIR is one
// student's submission, graded with the same runner and pristine tests as a learner's own grade.
// Writes grades.csv (one row per student, one column per exercise), grades.json (everything,
// with each test's message) and feedback/<student>.txt (the text report a learner would see).
// A submission that does not compile or hangs scores 0 on the affected tests, with the reason;
// it never stops the batch. Submissions are graded `jobs` at a time (default: one per core), each
// in processes of its own, so one student's hang or crash never touches another's grade.

import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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
  /** How many submissions are graded at once (default: the machine's core count). */
  jobs?: number;
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

/** Grades one submission; a grader failure becomes a report of zeros saying why. */
async function gradeOne(options: SubmissionsOptions, student: string): Promise<GradeReport> {
  const src = submissionTree(join(options.dir, student), options.chapter);
  try {
    return await grade({
      chapter: options.chapter,
      src,
      seed: options.seed,
      packs: options.packs?.map((p) => resolve(p)),
      wallClockLimitMs: options.wallClockLimitMs,
      testTimeoutMs: options.testTimeoutMs,
    });
  } catch (e) {
    return failedReport(options, src, `the grader could not run this submission: ${String(e)}`);
  }
}

export async function gradeSubmissions(options: SubmissionsOptions): Promise<number> {
  const log = options.log ?? ((line: string) => console.error(line));
  const students = listSubmissions(options.dir);
  if (students.length === 0) throw new UsageError(`--submissions ${options.dir}: no subfolders`);
  const out = resolve(options.out);
  mkdirSync(join(out, 'feedback'), { recursive: true });
  const reports = new Map<string, GradeReport>();
  const record = (student: string, report: GradeReport) => {
    reports.set(student, report);
    const note = report.error === undefined ? '' : ' (run stopped early: see feedback)';
    log(
      `[${reports.size}/${students.length}] ${student}: ${report.score}/${report.max_score}${note}`,
    );
    writeFileSync(join(out, 'feedback', `${student}.txt`), formatText(report));
    // Rewritten after every student, in student order, so a stopped batch keeps what it graded.
    const graded = students.flatMap((s) => {
      const r = reports.get(s);
      return r === undefined ? [] : [{ student: s, report: r }];
    });
    writeFileSync(join(out, 'grades.csv'), toCsv(options.chapter, graded));
    const json = {
      chapter: options.chapter.id,
      seed: options.seed,
      max_score: report.max_score,
      students: graded.map((g) => ({ student: g.student, src: g.report.src, ...toJson(g.report) })),
    };
    writeFileSync(join(out, 'grades.json'), `${JSON.stringify(json, null, 2)}\n`);
  };
  // `jobs` workers take the next student in turn until none is left.
  let next = 0;
  const worker = async () => {
    while (next < students.length) {
      const student = students[next++]!;
      record(student, await gradeOne(options, student));
    }
  };
  const jobs = Math.max(1, Math.min(options.jobs ?? availableParallelism(), students.length));
  await Promise.all(Array.from({ length: jobs }, worker));
  log(
    `wrote ${join(out, 'grades.csv')}, grades.json and feedback/ for ${students.length} submissions`,
  );
  return EXIT.ok;
}
