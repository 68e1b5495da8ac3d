// `xenlab start` (npm start): the way into the textbook. Until the site is built, it prints the
// chapter list and what to do next.

import type { Command } from 'commander';
import { CHAPTERS } from '../../chapters/index.ts';

export function chapterList(): string {
  return CHAPTERS.map((c) => `  ${c.id.padStart(2)}  ${c.title}\n      ${c.builds}`).join('\n');
}

export function register(program: Command): void {
  program
    .command('start')
    .description('open the textbook (for now: list the chapters and the next steps)')
    .action(() => {
      console.log('xenlab — build the Xen hypervisor, one chapter at a time.\n');
      console.log(`Chapters:\n${chapterList()}\n`);
      console.log('Next steps:');
      console.log('  npx xenlab check-setup   check that this machine is ready');
      console.log('  npx xenlab --help        every command');
      console.log('  npm test                 run the test suite');
    });
}
