// The guests of a source tree, assembled as its tests assemble them (book §2.1: buildGuest reads
// the same sources): the invariants check that each assembles, a grade shows what the assembler
// warns about (a misspelled instruction the assembler took for a label), which the tests' own
// failures cannot say, and a hang report names the source line of the guest's last instruction.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { assemble, formatAsmError, type ListingLine } from '../sim/host.ts';
import { asmSourcesUnder } from '../tools/asm-sources.ts';

type AssembleResult = ReturnType<typeof assemble>;

export interface GuestsAssembled {
  /** How many guest programs (top-level guests/*.asm). */
  count: number;
  /** `guests/FILE:LINE:COL: reason` with the source line, for each that fails. */
  errors: string[];
  /** The same for each warning; a file shared by several programs warns once. */
  warnings: string[];
}

/** Every top-level guests/*.asm of the tree `src`, assembled, by name. */
function assembleEach(src: string): Map<string, AssembleResult> {
  const dir = join(src, 'guests');
  const results = new Map<string, AssembleResult>();
  if (!existsSync(dir)) return results;
  const files = asmSourcesUnder(dir);
  const mains = readdirSync(dir)
    .filter((f) => f.endsWith('.asm'))
    .sort();
  for (const main of mains) {
    results.set(main, assemble(files[main]!, { fileName: main, files, format: 'elf' }));
  }
  return results;
}

/** Every top-level guests/*.asm of the tree `src`, assembled. */
export function assembleGuests(src: string): GuestsAssembled {
  const results = assembleEach(src);
  const errors: string[] = [];
  const warnings = new Set<string>();
  for (const result of results.values()) {
    if (!result.ok) errors.push(...result.errors.map((e) => `guests/${formatAsmError(e)}`));
    else for (const w of result.warnings) warnings.add(`guests/${formatAsmError(w)}`);
  }
  return { count: results.size, errors, warnings: [...warnings] };
}

/** The listing of each of the tree's guest programs that assembles. */
export function guestListings(src: string): { program: string; listing: ListingLine[] }[] {
  return [...assembleEach(src)].flatMap(([program, r]) =>
    r.ok ? [{ program, listing: r.listing }] : [],
  );
}
