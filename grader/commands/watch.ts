// `xenlab watch [NN]`: grade a chapter, then grade again whenever a file of its src/ is saved
// (changes within a short pause make one run), clearing the screen between runs.

import { existsSync, watch } from 'node:fs';
import type { Command } from 'commander';
import { type GradedChapter, UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { gradeCommand, learnerSrc, resolveChapter, seedValue } from './grade.ts';

const DEBOUNCE_MS = 300;
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

/**
 * Calls `run` once now and again after each burst of `subscribe`'s events, never two runs at
 * once: a change during a run makes one more run after it.
 */
export function debouncedRuns(
  run: () => Promise<void>,
  subscribe: (onChange: () => void) => void,
  delayMs = DEBOUNCE_MS,
): void {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const go = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await run();
    } finally {
      running = false;
    }
    if (again) {
      again = false;
      void go();
    }
  };
  subscribe(() => {
    clearTimeout(timer);
    timer = setTimeout(() => void go(), delayMs);
  });
  void go();
}

export function register(program: Command): void {
  program
    .command('watch')
    .argument('[chapter]', 'chapter number, e.g. 02 (default: the latest one you changed)')
    .description('grade a chapter again every time you save a file of its src/')
    .option('--seed <s>', 'the seed of the tests’ random values', seedValue, 1)
    .action(async (chapterArg: string | undefined, options: { seed: number }) => {
      let chapter: GradedChapter;
      try {
        chapter = await resolveChapter(chapterArg);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        console.error(`xenlab watch: ${e.message}`);
        process.exitCode = EXIT.usage;
        return;
      }
      const src = learnerSrc(chapter);
      if (!existsSync(src)) {
        console.error(
          `xenlab watch: ${src} does not exist (regenerate it: npx xenlab stage ${chapter.id})`,
        );
        process.exitCode = EXIT.failed;
        return;
      }
      debouncedRuns(
        async () => {
          process.stdout.write(CLEAR_SCREEN);
          await gradeCommand(chapter.id, { seed: options.seed, format: 'text' });
          console.log(`\nwatching ${src} — save a file to grade again, Ctrl-C to stop`);
        },
        (onChange) => {
          watch(src, { recursive: true }, onChange);
        },
      );
      // The watcher keeps the process alive until Ctrl-C.
      await new Promise<never>(() => {});
    });
}
