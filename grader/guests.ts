// The guests of a source tree, assembled as its tests assemble them (book §2.1: buildGuest reads
// the same sources): the invariants check that each assembles, and a grade shows what the
// assembler warns about (a misspelled instruction the assembler took for a label), which the
// tests' own failures cannot say.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, formatAsmError } from '../sim/host.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';

export interface GuestsAssembled {
  /** How many guest programs (top-level guests/*.asm). */
  count: number;
  /** `guests/FILE:LINE:COL: reason` with the source line, for each that fails. */
  errors: string[];
  /** The same for each warning; a file shared by several programs warns once. */
  warnings: string[];
}

/** Every top-level guests/*.asm of the tree `src`, assembled. */
export function assembleGuests(src: string): GuestsAssembled {
  const dir = join(src, 'guests');
  if (!existsSync(dir)) return { count: 0, errors: [], warnings: [] };
  const files = asmSourcesUnder(dir);
  const mains = readdirSync(dir)
    .filter((f) => f.endsWith('.asm'))
    .sort();
  const errors: string[] = [];
  const warnings = new Set<string>();
  for (const main of mains) {
    const result = assemble(files[main]!, { fileName: main, files, format: 'elf' });
    if (!result.ok) errors.push(...result.errors.map((e) => `guests/${formatAsmError(e)}`));
    else for (const w of result.warnings) warnings.add(`guests/${formatAsmError(w)}`);
  }
  return { count: mains.length, errors, warnings: [...warnings] };
}
