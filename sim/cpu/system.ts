// System instructions and state: Intel SDM vol. 3A §2.5 (control registers), §9.1 (reset
// state), §17.2 (debug registers), ch. 2.8 (system instructions), vol. 4 (MSRs), vol. 1 §19.5
// (I/O permission). Xen's counterparts: the hypervisor's emulation of privileged instructions
// (arch/x86/pv/emul-priv-op.c) reaches the same state through these functions.

import { readLinearAs } from './access.ts';
import {
  type Cpu,
  CR0_ET,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR0_WP,
  CR4_DE,
  CR4_OSFXSR,
  CR4_PAE,
  CR4_PGE,
  CR4_PSE,
  CR4_TSD,
  CS,
  EAX,
  ECX,
  EDX,
  EFER_NXE,
  FLAG_VM,
  TR,
  VEC_GP,
  VEC_UD,
} from './cpu.ts';
import { raiseFault } from './fault.ts';
import { flushTlb, invalidatePage } from './paging.ts';

/**
 * Power-on state (SDM §9.1.1, table 9-1): real mode, CS=F000 with base FFFF0000 and
 * EIP=FFF0, every data segment base 0 limit FFFF, GDTR/IDTR base 0, EFLAGS 2, TLB empty.
 * General registers are zeroed.
 */
export function resetCpu(cpu: Cpu): void {
  cpu.reg32.fill(0);
  for (let s = 0; s < 6; s++) {
    cpu.segSelector[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    // Table 9-1: every segment, CS too, is "present, R/W, accessed" in real mode.
    cpu.segAccess[s] = 0x93;
  }
  cpu.segSelector[CS] = 0xf000;
  cpu.segBase[CS] = 0xffff0000 | 0;
  for (let s = 6; s <= TR; s++) {
    cpu.segSelector[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAccess[s] = s === TR ? 0x8b : 0x82; // busy 32-bit TSS / LDT, present
  }
  cpu.eip = 0xfff0;
  cpu.flags = 0x2;
  cpu.flagsLazy = 0;
  cpu.gdtBase = 0;
  cpu.gdtLimit = 0xffff;
  cpu.idtBase = 0;
  cpu.idtLimit = 0x3ff;
  cpu.cr0 = (CR0_CD | CR0_NW | CR0_ET) >>> 0; // caches disabled, as after power-on
  cpu.cr2 = 0;
  cpu.cr3 = 0;
  cpu.cr4 = 0;
  cpu.efer = 0;
  cpu.dr.fill(0);
  cpu.dr[6] = 0xffff0ff0 | 0;
  cpu.dr[7] = 0x400;
  cpu.cpl = 0;
  cpu.faultVector = -1;
  cpu.faultErrorCode = -1;
  cpu.pendingExit = -1;
  flushTlb(cpu, false);
}

// --- Control registers (SDM §2.5, vol. 2 "MOV—Move to/from Control Registers"). The CPL-0
// check is the caller's; these check the values.

const CR0_CD = 1 << 30;
const CR0_NW = 1 << 29;
/** CR0 bits that exist (the others in 31:0 read as 0 and ignore writes). */
const CR0_BITS = 0xe005003f;
const CR4_MCE = 1 << 6;
const CR4_PCE = 1 << 8;
const CR4_OSXMMEXCPT = 1 << 10;
/** CR4 bits this CPU has (CPUID: no VME/PVI); setting any other raises #GP(0). */
const CR4_BITS =
  CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_MCE | CR4_PGE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT;
/** CR0/CR4 bits whose change invalidates every translation, global ones included. */
const CR0_PAGING = CR0_PG | CR0_WP | CR0_PE;
const CR4_PAGING = CR4_PSE | CR4_PAE | CR4_PGE;

/** MOV r32, CRn. CR1, CR5–CR7 and above do not exist: #UD. */
export function readCr(cpu: Cpu, n: number): number {
  switch (n) {
    case 0:
      return cpu.cr0 >>> 0;
    case 2:
      return cpu.cr2 >>> 0;
    case 3:
      return cpu.cr3 >>> 0;
    case 4:
      return cpu.cr4 >>> 0;
    default:
      return raiseFault(cpu, VEC_UD);
  }
}

/**
 * MOV CRn, r32. CR0: PG without PE and NW without CD are #GP(0); ET is hard-wired to 1.
 * CR3 flushes the non-global TLB entries; paging-mode changes in CR0/CR4 flush everything.
 * The host uses this too (never assign cpu.crN directly while the TLB may hold entries).
 */
export function writeCr(cpu: Cpu, n: number, value: number): void {
  value >>>= 0;
  switch (n) {
    case 0: {
      const cr0 = ((value & CR0_BITS) | CR0_ET) >>> 0;
      if ((cr0 & CR0_PG) !== 0 && (cr0 & CR0_PE) === 0) raiseFault(cpu, VEC_GP, 0);
      if ((cr0 & CR0_NW) !== 0 && (cr0 & CR0_CD) === 0) raiseFault(cpu, VEC_GP, 0);
      const changed = (cpu.cr0 ^ cr0) & CR0_PAGING;
      cpu.cr0 = cr0;
      if (changed !== 0) flushTlb(cpu, false);
      return;
    }
    case 2:
      cpu.cr2 = value;
      return;
    case 3:
      cpu.cr3 = value;
      flushTlb(cpu, (cpu.cr4 & CR4_PGE) !== 0);
      return;
    case 4: {
      if ((value & ~CR4_BITS) !== 0) raiseFault(cpu, VEC_GP, 0);
      const changed = (cpu.cr4 ^ value) & CR4_PAGING;
      cpu.cr4 = value;
      if (changed !== 0) flushTlb(cpu, false);
      return;
    }
    default:
      raiseFault(cpu, VEC_UD);
  }
}

/** LMSW: loads PE, MP, EM, TS from the low bits of `value`; it can set PE but never clear it. */
export function lmsw(cpu: Cpu, value: number): void {
  writeCr(cpu, 0, (cpu.cr0 & ~0xe) | (value & 0xf));
}

/** CLTS: clears CR0.TS (the FPU-ownership flag, see fpu.ts). */
export function clts(cpu: Cpu): void {
  cpu.cr0 = (cpu.cr0 & ~CR0_TS) >>> 0;
}

/** INVLPG m: drops the TLB entry for the linear address of m. */
export function invlpg(cpu: Cpu, linear: number): void {
  invalidatePage(cpu, linear);
}

/** LGDT/LIDT with the base and limit already read (a 16-bit operand size keeps 24 bits). */
export function lgdt(cpu: Cpu, base: number, limit: number): void {
  cpu.gdtBase = base | 0;
  cpu.gdtLimit = limit & 0xffff;
}

export function lidt(cpu: Cpu, base: number, limit: number): void {
  cpu.idtBase = base | 0;
  cpu.idtLimit = limit & 0xffff;
}

// --- Debug registers (SDM §17.2). Instruction breakpoints on DR0–3 fire in run.ts; data and
// I/O breakpoints and DR7.GD are not modelled: those registers just hold their values.

const DR6_FIXED = 0xffff0ff0;
const DR7_FIXED = 0x400;

/** DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD. */
function debugIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if ((cpu.cr4 & CR4_DE) !== 0) raiseFault(cpu, VEC_UD);
    return n + 2;
  }
  if (n > 7) raiseFault(cpu, VEC_UD);
  return n;
}

export function readDr(cpu: Cpu, n: number): number {
  const i = debugIndex(cpu, n);
  if (i === 6) return (cpu.dr[6]! | DR6_FIXED) >>> 0;
  if (i === 7) return ((cpu.dr[7]! & ~0xd800) | DR7_FIXED) >>> 0;
  return cpu.dr[i]! >>> 0;
}

export function writeDr(cpu: Cpu, n: number, value: number): void {
  cpu.dr[debugIndex(cpu, n)] = value;
}

// --- MSRs (SDM vol. 4). RDMSR/WRMSR take the MSR index in ECX and the value in EDX:EAX; an
// unknown index or a reserved bit is #GP(0). The CPL-0 check is the caller's.

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_APIC_BASE = 0x1b;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_IA32_EFER = 0xc0000080;
/** APIC base: BSP flag (bit 8), enable (bit 11), base (bits 35:12). */
const APIC_BASE_BITS = 0xfffff900;
const TWO_32 = 0x1_0000_0000;

/** The time-stamp counter: the machine's clock (one tick per retired instruction) + offset. */
export function readTsc(cpu: Cpu): number {
  return cpu.tscOffset + cpu.instructions;
}

function setEdxEax(cpu: Cpu, value: number): void {
  cpu.reg32[EAX] = value % TWO_32;
  cpu.reg32[EDX] = Math.floor(value / TWO_32);
}

/** The value of MSR `index`; #GP(0) when there is no such MSR. */
function readMsrValue(cpu: Cpu, index: number): number {
  switch (index) {
    case MSR_IA32_TSC:
      return readTsc(cpu);
    case MSR_IA32_APIC_BASE:
      return cpu.apicBase >>> 0;
    case MSR_IA32_SYSENTER_CS:
      return cpu.sysenterCs;
    case MSR_IA32_SYSENTER_ESP:
      return cpu.sysenterEsp;
    case MSR_IA32_SYSENTER_EIP:
      return cpu.sysenterEip;
    case MSR_IA32_EFER:
      return cpu.efer >>> 0;
    default:
      return raiseFault(cpu, VEC_GP, 0);
  }
}

export function rdmsr(cpu: Cpu): void {
  setEdxEax(cpu, readMsrValue(cpu, cpu.reg32[ECX]! >>> 0));
}

export function wrmsr(cpu: Cpu): void {
  const index = cpu.reg32[ECX]! >>> 0;
  const lo = cpu.reg32[EAX]! >>> 0;
  const hi = cpu.reg32[EDX]! >>> 0;
  switch (index) {
    case MSR_IA32_TSC:
      cpu.tscOffset = hi * TWO_32 + lo - cpu.instructions;
      return;
    case MSR_IA32_APIC_BASE:
      if (hi !== 0 || (lo & ~APIC_BASE_BITS) !== 0) raiseFault(cpu, VEC_GP, 0);
      cpu.apicBase = lo;
      return;
    case MSR_IA32_SYSENTER_CS:
      cpu.sysenterCs = lo & 0xffff;
      return;
    case MSR_IA32_SYSENTER_ESP:
      cpu.sysenterEsp = lo;
      return;
    case MSR_IA32_SYSENTER_EIP:
      cpu.sysenterEip = lo;
      return;
    case MSR_IA32_EFER: {
      if (hi !== 0 || (lo & ~EFER_NXE) !== 0) raiseFault(cpu, VEC_GP, 0);
      const changed = cpu.efer !== lo;
      cpu.efer = lo;
      if (changed) flushTlb(cpu, false);
      return;
    }
    default:
      raiseFault(cpu, VEC_GP, 0);
  }
}

/** RDTSC: EDX:EAX = TSC; #GP(0) outside CPL 0 when CR4.TSD is set. */
export function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & CR4_TSD) !== 0 && cpu.cpl !== 0 && (cpu.cr0 & CR0_PE) !== 0) {
    raiseFault(cpu, VEC_GP, 0);
  }
  setEdxEax(cpu, readTsc(cpu));
}

// --- I/O permission (SDM vol. 1 §19.5): in protected mode with CPL > IOPL, and in V86 mode,
// every byte of the access needs a clear bit in the TSS I/O bitmap; otherwise #GP(0).

export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & CR0_PE) === 0) return;
  const iopl = (cpu.flags >>> 12) & 3;
  if ((cpu.flags & FLAG_VM) === 0 && cpu.cpl <= iopl) return;
  const tssType = cpu.segAccess[TR]! & 0x1f;
  const limit = cpu.segLimit[TR]!;
  if ((tssType !== 0x9 && tssType !== 0xb) || limit < 0x67) raiseFault(cpu, VEC_GP, 0);
  const base = cpu.segBase[TR]!;
  const bitmap = readLinearAs(cpu, (base + 0x66) | 0, 2, false);
  const byte = bitmap + (port >>> 3);
  if (byte + 1 > limit) raiseFault(cpu, VEC_GP, 0);
  const bits = readLinearAs(cpu, (base + byte) | 0, 2, false);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) raiseFault(cpu, VEC_GP, 0);
}
