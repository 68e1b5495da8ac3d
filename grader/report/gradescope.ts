// Gradescope's autograder results.json (its "Autograder Specifications"): the file Gradescope
// reads from /autograder/results/results.json when run_autograder ends.
//
// Visibility: the run and every public test are 'visible' (a learner sees what failed and how to
// reproduce it, as at home); tests from a hidden test pack are 'after_published', so students
// see them only once the instructor publishes grades. The run's stdout is 'hidden' (it can
// echo a hidden test's name).

import { renameSync, writeFileSync } from 'node:fs';
import type { GradedTest, GradeReport } from '../grading.ts';

type Visibility = 'hidden' | 'after_due_date' | 'after_published' | 'visible';

export interface GradescopeTest {
  name: string;
  number: string;
  score: number;
  max_score: number;
  status: 'passed' | 'failed';
  output: string;
  visibility: Visibility;
  tags: string[];
}

export interface GradescopeResults {
  score: number;
  execution_time: number;
  output: string;
  visibility: Visibility;
  stdout_visibility: Visibility;
  tests: GradescopeTest[];
}

function testOutput(t: GradedTest, report: GradeReport, section: string | undefined): string {
  if (t.status === 'passed') return '';
  const lines = [t.message];
  if (section !== undefined) lines.push(`Read: book §${section}`);
  lines.push(`Hint: npx xenlab hint ${t.exercise}`);
  if (!t.hidden && t.file !== '') {
    lines.push(
      `Reproduce: npx xenlab grade ${report.chapter} --seed ${report.seed} --test ${quote(t.name)}`,
    );
  }
  return lines.join('\n');
}

export function quote(s: string): string {
  return `"${s.replace(/["\\$`]/g, '\\$&')}"`;
}

export function toGradescope(report: GradeReport): GradescopeResults {
  const sections = new Map(report.exercises.map((e) => [e.id, e.section]));
  const summary = [
    `Chapter ${report.chapter}: ${report.score}/${report.max_score} (seed ${report.seed})`,
    ...(report.asmWarnings === undefined
      ? []
      : ['The assembler warns about your guest code:', ...report.asmWarnings]),
    ...(report.error === undefined ? [] : [report.error]),
  ].join('\n');
  return {
    score: report.score,
    execution_time: Math.round(report.durationMs / 1000),
    output: summary,
    visibility: 'visible',
    stdout_visibility: 'hidden',
    tests: report.tests.map((t, i) => ({
      name: `${t.exercise} › ${t.name}`,
      number: String(i + 1),
      score: t.score,
      max_score: t.max_score,
      status: t.status,
      output: testOutput(t, report, sections.get(t.exercise)),
      visibility: t.hidden ? 'after_published' : 'visible',
      tags: [t.exercise],
    })),
  };
}

/** Writes `data` as JSON so a reader never sees half a file: a temporary file, then rename. */
export function writeJsonAtomic(path: string, data: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(tmp, path);
}
