// The mutant corpus: plausible wrong solutions, one bug each, made from the reference's exercise
// bodies. Every mutant must lose points when its chapter is graded (docs/architecture.md §8): a
// mutant that keeps full marks is a gap in the chapter's tests. `xenlab mutants` grades them.

import { MUTANTS_02 } from './02-architecture.ts';
import { MUTANTS_03 } from './03-shared-info.ts';
import { MUTANTS_04 } from './04-grant-tables.ts';
import { MUTANTS_05 } from './05-memory.ts';
import { MUTANTS_06 } from './06-device-drivers.ts';
import { MUTANTS_07 } from './07-event-channels.ts';
import { MUTANTS_08 } from './08-xenstore.ts';
import { MUTANTS_09 } from './09-core-devices.ts';
import { MUTANTS_10 } from './10-other-devices.ts';
import type { Mutant } from './mutant.ts';

export type { Mutant } from './mutant.ts';
export { applyMutant } from './mutant.ts';

/** Every mutant, in chapter and exercise order. */
export const MUTANTS: readonly Mutant[] = [
  ...MUTANTS_02,
  ...MUTANTS_03,
  ...MUTANTS_04,
  ...MUTANTS_05,
  ...MUTANTS_06,
  ...MUTANTS_07,
  ...MUTANTS_08,
  ...MUTANTS_09,
  ...MUTANTS_10,
];

/** The chapter id of a mutant: its exercise's prefix (`02`). */
export function mutantChapter(m: Mutant): string {
  return m.exercise.slice(0, m.exercise.indexOf('-'));
}
