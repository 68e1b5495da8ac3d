// One guest as the site runs it: in the browser's Web Worker behind <GuestConsole>, and in Node
// at build time for `<<< console:GUEST`. Portable: the caller passes the guest sources (the
// worker bundles them, the build reads them from solutions/guests). A guest runs on whatever
// its chapter runs it on — a PV guest on the reference hypervisor (PvSession), a chapter-1 guest
// on the classic monitor (MonitorSession) — behind one interface, so the worker, the inspectors
// and the build need not know which.

import { assemble, type Cpu, PhysMemory, translateForHost, VEC_PF } from '../../../../sim/host.ts';
import { SCENARIOS } from '../../../../solutions/dom0/scenarios.ts';
import { Toolstack } from '../../../../solutions/dom0/toolstack.ts';
import { buildGuest, GUESTS, type GuestInfo } from '../../../../solutions/guests/index.ts';
import {
  buildProgram,
  GUEST_FUEL,
  GUEST_TIMER_PERIOD,
  rewriteProgram,
} from '../../../../solutions/monitor/program.ts';
import {
  createVm,
  GUEST_SIZE,
  HALTED,
  type MonitorMode,
  runVm,
  type Vm,
} from '../../../../solutions/monitor/vm.ts';
import { type Domain, shutdownName, type Vcpu } from '../../../../solutions/xen/domain.ts';
import { formatTrace } from '../../../../solutions/xen/hypercall.ts';
import { RunOutcome, runDomains } from '../../../../solutions/xen/schedule.ts';
import { pvTraps, type TrapInfo } from '../../../../solutions/xen/trap-table.ts';
import { vectorName } from '../../../../solutions/xen/traps.ts';
import { Xen } from '../../../../solutions/xen/xen.ts';
import { hex } from './handle.ts';

export interface SessionListeners {
  /**
   * What a terminal running `xenlab run` shows, in order: the guest's console bytes, and what
   * the host says about it (Xen's log lines as `(XEN) …`, dimmed), which go to stderr there.
   */
  output?(bytes: Uint8Array): void;
  /**
   * A line of the host's trace: for a PV guest each hypercall (formatTrace), each exception Xen
   * bounces to the guest's handler, and a crash; for a chapter-1 guest what the monitor trapped
   * and emulated, and the timer interrupts it delivered.
   */
  trace?(line: string): void;
}

/** One line of the assembler's listing: its file, line, address, size and source. */
type ListingLine = Extract<ReturnType<typeof assemble>, { ok: true }>['listing'][number];

/** What the assembler says of a guest's code: its labels, and the source line of each address. */
export interface DebugInfo {
  symbols: ReadonlyMap<string, number>;
  listing: readonly ListingLine[];
}

/** The source line that put the instruction at `address` there. */
export interface SourceLine {
  file: string;
  line: number;
  text: string;
}

/** A running guest, as the worker and the inspectors see it. */
export interface GuestSession {
  readonly name: string;
  /** The CPU state of vCPU 0 (the guest's only CPU so far). */
  readonly cpu: Cpu;
  readonly mem: PhysMemory;
  /** Guest instructions executed so far. */
  readonly instructions: number;
  /** The guest can run no further (shut down, crashed, halted, or its host failed). */
  readonly ended: boolean;
  /** Its state in its host's terms (a DomainState for a PV guest). */
  readonly state: string;
  /** Why it ended ('' while it has not): the shutdown reason, or the host's report. */
  readonly outcome: string;
  /** Runs at most `fuel` instructions (1 steps one); false when it stopped before the fuel ran out. */
  run(fuel: number): boolean;
  /** Keys typed at its console. */
  type(text: string): void;
  /** The instructions `xenlab run` gives this guest by default. */
  readonly budget: number;
  /** The machine address of guest-linear `linear` as vCPU 0 sees it, or -1 when unmapped. */
  physical(linear: number): number;
  /** The labels and listing of the guest's program (a scenario's: its leader's). */
  readonly debug: DebugInfo;
}

/** Assembles `main` again for its labels and listing, as buildGuest/buildProgram assemble it. */
function debugInfo(main: string, files: Record<string, string>, format: 'elf' | 'bin'): DebugInfo {
  const result = assemble(files[main] ?? '', { fileName: main, files, format });
  if (!result.ok) return { symbols: new Map(), listing: [] };
  const code = result.sections.filter((s) => s.name === '.text');
  const inCode = (l: ListingLine) =>
    l.size > 0 && code.some((s) => l.address >= s.address && l.address < s.address + s.size);
  return { symbols: result.symbols, listing: result.listing.filter(inCode) };
}

/** The source line of the instruction at `address`, or null outside the program's code. */
export function sourceAt(info: DebugInfo, address: number): SourceLine | null {
  // The last: a section outside the loaded image (the Xen notes) may share the code's addresses.
  for (let i = info.listing.length - 1; i >= 0; i--) {
    const l = info.listing[i]!;
    if (address >= l.address && address < l.address + l.size) {
      return { file: l.file, line: l.line, text: l.source.trim() };
    }
  }
  return null;
}

const encoder = new TextEncoder();

/** The terminal's width: `xenlab run`'s 80 columns, as the book's screens render it. */
export const TERMINAL_COLUMNS = 80;

/**
 * A line the host prints about the guest, as the terminal shows it: dim, with its prefix, and
 * wrapped between words to the terminal's width (never inside a number), each continuation
 * indented under the line's own text.
 */
export function hostLine(prefix: string, line: string): Uint8Array {
  const indent = ' '.repeat(prefix.length + (/^ */.exec(line)?.[0].length ?? 0) + 2);
  const rows: string[] = [];
  let row = prefix + line.slice(0, line.length - line.trimStart().length);
  for (const word of line.trimStart().split(' ')) {
    const fresh = row.trim() === '' || row === indent || row.endsWith(' ');
    if (!fresh && row.length + 1 + word.length > TERMINAL_COLUMNS) {
      rows.push(row);
      row = indent + word;
    } else row += (fresh ? '' : ' ') + word;
  }
  rows.push(row);
  return encoder.encode(`\x1b[2m${rows.join('\n')}\x1b[0m\n`);
}

export class UnknownGuestError extends Error {
  override name = 'UnknownGuestError';
}

/** The names `<GuestConsole guest=…>` and `<<< console:…` accept. */
export function guestNames(): string[] {
  return GUESTS.map((g) => g.name);
}

/** Guest memory, as `xenlab run` gives it by default. */
export const GUEST_MEMORY_MIB = 32;
/** Machine memory beyond the guest's: Xen's own frames and shared_info. */
const XEN_RESERVE_MIB = 4;
/** `xenlab run`'s default fuel for a PV guest. */
const PV_FUEL = 200_000_000;

/**
 * A PV guest on the reference hypervisor: Xen, a toolstack, one domain (`xenlab run`) — or, for
 * a guest that leads a book scenario (solutions/dom0/scenarios.ts), the scenario's domains, whose
 * console lines are then prefixed with their domain as Xen prints them, `(d1) …`.
 */
export class PvSession implements GuestSession {
  readonly name: string;
  readonly xen: Xen;
  readonly toolstack: Toolstack;
  /** The guest's domain (a scenario's leader). */
  readonly domain: Domain;
  /** Every domain of the session, the guest's first. */
  readonly domains: Domain[];
  instructions = 0;
  readonly budget = PV_FUEL;
  readonly debug: DebugInfo;
  private readonly listeners: SessionListeners;
  /** Each vCPU's EIP at its previous instruction (the bounce hook's memory). */
  private readonly lastEip = new Map<Vcpu, number>();

  /** Assembles `guest` from `files` and builds its domain, ready at its first instruction. */
  constructor(guest: GuestInfo, files: Record<string, string>, listeners: SessionListeners) {
    this.name = guest.name;
    this.listeners = listeners;
    this.debug = debugInfo(guest.main, files, 'elf');
    // A chapter's worker has only that chapter's hypervisor (site/.vitepress/workers.ts): what a
    // later chapter brings (scenarios, the console back end, trap tables) may be undefined.
    const scenario = SCENARIOS?.[guest.name];
    const count = scenario?.length ?? 1;
    const atLineStart = new Map<number, boolean>();
    this.xen = new Xen(new PhysMemory((count * GUEST_MEMORY_MIB + XEN_RESERVE_MIB) << 20), {
      console: (d, bytes) =>
        listeners.output?.(count === 1 ? bytes : prefixLines(d.domid, bytes, atLineStart)),
      trace: listeners.trace === undefined ? undefined : (t) => listeners.trace?.(formatTrace(t)),
      log: (line) => {
        listeners.output?.(hostLine('(XEN) ', line));
        if (/^domain \d+ \(.*\) crashed:$/.test(line)) listeners.trace?.(`crash: ${line}`);
      },
    });
    this.toolstack = new Toolstack(this.xen);
    // What domains write to their console rings, drained by domain 0's back end (book §6.7).
    this.toolstack.consoled?.listen({
      output: (domid, bytes) =>
        listeners.output?.(count === 1 ? bytes : prefixLines(domid, bytes, atLineStart)),
      log: (line) => listeners.output?.(hostLine('(xenconsoled) ', line)),
    });
    const image = (name: string) => {
      const info = GUESTS.find((g) => g.name === name);
      if (info === undefined) throw new UnknownGuestError(`scenario ${guest.name}: no ${name}`);
      return buildGuest(info.main, files);
    };
    this.domains = this.toolstack.boot(guest.name, image, { memoryMiB: GUEST_MEMORY_MIB });
    this.domain = this.domains[0]!;
  }

  get cpu(): Cpu {
    return this.domain.vcpus[0]!.cpu;
  }

  get mem(): PhysMemory {
    return this.xen.mem;
  }

  get ended(): boolean {
    return this.domains.every((d) => d.shutdownReason >= 0) || this.xen.panicReport !== null;
  }

  get state(): string {
    return this.domain.state;
  }

  get outcome(): string {
    if (this.xen.panicReport !== null) return this.xen.panicReport.join('\n');
    const reason = this.domain.shutdownReason;
    return reason >= 0 ? shutdownName(reason) : '';
  }

  /**
   * Runs the domains. With a trace listener (a console on the page), each vCPU's CPU calls a hook
   * before every instruction, which traces an exception Xen bounced to the guest as its handler
   * begins; without one (`xenlab run`, the book's build-time screens) nothing is hooked.
   */
  run(fuel: number): boolean {
    if (this.listeners.trace !== undefined) {
      for (const d of this.domains) {
        for (const v of d.vcpus) v.cpu.trace ??= () => this.traceBounce(v);
      }
    }
    return this.runDomains(fuel);
  }

  private runDomains(fuel: number): boolean {
    const result = runDomains(this.xen, fuel);
    this.instructions += result.instructions;
    return result.outcome === RunOutcome.FuelExhausted;
  }

  /** Traces the exception `v` was just sent to its handler for, if its EIP is at one. */
  private traceBounce(v: Vcpu): void {
    const cpu = v.cpu;
    const last = this.lastEip.get(v) ?? -1;
    this.lastEip.set(v, cpu.eip);
    // Only the first instruction of the handler, and not a jump there from the handler itself.
    if (last === cpu.eip) return;
    const vector = trapHandlers(v).findIndex((t) => t !== undefined && t.address === cpu.eip);
    if (vector < 0) return;
    let detail = '';
    if (cpu.exitVector === vector && cpu.exitHasErrorCode) {
      detail = `, error code ${hex(cpu.exitErrorCode, 4)}`;
      if (vector === VEC_PF) detail += `, CR2 ${hex(cpu.cr2)}`;
    }
    this.listeners.trace?.(
      `trap: d${v.domain.domid} ${vectorName(vector)} bounced to its handler at ${hex(cpu.eip)}${detail}`,
    );
  }

  /** Keys typed at the console reach the guest's console ring, as `xl console` sends them. */
  type(text: string): void {
    this.toolstack.type?.(this.domain, text);
  }

  physical(linear: number): number {
    return translateForHost(this.cpu, linear >>> 0, false);
  }
}

/**
 * A chapter-1 guest on the classic trap-and-emulate monitor of solutions/monitor: on the bare
 * machine, deprivileged as it is, or rewritten (`xenlab run` runs them the same way).
 */
export class MonitorSession implements GuestSession {
  readonly name: string;
  readonly vm: Vm;
  readonly budget = GUEST_FUEL;
  readonly debug: DebugInfo;
  private readonly listeners: SessionListeners;
  /** Console characters already passed on, timer ticks already traced, each mnemonic's traps. */
  private shown = 0;
  private ticks = 0;
  private readonly traps = new Map<string, number>();

  constructor(
    guest: GuestInfo,
    mode: MonitorMode,
    files: Record<string, string>,
    listeners: SessionListeners,
  ) {
    this.name = guest.name;
    this.listeners = listeners;
    this.debug = debugInfo(guest.main, files, 'bin');
    const program = buildProgram(guest.main, files);
    const { image, patches } =
      mode === 'rewrite' ? rewriteProgram(program) : { image: program.image, patches: undefined };
    const ring = mode === 'bare' ? 0 : 1;
    this.vm = createVm(image, { ring, patches, timerPeriod: GUEST_TIMER_PERIOD });
  }

  get cpu(): Cpu {
    return this.vm.cpu;
  }

  get mem(): PhysMemory {
    return this.vm.cpu.mem;
  }

  get instructions(): number {
    return this.vm.cpu.instructions;
  }

  get ended(): boolean {
    return this.vm.stopped !== undefined;
  }

  get state(): string {
    return this.vm.stopped === undefined
      ? 'running'
      : this.vm.stopped === HALTED
        ? 'halted'
        : 'stopped';
  }

  get outcome(): string {
    return this.vm.stopped ?? '';
  }

  run(fuel: number): boolean {
    runVm(this.vm, fuel);
    const text = this.vm.console.slice(this.shown);
    this.shown = this.vm.console.length;
    if (text !== '') this.listeners.output?.(Uint8Array.from(text, (c) => c.charCodeAt(0)));
    for (const [mnemonic, count] of this.vm.trapCounts) {
      const before = this.traps.get(mnemonic) ?? 0;
      if (count > before)
        this.listeners.trace?.(`trapped and emulated: ${mnemonic} ×${count - before}`);
      this.traps.set(mnemonic, count);
    }
    if (this.vm.ticks > this.ticks) {
      this.listeners.trace?.(`timer interrupt delivered ×${this.vm.ticks - this.ticks}`);
      this.ticks = this.vm.ticks;
    }
    if (this.ended && this.vm.stopped !== HALTED) {
      this.listeners.output?.(hostLine('xenlab run: ', this.vm.stopped!));
    }
    return !this.ended;
  }

  /** The monitor's guests have no input device. */
  type(): void {}

  /** The guest's segments start at 0 and end at GUEST_SIZE; paging is off. */
  physical(linear: number): number {
    return linear < GUEST_SIZE ? linear : -1;
  }
}

/** The guest's exception handlers by vector (set_trap_table), empty before it registers any. */
function trapHandlers(v: Vcpu): readonly (TrapInfo | undefined)[] {
  return pvTraps === undefined ? [] : pvTraps(v).table;
}

/** `bytes` of domain `domid`'s console with `(dN) ` at the start of each of its lines. */
function prefixLines(domid: number, bytes: Uint8Array, atLineStart: Map<number, boolean>) {
  const out: number[] = [];
  let start = atLineStart.get(domid) ?? true;
  for (const b of bytes) {
    if (start) out.push(...encoder.encode(`(d${domid}) `));
    out.push(b);
    start = b === 10;
  }
  atLineStart.set(domid, start);
  return Uint8Array.from(out);
}

/** Starts guest `name` on what its chapter runs it on. */
export function startGuest(
  name: string,
  files: Record<string, string>,
  listeners: SessionListeners = {},
): GuestSession {
  const guest = GUESTS.find((g) => g.name === name);
  if (guest === undefined) {
    throw new UnknownGuestError(`no guest "${name}" (guests: ${guestNames().join(', ')})`);
  }
  if (guest.monitor !== undefined)
    return new MonitorSession(guest, guest.monitor, files, listeners);
  return new PvSession(guest, files, listeners);
}
