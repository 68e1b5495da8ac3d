// One guest on the reference hypervisor, as the site runs it: in the browser's Web Worker behind
// <GuestConsole>, and in Node at build time for `<<< console:GUEST`. Portable: the caller passes
// the guest sources (the worker bundles them, the build reads them from solutions/guests).

import { PhysMemory } from '../../../../sim/memory/memory.ts';
import { Toolstack } from '../../../../solutions/dom0/toolstack.ts';
import { buildGuest, GUESTS } from '../../../../solutions/guests/index.ts';
import type { Domain } from '../../../../solutions/xen/domain.ts';
import type { HypercallTrace } from '../../../../solutions/xen/hypercall.ts';
import { type RunResult, runDomains } from '../../../../solutions/xen/schedule.ts';
import { Xen } from '../../../../solutions/xen/xen.ts';

/** Guest memory, as `xenlab run` gives it by default. */
export const GUEST_MEMORY_MIB = 32;
/** Machine memory beyond the guest's: Xen's own frames and shared_info. */
const XEN_RESERVE_MIB = 4;

export interface SessionListeners {
  /**
   * What a terminal running `xenlab run` shows, in order: the guest's console bytes, and Xen's
   * log lines as `(XEN) …` (dimmed), which `xenlab run` writes to stderr.
   */
  output?(bytes: Uint8Array): void;
  trace?(t: HypercallTrace): void;
}

const encoder = new TextEncoder();

/** A line of Xen's log as the terminal shows it: dim, with Xen's own prefix. */
export function xenLogLine(line: string): Uint8Array {
  return encoder.encode(`\x1b[2m(XEN) ${line}\x1b[0m\n`);
}

export class UnknownGuestError extends Error {
  override name = 'UnknownGuestError';
}

/** The names `<GuestConsole guest=…>` and `<<< console:…` accept. */
export function guestNames(): string[] {
  return GUESTS.map((g) => g.name);
}

export class GuestSession {
  readonly name: string;
  readonly xen: Xen;
  readonly toolstack: Toolstack;
  readonly domain: Domain;
  /** Guest instructions executed so far. */
  instructions = 0;

  /** Assembles guest `name` from `files` (paths under solutions/guests) and boots it, paused. */
  constructor(name: string, files: Record<string, string>, listeners: SessionListeners = {}) {
    const guest = GUESTS.find((g) => g.name === name);
    if (guest === undefined) {
      throw new UnknownGuestError(`no guest "${name}" (guests: ${guestNames().join(', ')})`);
    }
    this.name = name;
    const image = buildGuest(guest.main, files);
    this.xen = new Xen(new PhysMemory((GUEST_MEMORY_MIB + XEN_RESERVE_MIB) << 20), {
      console: (_d, bytes) => listeners.output?.(bytes),
      trace: listeners.trace,
      log: (line) => listeners.output?.(xenLogLine(line)),
    });
    this.toolstack = new Toolstack(this.xen);
    this.domain = this.toolstack.create(image, {
      name,
      memoryMiB: GUEST_MEMORY_MIB,
      cmdline: '',
    });
    this.toolstack.start(this.domain);
  }

  /** Runs the domains for at most `fuel` instructions (1 is a single step of vCPU 0). */
  run(fuel: number): RunResult {
    const result = runDomains(this.xen, fuel);
    this.instructions += result.instructions;
    return result;
  }

  /** The guest can run no further: shut down, crashed, or Xen panicked. */
  get ended(): boolean {
    return this.domain.shutdownReason >= 0 || this.xen.panicReport !== null;
  }
}
