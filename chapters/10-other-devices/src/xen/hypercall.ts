// Your working copy for chapter 10, generated from solutions/xen/hypercall.ts by npx xenlab stage.
// Hypercall dispatch: the register convention, the table lookup and the structured trace:
// book §2.3; Xen xen/arch/x86/x86_32/entry.S (hypercall_table), xen/include/hypercall-defs.c.
// biome-ignore-all assist/source/organizeImports: the chapter-07 import stays in its region
//
// A hypercall arrives as `int $0x82` from ring 1 (inline, or from a stub of the hypercall page):
// EAX = number, EBX ECX EDX ESI EDI EBP = arguments; the result goes back in EAX. A handler
// decodes its arguments, validates them, acts, and returns 0, a positive value, or -errno. It
// never throws into the guest: an exception escaping a handler is a Xen bug (a panic).

import { EAX, EBP, EBX, ECX, EDI, EDX, ESI } from '../../../../sim/host.ts';
import type { Domain, Vcpu } from './domain.ts';
import { ENOSYS, formatResult } from './errno.ts';
import type { Heap } from './heap.ts';
import { HYPERCALL_TABLE, type HypercallEntry } from './hypercall-table.ts';
import type { HypercallHandlers } from './mechanism.ts';
import type { XenArea } from './x86-desc.ts';
import type { XenTime } from './time.ts';

/** Size of Xen's dispatch table: numbers at or above it are -ENOSYS. */
export const NR_hypercalls = 64;

/** What a handler may reach of the hypervisor besides its own domain and vCPU. */
export interface HypervisorServices {
  /** Xen's console: a guest's console_io output, and the input queue console_io reads. */
  consoleWrite(d: Domain, bytes: Uint8Array): void;
  consolePeek(max: number): Uint8Array;
  consoleConsume(count: number): void;
  /** domain_shutdown / domain_crash. */
  shutdownDomain(d: Domain, reason: number): void;
  /** domain_crash with a report for Xen's log: a guest error no handler can reflect. */
  crashDomain(d: Domain, report: readonly string[]): void;
  /** A domain by id, or undefined. */
  findDomain(domid: number): Domain | undefined;
  /** Xen's command line (XENVER_commandline). */
  readonly commandLine: string;
  /** The dispatch table, assembled from the build's mechanisms when Xen boots. */
  readonly hypercalls: HypercallHandlers;
  /** Where hypercall traces go, or null when tracing is off. */
  readonly traceSink: ((t: HypercallTrace) => void) | null;
  /** do_settime: the clock reads secs.nsecs (since 1970) at system time `systemTime`. */
  settime(secs: number, nsecs: number, systemTime: number): void;
  /** Xen's clock: NOW() for the timers a guest sets. */
  readonly time: XenTime;
  /** Every domain Xen knows, by id (destroyed ones included until their id is reused). */
  readonly domains: ReadonlyMap<number, Domain>;
  /** The id the next domain gets. */
  readonly nextDomainId: number;
  /** domain_create: an empty domain, paused once, with the toolstack's handle. */
  createEmptyDomain(name: string, handle?: Uint8Array): Domain;
  /** domain_pause_by_systemcontroller / domain_unpause_by_systemcontroller / domain_kill. */
  pauseDomain(d: Domain): void;
  unpauseDomain(d: Domain): void;
  destroyDomain(d: Domain): void;
  /** Machine frames and their owners. */
  readonly heap: Heap;
  /** Xen's GDT, IDT and TSS in the hole, and the L1 that maps them. */
  readonly area: XenArea;
}

export interface HypercallContext {
  xen: HypervisorServices;
  domain: Domain;
  vcpu: Vcpu;
}

/** A handler: arguments are the six argument registers, unsigned. */
export type HypercallHandler = (ctx: HypercallContext, args: Uint32Array) => number;

/** One traced hypercall: what a learner sees in `xenlab run --trace` and on the site. */
export interface HypercallTrace {
  domid: number;
  vcpu: number;
  number: number;
  name: string;
  /** The arguments decoded by the table's argument specs, e.g. `cmd=CONSOLEIO_write`. */
  args: string[];
  result: number;
  /** Set on a call a multicall made for the guest (Xen traces these as sub-calls). */
  subcall?: true;
}

/**
 * A trace record as one line: `d1v0 console_io(cmd=CONSOLEIO_write, count=6, …) = 0`; a
 * multicall's sub-calls come before it, marked `d1v0 > mmu_update(…) = 0`.
 */
export function formatTrace(t: HypercallTrace): string {
  const call = `${t.name}(${t.args.join(', ')}) = ${formatResult(t.result)}`;
  return `d${t.domid}v${t.vcpu} ${t.subcall === true ? '> ' : ''}${call}`;
}

const ARG_REGS = [EBX, ECX, EDX, ESI, EDI, EBP] as const;
// One argument buffer, reused: handlers must not keep it.
const args = new Uint32Array(6);

/** A hypercall's arguments as the trace shows them, by the table's argument specs. */
export function decodeArgs(entry: HypercallEntry, args: Uint32Array): string[] {
  return entry.args.map((spec, i) => {
    const value = args[i]!;
    // A sub-command Xen does not define shows as a plain number.
    if (spec.names !== undefined) return `${spec.name}=${spec.names[value] ?? value}`;
    if (spec.format === 'dec') return `${spec.name}=${value}`;
    return `${spec.name}=0x${value.toString(16)}`;
  });
}

/**
 * Runs the hypercall the vCPU asked for and puts the result in EAX. `trace`, when not null,
 * receives a record; when null nothing is built.
 */
export function doHypercall(
  ctx: HypercallContext,
  trace: ((t: HypercallTrace) => void) | null,
): void {
  const cpu = ctx.vcpu.cpu;
  const number = cpu.reg32[EAX]! >>> 0;
  for (let i = 0; i < 6; i++) args[i] = cpu.reg32[ARG_REGS[i]!]!;
  const entry = number < NR_hypercalls ? HYPERCALL_TABLE[number] : undefined;
  const decoded = trace !== null && entry !== undefined ? decodeArgs(entry, args) : null;
  const handler = entry === undefined ? null : (ctx.xen.hypercalls[number] ?? null);
  const result = handler === null ? -ENOSYS : handler(ctx, args);
  cpu.reg32[EAX] = result | 0;
  if (trace !== null) {
    trace({
      domid: ctx.domain.domid,
      vcpu: ctx.vcpu.id,
      number,
      name: entry?.name ?? `hypercall_${number}`,
      args: decoded ?? [`eax=${number}`],
      result: result | 0,
    });
  }
}
