// Lazy arithmetic flags (Intel SDM vol. 1 §3.4.3, EFLAGS). An arithmetic instruction records
// its operation, operand size, operands and result; CF/PF/AF/ZF/SF/OF are computed only when
// something reads them (Jcc, SETcc, PUSHF, ADC …). Most results are never inspected, so this
// saves the six flag computations on nearly every ALU instruction.
//
// Representation (fields of Cpu):
// - cpu.flags holds every EFLAGS bit; an arithmetic bit there is valid only when it is NOT set in
//   cpu.flagsLazy.
// - cpu.flagsLazy: the arithmetic flags to derive from lazyOp/lazySize/lazyDst/lazySrc/
//   lazyResult. Operands and result are stored truncated to lazySize bits (32-bit ones as signed
//   int32, so the fields stay small integers for the JIT).

import {
  type Cpu,
  FLAG_AF,
  FLAG_CF,
  FLAG_OF,
  FLAG_PF,
  FLAG_SF,
  FLAG_ZF,
  FLAGS_ARITH,
} from './cpu.ts';

/** The lazily evaluated operations. ADC/SBB are only recorded with a carry-in of 1. */
export const LAZY_ADD = 0;
export const LAZY_ADC = 1;
export const LAZY_SUB = 2;
export const LAZY_SBB = 3;
/** AND/OR/XOR/TEST: CF = OF = 0, AF = 0 (undefined by Intel; 0 on hardware). */
export const LAZY_LOGIC = 4;

/** PF for every byte value: 1 when the number of set bits is even. */
const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b !== 0; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : FLAG_PF;
}

/** Records a lazy result: all six arithmetic flags (or `mask`) now come from these values. */
export function setLazy(
  cpu: Cpu,
  op: number,
  size: number,
  dst: number,
  src: number,
  result: number,
): void {
  cpu.lazyOp = op;
  cpu.lazySize = size;
  cpu.lazyDst = dst;
  cpu.lazySrc = src;
  cpu.lazyResult = result;
  cpu.flagsLazy = FLAGS_ARITH;
}

/** Sets the arithmetic flags SF/ZF/PF from `result` eagerly, plus explicit CF/OF/AF bits. */
export function setArith(cpu: Cpu, size: number, result: number, cfOfAf: number): void {
  cpu.flagsLazy = 0;
  cpu.flags = (cpu.flags & ~FLAGS_ARITH) | szp(size, result) | cfOfAf;
}

/** SF, ZF and PF of a `size`-bit result. */
export function szp(size: number, result: number): number {
  const masked = size === 32 ? result | 0 : result & ((1 << size) - 1);
  return (
    (masked === 0 ? FLAG_ZF : 0) |
    ((masked >>> (size - 1)) & 1 ? FLAG_SF : 0) |
    PARITY[masked & 0xff]!
  );
}

function lazyCf(cpu: Cpu): boolean {
  const dst = cpu.lazyDst >>> 0;
  const src = cpu.lazySrc >>> 0;
  const res = cpu.lazyResult >>> 0;
  switch (cpu.lazyOp) {
    case LAZY_ADD:
      return res < dst;
    case LAZY_ADC:
      return res <= dst;
    case LAZY_SUB:
      return dst < src;
    case LAZY_SBB:
      return dst <= src;
    default:
      return false;
  }
}

function lazyOf(cpu: Cpu): boolean {
  const shift = cpu.lazySize - 1;
  const dst = cpu.lazyDst;
  const src = cpu.lazySrc;
  const res = cpu.lazyResult;
  switch (cpu.lazyOp) {
    case LAZY_ADD:
    case LAZY_ADC:
      return !!((((dst ^ res) & (src ^ res)) >>> shift) & 1);
    case LAZY_SUB:
    case LAZY_SBB:
      return !!((((dst ^ src) & (dst ^ res)) >>> shift) & 1);
    default:
      return false;
  }
}

export function getCF(cpu: Cpu): boolean {
  return cpu.flagsLazy & FLAG_CF ? lazyCf(cpu) : (cpu.flags & FLAG_CF) !== 0;
}

export function getZF(cpu: Cpu): boolean {
  return cpu.flagsLazy & FLAG_ZF ? cpu.lazyResult === 0 : (cpu.flags & FLAG_ZF) !== 0;
}

export function getSF(cpu: Cpu): boolean {
  return cpu.flagsLazy & FLAG_SF
    ? ((cpu.lazyResult >>> (cpu.lazySize - 1)) & 1) !== 0
    : (cpu.flags & FLAG_SF) !== 0;
}

export function getOF(cpu: Cpu): boolean {
  return cpu.flagsLazy & FLAG_OF ? lazyOf(cpu) : (cpu.flags & FLAG_OF) !== 0;
}

export function getPF(cpu: Cpu): boolean {
  return cpu.flagsLazy & FLAG_PF
    ? PARITY[cpu.lazyResult & 0xff] !== 0
    : (cpu.flags & FLAG_PF) !== 0;
}

export function getAF(cpu: Cpu): boolean {
  if (!(cpu.flagsLazy & FLAG_AF)) return (cpu.flags & FLAG_AF) !== 0;
  if (cpu.lazyOp === LAZY_LOGIC) return false;
  return ((cpu.lazyDst ^ cpu.lazySrc ^ cpu.lazyResult) & 0x10) !== 0;
}

/** Folds the lazy flags into cpu.flags; afterwards cpu.flags alone is EFLAGS. */
export function materializeFlags(cpu: Cpu): void {
  const lazy = cpu.flagsLazy;
  if (lazy === 0) return;
  let value = 0;
  if (lazy & FLAG_CF && lazyCf(cpu)) value |= FLAG_CF;
  if (lazy & FLAG_PF) value |= PARITY[cpu.lazyResult & 0xff]!;
  if (lazy & FLAG_AF && getAF(cpu)) value |= FLAG_AF;
  if (lazy & FLAG_ZF && cpu.lazyResult === 0) value |= FLAG_ZF;
  if (lazy & FLAG_SF && (cpu.lazyResult >>> (cpu.lazySize - 1)) & 1) value |= FLAG_SF;
  if (lazy & FLAG_OF && lazyOf(cpu)) value |= FLAG_OF;
  cpu.flags = (cpu.flags & ~lazy) | (value & lazy);
  cpu.flagsLazy = 0;
}

/** EFLAGS as software sees it (PUSHF, interrupt frames, the host). Bit 1 always reads 1. */
export function getEflags(cpu: Cpu): number {
  materializeFlags(cpu);
  return (cpu.flags | 0x2) >>> 0;
}

/** EFLAGS bits that exist (ID … CF); the others are reserved: bit 1 reads 1, the rest 0. */
const EFLAGS_DEFINED = 0x003f7fd5;

/** Writes the EFLAGS bits in `mask` from `value`; other bits are unchanged. */
export function setEflags(cpu: Cpu, value: number, mask: number): void {
  materializeFlags(cpu);
  mask &= EFLAGS_DEFINED;
  cpu.flags = ((cpu.flags & ~mask) | (value & mask) | 0x2) >>> 0;
}

/** Condition codes tttn (SDM vol. 2 Appendix B.1.4.7), as used by Jcc, SETcc and CMOVcc. */
export function testCondition(cpu: Cpu, cc: number): boolean {
  let r: boolean;
  switch (cc >> 1) {
    case 0:
      r = getOF(cpu);
      break;
    case 1:
      r = getCF(cpu);
      break;
    case 2:
      r = getZF(cpu);
      break;
    case 3:
      r = getCF(cpu) || getZF(cpu);
      break;
    case 4:
      r = getSF(cpu);
      break;
    case 5:
      r = getPF(cpu);
      break;
    case 6:
      r = getSF(cpu) !== getOF(cpu);
      break;
    default:
      r = getZF(cpu) || getSF(cpu) !== getOF(cpu);
      break;
  }
  return cc & 1 ? !r : r;
}
