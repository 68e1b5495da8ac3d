// System instructions' operand plumbing (SDM vol. 2/3A ch. 2.8): MOV CRn/DRn, LGDT/LIDT/SGDT/
// SIDT, LMSW/SMSW, CLTS, INVLPG, LLDT/LTR/SLDT/STR, LAR/LSL/VERR/VERW, ARPL, CPUID, RDTSC, RDMSR/
// WRMSR, INVD/WBINVD, UD2, and the x87/FXSAVE escapes. The semantics live in system.ts and
// segments.ts and fpu.ts; this file fetches operands and writes results.

import { read16, read32, write16, write32 } from '../access.ts';
import {
  type Cpu,
  EAX,
  EBX,
  ECX,
  EDX,
  FLAG_VM,
  FLAG_ZF,
  LDTR,
  TR,
  VEC_GP,
  VEC_UD,
} from '../cpu.ts';
import { eaPlus, modrmReg, readRm16, writeRm16, writeRm32 } from '../decode.ts';
import { raiseFault } from '../fault.ts';
import { materializeFlags } from '../flags.ts';
import { fwait, fxrstor, fxsave, x87Escape } from '../fpu.ts';
import { lar, lldt, lsl, ltr, verify } from '../segments.ts';
import {
  clts,
  invlpg,
  lgdt,
  lidt,
  lmsw,
  rdmsr,
  rdtsc,
  readCr,
  readDr,
  writeCr,
  writeDr,
  wrmsr,
} from '../system.ts';

/** #GP(0) unless CPL 0 (and not virtual-8086 mode). */
export function requireCpl0(cpu: Cpu): void {
  if (cpu.cpl !== 0 || cpu.flags & FLAG_VM) raiseFault(cpu, VEC_GP, 0);
}

/** #UD outside protected mode (LLDT, LAR … are not recognised in real and V86 mode). */
function requireProtected(cpu: Cpu): void {
  if (!(cpu.cr0 & 1) || cpu.flags & FLAG_VM) raiseFault(cpu, VEC_UD);
}

function setZf(cpu: Cpu, value: boolean): void {
  materializeFlags(cpu);
  cpu.flags = value ? cpu.flags | FLAG_ZF : cpu.flags & ~FLAG_ZF;
}

// --- Control and debug registers (0F 20–23): operands are always 32-bit registers.

export function movRdCd(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.reg32[cpu.modrm & 7] = readCr(cpu, modrmReg(cpu));
}
export function movCdRd(cpu: Cpu): void {
  requireCpl0(cpu);
  writeCr(cpu, modrmReg(cpu), cpu.reg32[cpu.modrm & 7]! >>> 0);
}
export function movRdDd(cpu: Cpu): void {
  requireCpl0(cpu);
  cpu.reg32[cpu.modrm & 7] = readDr(cpu, modrmReg(cpu));
}
export function movDdRd(cpu: Cpu): void {
  requireCpl0(cpu);
  writeDr(cpu, modrmReg(cpu), cpu.reg32[cpu.modrm & 7]! >>> 0);
}

// --- Descriptor-table registers. The memory image is limit (word) then base (dword); with a
// 16-bit operand size only 24 bits of the base are loaded (SDM "LGDT/LIDT").

function readTablePointer(cpu: Cpu): number {
  const limit = read16(cpu, cpu.eaSegment, cpu.eaOffset);
  let base = read32(cpu, cpu.eaSegment, eaPlus(cpu, 2));
  if (!cpu.opsize32) base &= 0x00ffffff;
  tableLimit = limit;
  return base;
}
let tableLimit = 0;

export function lgdtHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  const base = readTablePointer(cpu);
  lgdt(cpu, base, tableLimit);
}
export function lidtHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  const base = readTablePointer(cpu);
  lidt(cpu, base, tableLimit);
}
function storeTablePointer(cpu: Cpu, base: number, limit: number): void {
  write16(cpu, cpu.eaSegment, cpu.eaOffset, limit & 0xffff);
  write32(cpu, cpu.eaSegment, eaPlus(cpu, 2), base >>> 0);
}
/** SGDT/SIDT are not privileged (UMIP is not modelled). */
export function sgdt(cpu: Cpu): void {
  storeTablePointer(cpu, cpu.gdtBase, cpu.gdtLimit);
}
export function sidt(cpu: Cpu): void {
  storeTablePointer(cpu, cpu.idtBase, cpu.idtLimit);
}

/** SMSW: a register destination gets all of CR0 by operand size, memory only the low word. */
export function smsw(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0 && cpu.opsize32) writeRm32(cpu, cpu.cr0);
  else writeRm16(cpu, cpu.cr0 & 0xffff);
}
export function lmswHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  lmsw(cpu, readRm16(cpu));
}
export function cltsHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  clts(cpu);
}
export function invlpgHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  invlpg(cpu, (cpu.segBase[cpu.eaSegment]! + cpu.eaOffset) | 0);
}
/** INVD/WBINVD: there are no caches to flush. */
export function cacheFlush(cpu: Cpu): void {
  requireCpl0(cpu);
}
export function ud2(cpu: Cpu): void {
  raiseFault(cpu, VEC_UD);
}

// --- LDT/TR and descriptor queries (protected mode only).

export function sldt(cpu: Cpu): void {
  requireProtected(cpu);
  storeSelector(cpu, cpu.segSelector[LDTR]!);
}
export function str(cpu: Cpu): void {
  requireProtected(cpu);
  storeSelector(cpu, cpu.segSelector[TR]!);
}
/** A register destination is zero-extended with a 32-bit operand size. */
function storeSelector(cpu: Cpu, selector: number): void {
  if (cpu.modrm >= 0xc0 && cpu.opsize32) writeRm32(cpu, selector);
  else writeRm16(cpu, selector);
}
export function lldtHandler(cpu: Cpu): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  lldt(cpu, readRm16(cpu));
}
export function ltrHandler(cpu: Cpu): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  ltr(cpu, readRm16(cpu));
}
export function verr(cpu: Cpu): void {
  requireProtected(cpu);
  setZf(cpu, verify(cpu, readRm16(cpu), false));
}
export function verw(cpu: Cpu): void {
  requireProtected(cpu);
  setZf(cpu, verify(cpu, readRm16(cpu), true));
}
export function larHandler(cpu: Cpu): void {
  requireProtected(cpu);
  const value = lar(cpu, readRm16(cpu));
  setZf(cpu, value !== -1);
  if (value === -1) return;
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = value;
  else cpu.reg16[g << 1] = value;
}
export function lslHandler(cpu: Cpu): void {
  requireProtected(cpu);
  const value = lsl(cpu, readRm16(cpu));
  setZf(cpu, value !== -1);
  if (value === -1) return;
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = value;
  else cpu.reg16[g << 1] = value;
}
/** 63 ARPL Ew, Gw: raises the destination selector's RPL to the source's. */
export function arpl(cpu: Cpu): void {
  requireProtected(cpu);
  const dst = readRm16(cpu);
  const src = cpu.reg16[modrmReg(cpu) << 1]!;
  if ((dst & 3) < (src & 3)) {
    writeRm16(cpu, (dst & ~3) | (src & 3));
    setZf(cpu, true);
  } else {
    setZf(cpu, false);
  }
}

// --- Model-specific: CPUID, RDTSC, RDMSR, WRMSR.

/**
 * CPUID (SDM vol. 2 "CPUID"): a family-6 "GenuineIntel" with the features this machine has:
 * FPU, VME=0, DE, PSE, TSC, MSR, PAE, CX8, SEP, PGE, CMOV, FXSR. Leaf 1 EBX/ECX report nothing
 * further. Unknown leaves return the highest basic leaf's data, as Intel does.
 */
export function cpuid(cpu: Cpu): void {
  const leaf = cpu.reg32[EAX]! >>> 0;
  if (leaf === 0 || leaf > 1) {
    if (leaf > 1) {
      leafOne(cpu);
      return;
    }
    cpu.reg32[EAX] = 1;
    cpu.reg32[EBX] = 0x756e6547; // "Genu"
    cpu.reg32[EDX] = 0x49656e69; // "ineI"
    cpu.reg32[ECX] = 0x6c65746e; // "ntel"
    return;
  }
  leafOne(cpu);
}
/** Leaf 1 feature bits (EDX). */
export const CPUID_FEATURES =
  (1 << 0) | // FPU
  (1 << 2) | // DE
  (1 << 3) | // PSE
  (1 << 4) | // TSC
  (1 << 5) | // MSR
  (1 << 6) | // PAE
  (1 << 8) | // CX8
  (1 << 11) | // SEP
  (1 << 13) | // PGE
  (1 << 15) | // CMOV
  (1 << 24); // FXSR
function leafOne(cpu: Cpu): void {
  cpu.reg32[EAX] = 0x00000633; // family 6, model 3, stepping 3 (a Pentium II)
  cpu.reg32[EBX] = 0;
  cpu.reg32[ECX] = 0;
  cpu.reg32[EDX] = CPUID_FEATURES;
}

export function rdtscHandler(cpu: Cpu): void {
  rdtsc(cpu);
}
export function rdmsrHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  rdmsr(cpu);
}
export function wrmsrHandler(cpu: Cpu): void {
  requireCpl0(cpu);
  wrmsr(cpu);
}

// --- x87 and FXSAVE.

/** D8–DF: the FPU decodes the rest from ModRM. */
export function x87(opcode: number): (cpu: Cpu) => void {
  return (cpu) => x87Escape(cpu, opcode);
}
export function fwaitHandler(cpu: Cpu): void {
  fwait(cpu);
}
export function fxsaveHandler(cpu: Cpu): void {
  fxsave(cpu);
}
export function fxrstorHandler(cpu: Cpu): void {
  fxrstor(cpu);
}
