// Shifts, rotates and bit instructions (SDM vol. 2): group 2 (ROL ROR RCL RCR SHL SHR SAL SAR by
// 1, CL or Ib), SHLD/SHRD, BT/BTS/BTR/BTC (register and immediate bit offsets), BSF/BSR.

import { read8, write8 } from '../access.ts';
import { doubleShift, SH_RCL, SH_RCR, shift } from '../alu.ts';
import { type Cpu, ECX, FLAG_CF, FLAG_ZF } from '../cpu.ts';
import {
  modrmReg,
  readRm8,
  readRm16,
  readRm32,
  writeRm8,
  writeRm16,
  writeRm32,
} from '../decode.ts';
import { materializeFlags } from '../flags.ts';

/** Group 2 on Eb with the count from `countOf`. */
function shiftEb(cpu: Cpu, count: number): void {
  const op = modrmReg(cpu);
  const saved = savedFlagsForCarryRotate(cpu, op);
  const v = readRm8(cpu);
  const r = shift(cpu, op, 8, v, count);
  if ((count & 0x1f) === 0) return;
  if (saved < 0) writeRm8(cpu, r);
  else writeRestoringFlags(cpu, 8, r, saved);
}
function shiftEv(cpu: Cpu, count: number): void {
  const op = modrmReg(cpu);
  const saved = savedFlagsForCarryRotate(cpu, op);
  const size = cpu.opsize32 ? 32 : 16;
  const r = shift(cpu, op, size, size === 32 ? readRm32(cpu) : readRm16(cpu), count);
  if ((count & 0x1f) === 0) return;
  if (saved >= 0) writeRestoringFlags(cpu, size, r, saved);
  else if (size === 32) writeRm32(cpu, r);
  else writeRm16(cpu, r);
}

/**
 * RCL/RCR into memory consume CF before their write; if the write faults, the restarted
 * instruction must see the original CF. Returns EFLAGS to restore, or -1 when not needed.
 */
function savedFlagsForCarryRotate(cpu: Cpu, op: number): number {
  if (cpu.modrm >= 0xc0 || (op !== SH_RCL && op !== SH_RCR)) return -1;
  materializeFlags(cpu);
  return cpu.flags;
}

function writeRestoringFlags(cpu: Cpu, size: number, value: number, saved: number): void {
  try {
    if (size === 8) writeRm8(cpu, value);
    else if (size === 16) writeRm16(cpu, value);
    else writeRm32(cpu, value);
  } catch (e) {
    cpu.flagsLazy = 0;
    cpu.flags = saved;
    throw e;
  }
}

/** C0 group 2 Eb, Ib */
export function shiftEbIb(cpu: Cpu): void {
  shiftEb(cpu, cpu.imm);
}
/** C1 group 2 Ev, Ib */
export function shiftEvIb(cpu: Cpu): void {
  shiftEv(cpu, cpu.imm);
}
/** D0 group 2 Eb, 1 */
export function shiftEb1(cpu: Cpu): void {
  shiftEb(cpu, 1);
}
/** D1 group 2 Ev, 1 */
export function shiftEv1(cpu: Cpu): void {
  shiftEv(cpu, 1);
}
/** D2 group 2 Eb, CL */
export function shiftEbCl(cpu: Cpu): void {
  shiftEb(cpu, cpu.reg8[ECX << 2]!);
}
/** D3 group 2 Ev, CL */
export function shiftEvCl(cpu: Cpu): void {
  shiftEv(cpu, cpu.reg8[ECX << 2]!);
}

/** SHLD/SHRD Ev, Gv, Ib|CL */
function shiftDouble(cpu: Cpu, left: boolean, count: number): void {
  const g = modrmReg(cpu);
  if ((count & 0x1f) === 0) {
    // Still performs the read (and its faults) but changes nothing.
    if (cpu.opsize32) readRm32(cpu);
    else readRm16(cpu);
    return;
  }
  if (cpu.opsize32) {
    writeRm32(cpu, doubleShift(cpu, left, 32, readRm32(cpu), cpu.reg32[g]!, count));
  } else {
    writeRm16(cpu, doubleShift(cpu, left, 16, readRm16(cpu), cpu.reg16[g << 1]!, count));
  }
}
export function shldIb(cpu: Cpu): void {
  shiftDouble(cpu, true, cpu.imm);
}
export function shldCl(cpu: Cpu): void {
  shiftDouble(cpu, true, cpu.reg8[ECX << 2]!);
}
export function shrdIb(cpu: Cpu): void {
  shiftDouble(cpu, false, cpu.imm);
}
export function shrdCl(cpu: Cpu): void {
  shiftDouble(cpu, false, cpu.reg8[ECX << 2]!);
}

// --- BT family. Operation: 0 BT, 1 BTS, 2 BTR, 3 BTC.
// With a register bit offset and a memory operand, the offset addresses any bit relative to the
// effective address (signed); we access the containing byte, which is what software observes.

export const BT = 0;
export const BTS = 1;
export const BTR = 2;
export const BTC = 3;

function applyBit(value: number, bit: number, op: number): number {
  const mask = 1 << bit;
  switch (op) {
    case BTS:
      return value | mask;
    case BTR:
      return value & ~mask;
    case BTC:
      return value ^ mask;
    default:
      return value;
  }
}

function setCfFromBit(cpu: Cpu, set: boolean): void {
  materializeFlags(cpu);
  cpu.flags = set ? cpu.flags | FLAG_CF : cpu.flags & ~FLAG_CF;
}

/** BT* Ev, Gv (0F A3 AB B3 BB) */
export function btEvGv(op: number): (cpu: Cpu) => void {
  return (cpu) => {
    const g = modrmReg(cpu);
    if (cpu.modrm >= 0xc0) {
      btRegister(cpu, op, cpu.opsize32 ? cpu.reg32[g]! : cpu.reg16[g << 1]!);
      return;
    }
    // Memory: signed bit offset, byte granularity.
    const offset = cpu.opsize32 ? cpu.reg32[g]! : (cpu.reg16[g << 1]! << 16) >> 16;
    const byteDelta = Math.floor(offset / 8);
    const addr = cpu.addrsize32
      ? (cpu.eaOffset + byteDelta) >>> 0
      : (cpu.eaOffset + byteDelta) & 0xffff;
    const bit = offset & 7;
    const v = read8(cpu, cpu.eaSegment, addr);
    if (op !== BT) write8(cpu, cpu.eaSegment, addr, applyBit(v, bit, op) & 0xff);
    setCfFromBit(cpu, ((v >>> bit) & 1) !== 0);
  };
}

/** BT* Ev, Ib (0F BA /4–/7): the offset is taken modulo the operand size. */
export function btEvIb(op: number): (cpu: Cpu) => void {
  return (cpu) => {
    btRegister(cpu, op, cpu.imm);
  };
}

/** BT* on the r/m operand itself, with the offset modulo its size. */
function btRegister(cpu: Cpu, op: number, offset: number): void {
  if (cpu.opsize32) {
    const bit = offset & 31;
    const v = readRm32(cpu);
    if (op !== BT) writeRm32(cpu, applyBit(v, bit, op));
    setCfFromBit(cpu, ((v >>> bit) & 1) !== 0);
  } else {
    const bit = offset & 15;
    const v = readRm16(cpu);
    if (op !== BT) writeRm16(cpu, applyBit(v, bit, op) & 0xffff);
    setCfFromBit(cpu, ((v >>> bit) & 1) !== 0);
  }
}

/**
 * BSF/BSR Gv, Ev: ZF = source is zero (destination unchanged then, as on Intel hardware);
 * CF OF SF AF PF are undefined (left unchanged).
 */
export function bsf(cpu: Cpu): void {
  bitScan(cpu, false);
}
export function bsr(cpu: Cpu): void {
  bitScan(cpu, true);
}
function bitScan(cpu: Cpu, reverse: boolean): void {
  const g = modrmReg(cpu);
  const v = cpu.opsize32 ? readRm32(cpu) >>> 0 : readRm16(cpu);
  materializeFlags(cpu);
  if (v === 0) {
    cpu.flags |= FLAG_ZF;
    return;
  }
  cpu.flags &= ~FLAG_ZF;
  const index = reverse ? 31 - Math.clz32(v) : 31 - Math.clz32(v & -v);
  if (cpu.opsize32) cpu.reg32[g] = index;
  else cpu.reg16[g << 1] = index;
}
