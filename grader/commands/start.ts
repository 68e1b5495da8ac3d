// `xenlab start` (npm start): the way into the textbook. Lists the chapters, then serves the
// book (site/, VitePress) on this machine with every interactive part, until interrupted.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { CHAPTERS } from '../../chapters/index.ts';

const siteDir = fileURLToPath(new URL('../../site', import.meta.url));

export function chapterList(): string {
  return CHAPTERS.map((c) => `  ${c.id.padStart(2)}  ${c.title}\n      ${c.builds}`).join('\n');
}

interface StartOptions {
  list?: boolean;
  host: string;
  port: number;
  open?: boolean;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a TCP port');
  return n;
}

/** Serves the book with VitePress's dev server; a change to its config restarts it. */
async function serveBook(options: StartOptions): Promise<void> {
  const { createServer } = await import('vitepress');
  const start = async (): Promise<void> => {
    const server = await createServer(
      siteDir,
      { host: options.host, port: options.port, open: options.open === true },
      async () => {
        await server.close();
        await start();
      },
    );
    await server.listen();
    server.printUrls();
  };
  await start();
}

export function register(program: Command): void {
  program
    .command('start')
    .description(
      'serve the textbook on this machine (the chapters, their consoles and visualisers)',
    )
    .option('--list', 'only list the chapters and the next steps')
    .option('--host <host>', 'the address to serve on', '127.0.0.1')
    .option('--port <port>', 'the port to serve on', port, 5173)
    .option('--open', 'open the book in a browser')
    .action(async (options: StartOptions) => {
      console.log('xenlab — build the Xen hypervisor, one chapter at a time.\n');
      console.log(`Chapters:\n${chapterList()}\n`);
      console.log('Next steps:');
      if (options.list !== true)
        console.log('  read the book at the address below (Ctrl-C stops it)');
      console.log('  npx xenlab check-setup   check that this machine is ready');
      console.log('  npx xenlab --help        every command');
      console.log('  npm test                 run the test suite\n');
      if (options.list === true) return;
      // A student handout carries the chapters' text but not the site, which quotes solutions/.
      if (!existsSync(join(siteDir, '.vitepress/config.ts'))) {
        console.log('This copy has no book site: read chapters/NN-slug/README.md.');
        return;
      }
      await serveBook(options);
    });
}
