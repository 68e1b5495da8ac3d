// Which source tree a graded run reads. Tests import the code under test as `../src/…`; the
// grader mounts the tree being graded there ($XENLAB_SRC: a learner's chapter src/, a
// submission, a solved snapshot). Files a test reads itself (guest sources) come from here too.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';

/** The graded tree: $XENLAB_SRC, else the src/ beside the calling test's tests/ folder. */
export function srcRoot(testUrl: string): string {
  const mounted = process.env.XENLAB_SRC;
  if (mounted !== undefined && mounted !== '') return resolve(mounted);
  return join(dirname(dirname(fileURLToPath(testUrl))), 'src');
}

/** Every guest source (.asm/.inc) of the graded tree, keyed as buildGuest expects. */
export function guestSources(testUrl: string): Record<string, string> {
  return asmSourcesUnder(join(srcRoot(testUrl), 'guests'));
}
