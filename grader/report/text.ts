// The grade as a learner reads it: one line per exercise, then every failure in exercise order —
// the first on top — with what was expected, what happened (never cut: a diff is shown whole),
// where to read, a hint and a one-line reproduction, then the score.

import type { GradeReport } from '../grading.ts';
import { quote } from './gradescope.ts';

export interface TextOptions {
  /** Extra options the reproduction line needs to grade the same tree (`--src DIR`). */
  reproduceWith?: string;
}

function indent(text: string, by: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `${by}${l}`.trimEnd());
}

export function formatText(report: GradeReport, options: TextOptions = {}): string {
  const out: string[] = [];
  if (report.typeErrors !== undefined) {
    const n = report.typeErrors.length;
    out.push(
      `Your code does not type-check (${n} error${n === 1 ? '' : 's'}); fix ${n === 1 ? 'it' : 'them'} first, nothing was graded:`,
      '',
      ...report.typeErrors.flatMap((e) => indent(e, '  ')),
      '',
    );
  }
  if (report.asmWarnings !== undefined) {
    const n = report.asmWarnings.length;
    out.push(
      `The assembler warns about your guest code (${n} warning${n === 1 ? '' : 's'}; it still assembled, but a failure below may come from ${n === 1 ? 'it' : 'them'}):`,
      '',
      ...report.asmWarnings.flatMap((w) => indent(w, '  ')),
      '',
    );
  }
  const idWidth = Math.max(0, ...report.exercises.map((e) => e.id.length));
  const titleWidth = Math.max(0, ...report.exercises.map((e) => e.title.length));
  for (const e of report.exercises) {
    const mark = e.passed === e.total && e.total > 0 ? '✓' : '✗';
    out.push(
      `${mark} ${e.id.padEnd(idWidth)}  ${e.title.padEnd(titleWidth)}  ${e.score}/${e.points}`,
    );
  }
  // In exercise order (the chapter's), then in run order within an exercise.
  const order = new Map(report.exercises.map((e, i) => [e.id, i]));
  const rank = (id: string) => order.get(id) ?? order.size;
  // A tree that does not type-check has its errors above, and nothing else to show.
  const failures = report.tests
    .filter((t) => t.status === 'failed' && report.typeErrors === undefined)
    .map((t, i) => ({ t, i }))
    .sort((a, b) => rank(a.t.exercise) - rank(b.t.exercise) || a.i - b.i)
    .map(({ t }) => t);
  const sections = new Map(report.exercises.map((e) => [e.id, e.section]));
  if (failures.length > 0) {
    out.push(
      '',
      `${failures.length} failed test${failures.length === 1 ? '' : 's'}, the first on top:`,
    );
  }
  failures.forEach((t, i) => {
    out.push('', `${i + 1}) ${t.exercise} › ${t.name}`);
    out.push(...indent(t.message || '(no message)', '     '));
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
  const shown = report.typeErrors !== undefined;
  if (report.error !== undefined && !shown && failures.every((t) => t.message !== report.error)) {
    out.push('', 'The run reported an error:', ...indent(report.error, '  '));
  }
  out.push(
    '',
    `Score: ${report.score}/${report.max_score}${report.partial ? ' (only the selected tests)' : ''}`,
  );
  return `${out.join('\n')}\n`;
}
