// Control transfer (SDM vol. 2): Jcc, JMP, CALL, RET (near; far forms delegate to segments.ts),
// LOOP/LOOPE/LOOPNE, JCXZ/JECXZ, INT n/INT3/INTO/INT1 and IRET (delegated to interrupts.ts),
// BOUND, HLT.

import { read16, read32 } from '../access.ts';
import { type Cpu, CS, ECX, ExitReason, VEC_BR, VEC_GP, VEC_UD } from '../cpu.ts';
import { eaPlus, modrmReg, readRm16, readRm32 } from '../decode.ts';
import { raiseFault } from '../fault.ts';
import { getZF, testCondition } from '../flags.ts';
import { INT_N, INT1, INT3, INTO, iret, softwareInterrupt } from '../interrupts.ts';
import { callFar, jmpFar, retFar } from '../segments.ts';
import { pop16, pop32, push16, push32, stackOffset } from './stack.ts';

/** Near branch target: EIP + displacement, truncated to 16 bits for a 16-bit operand size. */
function nearTarget(cpu: Cpu, target: number): number {
  return cpu.opsize32 ? target >>> 0 : target & 0xffff;
}

/** Loads EIP with a near target after the CS limit check (#GP(0), SDM "JMP"). */
export function jumpNear(cpu: Cpu, target: number): void {
  if (target > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
  cpu.eip = target;
}

/** 70+cc Jcc Jb and 0F 80+cc Jcc Jz */
export function jccWith(cpu: Cpu, cc: number): void {
  if (testCondition(cpu, cc)) jumpNear(cpu, nearTarget(cpu, cpu.eip + cpu.imm));
}
export function jcc(cc: number): (cpu: Cpu) => void {
  return JCC[cc]!;
}
/** One handler per condition, each its own function literal, so V8 folds `cc` in each. */
const JCC: readonly ((cpu: Cpu) => void)[] = [
  (cpu) => jccWith(cpu, 0),
  (cpu) => jccWith(cpu, 1),
  (cpu) => jccWith(cpu, 2),
  (cpu) => jccWith(cpu, 3),
  (cpu) => jccWith(cpu, 4),
  (cpu) => jccWith(cpu, 5),
  (cpu) => jccWith(cpu, 6),
  (cpu) => jccWith(cpu, 7),
  (cpu) => jccWith(cpu, 8),
  (cpu) => jccWith(cpu, 9),
  (cpu) => jccWith(cpu, 10),
  (cpu) => jccWith(cpu, 11),
  (cpu) => jccWith(cpu, 12),
  (cpu) => jccWith(cpu, 13),
  (cpu) => jccWith(cpu, 14),
  (cpu) => jccWith(cpu, 15),
];

/** EB JMP Jb, E9 JMP Jz */
export function jmpRel(cpu: Cpu): void {
  jumpNear(cpu, nearTarget(cpu, cpu.eip + cpu.imm));
}
/** FF /4 JMP Ev */
export function jmpRm(cpu: Cpu): void {
  jumpNear(cpu, cpu.opsize32 ? readRm32(cpu) >>> 0 : readRm16(cpu));
}
/** E8 CALL Jz */
export function callRel(cpu: Cpu): void {
  const target = nearTarget(cpu, cpu.eip + cpu.imm);
  callNear(cpu, target);
}
/** FF /2 CALL Ev */
export function callRm(cpu: Cpu): void {
  callNear(cpu, cpu.opsize32 ? readRm32(cpu) >>> 0 : readRm16(cpu));
}
function callNear(cpu: Cpu, target: number): void {
  if (target > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
  if (cpu.opsize32) push32(cpu, cpu.eip);
  else push16(cpu, cpu.eip);
  cpu.eip = target;
}
/** C3 RET and C2 RET Iw (release Iw bytes of parameters). */
export function retNear(cpu: Cpu): void {
  const target = cpu.opsize32
    ? read32(cpu, 2, stackOffset(cpu, 0))
    : read16(cpu, 2, stackOffset(cpu, 0));
  if (target > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
  if (cpu.opsize32) pop32(cpu);
  else pop16(cpu);
  cpu.eip = target;
}
export function retNearIw(cpu: Cpu): void {
  retNear(cpu);
  const sp = stackOffset(cpu, cpu.imm);
  if (cpu.segAccess[2]! & 0x4000) cpu.reg32[4] = sp;
  else cpu.reg16[8] = sp;
}

/** EA JMP Ap */
export function jmpAp(cpu: Cpu): void {
  jmpFar(cpu, cpu.imm2, cpu.opsize32 ? cpu.imm >>> 0 : cpu.imm & 0xffff);
}
/** 9A CALL Ap */
export function callAp(cpu: Cpu): void {
  callFar(cpu, cpu.imm2, cpu.opsize32 ? cpu.imm >>> 0 : cpu.imm & 0xffff, cpu.opsize32);
}
/** Reads an m16:16 / m16:32 far pointer at the effective address: [offset, selector]. */
function readFarPointer(cpu: Cpu): void {
  const seg = cpu.eaSegment;
  if (cpu.opsize32) {
    cpu.imm = read32(cpu, seg, cpu.eaOffset) | 0;
    cpu.imm2 = read16(cpu, seg, eaPlus(cpu, 4));
  } else {
    cpu.imm = read16(cpu, seg, cpu.eaOffset);
    cpu.imm2 = read16(cpu, seg, eaPlus(cpu, 2));
  }
}
/** FF /5 JMP Mp */
export function jmpMp(cpu: Cpu): void {
  readFarPointer(cpu);
  jmpAp(cpu);
}
/** FF /3 CALL Mp */
export function callMp(cpu: Cpu): void {
  readFarPointer(cpu);
  callAp(cpu);
}
/** CB RETF and CA RETF Iw */
export function retf(cpu: Cpu): void {
  retFar(cpu, cpu.opsize32, 0);
}
export function retfIw(cpu: Cpu): void {
  retFar(cpu, cpu.opsize32, cpu.imm);
}

/** LOOP conditions on ZF. */
const LOOP_ALWAYS = 0;
const LOOP_IF_ZERO = 1;
const LOOP_IF_NOT_ZERO = 2;

/**
 * LOOP/LOOPE/LOOPNE: decrement (E)CX (by address size) and branch while it is not 0 and the
 * condition holds. The branch target is checked before the count is written, so a #GP leaves
 * (E)CX as it was for the restart.
 */
function loopBy(cpu: Cpu, condition: number): void {
  const count = cpu.addrsize32 ? cpu.reg32[ECX]! - 1 : (cpu.reg16[ECX << 1]! - 1) & 0xffff;
  let taken = count !== 0;
  if (taken && condition !== LOOP_ALWAYS) taken = getZF(cpu) === (condition === LOOP_IF_ZERO);
  const target = nearTarget(cpu, cpu.eip + cpu.imm);
  if (taken && target > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
  if (cpu.addrsize32) cpu.reg32[ECX] = count;
  else cpu.reg16[ECX << 1] = count;
  if (taken) cpu.eip = target;
}
/** E2 LOOP Jb */
export function loop(cpu: Cpu): void {
  loopBy(cpu, LOOP_ALWAYS);
}
/** E1 LOOPE Jb */
export function loope(cpu: Cpu): void {
  loopBy(cpu, LOOP_IF_ZERO);
}
/** E0 LOOPNE Jb */
export function loopne(cpu: Cpu): void {
  loopBy(cpu, LOOP_IF_NOT_ZERO);
}
/** E3 JCXZ/JECXZ Jb (by address size) */
export function jcxz(cpu: Cpu): void {
  const count = cpu.addrsize32 ? cpu.reg32[ECX]! : cpu.reg16[ECX << 1]!;
  if (count === 0) jumpNear(cpu, nearTarget(cpu, cpu.eip + cpu.imm));
}

/** CD INT Ib */
export function intIb(cpu: Cpu): void {
  softwareInterrupt(cpu, cpu.imm & 0xff, INT_N);
}
/** CC INT3 */
export function int3(cpu: Cpu): void {
  softwareInterrupt(cpu, 3, INT3);
}
/** CE INTO: INT 4 when OF is set. */
export function into(cpu: Cpu): void {
  softwareInterrupt(cpu, 4, INTO);
}
/** F1 INT1 (ICEBP): a #DB delivered like a hardware event. */
export function int1(cpu: Cpu): void {
  softwareInterrupt(cpu, 1, INT1);
}
/** CF IRET / IRETD */
export function iretHandler(cpu: Cpu): void {
  iret(cpu, cpu.opsize32);
}

/** 62 BOUND Gv, Ma: #BR unless lower ≤ index ≤ upper (signed). */
export function bound(cpu: Cpu): void {
  if (cpu.modrm >= 0xc0) raiseFault(cpu, VEC_UD);
  const g = modrmReg(cpu);
  const seg = cpu.eaSegment;
  let index: number;
  let lower: number;
  let upper: number;
  if (cpu.opsize32) {
    index = cpu.reg32[g]!;
    lower = read32(cpu, seg, cpu.eaOffset) | 0;
    upper = read32(cpu, seg, eaPlus(cpu, 4)) | 0;
  } else {
    index = (cpu.reg16[g << 1]! << 16) >> 16;
    lower = (read16(cpu, seg, cpu.eaOffset) << 16) >> 16;
    upper = (read16(cpu, seg, eaPlus(cpu, 2)) << 16) >> 16;
  }
  if (index < lower || index > upper) raiseFault(cpu, VEC_BR);
}

/** F4 HLT (CPL 0): ends run() with ExitReason.Hlt, EIP after the HLT. */
export function hlt(cpu: Cpu): void {
  if (cpu.cpl !== 0) raiseFault(cpu, VEC_GP, 0);
  cpu.pendingExit = ExitReason.Hlt;
}
