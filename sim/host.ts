// The emulated machine as its host sees it: the one module through which everything outside sim/
// (the hypervisor in solutions/, the grader, the book's site, the tests, the benchmarks) reaches
// it. Intel SDM vol. 3A for the state.
//
// The host is what Xen is on hardware. It owns physical memory; it runs a vCPU on the CPU until
// the guest does something ring 0 must handle, and gets that back as an exit (run() returns an
// ExitReason; for a transfer to ring 0, ExitReason.HostTrap, the CPU's exit fields say which
// vector, with which error code, and whether INT n raised it); it reads and changes the vCPU's
// registers; it walks the guest's page tables as the MMU would; and it keeps the TLB coherent
// with the page tables it edits. Everything the CPU modules beside this one do per instruction
// (decoding, lazy flags, the fault token, the decoded blocks) stays behind it.
//
// Register state is read and written in place on the Cpu: `reg32[EAX]`, `eip`, the segment
// caches `segSelector/segBase/segLimit/segAccess[ES…GS, LDTR, TR]`, `cr0…cr4`, `efer`,
// `gdtBase/gdtLimit`, `idtBase/idtLimit`, `cpl`, `tscOffset`, `instructions` (retired so far),
// the host's own `hostMode`, `hostPorts`, `io` and `trace`, and after an exit `exitVector`,
// `exitErrorCode`, `exitHasErrorCode`, `exitSoftware` and the `exitPort…` fields. EFLAGS only
// through getEflags/setEflags. The Cpu's other fields belong to the interpreter.

import { type Cpu, EAX, EBX, ECX, EDX } from './cpu/cpu.ts';
import { decodeEa32At } from './cpu/decode.ts';
import { FAULT } from './cpu/fault.ts';
import { fpuReset } from './cpu/fpu.ts';
import { cpuid } from './cpu/instructions/privileged.ts';
import {
  descBase,
  descHi,
  descLo,
  fetchDescriptor,
  loadSegment as loadSegmentRegister,
  setCache,
} from './cpu/segments.ts';
import { writeCr as moveToCr, resetCpu as resetRegisters } from './cpu/system.ts';

// --- The CPU's state and the architectural names for its parts.
export {
  Cpu,
  CR0_ET,
  CR0_MP,
  CR0_NE,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR0_WP,
  CR4_OSFXSR,
  CR4_PAE,
  CS,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  EFER_NXE,
  ES,
  ESI,
  ESP,
  FLAG_AC,
  FLAG_DF,
  FLAG_ID,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  FS,
  GS,
  LDTR,
  SS,
  TR,
  VEC_BP,
  VEC_DB,
  VEC_GP,
  VEC_NM,
  VEC_OF,
  VEC_PF,
  VEC_UD,
} from './cpu/cpu.ts';
export { getEflags, setEflags } from './cpu/flags.ts';

/**
 * Power-on state (SDM vol. 3A §9.1.1): real mode at F000:FFF0, registers zeroed, the TLB
 * empty, the x87/SSE state as after RESET. A builder starts every new vCPU from here.
 */
export function resetCpu(cpu: Cpu): void {
  resetRegisters(cpu);
  fpuReset(cpu);
}

/**
 * MOV CRn as the CPU does it: CR3 and paging-mode changes in CR0/CR4 flush the TLB as they
 * must. A value the CPU would refuse with #GP is a host bug: it throws a RangeError.
 */
export function writeCr(cpu: Cpu, n: 0 | 2 | 3 | 4, value: number): void {
  try {
    moveToCr(cpu, n, value);
  } catch (e) {
    if (e === FAULT) throw new RangeError(`writeCr: CR${n} cannot hold ${value >>> 0}`);
    throw e;
  }
}

/** One CPUID answer: EAX, EBX, ECX, EDX. */
export interface CpuidLeaf {
  a: number;
  b: number;
  c: number;
  d: number;
}

/**
 * What CPUID answers on this CPU for `leaf` (EAX) and `subleaf` (ECX), as the instruction
 * would, leaving the registers as they were: the host reading the hardware it runs on.
 */
export function hostCpuid(cpu: Cpu, leaf: number, subleaf: number): CpuidLeaf {
  const saved = [cpu.reg32[EAX]!, cpu.reg32[EBX]!, cpu.reg32[ECX]!, cpu.reg32[EDX]!];
  cpu.reg32[EAX] = leaf;
  cpu.reg32[ECX] = subleaf;
  cpuid(cpu);
  const r = cpu.reg32;
  const out = { a: r[EAX]! >>> 0, b: r[EBX]! >>> 0, c: r[ECX]! >>> 0, d: r[EDX]! >>> 0 };
  [r[EAX], r[EBX], r[ECX], r[EDX]] = saved;
  return out;
}

// --- Running a vCPU, and what its exits report.
export { ExitReason, HostMode, type IoBus } from './cpu/cpu.ts';
export { PF_P, PF_U, PF_W } from './cpu/paging.ts';
export { run } from './cpu/run.ts';

/**
 * The address of the instruction behind the last HostTrap exit: a fault leaves EIP on the
 * faulting instruction (it restarts), INT n/INT3/INTO leave it after theirs.
 */
export function trapInstructionAddress(cpu: Cpu): number {
  return cpu.exitSoftware ? cpu.instrStart : cpu.eip;
}

// --- The x86-TSO store buffer (book §6.3.2; sim/cpu/store-buffer.ts): off by default. With it
// on, a vCPU's stores wait in a FIFO that drains at seeded points, at fences and at every exit;
// the host, reading PhysMemory, sees only what has drained.
export { type StoreBufferConfig, setStoreBuffer } from './cpu/store-buffer.ts';

/**
 * Makes every store `cpu` has buffered visible to the host and the other CPUs. Exits drain the
 * buffer already; the host calls this where it diverts a vCPU it did not stop with an exit (an
 * event upcall after a slice ran out, a vCPU taken off its CPU), which hardware would do only
 * through an interrupt or a VM exit.
 */
export function drainStoreBuffer(cpu: Cpu): void {
  cpu.storeBuffer?.drain();
}

/** How many stores `cpu` holds in its store buffer (0 without one). */
export function bufferedStores(cpu: Cpu): number {
  return cpu.storeBuffer?.count ?? 0;
}

// --- The guest's page tables seen from the host, and the TLB the host must keep coherent:
// translateForHost(cpu, linear, write) walks CR3's tables as a supervisor access with WP set
// (the physical address, or -1); flushTlb(cpu, keepGlobal) and invalidatePage(cpu, linear)
// are the host's CR3 reload and INVLPG after it changes an entry the TLB may hold.
export { flushTlb, invalidatePage, translateForHost } from './cpu/paging.ts';

// --- Physical memory: machine RAM in 4 KiB frames.
export { PAGE_SIZE, PhysMemory } from './memory/memory.ts';

// --- Segment descriptors: the host reads them as the CPU would, and writes its own tables.

/** A segment descriptor's two little-endian dwords (Xen's seg_desc_t: a is `lo`, b is `hi`). */
export interface Descriptor {
  lo: number;
  hi: number;
}

/**
 * The descriptor `selector` names, read from the GDT or LDT as the CPU would read it (a
 * supervisor access through the guest's page tables), or null when the selector lies outside
 * its table, the LDT is unusable, or the table's page cannot be read.
 */
export function readDescriptor(cpu: Cpu, selector: number): Descriptor | null {
  try {
    return fetchDescriptor(cpu, selector) ? { lo: descLo, hi: descHi } : null;
  } catch (e) {
    if (e === FAULT) return null;
    throw e;
  }
}

/** The 32-bit base address a descriptor gives its segment. */
export function descriptorBase(d: Descriptor): number {
  return descBase(d.lo, d.hi);
}

/**
 * Loads segment register `seg`'s hidden cache from a descriptor the host read and checked, as a
 * far transfer or task switch does: selector, base, limit (granularity applied), attributes.
 */
export function loadSegmentCache(cpu: Cpu, seg: number, selector: number, d: Descriptor): void {
  setCache(cpu, seg, selector, d.lo, d.hi);
}

/**
 * MOV Sreg at the CPU's current privilege (data segments and SS; CS changes by far transfers
 * only). Returns false, leaving the register unchanged, where the CPU would raise a fault.
 */
export function loadSegment(cpu: Cpu, seg: number, selector: number): boolean {
  try {
    loadSegmentRegister(cpu, seg, selector);
    return true;
  } catch (e) {
    if (e === FAULT) return false;
    throw e;
  }
}

// Descriptors and gates the host writes into tables of its own (a monitor's GDT and IDT).
export { TYPE_INT_GATE32, TYPE_TRAP_GATE32, writeDescriptor, writeGate } from './cpu/segments.ts';

// --- Instruction emulation.

/**
 * The offset of a 32-bit ModRM memory operand (`modrm`'s mod ≠ 3), computed from the CPU's
 * registers as the CPU would; its SIB byte and displacement, if any, start at `bytes[at]`.
 */
export function effectiveAddress(cpu: Cpu, bytes: Uint8Array, at: number, modrm: number): number {
  cpu.segOverride = -1;
  decodeEa32At(cpu, bytes, at, modrm);
  return cpu.eaOffset;
}

// --- Guest code: xenlab's NASM-syntax assembler and its disassembler.
export { disassemble, disassembleOne } from './asm/disasm.ts';
export {
  assemble,
  formatAsmError,
  formatListing,
  formatSymbolMap,
  type ListingLine,
} from './asm/index.ts';

// --- The machine around the CPUs: several pCPUs on one memory, devices, a virtual clock.
export { enterFlatProtectedMode, Machine, TSC_HZ } from './machine.ts';

// --- Determinism: the seeded random generator, and the self-test `check-setup` runs.
export { Prng } from './prng.ts';
export { runSelfTest } from './selftest.ts';
