// `xenlab xapi --port N`: the Xen API (XML-RPC at /, JSON-RPC at /jsonrpc) of a machine of the
// reference toolstack on 127.0.0.1, for real Xen API clients (XenAPI.py, xmlrpc.client, npm's
// xen-api) and for `xenlab xl` (book §11.1, §11.7; docs/architecture.md §5).

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';
import { loadHypervisor, runTree } from './run.ts';

export interface XapiOptions {
  port: number;
  user: string;
  password?: string;
  /** Guests defined as VMs (Halted) when the server starts. */
  vm: string[];
  /** Machine memory in MiB. */
  memory: number;
  src?: string;
}

/** The environment variable a password may come from, so it stays out of `ps`. */
export const PASSWORD_ENV = 'XENLAB_XAPI_PASSWORD';

/** What the command uses of a tree's dom0/vms.ts and dom0/xapi/http.ts. */
interface XapiTree {
  Vms: new (
    toolstack: object,
  ) => {
    define(config: {
      name: string;
      kernel: string;
      image: Uint8Array;
      memoryMiB: number;
      vcpus: number;
      cmdline: string;
    }): unknown;
  };
  listenXapi(options: {
    port: number;
    vms: object;
    credentials: { username: string; password: string };
    kernels: (name: string) => Uint8Array | undefined;
  }): Promise<{ port: number; close(): Promise<void> }>;
}

async function loadXapi(tree: string): Promise<XapiTree> {
  const dir = join(tree, 'dom0');
  if (!existsSync(join(dir, 'xapi', 'http.ts')))
    throw new UsageError(`${tree} has no Xen API server yet (it arrives in chapter 11)`);
  const load = (file: string) => import(pathToFileURL(join(dir, file)).href);
  const [vms, http] = await Promise.all([load('vms.ts'), load('xapi/http.ts')]);
  return { ...vms, ...http };
}

/** The password: --password, else $XENLAB_XAPI_PASSWORD; there is no default. */
export function xapiPassword(given: string | undefined): string {
  const password = given ?? process.env[PASSWORD_ENV];
  if (password === undefined || password === '')
    throw new UsageError(
      `give the API's password with --password or $${PASSWORD_ENV} (nothing answers without one)`,
    );
  return password;
}

/** Boots the machine and serves its API; resolves with the port and a function that stops it. */
export async function startXapi(
  options: XapiOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const password = xapiPassword(options.password);
  const tree = await runTree(options);
  const hv = await loadHypervisor(tree);
  const api = await loadXapi(tree);
  const sources = asmSourcesUnder(join(tree, 'guests'));
  const kernels = (name: string) => {
    const guest = hv.GUESTS.find((g) => g.name === name && g.monitor === undefined);
    return guest === undefined ? undefined : hv.buildGuest(guest.main, sources);
  };
  const xen = new hv.Xen(new PhysMemory(options.memory << 20), {
    console: () => {},
    log: () => {},
  });
  const vms = new api.Vms(new hv.Toolstack(xen));
  for (const name of options.vm) {
    const image = kernels(name);
    if (image === undefined)
      throw new UsageError(`no PV guest named ${name} (xenlab run --help lists them)`);
    vms.define({ name, kernel: name, image, memoryMiB: 16, vcpus: 1, cmdline: '' });
  }
  return api.listenXapi({
    port: options.port,
    vms,
    credentials: { username: options.user, password },
    kernels,
  });
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a TCP port, 0 to 65535');
  return n;
}

function mebibytes(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 16 || n > 1024) throw new InvalidArgumentError('MiB, 16 to 1024');
  return n;
}

export function register(program: Command): void {
  program
    .command('xapi')
    .description('serve the Xen API (XML-RPC at /, JSON-RPC at /jsonrpc) on 127.0.0.1')
    .requiredOption('--port <n>', 'the TCP port (0: any free one, printed)', port)
    .option('--user <name>', 'the user name clients log in with', 'root')
    .option('--password <secret>', `the password (or $${PASSWORD_ENV})`)
    .option(
      '--vm <guest>',
      'define this guest as a Halted VM (repeatable)',
      (v, all: string[]) => [...all, v],
      [],
    )
    .option('--memory <MiB>', 'the machine’s memory', mebibytes, 256)
    .option('--src <dir>', 'serve the toolstack of the tree in DIR')
    .action(async (options: XapiOptions) => {
      try {
        const server = await startXapi(options);
        console.log(
          `xapi: listening on http://127.0.0.1:${server.port}/ (user ${options.user}; Ctrl-C stops it)`,
        );
        const end = () => {
          void server.close().then(() => process.exit(EXIT.ok));
        };
        process.once('SIGINT', end);
        process.once('SIGTERM', end);
      } catch (e) {
        console.error(`xenlab xapi: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = e instanceof UsageError ? EXIT.usage : EXIT.failed;
      }
    });
}
