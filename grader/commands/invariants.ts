// `xenlab invariants [NN…]` (npm run invariants): checks docs/architecture.md §7's staging
// invariants for the staged chapters (or those named) and reports every violation; exit 1 if there
// is one.

import type { Command } from 'commander';
import { EXIT } from '../exit-codes.ts';
import { checkInvariants, formatChecks } from '../stage/invariants.ts';
import { chaptersFromArgs, markedTreeFor } from './stage.ts';

export async function runInvariants(ids: readonly string[], seed: number): Promise<number> {
  const chapters = chaptersFromArgs('invariants', ids);
  if (chapters === undefined) return EXIT.usage;
  const tree = await markedTreeFor('invariants', 'nothing to check from');
  if (tree === undefined) return EXIT.failed;
  if (chapters.length === 0) {
    console.log('invariants: no chapter has an exercises.ts yet; the markers of solutions/ parse');
    return EXIT.ok;
  }
  const checks = await checkInvariants(tree, chapters, {
    seed,
    log: (line) => console.error(line),
  });
  console.log(formatChecks(checks));
  return checks.every((c) => c.ok) ? EXIT.ok : EXIT.failed;
}

export function register(program: Command): void {
  program
    .command('invariants')
    .argument('[chapters...]', 'chapter ids (default: every chapter with exercises)')
    .option('--seed <n>', 'the seed the tests run with', (v) => Number.parseInt(v, 10), 1)
    .description(
      'check the staging invariants: no drift, snapshots type-check and assemble, the starter ' +
        'fails exactly its chapter, the solution passes',
    )
    .action(async (ids: string[], options: { seed: number }) => {
      process.exitCode = await runInvariants(ids, options.seed);
    });
}
