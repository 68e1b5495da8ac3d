// `xenlab run <guest | kernel.elf>`: boot one PV guest on the reference hypervisor (or on the
// learner's own tree: --chapter NN, --src DIR), stream its console, and exit with a code that
// says how it ended (book §2.7; docs/architecture.md §8).

import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { REPO_ROOT } from '../cache.ts';
import { loadChapter, UsageError } from '../chapters.ts';
import { EXIT } from '../exit-codes.ts';

/** Exit codes of `xenlab run`: the guest's shutdown reason, or why it did not shut down. */
export const RUN_EXIT = {
  poweroff: EXIT.ok,
  crash: EXIT.failed,
  reboot: 3,
  suspend: 4,
  watchdog: 5,
  /** A shutdown reason Xen does not define. */
  otherShutdown: 6,
  /** The fuel ran out with the guest still running. */
  fuelExhausted: 7,
  /** Ctrl-] detached the terminal from the guest's console. */
  detached: 9,
  /** Nothing left to run: the guest is blocked (or paused) with nothing to wake it. */
  idle: 8,
  panic: EXIT.internal,
} as const;

const DEFAULT_FUEL = 200_000_000;
const DEFAULT_MEMORY_MIB = 32;
/** Machine memory beyond the guest's: Xen's own frames and shared_info. */
const XEN_RESERVE_MIB = 4;

export interface RunOptions {
  trace?: boolean;
  fuel: number;
  seed?: number;
  memory: number;
  /** The kernel command line; the guest's own (guests/index.ts) when absent. */
  cmdline?: string;
  /** Boot on this chapter's src/ (the learner's hypervisor). */
  chapter?: string;
  /** Boot on this hypervisor tree (a folder holding xen/, guests/, dom0/). */
  src?: string;
  /** --fuel was given (an attached terminal otherwise runs without a budget). */
  fuelGiven?: boolean;
  /** Typed at the guest's console once it is built (C escapes decoded: \\r, \\x04 …). */
  input?: string;
  /** Serve the toolstack's xenstored on this Unix socket while the guest runs (chapter 08 on). */
  xenstoreSocket?: string;
  /** Disk images attached as xvda, xvdb, …: `FILE` read-write, `FILE,cow` writes kept aside. */
  disk?: string[];
  /** Serve GDB's remote protocol on this TCP port of 127.0.0.1 (tools/gdb-stub.ts). */
  gdb?: number;
  /** With --gdb: run nothing until gdb has connected and continued. */
  gdbWait?: boolean;
}

/** The reference hypervisor: the default tree, absent from a student handout. */
export const REFERENCE_TREE = join(REPO_ROOT, 'solutions');

/** A domain, as far as run looks at one. */
export interface DomainView {
  readonly state: string;
  readonly shutdownReason: number;
}

/** A traced hypercall, as run passes it from the tree's trace listener to its formatTrace. */
export interface HypercallTraceView {
  domid: number;
  vcpu: number;
  number: number;
  name: string;
  args: string[];
  result: number;
}

/** What run listens to: the guest's console bytes, Xen's log, and (--trace) the hypercalls. */
export interface XenListenersView {
  console(d: DomainView, bytes: Uint8Array): void;
  log(line: string): void;
  trace?: (t: HypercallTraceView) => void;
}

/**
 * What run uses of a hypervisor tree, loaded at run time from the reference or from a learner's
 * tree, so the command never depends on one tree at compile time. `X` is the tree's Xen: run only
 * hands it from the tree's constructor to the tree's toolstack and scheduler.
 * chapters/hypervisor-contract.ts checks the reference and every chapter snapshot against it.
 */
export interface Hypervisor<X extends object = object> {
  Xen: new (mem: PhysMemory, listeners: XenListenersView) => X;
  Toolstack: new (
    xen: X,
  ) => {
    boot(
      guest: string,
      image: (guest: string) => Uint8Array,
      options: {
        memoryMiB: number;
        cmdline?: string;
        seed?: number;
        input?: string | null;
        prepare?: (d: DomainView) => void;
      },
    ): DomainView[];
  } & Partial<ConsoleToolstack> &
    Partial<DiskToolstack>;
  /** The book's multi-domain scenarios (chapter 04 on), by the guest that leads each. */
  SCENARIOS?: Readonly<Record<string, readonly unknown[]>>;
  /**
   * A guest with `monitor` is one of chapter 1's, run on the monitor of monitor/, not on Xen;
   * `input` is what the book types at its console (chapter 06 on); `vcpus` how many vCPUs it
   * gets (chapter 07 on).
   */
  GUESTS: readonly {
    name: string;
    main: string;
    monitor?: string;
    input?: string;
    vcpus?: number;
  }[];
  buildGuest(main: string, files: Record<string, string>): Uint8Array;
  shutdownName(reason: number): string;
  ImageError: new (...args: never[]) => Error;
  formatTrace(t: HypercallTraceView): string;
  RunOutcome: { Panic: string; FuelExhausted: string; Idle: string };
  runDomains(xen: X, fuel: number): { outcome: string; instructions: number };
}

/** What run uses of a toolstack's console back end (chapter 06 on): its output and typing. */
export interface ConsoleToolstack {
  consoled: {
    listen(listener: {
      output?(domid: number, bytes: Uint8Array): void;
      log?(line: string): void;
    }): void;
  };
  type(d: DomainView, text: string): void;
}

/** What run uses of a toolstack's virtual disks (chapter 09 on). */
export interface DiskToolstack {
  attachDisk(d: DomainView, disk: never, vdev?: string): unknown;
}

/** A tree's disk images (dom0/disk.ts, dom0/disk-file.ts; chapter 09 on). */
interface DiskModules {
  FileDisk: new (path: string, readOnly: boolean) => object;
  CowDisk: new (base: never) => object;
}

/**
 * The disks of `--disk` as the tree's own disk images: `FILE` opened read-write, `FILE,cow`
 * opened read-only under a copy-on-write layer, so the file never changes.
 */
async function openDisks(tree: string, specs: readonly string[]): Promise<object[]> {
  const load = (path: string) => import(pathToFileURL(join(tree, path)).href);
  const modules = { ...(await load('dom0/disk.ts')), ...(await load('dom0/disk-file.ts')) };
  const { FileDisk, CowDisk } = modules as DiskModules;
  return specs.map((spec) => {
    const [file = '', ...flags] = spec.split(',');
    const unknown = flags.filter((f) => f !== 'cow');
    if (file === '' || unknown.length > 0) {
      throw new UsageError(`--disk ${spec}: expected FILE or FILE,cow`);
    }
    const cow = flags.includes('cow');
    const disk = new FileDisk(file, cow);
    return cow ? new CowDisk(disk as never) : disk;
  });
}

/** Chapter 1's monitor (monitor/index.ts), in trees that have one. */
export interface Monitor<Mode extends string = string> {
  runGuestProgram(
    main: string,
    mode: Mode,
    files: Record<string, string>,
  ): { console: string; stopped: string | undefined };
  HALTED: string;
}

/** A loaded tree: its hypervisor, and its monitor when it has one. */
export type HypervisorTree = Hypervisor & Partial<Monitor>;

/**
 * Loads the hypervisor of `tree` (its xen/index.ts, guests/index.ts, dom0/toolstack.ts, and
 * dom0/scenarios.ts and monitor/index.ts when it has them). The modules are typed by the contract above, which
 * chapters/hypervisor-contract.ts checks every tree of the repository against.
 */
export async function loadHypervisor(tree: string): Promise<HypervisorTree> {
  const load = (path: string) => import(pathToFileURL(join(tree, path)).href);
  const optional = (path: string) => (existsSync(join(tree, path)) ? load(path) : {});
  const [xen, guests, toolstack, scenarios, monitor] = await Promise.all([
    load('xen/index.ts'),
    load('guests/index.ts'),
    load('dom0/toolstack.ts'),
    optional('dom0/scenarios.ts'),
    optional('monitor/index.ts'),
  ]);
  return { ...xen, ...guests, ...toolstack, ...scenarios, ...monitor };
}

/** The tree `run` boots on: --src, else --chapter's src/, else the reference. */
export async function runTree(
  options: Pick<RunOptions, 'chapter' | 'src'>,
  reference = REFERENCE_TREE,
): Promise<string> {
  if (options.src !== undefined) return mountTree(resolve(options.src));
  if (options.chapter !== undefined) return join((await loadChapter(options.chapter)).dir, 'src');
  if (!existsSync(reference)) {
    throw new UsageError(
      'the reference hypervisor (solutions/) is not included in this handout; boot a guest on ' +
        'your own hypervisor with `--chapter NN` (your chapters/NN-slug/src) or `--src DIR`',
    );
  }
  return reference;
}

/**
 * A tree outside the repository (a submission, a solved snapshot in /tmp) is copied to where a
 * chapter's src/ lies — three folders below the root, inside the package — so its imports of
 * sim/ and chapters/ resolve and its files load as ES modules. Trees inside load in place.
 */
export function mountTree(tree: string, root = REPO_ROOT): string {
  const rel = relative(root, tree);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) return tree;
  const mounted = join(root, '.xenlab', 'mounted', 'src');
  rmSync(mounted, { recursive: true, force: true });
  cpSync(tree, mounted, { recursive: true });
  return mounted;
}

/** The kernel image for a guest name (assembled from the tree's guests/) or an ELF file. */
export function loadImage(hv: Hypervisor, tree: string, target: string): Uint8Array {
  const guest = hv.GUESTS.find((g) => g.name === target);
  if (guest !== undefined) return hv.buildGuest(guest.main, asmSourcesUnder(join(tree, 'guests')));
  return new Uint8Array(readFileSync(target));
}

function exitCodeFor(hv: Hypervisor, reason: number): number {
  const name = hv.shutdownName(reason);
  return name in RUN_EXIT ? RUN_EXIT[name as keyof typeof RUN_EXIT] : RUN_EXIT.otherShutdown;
}

/** Guest instructions between two looks at the socket when xenstored is served. */
const SOCKET_CHUNK = 1_000_000;

/**
 * Runs the domains as runDomains does, but in chunks, letting Node serve `socket` (the
 * toolstack's xenstored) in between: Xen's tools then see the store as the guests change it.
 */
async function runServingXenstore(
  hv: Hypervisor,
  tree: string,
  xen: object,
  toolstack: object,
  options: RunOptions & { xenstoreSocket: string },
): Promise<{ outcome: string; instructions: number }> {
  const xenstored = (toolstack as { xenstored?: object }).xenstored;
  if (xenstored === undefined) throw new UsageError(`${tree} has no xenstored yet (chapter 08)`);
  const { loadXenstored } = await import('./xenstored.ts');
  const server = await (await loadXenstored(tree)).listenXenstored(
    xenstored,
    options.xenstoreSocket,
  );
  console.error(`xenlab run: xenstored on ${options.xenstoreSocket}`);
  let instructions = 0;
  try {
    for (;;) {
      const chunk = Math.min(SOCKET_CHUNK, options.fuel - instructions);
      const result = hv.runDomains(xen, chunk);
      instructions += result.instructions;
      await new Promise((resolve) => setImmediate(resolve));
      if (result.outcome !== hv.RunOutcome.FuelExhausted || instructions >= options.fuel) {
        return { outcome: result.outcome, instructions };
      }
    }
  } finally {
    server.close();
  }
}

/** Ctrl-]: detaches the terminal from the guest's console, as `xl console` does. */
const DETACH = 0x1d;
/** Guest instructions between two looks at the terminal in an interactive run. */
const TERMINAL_CHUNK = 200_000;

/** `--input` text with C escapes decoded: \\r \\n \\t \\e \\\\ and \\xNN (Ctrl-D is \\x04). */
export function decodeInput(text: string): string {
  const named: Record<string, string> = { r: '\r', n: '\n', t: '\t', e: '\x1b', '\\': '\\' };
  return text.replace(/\\(x[0-9a-fA-F]{2}|[rnte\\])/g, (_, code: string) =>
    code.startsWith('x') ? String.fromCharCode(Number.parseInt(code.slice(1), 16)) : named[code]!,
  );
}

/**
 * Runs the domains with the terminal connected to `domain`'s console: raw keystrokes go to its
 * `in` ring, Ctrl-] detaches. Runs in chunks so Node can read the keyboard in between; a guest
 * blocked with nothing to wake it waits for a key. Returns null when detached.
 */
async function runAttached(
  hv: Hypervisor,
  xen: object,
  type: (text: string) => void,
  fuel: number,
): Promise<{ outcome: string; instructions: number } | null> {
  const stdin = process.stdin;
  let detached = false;
  let keyPressed: (() => void) | null = null;
  const onData = (data: Buffer) => {
    const at = data.indexOf(DETACH);
    if (at >= 0) detached = true;
    const text = data.subarray(0, at >= 0 ? at : data.length).toString('latin1');
    if (text.length > 0) type(text);
    keyPressed?.();
  };
  stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.resume();
  console.error('xenlab run: connected to the guest’s console; Ctrl-] detaches');
  let instructions = 0;
  try {
    for (;;) {
      const result = hv.runDomains(xen, Math.min(TERMINAL_CHUNK, fuel - instructions));
      instructions += result.instructions;
      await new Promise((resolve) => setImmediate(resolve));
      if (detached) return null;
      if (result.outcome === hv.RunOutcome.Idle && result.instructions === 0) {
        await new Promise<void>((resolve) => {
          keyPressed = resolve;
        });
        keyPressed = null;
        if (detached) return null;
        continue;
      }
      if (result.outcome !== hv.RunOutcome.FuelExhausted || instructions >= fuel) {
        return { outcome: result.outcome, instructions };
      }
    }
  } finally {
    stdin.off('data', onData);
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/** Boots `target` on `hv` and runs it to its end or the fuel budget; returns the exit code. */
export async function runGuest(
  hv: HypervisorTree,
  tree: string,
  target: string,
  options: RunOptions,
): Promise<number> {
  const monitored = hv.GUESTS.find((g) => g.name === target && g.monitor !== undefined);
  if (monitored?.monitor !== undefined && hv.runGuestProgram !== undefined) {
    const sources = asmSourcesUnder(join(tree, 'guests'));
    const vm = hv.runGuestProgram(monitored.main, monitored.monitor, sources);
    process.stdout.write(vm.console);
    if (vm.stopped !== hv.HALTED) console.error(`xenlab run: ${vm.stopped ?? 'fuel exhausted'}`);
    return vm.stopped === hv.HALTED ? EXIT.ok : EXIT.failed;
  }
  let image: Uint8Array;
  try {
    image = loadImage(hv, tree, target);
  } catch (e) {
    const known = hv.GUESTS.map((g) => g.name).join(', ');
    const why = e instanceof Error ? e.message : String(e);
    console.error(`xenlab run: cannot load "${target}" (guests: ${known}):\n${why}`);
    return EXIT.failed;
  }
  // A scenario's domains each get the guest's memory.
  const domains = hv.SCENARIOS?.[target]?.length ?? 1;
  const memoryBytes = (domains * options.memory + XEN_RESERVE_MIB) * 1024 * 1024;
  const xen = new hv.Xen(new PhysMemory(memoryBytes), {
    console: (_d, bytes) => process.stdout.write(bytes),
    log: (line) => console.error(`(XEN) ${line}`),
    trace: options.trace === true ? (t) => console.error(hv.formatTrace(t)) : undefined,
  });
  const toolstack = new hv.Toolstack(xen);
  toolstack.consoled?.listen({
    output: (_domid, bytes) => process.stdout.write(bytes),
    log: (line) => console.error(`(xenconsoled) ${line}`),
  });
  const disks = options.disk ?? [];
  let opened: object[] = [];
  if (disks.length > 0) {
    if (toolstack.attachDisk === undefined) {
      console.error('xenlab run: --disk needs a hypervisor with virtual disks (chapter 09 on)');
      return EXIT.usage;
    }
    try {
      opened = await openDisks(tree, disks);
    } catch (e) {
      console.error(`xenlab run: ${e instanceof Error ? e.message : String(e)}`);
      return e instanceof UsageError ? EXIT.usage : EXIT.failed;
    }
  }
  const socket = options.xenstoreSocket;
  const attach = socket === undefined && options.input === undefined && process.stdin.isTTY;
  let domain: DomainView;
  try {
    // What the book types at the guest, scripted input, or nothing when a terminal is attached.
    const input = attach
      ? null
      : options.input === undefined
        ? undefined
        : decodeInput(options.input);
    [domain] = toolstack.boot(target, (g) => (g === target ? image : loadImage(hv, tree, g)), {
      memoryMiB: options.memory,
      cmdline: options.cmdline,
      seed: options.seed,
      input,
      // The disks are the guest's before it first runs: xvda, xvdb, …
      prepare: (d) => {
        opened.forEach((disk, i) => {
          toolstack.attachDisk!(d, disk as never, `xvd${String.fromCharCode(97 + i)}`);
        });
      },
    }) as [DomainView];
  } catch (e) {
    if (!(e instanceof hv.ImageError)) throw e;
    console.error(`xenlab run: the domain builder refused ${target}: ${e.message}`);
    return EXIT.failed;
  }
  const type = toolstack.type?.bind(toolstack, domain);
  let result: { outcome: string; instructions: number };
  if (options.gdb !== undefined) {
    const { runUnderGdb } = await import('./run-gdb.ts');
    result = await runUnderGdb(
      hv,
      xen,
      { domain, toolstack },
      {
        port: options.gdb,
        wait: options.gdbWait === true,
        fuel: options.fuel,
      },
    );
  } else if (socket !== undefined) {
    result = await runServingXenstore(hv, tree, xen, toolstack, {
      ...options,
      xenstoreSocket: socket,
    });
  } else if (attach && type !== undefined) {
    const attached = await runAttached(hv, xen, type, options.fuelGiven ? options.fuel : Infinity);
    if (attached === null) {
      console.error('\r\nxenlab run: detached; the guest was still running');
      return RUN_EXIT.detached;
    }
    result = attached;
  } else {
    result = hv.runDomains(xen, options.fuel);
  }
  switch (result.outcome) {
    case hv.RunOutcome.Panic:
      return RUN_EXIT.panic;
    case hv.RunOutcome.FuelExhausted:
      console.error(
        `xenlab run: fuel exhausted after ${result.instructions} instructions with the guest ` +
          'still running (raise it with --fuel N)',
      );
      return RUN_EXIT.fuelExhausted;
    default:
      if (domain.shutdownReason >= 0) return exitCodeFor(hv, domain.shutdownReason);
      console.error(`xenlab run: the guest is ${domain.state} with nothing left to wake it`);
      return RUN_EXIT.idle;
  }
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('a positive integer');
  return n;
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('a non-negative integer');
  return n;
}

export function register(program: Command): void {
  program
    .command('run')
    .argument('<guest>', 'a guest name (hello, crash, … from the tree’s guests/) or an ELF kernel')
    .description('boot a PV guest (on the reference hypervisor, or on yours) and show its console')
    .option('--chapter <NN>', 'boot on your hypervisor: chapters/NN-slug/src')
    .option('--src <dir>', 'boot on the hypervisor tree in DIR')
    .option('--trace', 'print every hypercall (to stderr)')
    .option('--fuel <n>', 'stop after n guest instructions', positiveInteger, DEFAULT_FUEL)
    .option('--seed <s>', 'shuffle the guest’s machine frames with this seed', integer)
    .option('--memory <mib>', 'guest memory in MiB', positiveInteger, DEFAULT_MEMORY_MIB)
    .option('--cmdline <text>', 'the guest kernel’s command line (default: the guest’s own)')
    .option(
      '--input <text>',
      'type TEXT at the guest’s console (escapes: \\r Enter, \\x04 Ctrl-D); without it, a ' +
        'terminal is connected to the console (Ctrl-] detaches)',
    )
    .option('--xenstore-socket <path>', 'serve xenstored on this socket while the guest runs')
    .option(
      '--disk <file[,cow]>',
      'attach a disk image as xvda (again: xvdb, …), read-write; with ",cow" the guest’s ' +
        'writes stay in memory and the file is left as it was',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--gdb <port>', 'serve gdb’s remote protocol on 127.0.0.1:PORT (0: any)', integer)
    .option(
      '--gdb-wait',
      'with --gdb: stop before the guest’s first instruction until gdb continues',
    )
    .addHelpText(
      'after',
      `\nExit codes: ${RUN_EXIT.poweroff} poweroff, ${RUN_EXIT.crash} crash or load error, ` +
        `${RUN_EXIT.reboot} reboot, ${RUN_EXIT.suspend} suspend, ${RUN_EXIT.watchdog} watchdog, ` +
        `${RUN_EXIT.otherShutdown} other shutdown, ${RUN_EXIT.fuelExhausted} fuel exhausted, ` +
        `${RUN_EXIT.idle} blocked forever, ${RUN_EXIT.detached} detached, ` +
        `${RUN_EXIT.panic} Xen panic.`,
    )
    .action(async (target: string, options: RunOptions, command: Command) => {
      options.fuelGiven = command.getOptionValueSource('fuel') === 'cli';
      let tree: string;
      let hv: HypervisorTree;
      try {
        tree = await runTree(options);
        hv = await loadHypervisor(tree);
      } catch (e) {
        if (e instanceof UsageError) {
          console.error(`xenlab run: ${e.message}`);
          process.exitCode = EXIT.usage;
          return;
        }
        const why = e instanceof Error ? e.message : String(e);
        console.error(
          `xenlab run: the hypervisor in ${options.src ?? options.chapter} does not load:\n${why}`,
        );
        process.exitCode = EXIT.failed;
        return;
      }
      try {
        process.exitCode = await runGuest(hv, tree, target, options);
      } catch (e) {
        // The reference throwing is a bug of xenlab's; a learner's tree throwing is their work
        // in progress (an unwritten exercise, say), reported as such.
        if (tree === REFERENCE_TREE) throw e;
        const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
        console.error(`xenlab run: your hypervisor (${tree}) stopped with an exception:\n${why}`);
        process.exitCode = EXIT.failed;
      }
    });
}
