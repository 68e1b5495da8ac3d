// `xenlab run <guest | kernel.elf>`: boot one PV guest on the reference hypervisor, stream its
// console, and exit with a code that says how it ended (book §2.7; DESIGN.md §4).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { PhysMemory } from '../../sim/memory/memory.ts';
import { Toolstack } from '../../solutions/dom0/toolstack.ts';
import { buildGuest, GUESTS } from '../../solutions/guests/index.ts';
import { shutdownName } from '../../solutions/xen/domain.ts';
import { ImageError } from '../../solutions/xen/elf.ts';
import { formatTrace } from '../../solutions/xen/hypercall.ts';
import { RunOutcome, runDomains } from '../../solutions/xen/schedule.ts';
import { Xen } from '../../solutions/xen/xen.ts';
import { asmSourcesUnder } from '../asm-sources.ts';
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
  cmdline: string;
}

const guestsDir = fileURLToPath(new URL('../../solutions/guests/', import.meta.url));

function guestSources(): Record<string, string> {
  return asmSourcesUnder(guestsDir);
}

/** The kernel image for a guest name (assembled) or a path to an ELF file. */
export function loadImage(target: string): Uint8Array {
  const guest = GUESTS.find((g) => g.name === target);
  if (guest !== undefined) return buildGuest(guest.main, guestSources());
  return new Uint8Array(readFileSync(target));
}

function exitCodeFor(reason: number): number {
  const name = shutdownName(reason);
  return name in RUN_EXIT ? RUN_EXIT[name as keyof typeof RUN_EXIT] : RUN_EXIT.otherShutdown;
}

/** Boots `target` and runs it to its end or the fuel budget; returns the exit code. */
export function runGuest(target: string, options: RunOptions): number {
  let image: Uint8Array;
  try {
    image = loadImage(target);
  } catch (e) {
    const known = GUESTS.map((g) => g.name).join(', ');
    const why = e instanceof Error ? e.message : String(e);
    console.error(`xenlab run: cannot load "${target}" (guests: ${known}):\n${why}`);
    return EXIT.failed;
  }
  const memoryBytes = (options.memory + XEN_RESERVE_MIB) * 1024 * 1024;
  const xen = new Xen(new PhysMemory(memoryBytes), {
    console: (_d, bytes) => process.stdout.write(bytes),
    log: (line) => console.error(`(XEN) ${line}`),
    trace: options.trace === true ? (t) => console.error(formatTrace(t)) : undefined,
  });
  const toolstack = new Toolstack(xen);
  let domain: ReturnType<Toolstack['create']>;
  try {
    domain = toolstack.create(image, {
      name: target.replace(/^.*\//, ''),
      memoryMiB: options.memory,
      cmdline: options.cmdline,
      seed: options.seed,
    });
  } catch (e) {
    if (!(e instanceof ImageError)) throw e;
    console.error(`xenlab run: the domain builder refused ${target}: ${e.message}`);
    return EXIT.failed;
  }
  toolstack.start(domain);
  const result = runDomains(xen, options.fuel);
  switch (result.outcome) {
    case RunOutcome.Panic:
      return RUN_EXIT.panic;
    case RunOutcome.FuelExhausted:
      console.error(
        `xenlab run: fuel exhausted after ${result.instructions} instructions with the guest ` +
          'still running (raise it with --fuel N)',
      );
      return RUN_EXIT.fuelExhausted;
    default:
      if (domain.shutdownReason >= 0) return exitCodeFor(domain.shutdownReason);
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
    .argument('<guest>', `a guest name (${GUESTS.map((g) => g.name).join(', ')}) or an ELF kernel`)
    .description('boot a PV guest on the reference hypervisor and show its console')
    .option('--trace', 'print every hypercall (to stderr)')
    .option('--fuel <n>', 'stop after n guest instructions', positiveInteger, DEFAULT_FUEL)
    .option('--seed <s>', 'shuffle the guest’s machine frames with this seed', integer)
    .option('--memory <mib>', 'guest memory in MiB', positiveInteger, DEFAULT_MEMORY_MIB)
    .option('--cmdline <text>', 'the guest kernel’s command line', '')
    .addHelpText(
      'after',
      `\nExit codes: ${RUN_EXIT.poweroff} poweroff, ${RUN_EXIT.crash} crash or load error, ` +
        `${RUN_EXIT.reboot} reboot, ${RUN_EXIT.suspend} suspend, ${RUN_EXIT.watchdog} watchdog, ` +
        `${RUN_EXIT.otherShutdown} other shutdown, ${RUN_EXIT.fuelExhausted} fuel exhausted, ` +
        `${RUN_EXIT.idle} blocked forever, ${RUN_EXIT.panic} Xen panic.`,
    )
    .action((target: string, options: RunOptions) => {
      process.exitCode = runGuest(target, options);
    });
}
