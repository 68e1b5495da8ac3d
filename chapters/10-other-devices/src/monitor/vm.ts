// Your working copy for chapter 10, generated from solutions/monitor/vm.ts by npx xenlab stage.
// A classic trap-and-emulate virtual machine monitor for one flat 32-bit guest: book §1.1,
// §1.3–1.5. The guest runs deprivileged (ring 1 or 3) on the real CPU; every trap to ring 0
// comes back to this TypeScript monitor, which emulates the instruction against the guest's
// virtual CPU (emulate.ts) and resumes it. Ring 0 runs the same guest on the bare machine.
//
// Physical memory (the guest's segments end at GUEST_SIZE, so it cannot reach the host's tables):
//
//   0x00000 ┌──────────────────────────┐  guest code, data and stack (ESP starts at the top)
//           │ guest: offset = physical │  code and data segments: base 0, limit GUEST_SIZE - 1
//   0x10000 ├──────────────────────────┤
//           │ host GDT (8 descriptors) │  real GDTR
//   0x10800 │ host IDT (256 gates)     │  real IDTR: only vector 3 (INT3) present, DPL 3
//           └──────────────────────────┘
//
// The virtual timer: every `timerPeriod` guest instructions a tick becomes pending; it is
// delivered as vector TIMER_VECTOR through the guest's own IDT the next time the monitor has
// control (a trap, or the end of a period) with the guest's interrupt flag set (its virtual
// IF, or the real one on the bare machine). Ticks that fall due meanwhile count as one.

import {
  Cpu,
  CR0_ET,
  CR0_PE,
  CR0_TS,
  CS,
  disassembleOne,
  EAX,
  ESP,
  ExitReason,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_RF,
  FLAG_VM,
  getEflags,
  HostMode,
  type IoBus,
  loadSegmentCache,
  PhysMemory,
  resetCpu,
  run,
  setEflags,
  TYPE_INT_GATE32,
  TYPE_TRAP_GATE32,
  VEC_BP,
  VEC_GP,
  writeDescriptor,
  writeGate,
} from '../../../../sim/host.ts';
import { emulate } from './emulate.ts';
import type { Patch } from './rewrite.ts';

/** The guest's memory: physical 0 up to here; its segments' limit is GUEST_SIZE - 1. */
export const GUEST_SIZE = 0x10000;
export const HOST_GDT = 0x10000;
export const HOST_GDT_LIMIT = 8 * 8 - 1;
export const HOST_IDT = 0x10800;
export const HOST_IDT_LIMIT = 256 * 8 - 1;
const MEMORY_BYTES = 0x20000;
/** The ring-0 code segment the INT3 gate names: reaching it is an exit to the monitor. */
const SEL_HOST_CODE = 0x08;
/** The debug console port (Bochs and QEMU's port E9): the guest's only output device. */
export const CONSOLE_PORT = 0xe9;
/** The vector of the virtual timer interrupt (the first one after the 32 exceptions). */
export const TIMER_VECTOR = 0x20;
/** CR0 as the guest believes it: protected mode, nothing else. */
export const GUEST_CR0 = CR0_PE | CR0_ET;

export type Ring = 0 | 1 | 3;

/** The guest's code and data selectors in each ring it may run in (GDT entries 2–7). */
const GUEST_SELECTORS: Record<Ring, { code: number; data: number }> = {
  0: { code: 0x10, data: 0x18 },
  1: { code: 0x21, data: 0x29 },
  3: { code: 0x33, data: 0x3b },
};

/** What the guest believes about the privileged state the real CPU keeps for the monitor. */
export interface VirtualCpu {
  interruptFlag: boolean;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  ldtr: number;
  tr: number;
  cr0: number;
}

/** How a guest runs: on the bare machine, deprivileged as it is, or deprivileged and rewritten. */
export type MonitorMode = 'bare' | 'trap' | 'rewrite';

export interface VmOptions {
  /** Ring 0: the bare machine (nothing traps); 1 or 3: under the monitor. */
  ring: Ring;
  /** Patch sites of a rewritten guest (rewrite.ts); none for an unmodified one. */
  patches?: Map<number, Patch>;
  /** Guest instructions between two timer ticks; 0 for no timer. */
  timerPeriod?: number;
}

export interface Vm {
  readonly cpu: Cpu;
  readonly ring: Ring;
  readonly v: VirtualCpu;
  readonly patches: Map<number, Patch>;
  /** Everything the guest wrote to the console port. */
  console: string;
  /** Why the guest stopped ('halted' after HLT), or undefined while it can run. */
  stopped: string | undefined;
  /** How often each instruction trapped to the monitor, by mnemonic. */
  readonly trapCounts: Map<string, number>;
  readonly timerPeriod: number;
  nextTick: number;
  tickPending: boolean;
  /** Timer interrupts delivered to the guest. */
  ticks: number;
}

export const HALTED = 'halted';

/** An instruction the monitor is asked to emulate: a trapping one, or a patch site's original. */
export interface TrappedInstruction {
  address: number;
  bytes: Uint8Array;
  /** The disassembled text, e.g. `popf`, `sgdt [0x40]`. */
  text: string;
  mnemonic: string;
}

/** A guest mistake found while emulating (an address outside its memory): it stops the guest. */
export class GuestFault extends Error {
  override name = 'GuestFault';
}

/** A machine with the guest `image` loaded at 0, about to run its first byte in `ring`. */
export function createVm(image: Uint8Array, options: VmOptions): Vm {
  if (image.length > GUEST_SIZE) throw new RangeError(`createVm: image of ${image.length} bytes`);
  const cpu = new Cpu(new PhysMemory(MEMORY_BYTES));
  resetCpu(cpu);
  cpu.mem.writeBytes(0, image);
  writeHostTables(cpu);
  const { ring } = options;
  const selectors = GUEST_SELECTORS[ring];
  cpu.cpl = ring;
  for (let seg = 0; seg < 6; seg++) {
    const selector = seg === CS ? selectors.code : selectors.data;
    const at = HOST_GDT + (selector & ~7);
    loadSegmentCache(cpu, seg, selector, { lo: cpu.mem.read32(at), hi: cpu.mem.read32(at + 4) });
  }
  // The host keeps interrupts on and CR0.TS set (it switches FPU state lazily), whatever the
  // guest believes; on the bare machine the real registers are the guest's own.
  cpu.cr0 = ring === 0 ? GUEST_CR0 : GUEST_CR0 | CR0_TS;
  setEflags(cpu, ring === 0 ? 0 : FLAG_IF, 0xffffffff);
  cpu.hostMode = HostMode.Pv;
  cpu.reg32[ESP] = GUEST_SIZE;
  cpu.eip = 0;
  const vm: Vm = {
    cpu,
    ring,
    v: {
      interruptFlag: false,
      gdtr: { base: HOST_GDT, limit: HOST_GDT_LIMIT },
      idtr: { base: HOST_IDT, limit: HOST_IDT_LIMIT },
      ldtr: 0,
      tr: 0,
      cr0: GUEST_CR0,
    },
    patches: options.patches ?? new Map(),
    console: '',
    stopped: undefined,
    trapCounts: new Map(),
    timerPeriod: options.timerPeriod ?? 0,
    nextTick: options.timerPeriod ?? 0,
    tickPending: false,
    ticks: 0,
  };
  cpu.io = consolePort(vm);
  return vm;
}

/** The host's GDT (a flat ring-0 code segment, the guest's segments per ring) and IDT. */
function writeHostTables(cpu: Cpu): void {
  const mem = cpu.mem;
  writeDescriptor(mem, HOST_GDT + SEL_HOST_CODE, 0, 0xffffffff, 0x9b, 0xc);
  for (const ring of [0, 1, 3] as const) {
    const { code, data } = GUEST_SELECTORS[ring];
    const dpl = ring << 5;
    writeDescriptor(mem, HOST_GDT + (code & ~7), 0, GUEST_SIZE - 1, 0x9b | dpl, 0x4);
    writeDescriptor(mem, HOST_GDT + (data & ~7), 0, GUEST_SIZE - 1, 0x93 | dpl, 0x4);
  }
  cpu.gdtBase = HOST_GDT;
  cpu.gdtLimit = HOST_GDT_LIMIT;
  // INT3 from any ring through a gate to ring 0: the exit that brings a patch site to us.
  writeGate(mem, HOST_IDT + VEC_BP * 8, SEL_HOST_CODE, 0, TYPE_TRAP_GATE32, 3);
  cpu.idtBase = HOST_IDT;
  cpu.idtLimit = HOST_IDT_LIMIT;
}

/** Port I/O the guest does without trapping (on the bare machine): the console, nothing else. */
function consolePort(vm: Vm): IoBus {
  return {
    read: (_port, size) => (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1),
    write: (port, _size, value) => consoleWrite(vm, port, value),
  };
}

/** A byte written to `port`: the console keeps it, any other port ignores it. */
export function consoleWrite(vm: Vm, port: number, value: number): void {
  if (port === CONSOLE_PORT) vm.console += String.fromCharCode(value & 0xff);
}

/**
 * Runs the guest for at most `fuel` instructions, or until it stops (vm.stopped says why).
 * Each exit is a trap the monitor handles before resuming: a patch site (INT3), a privileged
 * instruction (#GP), or the end of a timer period.
 */
export function runVm(vm: Vm, fuel: number): void {
  const { cpu } = vm;
  const end = cpu.instructions + fuel;
  while (vm.stopped === undefined && cpu.instructions < end) {
    if (vm.tickPending && interruptsEnabled(vm)) deliverInterrupt(vm, TIMER_VECTOR);
    if (vm.stopped !== undefined) break;
    const until = vm.timerPeriod > 0 ? Math.min(end, vm.nextTick) : end;
    const exit = run(cpu, Math.max(until - cpu.instructions, 1));
    if (vm.timerPeriod > 0 && cpu.instructions >= vm.nextTick) {
      vm.tickPending = true;
      vm.nextTick += vm.timerPeriod;
    }
    if (exit !== ExitReason.Fuel) handleExit(vm, exit);
  }
}

function handleExit(vm: Vm, exit: ExitReason): void {
  const { cpu } = vm;
  if (exit === ExitReason.Hlt) {
    vm.stopped = HALTED;
    return;
  }
  if (exit !== ExitReason.HostTrap) {
    vm.stopped = `unexpected exit ${ExitReason[exit]} at ${hex(cpu.eip)}`;
    return;
  }
  const insn = trappedInstruction(vm);
  if (insn === undefined) {
    const code = cpu.exitHasErrorCode ? ` error ${hex(cpu.exitErrorCode)}` : '';
    vm.stopped = `guest fault: vector ${cpu.exitVector}${code} at ${hex(cpu.eip)}`;
    return;
  }
  vm.trapCounts.set(insn.mnemonic, (vm.trapCounts.get(insn.mnemonic) ?? 0) + 1);
  cpu.eip = insn.address + insn.bytes.length;
  try {
    if (!emulate(vm, insn)) vm.stopped = `cannot emulate '${insn.text}' at ${hex(insn.address)}`;
  } catch (e) {
    if (!(e instanceof GuestFault)) throw e;
    vm.stopped = `guest fault: ${e.message} in '${insn.text}' at ${hex(insn.address)}`;
  }
  if (vm.stopped !== undefined) cpu.eip = insn.address;
}

/**
 * The instruction behind a host trap: the original of a patch site (INT3 leaves EIP after
 * itself), or the privileged instruction a #GP(0) stopped at; undefined for any other fault.
 */
function trappedInstruction(vm: Vm): TrappedInstruction | undefined {
  const { cpu } = vm;
  if (cpu.exitVector === VEC_BP && cpu.exitSoftware) {
    const patch = vm.patches.get(cpu.eip - 1);
    if (patch === undefined) return undefined;
    return {
      address: patch.address,
      bytes: patch.bytes,
      text: patch.text,
      mnemonic: mnemonic(patch.text),
    };
  }
  if (cpu.exitVector !== VEC_GP || cpu.exitErrorCode !== 0 || cpu.eip >= GUEST_SIZE) {
    return undefined;
  }
  const window = cpu.mem.ram.subarray(cpu.eip, Math.min(cpu.eip + 15, GUEST_SIZE));
  const line = disassembleOne(window, 0, { bits: 32, org: cpu.eip });
  return {
    address: line.address,
    bytes: line.bytes,
    text: line.text,
    mnemonic: mnemonic(line.text),
  };
}

function mnemonic(text: string): string {
  return text.split(' ')[0]!;
}

/** Is the guest's interrupt flag set? Its virtual one under the monitor, the real one bare. */
export function interruptsEnabled(vm: Vm): boolean {
  return vm.ring === 0 ? (getEflags(vm.cpu) & FLAG_IF) !== 0 : vm.v.interruptFlag;
}

/**
 * Delivers interrupt `vector` through the guest's IDT as the CPU would to a handler in the
 * guest's own ring: push EFLAGS (with the guest's IF), CS and EIP, clear IF for an interrupt
 * gate, jump. Under the monitor the guest's IDT is its virtual IDTR; bare, the real one.
 */
export function deliverInterrupt(vm: Vm, vector: number): void {
  const { cpu } = vm;
  const idtr = vm.ring === 0 ? { base: cpu.idtBase, limit: cpu.idtLimit } : vm.v.idtr;
  const gate = idtr.base + vector * 8;
  if (vector * 8 + 7 > idtr.limit || gate + 8 > GUEST_SIZE) {
    vm.stopped = `interrupt ${hex(vector)}: no gate in the guest's IDT at ${hex(idtr.base)}`;
    return;
  }
  const lo = cpu.mem.read32(gate);
  const hi = cpu.mem.read32(gate + 4);
  const type = (hi >>> 8) & 0x1f;
  if ((hi & 0x8000) === 0 || (type !== TYPE_INT_GATE32 && type !== TYPE_TRAP_GATE32)) {
    vm.stopped = `interrupt ${hex(vector)}: the guest's gate is not a present 32-bit gate`;
    return;
  }
  guestPush(vm, flagsImage(vm));
  guestPush(vm, cpu.segSelector[CS]!);
  guestPush(vm, cpu.eip);
  if (type === TYPE_INT_GATE32) setInterruptFlag(vm, false);
  cpu.eip = ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0;
  vm.tickPending = false;
  vm.ticks++;
}

/** EFLAGS as the guest should see it: the real flags with the guest's own IF, IOPL 0. */
export function flagsImage(vm: Vm): number {
  const real = getEflags(vm.cpu) & ~(FLAG_VM | FLAG_RF);
  if (vm.ring === 0) return real;
  return (real & ~(FLAG_IF | FLAG_IOPL)) | (vm.v.interruptFlag ? FLAG_IF : 0);
}

export function setInterruptFlag(vm: Vm, on: boolean): void {
  if (vm.ring === 0) setEflags(vm.cpu, on ? FLAG_IF : 0, FLAG_IF);
  else vm.v.interruptFlag = on;
}

// --- Guest memory, as the guest's flat segments (base 0, limit GUEST_SIZE - 1) see it.

function checkGuest(offset: number, size: number): number {
  const at = offset >>> 0;
  if (at + size > GUEST_SIZE) throw new GuestFault(`address ${hex(at)} outside the guest`);
  return at;
}
export function guestRead16(vm: Vm, offset: number): number {
  return vm.cpu.mem.read16(checkGuest(offset, 2));
}
export function guestRead32(vm: Vm, offset: number): number {
  return vm.cpu.mem.read32(checkGuest(offset, 4));
}
export function guestWrite16(vm: Vm, offset: number, value: number): void {
  vm.cpu.mem.write16(checkGuest(offset, 2), value);
}
export function guestWrite32(vm: Vm, offset: number, value: number): void {
  vm.cpu.mem.write32(checkGuest(offset, 4), value);
}
export function guestPush(vm: Vm, value: number): void {
  const esp = (vm.cpu.reg32[ESP]! - 4) >>> 0;
  guestWrite32(vm, esp, value);
  vm.cpu.reg32[ESP] = esp;
}
export function guestPop(vm: Vm): number {
  const esp = vm.cpu.reg32[ESP]! >>> 0;
  const value = guestRead32(vm, esp);
  vm.cpu.reg32[ESP] = esp + 4;
  return value;
}

export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
}

/** EAX … EDI, as the guest left them (for comparing runs). */
export function guestRegisters(vm: Vm): number[] {
  return Array.from(vm.cpu.reg32.subarray(EAX, EAX + 8), (r) => r >>> 0);
}
