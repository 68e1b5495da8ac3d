// `xenlab mutants [NN…]`: grades the mutant corpus (grader/mutants/) — every wrong solution
// must lose points on every seed given; exit 1 when one keeps full marks.

import { availableParallelism } from 'node:os';
import { type Command, InvalidArgumentError } from 'commander';
import { type GradedChapter, loadChapter } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { MUTANTS, type Mutant, mutantChapter } from '../mutants/index.ts';
import { formatOutcome, gradeMutant, killed, pool } from '../mutants/run.ts';
import { snapshotFiles } from '../starter.ts';
import { seedValue } from './grade.ts';
import { chaptersFromArgs } from './stage.ts';

export interface MutantsOptions {
  seeds: number[];
  mutant?: string;
  jobs: number;
}

function seedList(value: string): number[] {
  return value.split(',').map((s) => seedValue(s.trim()));
}

function jobsValue(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
  return n;
}

export async function runMutants(ids: readonly string[], options: MutantsOptions): Promise<number> {
  const chapters = chaptersFromArgs('mutants', ids);
  if (chapters === undefined) return EXIT.usage;
  const wanted = new Set(chapters.map((c) => c.id));
  const chosen = MUTANTS.filter(
    (m) =>
      wanted.has(mutantChapter(m)) &&
      (options.mutant === undefined || m.name === options.mutant || m.exercise === options.mutant),
  );
  if (chosen.length === 0) {
    console.error('xenlab mutants: no mutant matches (names are listed in grader/mutants/)');
    return EXIT.usage;
  }
  const graded = new Map<string, { chapter: GradedChapter; files: Record<string, string> }>();
  for (const id of new Set(chosen.map(mutantChapter))) {
    const chapter = await loadChapter(id);
    graded.set(id, { chapter, files: await snapshotFiles(chapter, true) });
  }
  const survivors: string[] = [];
  await pool(chosen, options.jobs, async (m: Mutant) => {
    const { chapter, files } = graded.get(mutantChapter(m))!;
    for (const seed of options.seeds) {
      const outcome = await gradeMutant(m, chapter, files, seed);
      console.log(formatOutcome(outcome));
      if (!killed(outcome)) survivors.push(`${m.exercise}/${m.name} (seed ${seed})`);
    }
  });
  const runs = chosen.length * options.seeds.length;
  console.log(
    `\n${chosen.length} mutants × ${options.seeds.length} seeds: ${runs - survivors.length} ` +
      `killed, ${survivors.length} survived${survivors.length > 0 ? `:\n  ${survivors.join('\n  ')}` : ''}`,
  );
  return survivors.length === 0 ? EXIT.ok : EXIT.failed;
}

export function register(program: Command): void {
  program
    .command('mutants')
    .argument('[chapters...]', 'chapter ids (default: every chapter with exercises)')
    .option(
      '--seeds <list>',
      'the seeds each mutant is graded on, comma-separated',
      seedList,
      [1, 2, 3],
    )
    .option('--mutant <name>', 'only this mutant (or every mutant of this exercise id)')
    .option('--jobs <n>', 'mutants graded at once', jobsValue, availableParallelism())
    .description(
      'grade the corpus of wrong solutions (grader/mutants/): each must lose points on every seed',
    )
    .action(async (ids: string[], options: MutantsOptions) => {
      process.exitCode = await runMutants(ids, options);
    });
}
