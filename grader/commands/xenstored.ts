// `xenlab xenstored --socket PATH`: domain 0's xenstored (of the reference, or of a learner's
// tree) on a Unix socket, for Xen's own tools — xenstore-read, xenstore-ls, pyxs — pointed at it
// with XENSTORED_PATH=PATH (book §8.2; docs/architecture.md §5).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { runTree } from './run.ts';

export interface XenstoredOptions {
  socket: string;
  chapter?: string;
  src?: string;
}

/** What the command uses of a tree's dom0/xenstored/. */
interface XenstoredTree {
  Xenstored: new () => object;
  XsClient: new (xs: object) => { write(path: string, value: string): void };
  listenXenstored(xs: object, path: string): Promise<{ close(): void }>;
}

/** Loads the tree's xenstored, its client and its socket edge. */
export async function loadXenstored(tree: string): Promise<XenstoredTree> {
  const dir = join(tree, 'dom0', 'xenstored');
  if (!existsSync(join(dir, 'socket.ts'))) {
    throw new UsageError(`${tree} has no xenstored yet (it arrives in chapter 08)`);
  }
  const load = (file: string) => import(pathToFileURL(join(dir, file)).href);
  const [daemon, client, socket] = await Promise.all([
    load('xenstored.ts'),
    load('client.ts'),
    load('socket.ts'),
  ]);
  return { ...daemon, ...client, ...socket };
}

/**
 * Starts xenstored on `options.socket` with domain 0's entries written as xen-init-dom0 writes
 * them; resolves with a function that stops it.
 */
export async function startXenstored(tree: XenstoredTree, socket: string): Promise<() => void> {
  const xs = new tree.Xenstored();
  const dom0 = new tree.XsClient(xs);
  dom0.write('/local/domain/0/name', 'Domain-0');
  dom0.write('/local/domain/0/domid', '0');
  const server = await tree.listenXenstored(xs, socket);
  return () => server.close();
}

export function register(program: Command): void {
  program
    .command('xenstored')
    .description('serve xenstored on a Unix socket for Xen’s tools (XENSTORED_PATH=PATH)')
    .requiredOption('--socket <path>', 'the socket to listen on')
    .option('--chapter <NN>', 'run your xenstored: chapters/NN-slug/src')
    .option('--src <dir>', 'run the xenstored of the tree in DIR')
    .action(async (options: XenstoredOptions) => {
      try {
        const tree = await loadXenstored(await runTree(options));
        const stop = await startXenstored(tree, options.socket);
        console.error(`xenstored: listening on ${options.socket} (Ctrl-C stops it)`);
        const end = () => {
          stop();
          process.exit(EXIT.ok);
        };
        process.once('SIGINT', end);
        process.once('SIGTERM', end);
      } catch (e) {
        console.error(`xenlab xenstored: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = e instanceof UsageError ? EXIT.usage : EXIT.failed;
      }
    });
}
