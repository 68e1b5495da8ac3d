// The machine (docs/architecture.md §6): several pCPUs sharing one PhysMemory, an I/O port bus
// with the debug console, a virtual clock driven by executed instructions, and an event queue.
// Xen's counterparts: the physical machine its scheduler and timers run on.
//
// Virtual time. One retired instruction is one virtual nanosecond (NS_PER_INSTRUCTION), and the
// TSC ticks once per instruction: TSC_HZ = 1 GHz. The CPUs run in round-robin slices on one
// thread: every slice ends at the same virtual time for all of them (at most SLICE_NS, cut short
// by the next event deadline or the end of the fuel), a CPU that halts or stops early is idle for
// the rest of its slice, and due events fire between slices, in (deadline, scheduling order).
// So each CPU's TSC (B's rdtsc: cpu.tscOffset + cpu.instructions) equals the machine clock at
// every slice boundary: the machine adds idle time to tscOffset, and a guest's own TSC writes
// (which move tscOffset) are kept.
//
// Exits. run(fuel) returns the first exit a CPU reports (ExitReason from cpu.ts), with the CPU
// in `exitCpu`; calling run() again resumes exactly where it stopped (the rest of that CPU's
// slice, then the others). HLT marks the CPU halted until wake(). Port I/O goes to the
// machine's PortBus (cpu.io), which holds the debug console at 0xE9; ports the host claims in
// cpu.hostPorts exit to the host instead (protocol in cpu.ts).

import { Cpu, CR0_PE, CS, ExitReason } from './cpu/cpu.ts';
import { fpuReset } from './cpu/fpu.ts';
import { run as runCpu } from './cpu/run.ts';
import { resetCpu } from './cpu/system.ts';
import { DEBUG_CONSOLE_PORT, DebugConsole } from './devices/debug-console.ts';
import { EventQueue } from './devices/events.ts';
import { PortBus, type PortDevice } from './devices/ports.ts';
import { DeadlineTimer } from './devices/timer.ts';
import { PhysMemory } from './memory/memory.ts';

/**
 * Puts `cpu` in 32-bit protected mode with flat 4 GiB code and data segments (base 0, G=1, D=1)
 * at privilege `cpl`, without a GDT: the descriptor caches are filled directly, as a loader
 * or the host does before the first instruction. Paging stays as it is.
 */
export function enterFlatProtectedMode(cpu: Cpu, cpl = 0): void {
  const dpl = cpl << 5;
  for (let s = 0; s < 6; s++) {
    cpu.segSelector[s] = (s === CS ? 0x08 : 0x10) | cpl;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffffffff;
    cpu.segAccess[s] = (s === CS ? 0xcf9b : 0xcf93) | dpl;
  }
  cpu.cr0 |= CR0_PE;
  cpu.cpl = cpl;
}

/** Virtual nanoseconds per retired instruction. */
export const NS_PER_INSTRUCTION = 1;
/** TSC frequency: one tick per instruction, so one tick per virtual nanosecond. */
export const TSC_HZ = 1_000_000_000;
/** Longest round-robin slice, in virtual ns: short enough for fair interleaving, long enough
 * that the per-slice bookkeeping is noise next to the instructions. */
export const SLICE_NS = 10_000;

export interface MachineConfig {
  /** RAM size in bytes (a multiple of 4 KiB). */
  memoryBytes: number;
  /** Number of pCPUs (default 1). */
  cpus?: number;
  /** Slice length in virtual ns (default SLICE_NS). */
  sliceNs?: number;
  /** The CPU interpreter; tests may substitute a stand-in (default: sim/cpu/run.ts). */
  runCpu?: (cpu: Cpu, fuel: number) => ExitReason;
}

export class Machine {
  readonly mem: PhysMemory;
  readonly cpus: readonly Cpu[];
  readonly events = new EventQueue();
  readonly ports = new PortBus();
  readonly debugConsole = new DebugConsole();
  /** One deadline timer per CPU; the host installs what expiry does via onTimer. */
  readonly timers: readonly DeadlineTimer[];
  /** Called when CPU `index`'s deadline timer expires (default: wake the CPU). */
  onTimer: (index: number, now: number) => void = (index) => this.wake(index);
  /** 1 for a CPU that executed HLT and has not been woken. */
  readonly halted: Uint8Array;
  /** The CPU whose exit run() returned last. */
  exitCpu = -1;

  private readonly sliceNs: number;
  private readonly runCpu: (cpu: Cpu, fuel: number) => ExitReason;
  /** Start of the current slice (the machine clock, in virtual ns). */
  private clock = 0;
  /** End of the slice in progress, or -1 between slices. */
  private sliceEnd = -1;
  /** The next CPU to run within the slice in progress. */
  private cursor = 0;
  /** Virtual time each CPU has reached within the slice in progress. */
  private readonly cpuTime: Float64Array;

  constructor(config: MachineConfig) {
    const count = config.cpus ?? 1;
    if (!(count >= 1 && count <= 64)) throw new RangeError(`Machine: ${count} CPUs (1–64)`);
    this.mem = new PhysMemory(config.memoryBytes);
    this.sliceNs = config.sliceNs ?? SLICE_NS;
    this.runCpu = config.runCpu ?? runCpu;
    const cpus: Cpu[] = [];
    const timers: DeadlineTimer[] = [];
    for (let i = 0; i < count; i++) {
      const cpu = new Cpu(this.mem);
      resetCpu(cpu);
      fpuReset(cpu);
      cpu.io = this.ports;
      cpus.push(cpu);
      timers.push(new DeadlineTimer(this.events, (now) => this.onTimer(i, now)));
    }
    this.cpus = cpus;
    this.timers = timers;
    this.halted = new Uint8Array(count);
    this.cpuTime = new Float64Array(count);
    this.attachPorts(DEBUG_CONSOLE_PORT, 1, this.debugConsole);
  }

  /** The machine clock in virtual ns: the start of the slice in progress, or the time reached. */
  now(): number {
    return this.clock;
  }

  /** CPU `index`'s own virtual time: the clock plus what it has run of the current slice. */
  cpuNow(index: number): number {
    return this.sliceEnd < 0 ? this.clock : this.cpuTime[index]!;
  }

  /** CPU `index`'s time-stamp counter, as RDTSC reads it. */
  tsc(index: number): number {
    const cpu = this.cpus[index]!;
    return cpu.tscOffset + cpu.instructions;
  }

  /** Lets a halted CPU run again (an interrupt, an event, the host's scheduler). */
  wake(index: number): void {
    this.halted[index] = 0;
  }

  /** Gives I/O ports [first, first+count) to a device on the machine's port bus. */
  attachPorts(first: number, count: number, device: PortDevice): void {
    this.ports.register(first, count, device);
  }

  /**
   * Runs for at most `fuel` virtual ns from where the machine stands (each CPU retires at most
   * that many instructions; when resuming inside a slice, counted from the resuming CPU's time)
   * or until a CPU exits. Returns ExitReason.Fuel when the time is used up (also when every CPU
   * is halted: idle time passes to the next event), else the exit, with the CPU in exitCpu.
   */
  run(fuel: number): ExitReason {
    const start = this.sliceEnd < 0 ? this.clock : this.cpuTime[this.cursor]!;
    const stopAt = start + fuel;
    for (;;) {
      if (this.sliceEnd < 0) {
        this.events.fireDue(this.clock);
        if (this.clock >= stopAt) return ExitReason.Fuel;
        this.beginSlice(stopAt);
      }
      const exit = this.runSlice(stopAt);
      if (exit !== ExitReason.Fuel) return exit;
      // The fuel ran out inside a slice that began in an earlier call: resume it next time.
      if (this.cursor < this.cpus.length) return ExitReason.Fuel;
      this.clock = this.sliceEnd;
      this.sliceEnd = -1;
    }
  }

  private beginSlice(stopAt: number): void {
    let end = Math.min(this.clock + this.sliceNs, stopAt, this.events.nextDeadline());
    // With every CPU halted, nothing happens until the next event: skip to it.
    if (this.allHalted()) end = Math.min(stopAt, this.events.nextDeadline());
    this.sliceEnd = Math.max(end, this.clock + 1);
    this.cpuTime.fill(this.clock);
    this.cursor = 0;
  }

  private allHalted(): boolean {
    for (let i = 0; i < this.halted.length; i++) if (this.halted[i] === 0) return false;
    return true;
  }

  /**
   * Runs the CPUs from the cursor to the end of the slice, none beyond `stopAt`; returns the
   * first exit, or Fuel (with the cursor on the CPU that ran out, if it did not finish).
   */
  private runSlice(stopAt: number): ExitReason {
    const end = this.sliceEnd;
    const limit = Math.min(end, stopAt);
    while (this.cursor < this.cpus.length) {
      const index = this.cursor;
      const cpu = this.cpus[index]!;
      let stuck = false;
      while (this.halted[index] === 0 && this.cpuTime[index]! < limit) {
        const before = cpu.instructions;
        const exit = this.runCpu(cpu, limit - this.cpuTime[index]!);
        const ran = cpu.instructions - before;
        this.cpuTime[index]! += ran * NS_PER_INSTRUCTION;
        // A CPU that returns Fuel without progress cannot use its slice: treat it as idle.
        if (exit === ExitReason.Fuel && ran === 0) {
          stuck = true;
          break;
        }
        if (exit === ExitReason.Fuel) continue;
        if (exit === ExitReason.Hlt) this.halted[index] = 1;
        this.exitCpu = index;
        return exit;
      }
      if (this.halted[index] === 0 && !stuck && this.cpuTime[index]! < end) return ExitReason.Fuel;
      // Idle for the rest of the slice: the TSC keeps counting virtual time.
      cpu.tscOffset += end - this.cpuTime[index]!;
      this.cpuTime[index] = end;
      this.cursor++;
    }
    return ExitReason.Fuel;
  }
}
