// Stack instructions (SDM vol. 2: PUSH, POP, PUSHA/PUSHAD, POPA/POPAD, PUSHF, POPF, ENTER,
// LEAVE) and the push/pop helpers the other families use. The stack pointer is ESP or SP by
// SS.B (the descriptor's D/B bit); a push writes memory first and updates ESP only afterwards,
// so a faulting push leaves ESP unchanged.

import { read16, read32, write16, write32 } from '../access.ts';
import {
  type Cpu,
  EBP,
  ESP,
  FLAG_AC,
  FLAG_ID,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_RF,
  FLAG_VIF,
  FLAG_VIP,
  FLAG_VM,
  SS,
  VEC_GP,
} from '../cpu.ts';
import { eaBaseIsEsp, readRm16, readRm32, writeRm16, writeRm32 } from '../decode.ts';
import { raiseFault } from '../fault.ts';
import { getEflags, setEflags } from '../flags.ts';
import { loadSegment } from '../segments.ts';

/** Is the stack 32-bit (SS.B)? */
export function stack32(cpu: Cpu): boolean {
  return (cpu.segAccess[SS]! & 0x4000) !== 0;
}

/** ESP or SP as an offset in SS. */
export function stackTop(cpu: Cpu): number {
  return stack32(cpu) ? cpu.reg32[ESP]! >>> 0 : cpu.reg16[ESP << 1]!;
}

/** Offset `delta` bytes from the stack top, wrapped to the stack's address size. */
export function stackOffset(cpu: Cpu, delta: number): number {
  return stack32(cpu) ? (cpu.reg32[ESP]! + delta) >>> 0 : (cpu.reg16[ESP << 1]! + delta) & 0xffff;
}

/** Moves ESP (or SP alone) by `delta`. */
export function adjustStack(cpu: Cpu, delta: number): void {
  if (stack32(cpu)) cpu.reg32[ESP] = cpu.reg32[ESP]! + delta;
  else cpu.reg16[ESP << 1] = cpu.reg16[ESP << 1]! + delta;
}

export function push16(cpu: Cpu, value: number): void {
  write16(cpu, SS, stackOffset(cpu, -2), value & 0xffff);
  adjustStack(cpu, -2);
}

export function push32(cpu: Cpu, value: number): void {
  write32(cpu, SS, stackOffset(cpu, -4), value >>> 0);
  adjustStack(cpu, -4);
}

/** Pushes a word or dword by operand size. */
export function pushV(cpu: Cpu, value: number): void {
  if (cpu.opsize32) push32(cpu, value);
  else push16(cpu, value);
}

export function pop16(cpu: Cpu): number {
  const value = read16(cpu, SS, stackOffset(cpu, 0));
  adjustStack(cpu, 2);
  return value;
}

/** Signed int32. */
export function pop32(cpu: Cpu): number {
  const value = read32(cpu, SS, stackOffset(cpu, 0)) | 0;
  adjustStack(cpu, 4);
  return value;
}

export function popV(cpu: Cpu): number {
  return cpu.opsize32 ? pop32(cpu) : pop16(cpu);
}

// --- Handlers.

/** 50+r PUSH r16/r32. PUSH ESP pushes the value before the push (186 and later). */
export function pushReg(cpu: Cpu, r: number): void {
  pushV(cpu, cpu.opsize32 ? cpu.reg32[r]! : cpu.reg16[r << 1]!);
}

/** 58+r POP r16/r32. POP ESP: the popped value wins over the increment. */
export function popReg(cpu: Cpu, r: number): void {
  const value = popV(cpu);
  if (cpu.opsize32) cpu.reg32[r] = value;
  else cpu.reg16[r << 1] = value;
}

/** 68/6A PUSH Iz/Ibs. */
export function pushImm(cpu: Cpu): void {
  pushV(cpu, cpu.imm);
}

/** FF /6 PUSH Ev. */
export function pushRm(cpu: Cpu): void {
  pushV(cpu, cpu.opsize32 ? readRm32(cpu) : readRm16(cpu));
}

/**
 * 8F /0 POP Ev. An ESP-based address is computed with ESP already incremented (SDM vol. 2
 * "POP"); the decoder computed it with the old ESP, so it is adjusted here.
 */
export function popRm(cpu: Cpu): void {
  const size = cpu.opsize32 ? 4 : 2;
  const off = stackOffset(cpu, 0);
  const value = cpu.opsize32 ? read32(cpu, SS, off) | 0 : read16(cpu, SS, off);
  if (cpu.modrm >= 0xc0) {
    // POP (E)SP: the popped value replaces the incremented stack pointer.
    adjustStack(cpu, size);
    if (cpu.opsize32) writeRm32(cpu, value);
    else writeRm16(cpu, value);
    return;
  }
  if (cpu.addrsize32 && eaBaseIsEsp) cpu.eaOffset = (cpu.eaOffset + size) >>> 0;
  if (cpu.opsize32) writeRm32(cpu, value);
  else writeRm16(cpu, value);
  adjustStack(cpu, size);
}

/** 9C PUSHF/PUSHFD: VM and RF read as 0 in the pushed image. */
export function pushf(cpu: Cpu): void {
  checkIoplV86(cpu);
  const flags = getEflags(cpu) & ~(FLAG_VM | FLAG_RF);
  pushV(cpu, flags);
}

/**
 * 9D POPF/POPFD (SDM vol. 2 "POPF"): which bits may change depends on CPL and IOPL. IOPL changes
 * only at CPL 0; IF only when CPL ≤ IOPL, and otherwise silently keeps its value (the
 * "x86 problem" of chapter 1: a deprivileged kernel's POPF cannot restore IF); VM, VIP and VIF
 * never change; RF is cleared.
 */
export function popf(cpu: Cpu): void {
  checkIoplV86(cpu);
  const value = popV(cpu);
  let mask = 0x3fd5 | FLAG_NT | FLAG_AC | FLAG_ID;
  mask &= ~(FLAG_IOPL | FLAG_IF);
  const protectedMode = (cpu.cr0 & 1) !== 0;
  const iopl = (cpu.flags & FLAG_IOPL) >>> 12;
  if (!protectedMode || cpu.cpl === 0) mask |= FLAG_IOPL;
  if (!protectedMode || cpu.cpl <= iopl) mask |= FLAG_IF;
  if (!cpu.opsize32) mask &= 0xffff;
  setEflags(cpu, value, mask & ~(FLAG_VM | FLAG_VIP | FLAG_VIF | FLAG_RF));
  cpu.flags &= ~FLAG_RF;
}

/** In virtual-8086 mode PUSHF/POPF need IOPL 3 (no VME support). */
function checkIoplV86(cpu: Cpu): void {
  if (cpu.flags & FLAG_VM && (cpu.flags & FLAG_IOPL) !== FLAG_IOPL) raiseFault(cpu, VEC_GP, 0);
}

/** 60 PUSHA/PUSHAD: pushes EAX ECX EDX EBX, the original ESP, EBP ESI EDI. */
export function pusha(cpu: Cpu): void {
  const size = cpu.opsize32 ? 4 : 2;
  for (let r = 0; r < 8; r++) {
    const off = stackOffset(cpu, -size * (r + 1));
    if (cpu.opsize32) write32(cpu, SS, off, cpu.reg32[r]! >>> 0);
    else write16(cpu, SS, off, cpu.reg16[r << 1]!);
  }
  adjustStack(cpu, -8 * size);
}

/** 61 POPA/POPAD: the saved ESP slot is skipped. */
export function popa(cpu: Cpu): void {
  const size = cpu.opsize32 ? 4 : 2;
  const values = POPA_VALUES;
  for (let r = 7; r >= 0; r--) {
    const off = stackOffset(cpu, size * (7 - r));
    values[r] = cpu.opsize32 ? read32(cpu, SS, off) | 0 : read16(cpu, SS, off);
  }
  for (let r = 0; r < 8; r++) {
    if (r === ESP) continue;
    if (cpu.opsize32) cpu.reg32[r] = values[r]!;
    else cpu.reg16[r << 1] = values[r]!;
  }
  adjustStack(cpu, 8 * size);
}
const POPA_VALUES = new Int32Array(8);

/** 06/0E/16/1E, 0F A0/A8 PUSH Sreg. A 32-bit push writes the selector zero-extended. */
export function pushSeg(cpu: Cpu, seg: number): void {
  pushV(cpu, cpu.segSelector[seg]!);
}

/** 07/17/1F, 0F A1/A9 POP Sreg. The selector is loaded before ESP moves. */
export function popSeg(cpu: Cpu, seg: number): void {
  const off = stackOffset(cpu, 0);
  const selector = read16(cpu, SS, off);
  loadSegment(cpu, seg, selector);
  adjustStack(cpu, cpu.opsize32 ? 4 : 2);
}

/** C8 ENTER Iw, Ib (SDM vol. 2 "ENTER"): nesting level mod 32. */
export function enter(cpu: Cpu): void {
  const size = cpu.opsize32 ? 4 : 2;
  const frameSize = cpu.imm;
  const level = cpu.imm2 & 0x1f;
  const big = stack32(cpu);
  let sp = stackTop(cpu);
  const ebp = cpu.opsize32 ? cpu.reg32[EBP]! : cpu.reg16[EBP << 1]!;
  sp = wrapSp(big, sp - size);
  writeStack(cpu, sp, ebp);
  const frameTemp = sp;
  if (level > 0) {
    let bp = big ? cpu.reg32[EBP]! >>> 0 : cpu.reg16[EBP << 1]!;
    for (let i = 1; i < level; i++) {
      bp = wrapSp(big, bp - size);
      const v = cpu.opsize32 ? read32(cpu, SS, bp) : read16(cpu, SS, bp);
      sp = wrapSp(big, sp - size);
      writeStack(cpu, sp, v);
    }
    sp = wrapSp(big, sp - size);
    writeStack(cpu, sp, frameTemp);
  }
  sp = wrapSp(big, sp - frameSize);
  if (cpu.opsize32) cpu.reg32[EBP] = frameTemp;
  else cpu.reg16[EBP << 1] = frameTemp;
  if (big) cpu.reg32[ESP] = sp;
  else cpu.reg16[ESP << 1] = sp;
}

function wrapSp(big: boolean, value: number): number {
  return big ? value >>> 0 : value & 0xffff;
}

function writeStack(cpu: Cpu, offset: number, value: number): void {
  if (cpu.opsize32) write32(cpu, SS, offset, value >>> 0);
  else write16(cpu, SS, offset, value & 0xffff);
}

/** C9 LEAVE: ESP ← EBP, then POP EBP. */
export function leave(cpu: Cpu): void {
  const big = stack32(cpu);
  const bp = big ? cpu.reg32[EBP]! >>> 0 : cpu.reg16[EBP << 1]!;
  const value = cpu.opsize32 ? read32(cpu, SS, bp) | 0 : read16(cpu, SS, bp);
  const size = cpu.opsize32 ? 4 : 2;
  if (big) cpu.reg32[ESP] = bp + size;
  else cpu.reg16[ESP << 1] = bp + size;
  if (cpu.opsize32) cpu.reg32[EBP] = value;
  else cpu.reg16[EBP << 1] = value;
}
