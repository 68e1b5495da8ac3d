// `xenlab pristine [--update]`: check (or, after a deliberate change, record) the hashes of every
// chapter's tests in grader/pristine.json, which the grade compares before grading.

import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import { computePristine, PRISTINE_FILE, readPristine, writePristine } from '../pristine.ts';

/** Lines describing how the recorded hashes differ from the tests on disk. */
export function pristineDrift(): string[] {
  const want = readPristine();
  const have = computePristine();
  const out: string[] = [];
  for (const slug of new Set([...Object.keys(want), ...Object.keys(have)])) {
    const w = want[slug] ?? {};
    const h = have[slug] ?? {};
    for (const file of new Set([...Object.keys(w), ...Object.keys(h)])) {
      if (w[file] === h[file]) continue;
      const why =
        w[file] === undefined ? 'not recorded' : h[file] === undefined ? 'missing' : 'differs';
      out.push(`chapters/${slug}/${file}: ${why}`);
    }
  }
  return out;
}

export function register(program: Command): void {
  program
    .command('pristine')
    .description(
      'check that every chapter’s tests match grader/pristine.json (--update records them)',
    )
    .option('--update', 'record the current tests as the pristine ones')
    .action((options: { update?: boolean }) => {
      if (options.update === true) {
        writePristine(computePristine());
        console.log(`recorded the chapter tests in ${PRISTINE_FILE}`);
        return;
      }
      const drift = pristineDrift();
      if (drift.length === 0) {
        console.log('every chapter’s tests are pristine');
        return;
      }
      console.error(drift.join('\n'));
      console.error('restore with `git checkout chapters/NN-slug/tests`, or record a deliberate');
      console.error('change with `npx xenlab pristine --update`');
      process.exitCode = EXIT.failed;
    });
}
