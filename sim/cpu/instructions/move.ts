// Data movement (SDM vol. 2): MOV in all its integer forms, MOVZX/MOVSX, XCHG, LEA, the far
// pointer loads LDS/LES/LSS/LFS/LGS, MOV to/from segment registers, XLAT, LAHF/SAHF, BSWAP,
// CMOVcc, SETcc, and the flag instructions CLC/STC/CMC/CLD/STD/CLI/STI.

import { read8, read16, read32 } from '../access.ts';
import {
  type Cpu,
  CS,
  DS,
  EAX,
  EBX,
  FLAG_CF,
  FLAG_DF,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_VM,
  VEC_GP,
  VEC_UD,
} from '../cpu.ts';
import {
  eaPlus,
  modrmReg,
  REG8_INDEX,
  readRm8,
  readRm16,
  readRm32,
  writeRm8,
  writeRm16,
  writeRm32,
} from '../decode.ts';
import { raiseFault } from '../fault.ts';
import { getEflags, materializeFlags, setEflags, testCondition } from '../flags.ts';
import { loadSegment } from '../segments.ts';

// --- MOV.

export function movEbGb(cpu: Cpu): void {
  writeRm8(cpu, cpu.reg8[REG8_INDEX[modrmReg(cpu)]!]!);
}
export function movEvGv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) writeRm32(cpu, cpu.reg32[g]!);
  else writeRm16(cpu, cpu.reg16[g << 1]!);
}
export function movGbEb(cpu: Cpu): void {
  cpu.reg8[REG8_INDEX[modrmReg(cpu)]!] = readRm8(cpu);
}
export function movGvEv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = readRm32(cpu);
  else cpu.reg16[g << 1] = readRm16(cpu);
}
/** B0+r MOV r8, Ib */
export function movRegIb(cpu: Cpu, r: number): void {
  cpu.reg8[REG8_INDEX[r]!] = cpu.imm;
}
/** B8+r MOV r16/r32, Iz */
export function movRegIz(cpu: Cpu, r: number): void {
  if (cpu.opsize32) cpu.reg32[r] = cpu.imm;
  else cpu.reg16[r << 1] = cpu.imm;
}
/** C6 /0 MOV Eb, Ib */
export function movEbIb(cpu: Cpu): void {
  writeRm8(cpu, cpu.imm);
}
/** C7 /0 MOV Ev, Iz */
export function movEvIz(cpu: Cpu): void {
  if (cpu.opsize32) writeRm32(cpu, cpu.imm);
  else writeRm16(cpu, cpu.imm);
}

/** Segment of a moffs operand: DS unless overridden. */
function moffsSegment(cpu: Cpu): number {
  return cpu.segOverride >= 0 ? cpu.segOverride : DS;
}
/** A0 MOV AL, Ob */
export function movAlOb(cpu: Cpu): void {
  cpu.reg8[0] = read8(cpu, moffsSegment(cpu), cpu.imm >>> 0);
}
/** A1 MOV eAX, Ov */
export function movEaxOv(cpu: Cpu): void {
  const seg = moffsSegment(cpu);
  if (cpu.opsize32) cpu.reg32[EAX] = read32(cpu, seg, cpu.imm >>> 0);
  else cpu.reg16[0] = read16(cpu, seg, cpu.imm >>> 0);
}
/** A2 MOV Ob, AL — and A3 MOV Ov, eAX: written through the r/m path with a synthetic EA. */
export function movObAl(cpu: Cpu): void {
  cpu.modrm = 0;
  cpu.eaSegment = moffsSegment(cpu);
  cpu.eaOffset = cpu.imm >>> 0;
  writeRm8(cpu, cpu.reg8[0]!);
}
export function movOvEax(cpu: Cpu): void {
  cpu.modrm = 0;
  cpu.eaSegment = moffsSegment(cpu);
  cpu.eaOffset = cpu.imm >>> 0;
  if (cpu.opsize32) writeRm32(cpu, cpu.reg32[EAX]!);
  else writeRm16(cpu, cpu.reg16[0]!);
}

/** 8C MOV Ev, Sw: a register destination gets the selector zero-extended (32-bit operand). */
export function movEvSw(cpu: Cpu): void {
  const s = modrmReg(cpu);
  if (s > 5) raiseFault(cpu, VEC_UD);
  const sel = cpu.segSelector[s]!;
  if (cpu.modrm >= 0xc0 && cpu.opsize32) writeRm32(cpu, sel);
  else writeRm16(cpu, sel);
}
/** 8E MOV Sw, Ew. Loading CS this way is invalid. */
export function movSwEw(cpu: Cpu): void {
  const s = modrmReg(cpu);
  if (s === CS || s > 5) raiseFault(cpu, VEC_UD);
  loadSegment(cpu, s, readRm16(cpu));
}

// --- MOVZX/MOVSX (386).

export function movzxGvEb(cpu: Cpu): void {
  const g = modrmReg(cpu);
  const v = readRm8(cpu);
  if (cpu.opsize32) cpu.reg32[g] = v;
  else cpu.reg16[g << 1] = v;
}
export function movzxGvEw(cpu: Cpu): void {
  const g = modrmReg(cpu);
  const v = readRm16(cpu);
  if (cpu.opsize32) cpu.reg32[g] = v;
  else cpu.reg16[g << 1] = v;
}
export function movsxGvEb(cpu: Cpu): void {
  const g = modrmReg(cpu);
  const v = (readRm8(cpu) << 24) >> 24;
  if (cpu.opsize32) cpu.reg32[g] = v;
  else cpu.reg16[g << 1] = v;
}
export function movsxGvEw(cpu: Cpu): void {
  const g = modrmReg(cpu);
  const v = (readRm16(cpu) << 16) >> 16;
  if (cpu.opsize32) cpu.reg32[g] = v;
  else cpu.reg16[g << 1] = v;
}

// --- XCHG (a memory operand is implicitly locked; single-threaded here).

export function xchgEbGb(cpu: Cpu): void {
  const i = REG8_INDEX[modrmReg(cpu)]!;
  const v = readRm8(cpu);
  writeRm8(cpu, cpu.reg8[i]!);
  cpu.reg8[i] = v;
}
export function xchgEvGv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) {
    const v = readRm32(cpu);
    writeRm32(cpu, cpu.reg32[g]!);
    cpu.reg32[g] = v;
  } else {
    const v = readRm16(cpu);
    writeRm16(cpu, cpu.reg16[g << 1]!);
    cpu.reg16[g << 1] = v;
  }
}
/** 90+r XCHG eAX, r (90 itself is NOP). */
export function xchgEaxReg(cpu: Cpu, r: number): void {
  if (cpu.opsize32) {
    const v = cpu.reg32[r]!;
    cpu.reg32[r] = cpu.reg32[EAX]!;
    cpu.reg32[EAX] = v;
  } else {
    const v = cpu.reg16[r << 1]!;
    cpu.reg16[r << 1] = cpu.reg16[0]!;
    cpu.reg16[0] = v;
  }
}
export function nop(_cpu: Cpu): void {}

/** 8D LEA Gv, M: the offset only, truncated to the operand size. */
export function lea(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = cpu.eaOffset;
  else cpu.reg16[g << 1] = cpu.eaOffset;
}

/** LDS/LES/LSS/LFS/LGS Gv, Mp: offset first, then the selector word. */
export function loadFarPointer(seg: number): (cpu: Cpu) => void {
  return (cpu) => {
    const g = modrmReg(cpu);
    const s = cpu.eaSegment;
    if (cpu.opsize32) {
      const offset = read32(cpu, s, cpu.eaOffset) | 0;
      const selector = read16(cpu, s, eaPlus(cpu, 4));
      loadSegment(cpu, seg, selector);
      cpu.reg32[g] = offset;
    } else {
      const offset = read16(cpu, s, cpu.eaOffset);
      const selector = read16(cpu, s, eaPlus(cpu, 2));
      loadSegment(cpu, seg, selector);
      cpu.reg16[g << 1] = offset;
    }
  };
}

/** D7 XLAT: AL ← [seg:(E)BX + AL]. */
export function xlat(cpu: Cpu): void {
  const seg = cpu.segOverride >= 0 ? cpu.segOverride : DS;
  const offset = cpu.addrsize32
    ? (cpu.reg32[EBX]! + cpu.reg8[0]!) >>> 0
    : (cpu.reg16[EBX << 1]! + cpu.reg8[0]!) & 0xffff;
  cpu.reg8[0] = read8(cpu, seg, offset);
}

/** 9F LAHF: AH ← SF:ZF:0:AF:0:PF:1:CF. */
export function lahf(cpu: Cpu): void {
  cpu.reg8[1] = (getEflags(cpu) & 0xd5) | 0x02;
}
/** 9E SAHF: SF ZF AF PF CF ← AH. */
export function sahf(cpu: Cpu): void {
  setEflags(cpu, cpu.reg8[1]!, 0xd5);
}

/** 0F C8+r BSWAP r32. (With a 16-bit operand the result is undefined; we clear the word.) */
export function bswap(cpu: Cpu, r: number): void {
  const v = cpu.reg32[r]!;
  if (!cpu.opsize32) {
    cpu.reg16[r << 1] = 0;
    return;
  }
  cpu.reg32[r] =
    ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | ((v >>> 24) & 0xff);
}

/** 0F 40+cc CMOVcc Gv, Ev: the source is read (and may fault) even when the condition fails. */
export function cmov(cc: number): (cpu: Cpu) => void {
  return (cpu) => {
    const g = modrmReg(cpu);
    if (cpu.opsize32) {
      const v = readRm32(cpu);
      if (testCondition(cpu, cc)) cpu.reg32[g] = v;
    } else {
      const v = readRm16(cpu);
      if (testCondition(cpu, cc)) cpu.reg16[g << 1] = v;
    }
  };
}

/** 0F 90+cc SETcc Eb */
export function setcc(cc: number): (cpu: Cpu) => void {
  return (cpu) => {
    writeRm8(cpu, testCondition(cpu, cc) ? 1 : 0);
  };
}

// --- Flag instructions.

export function clc(cpu: Cpu): void {
  materializeFlags(cpu);
  cpu.flags &= ~FLAG_CF;
}
export function stc(cpu: Cpu): void {
  materializeFlags(cpu);
  cpu.flags |= FLAG_CF;
}
export function cmc(cpu: Cpu): void {
  materializeFlags(cpu);
  cpu.flags ^= FLAG_CF;
}
export function cld(cpu: Cpu): void {
  cpu.flags &= ~FLAG_DF;
}
export function std(cpu: Cpu): void {
  cpu.flags |= FLAG_DF;
}

/** CLI/STI need CPL ≤ IOPL in protected mode (IOPL 3 in virtual-8086 mode; no VME/PVI). */
function checkIfPrivilege(cpu: Cpu): void {
  if (!(cpu.cr0 & 1)) return;
  const iopl = (cpu.flags & FLAG_IOPL) >>> 12;
  const cpl = cpu.flags & FLAG_VM ? 3 : cpu.cpl;
  if (cpl > iopl) raiseFault(cpu, VEC_GP, 0);
}
export function cli(cpu: Cpu): void {
  checkIfPrivilege(cpu);
  cpu.flags &= ~FLAG_IF;
}
export function sti(cpu: Cpu): void {
  checkIfPrivilege(cpu);
  cpu.flags |= FLAG_IF;
}
