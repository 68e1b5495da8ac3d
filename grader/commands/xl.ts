// `xenlab xl SUBCOMMAND`: xl's commands (list, create, destroy, shutdown, reboot, pause, unpause,
// console, info, vcpu-list, mem-set) and their output, spoken to a running `xenlab xapi` through
// the Xen API, where the machine lives (book §11.5, §11.7).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { runTree } from './run.ts';
import { xapiPassword } from './xapi.ts';

export interface XlOptions {
  url: string;
  user: string;
  password?: string;
  src?: string;
}

type Client = {
  call(method: string, ...params: unknown[]): Promise<unknown>;
  login(u: string, p: string): Promise<void>;
  session: string;
};

/** What the command uses of a tree's dom0/xl.ts and dom0/xapi/client.ts. */
interface XlTree {
  XapiClient: new (transport: (body: string) => Promise<string>) => Client;
  httpTransport(url: string): (body: string) => Promise<string>;
  parseXlConfig(text: string): object;
  parseMemSizeKiB(text: string): number;
  xlList(c: Client): Promise<string>;
  xlVcpuList(c: Client): Promise<string>;
  xlInfo(c: Client): Promise<string>;
  xlCreate(c: Client, config: object, paused?: boolean): Promise<string>;
  findVm(c: Client, nameOrId: string): Promise<string>;
}

async function connect(options: XlOptions): Promise<{ tree: XlTree; client: Client }> {
  const root = await runTree(options);
  const load = (file: string) => import(pathToFileURL(join(root, 'dom0', file)).href);
  const tree: XlTree = { ...(await load('xl.ts')), ...(await load('xapi/client.ts')) };
  const client = new tree.XapiClient(tree.httpTransport(options.url));
  try {
    await client.login(options.user, xapiPassword(options.password));
  } catch (e) {
    if (e instanceof TypeError && e.message === 'fetch failed')
      throw new UsageError(`no Xen API at ${options.url}: start one with \`xenlab xapi --port N\``);
    throw e;
  }
  return { tree, client };
}

/** Runs one xl subcommand against the server; what it prints goes to stdout. */
async function xl(
  options: XlOptions,
  work: (tree: XlTree, client: Client) => Promise<string | undefined>,
): Promise<void> {
  try {
    const { tree, client } = await connect(options);
    const out = await work(tree, client);
    if (out !== undefined) process.stdout.write(out);
    await client.call('session.logout');
  } catch (e) {
    console.error(`xl: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = e instanceof UsageError ? EXIT.usage : EXIT.failed;
  }
}

/** A subcommand on one domain (name or id) that is one VM call. */
const DOMAIN_CALLS: [string, string, string][] = [
  ['destroy', 'VM.hard_shutdown', 'destroy the domain at once'],
  ['shutdown', 'VM.clean_shutdown', 'ask the domain to shut down (control/shutdown)'],
  ['reboot', 'VM.clean_reboot', 'ask the domain to reboot'],
  ['pause', 'VM.pause', 'pause the domain'],
  ['unpause', 'VM.unpause', 'unpause the domain'],
];

export function register(program: Command): void {
  const cmd = program
    .command('xl')
    .description('xl’s commands, through the Xen API of a running `xenlab xapi`')
    .option('--url <url>', 'the Xen API server', 'http://127.0.0.1:8080/')
    .option('--user <name>', 'the user name', 'root')
    .option('--password <secret>', 'the password (or $XENLAB_XAPI_PASSWORD)')
    .option('--src <dir>', 'use the xl of the tree in DIR');
  const opts = () => cmd.opts() as XlOptions;
  cmd
    .command('list')
    .description('list the domains')
    .action(() => xl(opts(), (t, c) => t.xlList(c)));
  cmd
    .command('info')
    .description('the host')
    .action(() => xl(opts(), (t, c) => t.xlInfo(c)));
  cmd
    .command('vcpu-list')
    .description('the vCPUs of every domain')
    .action(() => xl(opts(), (t, c) => t.xlVcpuList(c)));
  cmd
    .command('create <config>')
    .description('create a domain from an xl.cfg file (kernel = a guest’s name)')
    .option('-p', 'leave it paused')
    .action((file: string, o: { p?: boolean }) =>
      xl(opts(), async (t, c) => {
        await t.xlCreate(c, t.parseXlConfig(readFileSync(file, 'utf8')), o.p === true);
        return undefined;
      }),
    );
  for (const [name, method, description] of DOMAIN_CALLS) {
    cmd
      .command(`${name} <domain>`)
      .description(description)
      .action((domain: string) =>
        xl(opts(), async (t, c) => {
          await c.call(method, await t.findVm(c, domain));
          return undefined;
        }),
      );
  }
  cmd
    .command('mem-set <domain> <mem>')
    .description('set the memory target (64m, 65536k; MiB without a unit)')
    .action((domain: string, mem: string) =>
      xl(opts(), async (t, c) => {
        const bytes = String(t.parseMemSizeKiB(mem) * 1024);
        await c.call('VM.set_memory_dynamic_range', await t.findVm(c, domain), bytes, bytes);
        return undefined;
      }),
    );
  cmd
    .command('console <domain>')
    .description('print what the domain wrote to its console')
    .action((domain: string) =>
      xl(opts(), async (t, c) => {
        const [con] = (await c.call('VM.get_consoles', await t.findVm(c, domain))) as string[];
        const location = (await c.call('console.get_location', con!)) as string;
        const res = await fetch(`${location}&session_id=${encodeURIComponent(c.session)}`);
        return res.text();
      }),
    );
}
