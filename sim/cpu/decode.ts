// The instruction decoder's operand half (Intel SDM vol. 2 §2.1, "Instruction format"): ModRM,
// SIB and displacement into an effective address, immediates into cpu.imm/imm2, and the operand
// accessors handlers use (register by size, r/m by size). Prefixes and opcode dispatch are in
// run.ts, which drives this from the opcode table.

import {
  fetch8,
  fetch16,
  fetch32,
  read8,
  read16,
  read32,
  write8,
  write16,
  write32,
} from './access.ts';
import { type Cpu, DS, EBP, ESP, SS } from './cpu.ts';

/** reg8 index of AL, CL, DL, BL, AH, CH, DH, BH (register numbers 0–7). */
export const REG8_INDEX = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

/** Immediate kinds the decoder fetches after ModRM (from the table's operand notation). */
export const IMM_NONE = 0;
/** Ib: one byte, zero-extended. */
export const IMM_IB = 1;
/** Ibs / Jb: one byte, sign-extended (stored as a signed number). */
export const IMM_IBS = 2;
/** Iw: one word. */
export const IMM_IW = 3;
/** Iz: a word or dword by operand size (dword stored as int32). */
export const IMM_IZ = 4;
/** Jz: like Iz, sign-extended. */
export const IMM_JZ = 5;
/** Ob/Ov: a moffs word or dword by address size. */
export const IMM_MOFFS = 6;
/** Ap: offset (Iz) in imm, selector (Iw) in imm2. */
export const IMM_AP = 7;
/** ENTER: Iw in imm, Ib in imm2. */
export const IMM_IW_IB = 8;

/** Reads the immediate(s) of `kind` at CS:EIP into cpu.imm / cpu.imm2. */
export function fetchImmediate(cpu: Cpu, kind: number): void {
  switch (kind) {
    case IMM_IB:
      cpu.imm = fetch8(cpu);
      return;
    case IMM_IBS:
      cpu.imm = (fetch8(cpu) << 24) >> 24;
      return;
    case IMM_IW:
      cpu.imm = fetch16(cpu);
      return;
    case IMM_IZ:
      cpu.imm = cpu.opsize32 ? fetch32(cpu) | 0 : fetch16(cpu);
      return;
    case IMM_JZ:
      cpu.imm = cpu.opsize32 ? fetch32(cpu) | 0 : (fetch16(cpu) << 16) >> 16;
      return;
    case IMM_MOFFS:
      cpu.imm = cpu.addrsize32 ? fetch32(cpu) | 0 : fetch16(cpu);
      return;
    case IMM_AP:
      cpu.imm = cpu.opsize32 ? fetch32(cpu) | 0 : fetch16(cpu);
      cpu.imm2 = fetch16(cpu);
      return;
    case IMM_IW_IB:
      cpu.imm = fetch16(cpu);
      cpu.imm2 = fetch8(cpu);
      return;
    default:
      return;
  }
}

/** Fetches ModRM (and SIB/displacement) and, for a memory operand, sets eaOffset/eaSegment. */
export function decodeModrm(cpu: Cpu): void {
  const modrm = fetch8(cpu);
  cpu.modrm = modrm;
  if (modrm >= 0xc0) return;
  if (cpu.addrsize32) decodeEa32(cpu, modrm);
  else decodeEa16(cpu, modrm);
}

/** 16-bit addressing: SDM vol. 2 Table 2-1. BP-based forms default to SS. */
function decodeEa16(cpu: Cpu, modrm: number): void {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  const r = cpu.reg16;
  let offset: number;
  let segment = DS;
  switch (rm) {
    case 0:
      offset = r[6]! + r[12]!;
      break;
    case 1:
      offset = r[6]! + r[14]!;
      break;
    case 2:
      offset = r[10]! + r[12]!;
      segment = SS;
      break;
    case 3:
      offset = r[10]! + r[14]!;
      segment = SS;
      break;
    case 4:
      offset = r[12]!;
      break;
    case 5:
      offset = r[14]!;
      break;
    case 6:
      if (mod === 0) {
        offset = fetch16(cpu);
      } else {
        offset = r[10]!;
        segment = SS;
      }
      break;
    default:
      offset = r[6]!;
      break;
  }
  if (mod === 1) offset += (fetch8(cpu) << 24) >> 24;
  else if (mod === 2) offset += fetch16(cpu);
  cpu.eaOffset = offset & 0xffff;
  cpu.eaSegment = cpu.segOverride >= 0 ? cpu.segOverride : segment;
}

/** Did the last 32-bit effective address use ESP as its base? (POP Ev must adjust it.) */
export let eaBaseIsEsp = false;

/** 32-bit addressing: SDM vol. 2 Tables 2-2 and 2-3. ESP/EBP-based forms default to SS. */
function decodeEa32(cpu: Cpu, modrm: number): void {
  const mod = modrm >> 6;
  let rm = modrm & 7;
  let offset = 0;
  let segment = DS;
  eaBaseIsEsp = false;
  if (rm === 4) {
    const sib = fetch8(cpu);
    const index = (sib >> 3) & 7;
    if (index !== 4) offset = cpu.reg32[index]! << (sib >> 6);
    rm = sib & 7;
    if (rm === 5 && mod === 0) {
      offset += fetch32(cpu);
    } else {
      offset += cpu.reg32[rm]!;
      if (rm === ESP) eaBaseIsEsp = true;
      if (rm === ESP || rm === EBP) segment = SS;
    }
  } else if (rm === 5 && mod === 0) {
    offset = fetch32(cpu);
  } else {
    offset = cpu.reg32[rm]!;
    if (rm === EBP) segment = SS;
  }
  if (mod === 1) offset += (fetch8(cpu) << 24) >> 24;
  else if (mod === 2) offset += fetch32(cpu);
  cpu.eaOffset = offset >>> 0;
  cpu.eaSegment = cpu.segOverride >= 0 ? cpu.segOverride : segment;
}

/**
 * decodeEa32 for the fast fetch path of run.ts: the instruction's bytes are known to lie in
 * RAM at `ram[p…]` (one page, within CS's limit), so SIB and displacement are read straight from
 * the array. Returns the index of the byte after the displacement.
 */
export function decodeEa32At(cpu: Cpu, ram: Uint8Array, p: number, modrm: number): number {
  const mod = modrm >> 6;
  let rm = modrm & 7;
  let offset = 0;
  let segment = DS;
  eaBaseIsEsp = false;
  if (rm === 4) {
    const sib = ram[p++]!;
    const index = (sib >> 3) & 7;
    if (index !== 4) offset = cpu.reg32[index]! << (sib >> 6);
    rm = sib & 7;
    if (rm === 5 && mod === 0) {
      offset += dwordAt(ram, p);
      p += 4;
    } else {
      offset += cpu.reg32[rm]!;
      if (rm === ESP) eaBaseIsEsp = true;
      if (rm === ESP || rm === EBP) segment = SS;
    }
  } else if (rm === 5 && mod === 0) {
    offset = dwordAt(ram, p);
    p += 4;
  } else {
    offset = cpu.reg32[rm]!;
    if (rm === EBP) segment = SS;
  }
  if (mod === 1) {
    offset += (ram[p++]! << 24) >> 24;
  } else if (mod === 2) {
    offset += dwordAt(ram, p);
    p += 4;
  }
  cpu.eaOffset = offset >>> 0;
  cpu.eaSegment = cpu.segOverride >= 0 ? cpu.segOverride : segment;
  return p;
}

/** The little-endian dword at ram[p], as a signed int32. */
export function dwordAt(ram: Uint8Array, p: number): number {
  return ram[p]! | (ram[p + 1]! << 8) | (ram[p + 2]! << 16) | (ram[p + 3]! << 24);
}

/**
 * fetchImmediate for the fast fetch path (32-bit operand and address size, no prefixes): reads
 * the immediate(s) of `kind` from ram[p…] into cpu.imm/imm2 and returns the index after them.
 */
export function immediate32At(cpu: Cpu, ram: Uint8Array, p: number, kind: number): number {
  switch (kind) {
    case IMM_IB:
      cpu.imm = ram[p]!;
      return p + 1;
    case IMM_IBS:
      cpu.imm = (ram[p]! << 24) >> 24;
      return p + 1;
    case IMM_IW:
      cpu.imm = ram[p]! | (ram[p + 1]! << 8);
      return p + 2;
    case IMM_IZ:
    case IMM_JZ:
    case IMM_MOFFS:
      cpu.imm = dwordAt(ram, p);
      return p + 4;
    case IMM_AP:
      cpu.imm = dwordAt(ram, p);
      cpu.imm2 = ram[p + 4]! | (ram[p + 5]! << 8);
      return p + 6;
    case IMM_IW_IB:
      cpu.imm = ram[p]! | (ram[p + 1]! << 8);
      cpu.imm2 = ram[p + 2]!;
      return p + 3;
    default:
      return p;
  }
}

/** ModRM.reg field of the current instruction. */
export function modrmReg(cpu: Cpu): number {
  return (cpu.modrm >> 3) & 7;
}

// --- The r/m operand: the register ModRM.rm when mod = 3, else memory at eaSegment:eaOffset.

export function readRm8(cpu: Cpu): number {
  const m = cpu.modrm;
  return m >= 0xc0 ? cpu.reg8[REG8_INDEX[m & 7]!]! : read8(cpu, cpu.eaSegment, cpu.eaOffset);
}
export function writeRm8(cpu: Cpu, value: number): void {
  const m = cpu.modrm;
  if (m >= 0xc0) cpu.reg8[REG8_INDEX[m & 7]!] = value;
  else write8(cpu, cpu.eaSegment, cpu.eaOffset, value & 0xff);
}
export function readRm16(cpu: Cpu): number {
  const m = cpu.modrm;
  return m >= 0xc0 ? cpu.reg16[(m & 7) << 1]! : read16(cpu, cpu.eaSegment, cpu.eaOffset);
}
export function writeRm16(cpu: Cpu, value: number): void {
  const m = cpu.modrm;
  if (m >= 0xc0) cpu.reg16[(m & 7) << 1] = value;
  else write16(cpu, cpu.eaSegment, cpu.eaOffset, value & 0xffff);
}
/** Signed int32. */
export function readRm32(cpu: Cpu): number {
  const m = cpu.modrm;
  return m >= 0xc0 ? cpu.reg32[m & 7]! : read32(cpu, cpu.eaSegment, cpu.eaOffset) | 0;
}
export function writeRm32(cpu: Cpu, value: number): void {
  const m = cpu.modrm;
  if (m >= 0xc0) cpu.reg32[m & 7] = value;
  else write32(cpu, cpu.eaSegment, cpu.eaOffset, value >>> 0);
}

/** Memory at the effective address plus `delta` (for m16:32 pointers, m64, BOUND pairs). */
export function eaPlus(cpu: Cpu, delta: number): number {
  return cpu.addrsize32 ? (cpu.eaOffset + delta) >>> 0 : (cpu.eaOffset + delta) & 0xffff;
}

// --- Decoded effective-address forms, for blocks.ts: the ModRM/SIB/displacement of a 32-bit
// memory operand parsed once into (base, index, scale, displacement, default segment), and
// turned into an address from the registers each time the instruction runs.

/** The form parsed by eaForm32At: -1 for an absent base or index. */
export let formBase = -1;
export let formIndex = -1;
export let formScale = 0;
export let formDisp = 0;
export let formSegment = DS;

/** Parses the 32-bit memory operand of `modrm` from ram[p…] into form*; returns the index after. */
export function eaForm32At(ram: Uint8Array, p: number, modrm: number): number {
  const mod = modrm >> 6;
  let rm = modrm & 7;
  formBase = -1;
  formIndex = -1;
  formScale = 0;
  formDisp = 0;
  formSegment = DS;
  if (rm === 4) {
    const sib = ram[p++]!;
    const index = (sib >> 3) & 7;
    if (index !== 4) {
      formIndex = index;
      formScale = sib >> 6;
    }
    rm = sib & 7;
    if (rm === 5 && mod === 0) {
      formDisp = dwordAt(ram, p);
      p += 4;
    } else {
      formBase = rm;
      if (rm === ESP || rm === EBP) formSegment = SS;
    }
  } else if (rm === 5 && mod === 0) {
    formDisp = dwordAt(ram, p);
    p += 4;
  } else {
    formBase = rm;
    if (rm === EBP) formSegment = SS;
  }
  if (mod === 1) {
    formDisp += (ram[p++]! << 24) >> 24;
  } else if (mod === 2) {
    formDisp += dwordAt(ram, p);
    p += 4;
  }
  return p;
}

/** Sets eaOffset/eaSegment for a parsed form, as decodeEa32 would for the same bytes. */
export function setEa32(
  cpu: Cpu,
  base: number,
  index: number,
  scale: number,
  disp: number,
  segment: number,
): void {
  let offset = disp;
  if (index >= 0) offset += cpu.reg32[index]! << scale;
  if (base >= 0) offset += cpu.reg32[base]!;
  eaBaseIsEsp = base === ESP;
  cpu.eaOffset = offset >>> 0;
  cpu.eaSegment = segment;
}
