// `xenlab grade [chapter]`: grade the learner's work on a chapter.

import type { Command } from 'commander';
import { CHAPTERS } from '../../chapters/index.ts';
import { EXIT } from '../exit-codes.ts';

export function register(program: Command): void {
  program
    .command('grade')
    .argument('[chapter]', 'chapter number, e.g. 02')
    .description('grade your work on a chapter')
    .action((chapter?: string) => {
      const known = chapter === undefined || CHAPTERS.some((c) => c.id === chapter);
      if (!known) {
        console.error(`xenlab grade: no chapter "${chapter}"; chapters are listed by npm start`);
        process.exitCode = EXIT.usage;
        return;
      }
      console.error('xenlab grade: no chapter has graded exercises yet; the grader arrives with');
      console.error('the first chapter. Meanwhile `npm test` runs the project’s own tests.');
      process.exitCode = EXIT.failed;
    });
}
