// The grade as a learner reads it: one line per exercise, then every failure — the first on
// top — with what was expected, what happened, where to read, a hint and a one-line
// reproduction, then the score.

import type { GradeReport } from '../grading.ts';
import { quote } from './gradescope.ts';

export interface TextOptions {
  /** Extra options the reproduction line needs to grade the same tree (`--src DIR`). */
  reproduceWith?: string;
  /** A failure message is cut after this many lines. */
  maxMessageLines?: number;
}

function indent(text: string, by: string, maxLines: number): string[] {
  const lines = text.trimEnd().split('\n');
  const shown = lines.slice(0, maxLines).map((l) => `${by}${l}`.trimEnd());
  if (lines.length > maxLines) shown.push(`${by}(… ${lines.length - maxLines} more lines)`);
  return shown;
}

export function formatText(report: GradeReport, options: TextOptions = {}): string {
  const maxLines = options.maxMessageLines ?? 40;
  const out: string[] = [];
  const idWidth = Math.max(0, ...report.exercises.map((e) => e.id.length));
  const titleWidth = Math.max(0, ...report.exercises.map((e) => e.title.length));
  for (const e of report.exercises) {
    const mark = e.passed === e.total && e.total > 0 ? '✓' : '✗';
    out.push(
      `${mark} ${e.id.padEnd(idWidth)}  ${e.title.padEnd(titleWidth)}  ${e.score}/${e.points}`,
    );
  }
  const failures = report.tests.filter((t) => t.status === 'failed');
  const sections = new Map(report.exercises.map((e) => [e.id, e.section]));
  if (failures.length > 0) {
    out.push(
      '',
      `${failures.length} failed test${failures.length === 1 ? '' : 's'}, the first on top:`,
    );
  }
  failures.forEach((t, i) => {
    out.push('', `${i + 1}) ${t.exercise} › ${t.name}`);
    out.push(...indent(t.message || '(no message)', '     ', maxLines));
    const section = sections.get(t.exercise);
    if (section !== undefined) out.push(`   read:      book §${section}`);
    out.push(`   hint:      npx xenlab hint ${t.exercise}`);
    if (t.file !== '' && !t.hidden) {
      const extra = options.reproduceWith ? ` ${options.reproduceWith}` : '';
      out.push(
        `   reproduce: npx xenlab grade ${report.chapter} --seed ${report.seed} --test ${quote(t.name)}${extra}`,
      );
    }
  });
  if (report.error !== undefined && failures.every((t) => t.message !== report.error)) {
    out.push('', 'The run reported an error:', ...indent(report.error, '  ', maxLines));
  }
  out.push(
    '',
    `Score: ${report.score}/${report.max_score}${report.partial ? ' (only the selected tests)' : ''}`,
  );
  return `${out.join('\n')}\n`;
}
