// `xenlab hint <exercise>`: an exercise's hints, one at a time — each call reveals the next and
// says how many remain (`--all` shows every one). What was revealed is kept in the cache folder.

import type { Command } from 'commander';
import type { Exercise } from '../../chapters/exercise.ts';
import { findExercise, UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { loadRevealed, saveRevealed } from '../results-cache.ts';

/** What `hint` prints after `revealed` hints were shown before, and how many are shown now. */
export function revealHints(
  exercise: Exercise,
  revealed: number,
  all: boolean,
): { text: string; revealed: number } {
  const total = exercise.hints.length;
  const now = all ? total : Math.min(revealed + 1, total);
  const lines = [`${exercise.id} — ${exercise.title} (book §${exercise.section})`, ''];
  exercise.hints.slice(0, now).forEach((hint, i) => {
    lines.push(`Hint ${i + 1}/${total}${i === now - 1 && i >= revealed ? ' (new)' : ''}: ${hint}`);
  });
  const remaining = total - now;
  lines.push('');
  if (remaining > 0) {
    lines.push(
      `${remaining} more hint${remaining === 1 ? '' : 's'}: run \`npx xenlab hint ${exercise.id}\` again.`,
    );
  } else {
    lines.push(
      `No hints remain. Read book §${exercise.section} again, and grade with ` +
        `\`npx xenlab grade ${exercise.id.split('-')[0]} --exercise ${exercise.id}\`.`,
    );
  }
  return { text: lines.join('\n'), revealed: Math.max(revealed, now) };
}

export function register(program: Command): void {
  program
    .command('hint')
    .argument('<exercise>', 'an exercise id, e.g. 02-start-info')
    .description('reveal the next hint of an exercise')
    .option('--all', 'show every hint at once')
    .action(async (id: string, options: { all?: boolean }) => {
      try {
        const { exercise } = await findExercise(id);
        const state = loadRevealed();
        const { text, revealed } = revealHints(exercise, state[id] ?? 0, options.all === true);
        state[id] = revealed;
        saveRevealed(state);
        console.log(text);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab hint: ${e.message}`);
        process.exitCode = EXIT.usage;
      }
    });
}
