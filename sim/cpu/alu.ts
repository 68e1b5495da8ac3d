// The integer ALU (Intel SDM vol. 2: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, INC, DEC, NEG and the
// shifts/rotates): pure functions of (operation, size, operands) that return the truncated
// result and record the flags in the CPU (lazily for add/sub/logic, eagerly for shifts).

import { type Cpu, FLAG_CF, FLAG_OF, FLAGS_ARITH } from './cpu.ts';
import {
  getCF,
  LAZY_ADC,
  LAZY_ADD,
  LAZY_LOGIC,
  LAZY_SBB,
  LAZY_SUB,
  materializeFlags,
  setArith,
  setLazy,
} from './flags.ts';

/** Group-1 operation numbers, in encoding order (opcode bits 5:3, or ModRM.reg of 80–83). */
export const ALU_ADD = 0;
export const ALU_OR = 1;
export const ALU_ADC = 2;
export const ALU_SBB = 3;
export const ALU_AND = 4;
export const ALU_SUB = 5;
export const ALU_XOR = 6;
export const ALU_CMP = 7;

/** `value` truncated to `size` bits (32-bit as signed int32). */
export function trunc(size: number, value: number): number {
  return size === 32 ? value | 0 : size === 16 ? value & 0xffff : value & 0xff;
}

/** Performs group-1 operation `op` and returns the result (the caller skips the write for CMP). */
export function alu(cpu: Cpu, op: number, size: number, dst: number, src: number): number {
  let res: number;
  switch (op) {
    case ALU_ADD:
      res = trunc(size, dst + src);
      setLazy(cpu, LAZY_ADD, size, dst, src, res);
      return res;
    case ALU_OR:
      res = trunc(size, dst | src);
      setLazy(cpu, LAZY_LOGIC, size, dst, src, res);
      return res;
    case ALU_ADC:
      if (getCF(cpu)) {
        res = trunc(size, dst + src + 1);
        setLazy(cpu, LAZY_ADC, size, dst, src, res);
      } else {
        res = trunc(size, dst + src);
        setLazy(cpu, LAZY_ADD, size, dst, src, res);
      }
      return res;
    case ALU_SBB:
      if (getCF(cpu)) {
        res = trunc(size, dst - src - 1);
        setLazy(cpu, LAZY_SBB, size, dst, src, res);
      } else {
        res = trunc(size, dst - src);
        setLazy(cpu, LAZY_SUB, size, dst, src, res);
      }
      return res;
    case ALU_AND:
      res = trunc(size, dst & src);
      setLazy(cpu, LAZY_LOGIC, size, dst, src, res);
      return res;
    case ALU_XOR:
      res = trunc(size, dst ^ src);
      setLazy(cpu, LAZY_LOGIC, size, dst, src, res);
      return res;
    default:
      res = trunc(size, dst - src);
      setLazy(cpu, LAZY_SUB, size, dst, src, res);
      return res;
  }
}

/** alu() for 32-bit operands (signed int32 in and out): no truncation by size. */
export function alu32(cpu: Cpu, op: number, dst: number, src: number): number {
  let res: number;
  switch (op) {
    case ALU_ADD:
      res = (dst + src) | 0;
      setLazy(cpu, LAZY_ADD, 32, dst, src, res);
      return res;
    case ALU_OR:
      res = dst | src;
      setLazy(cpu, LAZY_LOGIC, 32, dst, src, res);
      return res;
    case ALU_AND:
      res = dst & src;
      setLazy(cpu, LAZY_LOGIC, 32, dst, src, res);
      return res;
    case ALU_XOR:
      res = dst ^ src;
      setLazy(cpu, LAZY_LOGIC, 32, dst, src, res);
      return res;
    case ALU_SUB:
    case ALU_CMP:
      res = (dst - src) | 0;
      setLazy(cpu, LAZY_SUB, 32, dst, src, res);
      return res;
    default:
      return alu(cpu, op, 32, dst, src);
  }
}

/** Keeps CF as it is and makes the other five flags lazy (INC, DEC). */
function lazyKeepCf(
  cpu: Cpu,
  op: number,
  size: number,
  dst: number,
  src: number,
  res: number,
): void {
  if (cpu.flagsLazy & FLAG_CF) cpu.flags = getCF(cpu) ? cpu.flags | FLAG_CF : cpu.flags & ~FLAG_CF;
  setLazy(cpu, op, size, dst, src, res);
  cpu.flagsLazy = FLAGS_ARITH & ~FLAG_CF;
}

export function inc(cpu: Cpu, size: number, dst: number): number {
  const res = trunc(size, dst + 1);
  lazyKeepCf(cpu, LAZY_ADD, size, dst, 1, res);
  return res;
}

export function dec(cpu: Cpu, size: number, dst: number): number {
  const res = trunc(size, dst - 1);
  lazyKeepCf(cpu, LAZY_SUB, size, dst, 1, res);
  return res;
}

export function neg(cpu: Cpu, size: number, src: number): number {
  const res = trunc(size, -src);
  setLazy(cpu, LAZY_SUB, size, 0, src, res);
  return res;
}

/** Group-2 operation numbers (ModRM.reg of C0/C1/D0–D3). /6 is an alias of SHL on x86. */
export const SH_ROL = 0;
export const SH_ROR = 1;
export const SH_RCL = 2;
export const SH_RCR = 3;
export const SH_SHL = 4;
export const SH_SHR = 5;
export const SH_SAL = 6;
export const SH_SAR = 7;

/**
 * Shift/rotate group 2 (SDM vol. 2 "RCL/RCR/ROL/ROR", "SAL/SAR/SHL/SHR"). The count is masked
 * to 5 bits; a masked count of 0 changes neither operand nor flags. OF is defined only for
 * 1-bit shifts; for larger counts we apply the 1-bit formula to the last step, as Intel
 * hardware does. AF is undefined: shifts clear it, rotates leave it.
 */
export function shift(cpu: Cpu, op: number, size: number, dst: number, count: number): number {
  count &= 0x1f;
  if (count === 0) return dst;
  const udst = size === 32 ? dst >>> 0 : dst;
  const sign = size - 1;
  let res: number;
  let cf: number;
  let of: number;
  switch (op) {
    case SH_ROL: {
      const n = count % size;
      res = trunc(size, n === 0 ? udst : (udst << n) | (udst >>> (size - n)));
      cf = res & 1;
      of = ((res >>> sign) ^ cf) & 1;
      return rotateDone(cpu, res, cf, of);
    }
    case SH_ROR: {
      const n = count % size;
      res = trunc(size, n === 0 ? udst : (udst >>> n) | (udst << (size - n)));
      cf = (res >>> sign) & 1;
      of = ((res >>> sign) ^ (res >>> (sign - 1))) & 1;
      return rotateDone(cpu, res, cf, of);
    }
    case SH_RCL: {
      const n = count % (size + 1);
      let c = getCF(cpu) ? 1 : 0;
      res = udst;
      for (let i = 0; i < n; i++) {
        const out = (res >>> sign) & 1;
        res = trunc(size, (res << 1) | c);
        if (size === 32) res >>>= 0;
        c = out;
      }
      cf = c;
      of = ((res >>> sign) ^ cf) & 1;
      return rotateDone(cpu, trunc(size, res), cf, of);
    }
    case SH_RCR: {
      const n = count % (size + 1);
      let c = getCF(cpu) ? 1 : 0;
      res = udst;
      for (let i = 0; i < n; i++) {
        const out = res & 1;
        res = (res >>> 1) | (c << sign);
        if (size === 32) res >>>= 0;
        c = out;
      }
      cf = c;
      of = ((res >>> sign) ^ (res >>> (sign - 1))) & 1;
      return rotateDone(cpu, trunc(size, res), cf, of);
    }
    case SH_SHL:
    case SH_SAL:
      res = trunc(size, count < 32 ? udst << count : 0);
      cf = count <= size ? (udst >>> (size - count)) & 1 : 0;
      of = ((res >>> sign) ^ cf) & 1;
      break;
    case SH_SHR:
      res = count < 32 ? trunc(size, udst >>> count) : 0;
      cf = count <= size ? (udst >>> (count - 1)) & 1 : 0;
      // OF is defined for 1-bit shifts (the original sign); for larger counts we follow the
      // last 1-bit step, whose input already has a clear sign bit (as the 286 does).
      of = count === 1 ? (udst >>> sign) & 1 : 0;
      break;
    default: {
      const sdst = (udst << (32 - size)) >> (32 - size);
      res = trunc(size, sdst >> Math.min(count, 31));
      cf = (sdst >> Math.min(count - 1, 31)) & 1;
      of = 0;
      break;
    }
  }
  setArith(cpu, size, res, (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
  return res;
}

/** Rotates change only CF and OF. */
function rotateDone(cpu: Cpu, res: number, cf: number, of: number): number {
  materializeFlags(cpu);
  cpu.flags = (cpu.flags & ~(FLAG_CF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
  return res;
}

/**
 * SHLD/SHRD (SDM vol. 2): shift `dst` by `count` (mod 32), filling from `src`. For 16-bit
 * operands a count above 16 is undefined; we shift through the 32-bit concatenation as
 * hardware does.
 */
export function doubleShift(
  cpu: Cpu,
  left: boolean,
  size: number,
  dst: number,
  src: number,
  count: number,
): number {
  count &= 0x1f;
  if (count === 0) return dst;
  let res: number;
  let cf: number;
  const sign = size - 1;
  if (size === 32) {
    const d = dst >>> 0;
    const s = src >>> 0;
    if (left) {
      res = (d << count) | (s >>> (32 - count));
      cf = (d >>> (32 - count)) & 1;
    } else {
      res = (d >>> count) | (s << (32 - count));
      cf = (d >>> (count - 1)) & 1;
    }
    res |= 0;
  } else {
    // 16-bit: counts 17–31 are undefined; like hardware, keep shifting through dst:src:dst.
    const d = dst & 0xffff;
    const s = src & 0xffff;
    const n = count > 16 ? count - 16 : count;
    if (left) {
      const v = count > 16 ? ((s << 16) | d) >>> 0 : ((d << 16) | s) >>> 0;
      res = ((v << n) >>> 16) & 0xffff;
      cf = (v >>> (32 - n)) & 1;
    } else {
      const v = count > 16 ? ((d << 16) | s) >>> 0 : ((s << 16) | d) >>> 0;
      res = (v >>> n) & 0xffff;
      cf = (v >>> (n - 1)) & 1;
    }
  }
  const of = ((res >>> sign) ^ (dst >>> sign)) & 1;
  setArith(cpu, size, res, (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0));
  return res;
}
