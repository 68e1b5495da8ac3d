// Integer arithmetic (SDM vol. 2): the group-1 ALU forms (ADD OR ADC SBB AND SUB XOR CMP),
// TEST, INC/DEC, group 3 (NOT NEG MUL IMUL DIV IDIV), IMUL Gv,Ev(,I), CMPXCHG, CMPXCHG8B, XADD,
// the BCD adjustments (DAA DAS AAA AAS AAM AAD), CBW/CWDE, CWD/CDQ and SALC.

import { read32, write32 } from '../access.ts';
import { ALU_ADC, ALU_CMP, ALU_SBB, alu, alu32, dec, inc, neg } from '../alu.ts';
import {
  type Cpu,
  EAX,
  EBX,
  ECX,
  EDX,
  FLAG_AF,
  FLAG_CF,
  FLAG_OF,
  FLAG_ZF,
  VEC_DE,
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
import { getAF, getCF, getZF, LAZY_LOGIC, materializeFlags, setArith, setLazy } from '../flags.ts';
import type { Handler } from '../table.ts';

// --- Group 1 forms. `op` is the ALU operation (opcode bits 5:3 or ModRM.reg).
//
// The word/dword forms have one handler per operation, each its own function literal: V8
// shares type feedback and optimised code among closures of one literal, so only distinct
// literals let it fold `op` (and alu32's switch) into a constant per handler.

/** ADC/SBB with a memory destination: the write may fault after CF was consumed. */
function readsCarryIntoMemory(cpu: Cpu, op: number): boolean {
  return cpu.modrm < 0xc0 && (op === ALU_ADC || op === ALU_SBB);
}

/**
 * ADC/SBB into memory. The flags are computed before the write; if the write faults (say a
 * #PF on a read-only page), the instruction restarts and must see the CF it started with, so
 * EFLAGS is put back before the fault propagates.
 */
function carryIntoMemory(cpu: Cpu, op: number, size: number, src: number): void {
  materializeFlags(cpu);
  const saved = cpu.flags;
  const dst = size === 8 ? readRm8(cpu) : size === 16 ? readRm16(cpu) : readRm32(cpu);
  const r = alu(cpu, op, size, dst, src);
  try {
    if (size === 8) writeRm8(cpu, r);
    else if (size === 16) writeRm16(cpu, r);
    else writeRm32(cpu, r);
  } catch (e) {
    cpu.flagsLazy = 0;
    cpu.flags = saved;
    throw e;
  }
}

/** op Eb, Gb */
export function aluEbGbWith(cpu: Cpu, op: number): void {
  if (readsCarryIntoMemory(cpu, op)) {
    carryIntoMemory(cpu, op, 8, cpu.reg8[REG8_INDEX[modrmReg(cpu)]!]!);
    return;
  }
  const r = alu(cpu, op, 8, readRm8(cpu), cpu.reg8[REG8_INDEX[modrmReg(cpu)]!]!);
  if (op !== ALU_CMP) writeRm8(cpu, r);
}
export function aluEbGb(op: number): Handler {
  return (cpu) => aluEbGbWith(cpu, op);
}

/** op Ev, Gv */
export function aluEvGvWith(cpu: Cpu, op: number): void {
  const m = cpu.modrm;
  if (m >= 0xc0 && cpu.opsize32) {
    const rm = m & 7;
    const res = alu32(cpu, op, cpu.reg32[rm]!, cpu.reg32[(m >> 3) & 7]!);
    if (op !== ALU_CMP) cpu.reg32[rm] = res;
    return;
  }
  aluEvGvGeneral(cpu, op);
}
function aluEvGvGeneral(cpu: Cpu, op: number): void {
  const g = modrmReg(cpu);
  if (readsCarryIntoMemory(cpu, op)) {
    const size = cpu.opsize32 ? 32 : 16;
    carryIntoMemory(cpu, op, size, size === 32 ? cpu.reg32[g]! : cpu.reg16[g << 1]!);
    return;
  }
  if (cpu.opsize32) {
    const r = alu32(cpu, op, readRm32(cpu), cpu.reg32[g]!);
    if (op !== ALU_CMP) writeRm32(cpu, r);
  } else {
    const r = alu(cpu, op, 16, readRm16(cpu), cpu.reg16[g << 1]!);
    if (op !== ALU_CMP) writeRm16(cpu, r);
  }
}
export function aluEvGv(op: number): Handler {
  return ALU_EV_GV[op]!;
}
const ALU_EV_GV: readonly Handler[] = [
  (cpu) => aluEvGvWith(cpu, 0),
  (cpu) => aluEvGvWith(cpu, 1),
  (cpu) => aluEvGvWith(cpu, 2),
  (cpu) => aluEvGvWith(cpu, 3),
  (cpu) => aluEvGvWith(cpu, 4),
  (cpu) => aluEvGvWith(cpu, 5),
  (cpu) => aluEvGvWith(cpu, 6),
  (cpu) => aluEvGvWith(cpu, 7),
];

/** op Gb, Eb */
export function aluGbEbWith(cpu: Cpu, op: number): void {
  const i = REG8_INDEX[modrmReg(cpu)]!;
  const r = alu(cpu, op, 8, cpu.reg8[i]!, readRm8(cpu));
  if (op !== ALU_CMP) cpu.reg8[i] = r;
}
export function aluGbEb(op: number): Handler {
  return (cpu) => aluGbEbWith(cpu, op);
}

/** op Gv, Ev */
export function aluGvEvWith(cpu: Cpu, op: number): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) {
    const r = alu32(cpu, op, cpu.reg32[g]!, readRm32(cpu));
    if (op !== ALU_CMP) cpu.reg32[g] = r;
  } else {
    const r = alu(cpu, op, 16, cpu.reg16[g << 1]!, readRm16(cpu));
    if (op !== ALU_CMP) cpu.reg16[g << 1] = r;
  }
}
export function aluGvEv(op: number): Handler {
  return ALU_GV_EV[op]!;
}
const ALU_GV_EV: readonly Handler[] = [
  (cpu) => aluGvEvWith(cpu, 0),
  (cpu) => aluGvEvWith(cpu, 1),
  (cpu) => aluGvEvWith(cpu, 2),
  (cpu) => aluGvEvWith(cpu, 3),
  (cpu) => aluGvEvWith(cpu, 4),
  (cpu) => aluGvEvWith(cpu, 5),
  (cpu) => aluGvEvWith(cpu, 6),
  (cpu) => aluGvEvWith(cpu, 7),
];

/** op AL, Ib */
export function aluAlIbWith(cpu: Cpu, op: number): void {
  const r = alu(cpu, op, 8, cpu.reg8[0]!, cpu.imm & 0xff);
  if (op !== ALU_CMP) cpu.reg8[0] = r;
}
export function aluAlIb(op: number): Handler {
  return (cpu) => aluAlIbWith(cpu, op);
}

/** op eAX, Iz */
export function aluEaxIzWith(cpu: Cpu, op: number): void {
  if (cpu.opsize32) {
    const r = alu32(cpu, op, cpu.reg32[EAX]!, cpu.imm);
    if (op !== ALU_CMP) cpu.reg32[EAX] = r;
  } else {
    const r = alu(cpu, op, 16, cpu.reg16[0]!, cpu.imm & 0xffff);
    if (op !== ALU_CMP) cpu.reg16[0] = r;
  }
}
export function aluEaxIz(op: number): Handler {
  return ALU_EAX_IZ[op]!;
}
const ALU_EAX_IZ: readonly Handler[] = [
  (cpu) => aluEaxIzWith(cpu, 0),
  (cpu) => aluEaxIzWith(cpu, 1),
  (cpu) => aluEaxIzWith(cpu, 2),
  (cpu) => aluEaxIzWith(cpu, 3),
  (cpu) => aluEaxIzWith(cpu, 4),
  (cpu) => aluEaxIzWith(cpu, 5),
  (cpu) => aluEaxIzWith(cpu, 6),
  (cpu) => aluEaxIzWith(cpu, 7),
];

/** 80/82 /op Eb, Ib */
export function aluEbIbWith(cpu: Cpu, op: number): void {
  if (readsCarryIntoMemory(cpu, op)) {
    carryIntoMemory(cpu, op, 8, cpu.imm & 0xff);
    return;
  }
  const r = alu(cpu, op, 8, readRm8(cpu), cpu.imm & 0xff);
  if (op !== ALU_CMP) writeRm8(cpu, r);
}
export function aluEbIb(op: number): Handler {
  return (cpu) => aluEbIbWith(cpu, op);
}

/** 81 /op Ev, Iz and 83 /op Ev, Ibs (the immediate is already sign-extended). */
export function aluEvIWith(cpu: Cpu, op: number): void {
  const m = cpu.modrm;
  if (m >= 0xc0 && cpu.opsize32) {
    const rm = m & 7;
    const res = alu32(cpu, op, cpu.reg32[rm]!, cpu.imm | 0);
    if (op !== ALU_CMP) cpu.reg32[rm] = res;
    return;
  }
  aluEvIGeneral(cpu, op);
}
function aluEvIGeneral(cpu: Cpu, op: number): void {
  if (readsCarryIntoMemory(cpu, op)) {
    const size = cpu.opsize32 ? 32 : 16;
    carryIntoMemory(cpu, op, size, size === 32 ? cpu.imm | 0 : cpu.imm & 0xffff);
    return;
  }
  if (cpu.opsize32) {
    const r = alu32(cpu, op, readRm32(cpu), cpu.imm | 0);
    if (op !== ALU_CMP) writeRm32(cpu, r);
  } else {
    const r = alu(cpu, op, 16, readRm16(cpu), cpu.imm & 0xffff);
    if (op !== ALU_CMP) writeRm16(cpu, r);
  }
}
export function aluEvI(op: number): Handler {
  return ALU_EV_I[op]!;
}
const ALU_EV_I: readonly Handler[] = [
  (cpu) => aluEvIWith(cpu, 0),
  (cpu) => aluEvIWith(cpu, 1),
  (cpu) => aluEvIWith(cpu, 2),
  (cpu) => aluEvIWith(cpu, 3),
  (cpu) => aluEvIWith(cpu, 4),
  (cpu) => aluEvIWith(cpu, 5),
  (cpu) => aluEvIWith(cpu, 6),
  (cpu) => aluEvIWith(cpu, 7),
];

// --- TEST.

function testFlags(cpu: Cpu, size: number, result: number): void {
  setLazy(cpu, LAZY_LOGIC, size, result, result, result);
}

export function testEbGb(cpu: Cpu): void {
  testFlags(cpu, 8, readRm8(cpu) & cpu.reg8[REG8_INDEX[modrmReg(cpu)]!]!);
}
export function testEvGv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) testFlags(cpu, 32, readRm32(cpu) & cpu.reg32[g]!);
  else testFlags(cpu, 16, readRm16(cpu) & cpu.reg16[g << 1]!);
}
export function testAlIb(cpu: Cpu): void {
  testFlags(cpu, 8, cpu.reg8[0]! & cpu.imm);
}
export function testEaxIz(cpu: Cpu): void {
  if (cpu.opsize32) testFlags(cpu, 32, cpu.reg32[EAX]! & cpu.imm);
  else testFlags(cpu, 16, cpu.reg16[0]! & cpu.imm);
}
/** F6 /0 (and its alias /1) TEST Eb, Ib */
export function testEbIb(cpu: Cpu): void {
  testFlags(cpu, 8, readRm8(cpu) & cpu.imm);
}
/** F7 /0 (and /1) TEST Ev, Iz */
export function testEvIz(cpu: Cpu): void {
  if (cpu.opsize32) testFlags(cpu, 32, readRm32(cpu) & cpu.imm);
  else testFlags(cpu, 16, readRm16(cpu) & cpu.imm);
}

// --- INC/DEC.

/** 40+r INC r16/r32 */
export function incReg(cpu: Cpu, r: number): void {
  if (cpu.opsize32) cpu.reg32[r] = inc(cpu, 32, cpu.reg32[r]!);
  else cpu.reg16[r << 1] = inc(cpu, 16, cpu.reg16[r << 1]!);
}
/** 48+r DEC r16/r32 */
export function decReg(cpu: Cpu, r: number): void {
  if (cpu.opsize32) cpu.reg32[r] = dec(cpu, 32, cpu.reg32[r]!);
  else cpu.reg16[r << 1] = dec(cpu, 16, cpu.reg16[r << 1]!);
}
export function incEb(cpu: Cpu): void {
  writeRm8(cpu, inc(cpu, 8, readRm8(cpu)));
}
export function decEb(cpu: Cpu): void {
  writeRm8(cpu, dec(cpu, 8, readRm8(cpu)));
}
export function incEv(cpu: Cpu): void {
  if (cpu.opsize32) writeRm32(cpu, inc(cpu, 32, readRm32(cpu)));
  else writeRm16(cpu, inc(cpu, 16, readRm16(cpu)));
}
export function decEv(cpu: Cpu): void {
  if (cpu.opsize32) writeRm32(cpu, dec(cpu, 32, readRm32(cpu)));
  else writeRm16(cpu, dec(cpu, 16, readRm16(cpu)));
}

// --- Group 3: NOT, NEG.

export function notEb(cpu: Cpu): void {
  writeRm8(cpu, ~readRm8(cpu) & 0xff);
}
export function notEv(cpu: Cpu): void {
  if (cpu.opsize32) writeRm32(cpu, ~readRm32(cpu));
  else writeRm16(cpu, ~readRm16(cpu) & 0xffff);
}
export function negEb(cpu: Cpu): void {
  writeRm8(cpu, neg(cpu, 8, readRm8(cpu)));
}
export function negEv(cpu: Cpu): void {
  if (cpu.opsize32) writeRm32(cpu, neg(cpu, 32, readRm32(cpu)));
  else writeRm16(cpu, neg(cpu, 16, readRm16(cpu)));
}

// --- Multiplication. CF = OF = "the upper half is significant"; SF ZF AF PF are undefined
// (we set SF/ZF/PF from the low half and clear AF, like current Intel cores).

function mulFlags(cpu: Cpu, size: number, low: number, overflow: boolean): void {
  setArith(cpu, size, low, overflow ? FLAG_CF | FLAG_OF : 0);
}

/** High 32 bits of the unsigned 64-bit product of two uint32 (no precision loss). */
export function mulHigh32(a: number, b: number): number {
  a >>>= 0;
  b >>>= 0;
  const al = a & 0xffff;
  const ah = a >>> 16;
  const bl = b & 0xffff;
  const bh = b >>> 16;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = ((al * bl) >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + (lh >>> 16) + (hl >>> 16) + Math.floor(mid / 0x10000)) >>> 0;
}

/** High 32 bits of the signed 64-bit product of two int32. */
export function imulHigh32(a: number, b: number): number {
  let hi = mulHigh32(a, b);
  if (a < 0) hi -= b >>> 0;
  if (b < 0) hi -= a >>> 0;
  return hi | 0;
}

/** F6 /4 MUL Eb: AX ← AL × r/m8 */
export function mulEb(cpu: Cpu): void {
  const r = cpu.reg8[0]! * readRm8(cpu);
  cpu.reg16[0] = r;
  mulFlags(cpu, 8, r, r > 0xff);
}
/** F7 /4 MUL Ev: (E)DX:(E)AX ← (E)AX × r/m */
export function mulEv(cpu: Cpu): void {
  if (cpu.opsize32) {
    const src = readRm32(cpu);
    const a = cpu.reg32[EAX]!;
    const hi = mulHigh32(a, src);
    const lo = Math.imul(a, src);
    cpu.reg32[EAX] = lo;
    cpu.reg32[EDX] = hi;
    mulFlags(cpu, 32, lo, hi !== 0);
  } else {
    const r = cpu.reg16[0]! * readRm16(cpu);
    cpu.reg16[0] = r;
    cpu.reg16[EDX << 1] = r >>> 16;
    mulFlags(cpu, 16, r, r > 0xffff);
  }
}
/** F6 /5 IMUL Eb */
export function imulEb(cpu: Cpu): void {
  const r = ((cpu.reg8[0]! << 24) >> 24) * ((readRm8(cpu) << 24) >> 24);
  cpu.reg16[0] = r;
  mulFlags(cpu, 8, r, r !== (r << 24) >> 24);
}
/** F7 /5 IMUL Ev */
export function imulEv(cpu: Cpu): void {
  if (cpu.opsize32) {
    const src = readRm32(cpu);
    const a = cpu.reg32[EAX]!;
    const lo = Math.imul(a, src);
    const hi = imulHigh32(a, src);
    cpu.reg32[EAX] = lo;
    cpu.reg32[EDX] = hi;
    mulFlags(cpu, 32, lo, hi !== lo >> 31);
  } else {
    const r = ((cpu.reg16[0]! << 16) >> 16) * ((readRm16(cpu) << 16) >> 16);
    cpu.reg16[0] = r;
    cpu.reg16[EDX << 1] = r >> 16;
    mulFlags(cpu, 16, r, r !== (r << 16) >> 16);
  }
}

/** Signed multiply of two operands truncated to the operand size (IMUL Gv,Ev[,imm]). */
function imulTrunc(cpu: Cpu, a: number, b: number): number {
  if (cpu.opsize32) {
    const lo = Math.imul(a, b);
    mulFlags(cpu, 32, lo, imulHigh32(a, b) !== lo >> 31);
    return lo;
  }
  const r = ((a << 16) >> 16) * ((b << 16) >> 16);
  const lo = r & 0xffff;
  mulFlags(cpu, 16, lo, r !== (r << 16) >> 16);
  return lo;
}

/** 0F AF IMUL Gv, Ev */
export function imulGvEv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = imulTrunc(cpu, cpu.reg32[g]!, readRm32(cpu));
  else cpu.reg16[g << 1] = imulTrunc(cpu, cpu.reg16[g << 1]!, readRm16(cpu));
}
/** 69 IMUL Gv, Ev, Iz and 6B IMUL Gv, Ev, Ibs */
export function imulGvEvI(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) cpu.reg32[g] = imulTrunc(cpu, readRm32(cpu), cpu.imm);
  else cpu.reg16[g << 1] = imulTrunc(cpu, readRm16(cpu), cpu.imm);
}

// --- Division. #DE on a zero divisor or a quotient that does not fit. Flags are undefined
// and left unchanged.

/** F6 /6 DIV Eb */
export function divEb(cpu: Cpu): void {
  const d = readRm8(cpu);
  if (d === 0) raiseFault(cpu, VEC_DE);
  const n = cpu.reg16[0]!;
  const q = Math.floor(n / d);
  if (q > 0xff) raiseFault(cpu, VEC_DE);
  cpu.reg8[0] = q;
  cpu.reg8[1] = n % d;
}
/** F6 /7 IDIV Eb */
export function idivEb(cpu: Cpu): void {
  const d = (readRm8(cpu) << 24) >> 24;
  if (d === 0) raiseFault(cpu, VEC_DE);
  const n = (cpu.reg16[0]! << 16) >> 16;
  const q = Math.trunc(n / d);
  if (q > 127 || q < -128) raiseFault(cpu, VEC_DE);
  cpu.reg8[0] = q;
  cpu.reg8[1] = n % d;
}
/** F7 /6 DIV Ev */
export function divEv(cpu: Cpu): void {
  if (cpu.opsize32) {
    const d = readRm32(cpu) >>> 0;
    if (d === 0) raiseFault(cpu, VEC_DE);
    const hi = cpu.reg32[EDX]! >>> 0;
    const lo = cpu.reg32[EAX]! >>> 0;
    if (hi >= d) raiseFault(cpu, VEC_DE);
    divide64(hi, lo, d);
    cpu.reg32[EAX] = divQuotient;
    cpu.reg32[EDX] = divRemainder;
  } else {
    const d = readRm16(cpu);
    if (d === 0) raiseFault(cpu, VEC_DE);
    const n = cpu.reg16[EDX << 1]! * 0x10000 + cpu.reg16[0]!;
    const q = Math.floor(n / d);
    if (q > 0xffff) raiseFault(cpu, VEC_DE);
    cpu.reg16[0] = q;
    cpu.reg16[EDX << 1] = n % d;
  }
}
/** F7 /7 IDIV Ev */
export function idivEv(cpu: Cpu): void {
  if (cpu.opsize32) {
    const d = readRm32(cpu);
    if (d === 0) raiseFault(cpu, VEC_DE);
    let hi = cpu.reg32[EDX]!;
    let lo = cpu.reg32[EAX]! >>> 0;
    const negative = hi < 0;
    if (negative) {
      // Two's-complement negate the 64-bit dividend.
      lo = (~lo + 1) >>> 0;
      hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
    } else {
      hi >>>= 0;
    }
    const ad = d < 0 ? -d >>> 0 : d;
    if (hi >= ad) raiseFault(cpu, VEC_DE);
    divide64(hi, lo, ad);
    const qNeg = negative !== d < 0;
    if (qNeg ? divQuotient >>> 0 > 0x80000000 : divQuotient >>> 0 > 0x7fffffff) {
      raiseFault(cpu, VEC_DE);
    }
    cpu.reg32[EAX] = qNeg ? -(divQuotient >>> 0) : divQuotient;
    cpu.reg32[EDX] = negative ? -(divRemainder >>> 0) : divRemainder;
  } else {
    const d = (readRm16(cpu) << 16) >> 16;
    if (d === 0) raiseFault(cpu, VEC_DE);
    const n = (cpu.reg16[EDX << 1]! << 16) | cpu.reg16[0]!;
    const q = Math.trunc(n / d);
    if (q > 32767 || q < -32768) raiseFault(cpu, VEC_DE);
    cpu.reg16[0] = q;
    cpu.reg16[EDX << 1] = n % d;
  }
}

let divQuotient = 0;
let divRemainder = 0;

/** Unsigned (hi:lo) / d for hi < d, by restoring long division (exact, allocation-free). */
function divide64(hi: number, lo: number, d: number): void {
  let rem = hi;
  let q = 0;
  for (let i = 31; i >= 0; i--) {
    rem = rem * 2 + ((lo >>> i) & 1);
    q = q * 2;
    if (rem >= d) {
      rem -= d;
      q += 1;
    }
  }
  divQuotient = q | 0;
  divRemainder = rem | 0;
}

// --- CMPXCHG, CMPXCHG8B, XADD (486/586).

/** 0F B0 CMPXCHG Eb, Gb: compare AL with r/m; equal → r/m ← Gb, else AL ← r/m. */
export function cmpxchgEbGb(cpu: Cpu): void {
  const dst = readRm8(cpu);
  alu(cpu, ALU_CMP, 8, cpu.reg8[0]!, dst);
  // The destination is always written (with its old value when unequal), as on hardware.
  if (getZF(cpu)) writeRm8(cpu, cpu.reg8[REG8_INDEX[modrmReg(cpu)]!]!);
  else {
    writeRm8(cpu, dst);
    cpu.reg8[0] = dst;
  }
}
/** 0F B1 CMPXCHG Ev, Gv */
export function cmpxchgEvGv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  if (cpu.opsize32) {
    const dst = readRm32(cpu);
    alu(cpu, ALU_CMP, 32, cpu.reg32[EAX]!, dst);
    if (getZF(cpu)) writeRm32(cpu, cpu.reg32[g]!);
    else {
      writeRm32(cpu, dst);
      cpu.reg32[EAX] = dst;
    }
  } else {
    const dst = readRm16(cpu);
    alu(cpu, ALU_CMP, 16, cpu.reg16[0]!, dst);
    if (getZF(cpu)) writeRm16(cpu, cpu.reg16[g << 1]!);
    else {
      writeRm16(cpu, dst);
      cpu.reg16[0] = dst;
    }
  }
}
/** 0F C7 /1 CMPXCHG8B Mq: compare EDX:EAX with m64; equal → m64 ← ECX:EBX (ZF=1). */
export function cmpxchg8b(cpu: Cpu): void {
  const seg = cpu.eaSegment;
  const lo = read32(cpu, seg, cpu.eaOffset) | 0;
  const hi = read32(cpu, seg, eaPlus(cpu, 4)) | 0;
  materializeFlags(cpu);
  if (lo === cpu.reg32[EAX] && hi === cpu.reg32[EDX]) {
    write32(cpu, seg, cpu.eaOffset, cpu.reg32[EBX]! >>> 0);
    write32(cpu, seg, eaPlus(cpu, 4), cpu.reg32[ECX]! >>> 0);
    cpu.flags |= FLAG_ZF;
  } else {
    write32(cpu, seg, cpu.eaOffset, lo >>> 0);
    write32(cpu, seg, eaPlus(cpu, 4), hi >>> 0);
    cpu.reg32[EAX] = lo;
    cpu.reg32[EDX] = hi;
    cpu.flags &= ~FLAG_ZF;
  }
}
/**
 * 0F C0 XADD Eb, Gb: temp ← dst + src; src ← dst; dst ← temp. The destination is written last,
 * so `xadd al, al` leaves the sum; with a memory destination the register changes only after
 * the memory write succeeded.
 */
export function xaddEbGb(cpu: Cpu): void {
  const i = REG8_INDEX[modrmReg(cpu)]!;
  const dst = readRm8(cpu);
  const sum = alu(cpu, 0, 8, dst, cpu.reg8[i]!);
  if (cpu.modrm >= 0xc0) {
    cpu.reg8[i] = dst;
    writeRm8(cpu, sum);
  } else {
    writeRm8(cpu, sum);
    cpu.reg8[i] = dst;
  }
}
/** 0F C1 XADD Ev, Gv */
export function xaddEvGv(cpu: Cpu): void {
  const g = modrmReg(cpu);
  const memory = cpu.modrm < 0xc0;
  if (cpu.opsize32) {
    const dst = readRm32(cpu);
    const sum = alu(cpu, 0, 32, dst, cpu.reg32[g]!);
    if (!memory) cpu.reg32[g] = dst;
    writeRm32(cpu, sum);
    if (memory) cpu.reg32[g] = dst;
  } else {
    const dst = readRm16(cpu);
    const sum = alu(cpu, 0, 16, dst, cpu.reg16[g << 1]!);
    if (!memory) cpu.reg16[g << 1] = dst;
    writeRm16(cpu, sum);
    if (memory) cpu.reg16[g << 1] = dst;
  }
}

// --- Sign extension.

/** 98 CBW / CWDE */
export function cbw(cpu: Cpu): void {
  if (cpu.opsize32) cpu.reg32[EAX] = (cpu.reg16[0]! << 16) >> 16;
  else cpu.reg16[0] = (cpu.reg8[0]! << 24) >> 24;
}
/** 99 CWD / CDQ */
export function cwd(cpu: Cpu): void {
  if (cpu.opsize32) cpu.reg32[EDX] = cpu.reg32[EAX]! >> 31;
  else cpu.reg16[EDX << 1] = (cpu.reg16[0]! << 16) >> 31;
}

// --- Decimal adjustments (SDM vol. 2 pseudocode). OF (and for AAA/AAS, SF ZF PF) undefined.

function bcdFlags(cpu: Cpu, al: number, cf: boolean, af: boolean): void {
  setArith(cpu, 8, al, (cf ? FLAG_CF : 0) | (af ? FLAG_AF : 0));
}

/** 27 DAA */
export function daa(cpu: Cpu): void {
  const oldAl = cpu.reg8[0]!;
  const oldCf = getCF(cpu);
  let al = oldAl;
  let cf = false;
  let af = false;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    al += 6;
    cf = oldCf || al > 0xff;
    al &= 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al + 0x60) & 0xff;
    cf = true;
  } else {
    cf = false;
  }
  cpu.reg8[0] = al;
  bcdFlags(cpu, al, cf, af);
}
/** 2F DAS */
export function das(cpu: Cpu): void {
  const oldAl = cpu.reg8[0]!;
  const oldCf = getCF(cpu);
  let al = oldAl;
  let cf = false;
  let af = false;
  if ((al & 0x0f) > 9 || getAF(cpu)) {
    cf = oldCf || al < 6;
    al = (al - 6) & 0xff;
    af = true;
  }
  if (oldAl > 0x99 || oldCf) {
    al = (al - 0x60) & 0xff;
    cf = true;
  }
  cpu.reg8[0] = al;
  bcdFlags(cpu, al, cf, af);
}
/** 37 AAA: AX ← AX + 106h when the low nibble overflowed (286 and later). */
export function aaa(cpu: Cpu): void {
  const adjust = (cpu.reg8[0]! & 0x0f) > 9 || getAF(cpu);
  if (adjust) cpu.reg16[0] = cpu.reg16[0]! + 0x106;
  cpu.reg8[0] = cpu.reg8[0]! & 0x0f;
  bcdFlags(cpu, cpu.reg8[0]!, adjust, adjust);
}
/** 3F AAS: AX ← AX − 6, AH ← AH − 1 when the low nibble borrowed. */
export function aas(cpu: Cpu): void {
  const adjust = (cpu.reg8[0]! & 0x0f) > 9 || getAF(cpu);
  if (adjust) {
    cpu.reg16[0] = cpu.reg16[0]! - 6;
    cpu.reg8[1] = cpu.reg8[1]! - 1;
  }
  cpu.reg8[0] = cpu.reg8[0]! & 0x0f;
  bcdFlags(cpu, cpu.reg8[0]!, adjust, adjust);
}
/** D4 ib AAM: AH ← AL / imm8, AL ← AL mod imm8; #DE when imm8 = 0. */
export function aam(cpu: Cpu): void {
  const base = cpu.imm & 0xff;
  if (base === 0) raiseFault(cpu, VEC_DE);
  const al = cpu.reg8[0]!;
  cpu.reg8[1] = Math.floor(al / base);
  cpu.reg8[0] = al % base;
  setArith(cpu, 8, cpu.reg8[0]!, 0);
}
/** D5 ib AAD: AL ← (AL + AH × imm8) & FFh, AH ← 0. Flags as for the byte addition. */
export function aad(cpu: Cpu): void {
  const product = (cpu.reg8[1]! * (cpu.imm & 0xff)) & 0xff;
  const al = alu(cpu, 0, 8, cpu.reg8[0]!, product);
  cpu.reg16[0] = al;
}
/** D6 SALC (undocumented): AL ← CF ? FFh : 0. */
export function salc(cpu: Cpu): void {
  cpu.reg8[0] = getCF(cpu) ? 0xff : 0;
}
