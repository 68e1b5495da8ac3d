// Protected-mode segmentation and privilege: Intel SDM vol. 3A §3.4 (descriptors), §5.5–5.8
// (privilege checks, call gates, stack switching), §7.2.1 (TSS stack pointers), vol. 2 (MOV/POP
// Sreg, far JMP/CALL/RET, LAR/LSL/VERR/VERW, LLDT/LTR pseudocode). Xen counterpart: Xen checks
// the guest's GDT/LDT entries (arch/x86/mm.c) so that this hardware check is safe to rely on.
//
// Far JMP/CALL to a TSS or a task gate switch tasks (tasks.ts). In virtual-8086 mode segment
// loads and far transfers behave as in real mode, with 64 KiB ring-3 data attributes.
//
// Descriptors are read into module scratch (descLo/descHi/descAddr) so nothing is allocated.

import type { PhysMemory } from '../memory/memory.ts';
import { readLinearAs, writeLinearAs } from './access.ts';
import {
  type Cpu,
  CR0_PE,
  CS,
  DS,
  ES,
  FLAG_VM,
  FS,
  GS,
  HostMode,
  LDTR,
  SS,
  TR,
  VEC_GP,
  VEC_NP,
  VEC_SS,
  VEC_TS,
} from './cpu.ts';
import { raiseFault } from './fault.ts';
import { TASK_CALL, TASK_JMP, taskSwitch } from './tasks.ts';

/** Descriptor access-byte bits (byte 5) and type values. */
export const DESC_ACCESSED = 0x01;
export const DESC_RW = 0x02;
export const DESC_CONFORMING = 0x04;
export const DESC_CODE = 0x08;
export const DESC_S = 0x10;
export const DESC_P = 0x80;
/** Byte 6 bits as they sit in segAccess (shifted left by 8). */
export const DESC_DB = 0x4000;
export const DESC_G = 0x8000;
export const TYPE_LDT = 0x2;
export const TYPE_TSS16_AVAIL = 0x1;
export const TYPE_TSS16_BUSY = 0x3;
export const TYPE_CALL_GATE16 = 0x4;
export const TYPE_TASK_GATE = 0x5;
export const TYPE_INT_GATE16 = 0x6;
export const TYPE_TRAP_GATE16 = 0x7;
export const TYPE_TSS32_AVAIL = 0x9;
export const TYPE_TSS32_BUSY = 0xb;
export const TYPE_CALL_GATE32 = 0xc;
export const TYPE_INT_GATE32 = 0xe;
export const TYPE_TRAP_GATE32 = 0xf;

// --- Descriptor scratch: the last descriptor read.
export let descLo = 0;
export let descHi = 0;
let descAddr = 0;

/** True in protected mode outside virtual-8086 mode. */
export function isProtected(cpu: Cpu): boolean {
  return (cpu.cr0 & CR0_PE) !== 0 && (cpu.flags & FLAG_VM) === 0;
}

/**
 * Reads the descriptor for `selector` from the GDT or LDT into descLo/descHi. Returns false
 * when it lies outside the table (or the LDT is unusable); the caller decides what to raise.
 */
export function fetchDescriptor(cpu: Cpu, selector: number): boolean {
  const index = selector & 0xfff8;
  let base: number;
  let limit: number;
  if ((selector & 4) !== 0) {
    if ((cpu.segAccess[LDTR]! & DESC_P) === 0) return false;
    base = cpu.segBase[LDTR]!;
    limit = cpu.segLimit[LDTR]!;
  } else {
    base = cpu.gdtBase;
    limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) return false;
  descAddr = (base + index) | 0;
  descLo = readLinearAs(cpu, descAddr, 4, false);
  descHi = readLinearAs(cpu, (descAddr + 4) | 0, 4, false);
  return true;
}

/** fetchDescriptor, raising `vector`(selector) when the selector is outside its table. */
export function readDescriptor(cpu: Cpu, selector: number, vector: number, ext: number): void {
  if (!fetchDescriptor(cpu, selector)) raiseFault(cpu, vector, (selector & 0xfffc) | ext);
}

export function descBase(lo: number, hi: number): number {
  return (lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000) | 0;
}

export function descLimit(lo: number, hi: number): number {
  const raw = (lo & 0xffff) | (hi & 0xf0000);
  return (hi & 0x800000) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** The segAccess form: access byte in bits 0–7, flags nibble (AVL, L, D/B, G) in 12–15. */
export function descAccess(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

export function descDpl(hi: number): number {
  return (hi >>> 13) & 3;
}

/** Sets the accessed bit of the last descriptor read, as the processor does on a load. */
export function markAccessed(cpu: Cpu): void {
  if ((descHi & (DESC_ACCESSED << 8)) === 0) {
    descHi |= DESC_ACCESSED << 8;
    writeLinearAs(cpu, (descAddr + 4) | 0, 4, descHi, false);
  }
}

/** Loads a descriptor cache from the last descriptor read. */
export function setCache(cpu: Cpu, seg: number, selector: number, lo: number, hi: number): void {
  cpu.segSelector[seg] = selector;
  cpu.segBase[seg] = descBase(lo, hi);
  cpu.segLimit[seg] = descLimit(lo, hi);
  cpu.segAccess[seg] = descAccess(hi);
}

/** Marks a data segment register as holding the null selector: unusable until reloaded. */
function setNull(cpu: Cpu, seg: number, selector: number): void {
  cpu.segSelector[seg] = selector;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0;
  cpu.segAccess[seg] = 0;
}

/** Real mode and V86: the base is selector × 16; limit and attributes stay (unreal mode). */
function loadReal(cpu: Cpu, seg: number, selector: number): void {
  cpu.segSelector[seg] = selector;
  cpu.segBase[seg] = selector << 4;
  if ((cpu.flags & FLAG_VM) !== 0) {
    cpu.segLimit[seg] = 0xffff;
    cpu.segAccess[seg] = seg === CS ? 0xfb : 0xf3;
  }
}

/**
 * MOV/POP to a segment register, and LDS/LES/LFS/LGS/LSS (SDM vol. 2 "MOV", "POP"). CS is
 * loaded only through far transfers (callers raise #UD for MOV CS).
 */
export function loadSegment(cpu: Cpu, seg: number, selector: number): void {
  selector &= 0xffff;
  if (!isProtected(cpu)) {
    loadReal(cpu, seg, selector);
    return;
  }
  if (seg === CS) throw new Error('loadSegment: CS is loaded by far transfers only');
  const rpl = selector & 3;
  const err = selector & 0xfffc;
  if (seg === SS) {
    if ((selector & 0xfffc) === 0 || rpl !== cpu.cpl) raiseFault(cpu, VEC_GP, err);
    readDescriptor(cpu, selector, VEC_GP, 0);
    const access = descAccess(descHi);
    if ((access & (DESC_S | DESC_CODE | DESC_RW)) !== (DESC_S | DESC_RW)) {
      raiseFault(cpu, VEC_GP, err);
    }
    if (descDpl(descHi) !== cpu.cpl) raiseFault(cpu, VEC_GP, err);
    if ((access & DESC_P) === 0) raiseFault(cpu, VEC_SS, err);
    markAccessed(cpu);
    setCache(cpu, SS, selector, descLo, descHi);
    return;
  }
  if ((selector & 0xfffc) === 0) {
    setNull(cpu, seg, selector);
    return;
  }
  readDescriptor(cpu, selector, VEC_GP, 0);
  const access = descAccess(descHi);
  const code = (access & DESC_CODE) !== 0;
  if ((access & DESC_S) === 0 || (code && (access & DESC_RW) === 0)) raiseFault(cpu, VEC_GP, err);
  const dpl = descDpl(descHi);
  const conformingCode = code && (access & DESC_CONFORMING) !== 0;
  if (!conformingCode && (rpl > dpl || cpu.cpl > dpl)) raiseFault(cpu, VEC_GP, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, err);
  markAccessed(cpu);
  setCache(cpu, seg, selector, descLo, descHi);
}

// --- Stack frames built on a stack that is not (yet) SS: checks against the given cache
// values, so a fault leaves the registers untouched. Module scratch keeps it allocation-free.
let stkBase = 0;
let stkLimit = 0;
let stkAccess = 0;
let stkEsp = 0;
let stkMask = 0;
let stkUser = false;
let stkVector = 0;
let stkError = 0;

/** Starts pushing at `esp` on a stack with the given cache; faults raise vector(error). */
export function stackBegin(
  cpu: Cpu,
  base: number,
  limit: number,
  access: number,
  esp: number,
  vector: number,
  error: number,
): void {
  stkBase = base;
  stkLimit = limit;
  stkAccess = access;
  stkMask = (access & DESC_DB) !== 0 ? 0xffffffff : 0xffff;
  stkEsp = (esp & stkMask) >>> 0;
  stkUser = ((access >>> 5) & 3) === 3 && isProtected(cpu);
  stkVector = vector;
  stkError = error;
}

function stackOffsetOk(offset: number, size: number): boolean {
  const last = offset + size - 1;
  if ((stkAccess & (DESC_CODE | DESC_CONFORMING)) === DESC_CONFORMING) {
    const upper = (stkAccess & DESC_DB) !== 0 ? 0xffffffff : 0xffff;
    return offset > stkLimit && last <= upper;
  }
  return last <= stkLimit;
}

/** Pushes `value` (size 2 or 4 bytes) on the stack begun with stackBegin. */
export function stackPush(cpu: Cpu, size: 2 | 4, value: number): void {
  const esp = (stkEsp - size) & stkMask;
  if (!stackOffsetOk(esp >>> 0, size)) raiseFault(cpu, stkVector, stkError);
  writeLinearAs(cpu, (stkBase + esp) | 0, size, value, stkUser);
  stkEsp = esp >>> 0;
}

/** Reads `size` bytes at `byteOffset` above the stack pointer, without popping. */
export function stackPeek(cpu: Cpu, size: 2 | 4, byteOffset: number): number {
  const offset = ((stkEsp + byteOffset) & stkMask) >>> 0;
  if (!stackOffsetOk(offset, size)) raiseFault(cpu, stkVector, stkError);
  return readLinearAs(cpu, (stkBase + offset) | 0, size, stkUser);
}

/** The stack pointer after the pushes, to be committed by the caller. */
export function stackEsp(): number {
  return stkEsp;
}

/** Writes ESP or SP according to the SS size, keeping the upper half for 16-bit stacks. */
export function setStackPointer(cpu: Cpu, esp: number): void {
  if ((cpu.segAccess[SS]! & DESC_DB) !== 0) cpu.reg32[4] = esp;
  else cpu.reg16[8] = esp;
}

/** Starts a stack-frame operation on the current SS:ESP (faults #SS(0)). */
export function stackBeginCurrent(cpu: Cpu): void {
  stackBegin(
    cpu,
    cpu.segBase[SS]!,
    cpu.segLimit[SS]!,
    cpu.segAccess[SS]!,
    cpu.reg32[4]! >>> 0,
    VEC_SS,
    0,
  );
}

/**
 * Reads the inner stack SS:ESP for privilege `dpl` from the current TSS (SDM §7.2.1).
 * Returns the ESP; the SS selector is left in tssSs. Faults #TS(TR selector).
 */
export let tssSs = 0;
export function readTssStack(cpu: Cpu, dpl: number, ext: number): number {
  const tss32 = (cpu.segAccess[TR]! & 0x8) !== 0;
  const offset = tss32 ? 4 + dpl * 8 : 2 + dpl * 4;
  const width = tss32 ? 4 : 2;
  if (offset + width * 2 - 1 > cpu.segLimit[TR]!) {
    raiseFault(cpu, VEC_TS, (cpu.segSelector[TR]! & 0xfffc) | ext);
  }
  const base = cpu.segBase[TR]!;
  const esp = readLinearAs(cpu, (base + offset) | 0, width, false);
  tssSs = readLinearAs(cpu, (base + offset + width) | 0, 2, false);
  return esp;
}

/**
 * Checks the inner stack segment `selector` for privilege `dpl` (#TS, or #SS if not present)
 * and leaves its descriptor in descLo/descHi.
 */
export function checkInnerStack(cpu: Cpu, selector: number, dpl: number, ext: number): void {
  const err = (selector & 0xfffc) | ext;
  if ((selector & 0xfffc) === 0) raiseFault(cpu, VEC_TS, ext);
  if ((selector & 3) !== dpl) raiseFault(cpu, VEC_TS, err);
  readDescriptor(cpu, selector, VEC_TS, ext);
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE | DESC_RW)) !== (DESC_S | DESC_RW))
    raiseFault(cpu, VEC_TS, err);
  if (descDpl(descHi) !== dpl) raiseFault(cpu, VEC_TS, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_SS, err);
}

/** After a return to an outer level: data segments the new CPL may not use become null. */
function nullInaccessibleSegments(cpu: Cpu): void {
  for (const seg of DATA_SEGMENTS) {
    const access = cpu.segAccess[seg]!;
    const conformingCode =
      (access & (DESC_CODE | DESC_CONFORMING)) === (DESC_CODE | DESC_CONFORMING);
    if (!conformingCode && ((access >>> 5) & 3) < cpu.cpl) setNull(cpu, seg, 0);
  }
}
const DATA_SEGMENTS = [ES, DS, FS, GS] as const;

/** Checks the code descriptor in descLo/descHi as a direct far JMP/CALL target (no gate). */
function checkCodeTarget(cpu: Cpu, selector: number, err: number): void {
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE)) !== (DESC_S | DESC_CODE)) raiseFault(cpu, VEC_GP, err);
  const dpl = descDpl(descHi);
  if ((access & DESC_CONFORMING) !== 0) {
    if (dpl > cpu.cpl) raiseFault(cpu, VEC_GP, err);
  } else if ((selector & 3) > cpu.cpl || dpl !== cpu.cpl) {
    raiseFault(cpu, VEC_GP, err);
  }
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, err);
}

/** Loads CS from descLo/descHi with RPL = CPL and jumps to `offset` (limit-checked, #GP(0)). */
export function commitCs(cpu: Cpu, selector: number, offset: number, cpl: number): void {
  if (offset > descLimit(descLo, descHi)) raiseFault(cpu, VEC_GP, 0);
  markAccessed(cpu);
  setCache(cpu, CS, (selector & 0xfffc) | cpl, descLo, descHi);
  cpu.cpl = cpl;
  cpu.eip = offset;
}

/** In PV host mode ring 0 is the host's: no far transfer may land there. */
export function refuseRing0(cpu: Cpu, dpl: number, err: number): void {
  if (cpu.hostMode === HostMode.Pv && dpl === 0) raiseFault(cpu, VEC_GP, err);
}

/** Far JMP (SDM vol. 2 "JMP", protected-mode far jumps incl. call gates). */
export function jmpFar(cpu: Cpu, selector: number, offset: number): void {
  selector &= 0xffff;
  offset >>>= 0;
  if (!isProtected(cpu)) {
    loadReal(cpu, CS, selector);
    cpu.eip = offset;
    return;
  }
  const err = selector & 0xfffc;
  if (err === 0) raiseFault(cpu, VEC_GP, 0);
  readDescriptor(cpu, selector, VEC_GP, 0);
  if ((descHi & (DESC_S << 8)) !== 0) {
    checkCodeTarget(cpu, selector, err);
    commitCs(cpu, selector, offset, cpu.cpl);
    return;
  }
  const type = (descHi >>> 8) & 0xf;
  if (switchesTask(cpu, selector, type, TASK_JMP)) return;
  if (type !== TYPE_CALL_GATE16 && type !== TYPE_CALL_GATE32) raiseFault(cpu, VEC_GP, err);
  const gateOffset = gateTarget(cpu, selector, type);
  const target = gateSelectorScratch;
  const terr = target & 0xfffc;
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE)) !== (DESC_S | DESC_CODE)) raiseFault(cpu, VEC_GP, terr);
  const dpl = descDpl(descHi);
  if ((access & DESC_CONFORMING) !== 0 ? dpl > cpu.cpl : dpl !== cpu.cpl) {
    raiseFault(cpu, VEC_GP, terr);
  }
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, terr);
  commitCs(cpu, target, gateOffset, cpu.cpl);
}

/**
 * Far JMP/CALL to a TSS descriptor or a task gate (system descriptor in descLo/descHi, of
 * `type`): checks the privilege of the descriptor named by `selector` and switches tasks.
 * Returns false for other types.
 */
function switchesTask(cpu: Cpu, selector: number, type: number, source: number): boolean {
  const err = selector & 0xfffc;
  const tss = type === TYPE_TSS16_AVAIL || type === TYPE_TSS32_AVAIL;
  const busyTss = type === TYPE_TSS16_BUSY || type === TYPE_TSS32_BUSY;
  if (!tss && !busyTss && type !== TYPE_TASK_GATE) return false;
  const dpl = descDpl(descHi);
  if (dpl < cpu.cpl || dpl < (selector & 3)) raiseFault(cpu, VEC_GP, err);
  if (type !== TYPE_TASK_GATE) {
    taskSwitch(cpu, selector, source, -1, 0);
    return true;
  }
  if ((descHi & (DESC_P << 8)) === 0) raiseFault(cpu, VEC_NP, err);
  const tssSelector = descLo >>> 16;
  if ((tssSelector & 4) !== 0) raiseFault(cpu, VEC_GP, tssSelector & 0xfffc);
  readDescriptor(cpu, tssSelector, VEC_GP, 0);
  taskSwitch(cpu, tssSelector, source, -1, 0);
  return true;
}

let gateSelectorScratch = 0;
let gateParamCount = 0;

/**
 * Validates the call gate in descLo/descHi (gate DPL ≥ CPL and ≥ RPL, present) and reads its
 * target code descriptor into descLo/descHi. Returns the target offset; the target selector is
 * left in gateSelectorScratch and the parameter count in gateParamCount.
 */
function gateTarget(cpu: Cpu, selector: number, type: number): number {
  const err = selector & 0xfffc;
  const gateDpl = descDpl(descHi);
  if (gateDpl < cpu.cpl || gateDpl < (selector & 3)) raiseFault(cpu, VEC_GP, err);
  if ((descHi & (DESC_P << 8)) === 0) raiseFault(cpu, VEC_NP, err);
  const offset =
    type === TYPE_CALL_GATE32 ? ((descHi & 0xffff0000) | (descLo & 0xffff)) >>> 0 : descLo & 0xffff;
  const target = descLo >>> 16;
  gateSelectorScratch = target;
  gateParamCount = descHi & 0x1f;
  if ((target & 0xfffc) === 0) raiseFault(cpu, VEC_GP, 0);
  readDescriptor(cpu, target, VEC_GP, 0);
  return offset;
}

/**
 * Far CALL (SDM vol. 2 "CALL"): pushes CS:EIP (cpu.eip is already the return address), and for
 * a call gate to a more privileged non-conforming segment switches to the TSS stack, copying
 * the gate's parameter count of words/dwords from the caller's stack.
 */
export function callFar(cpu: Cpu, selector: number, offset: number, opsize32: boolean): void {
  selector &= 0xffff;
  offset >>>= 0;
  const size = opsize32 ? 4 : 2;
  if (!isProtected(cpu)) {
    stackBeginCurrent(cpu);
    stackPush(cpu, size, cpu.segSelector[CS]!);
    stackPush(cpu, size, cpu.eip);
    setStackPointer(cpu, stackEsp());
    loadReal(cpu, CS, selector);
    cpu.eip = offset;
    return;
  }
  const err = selector & 0xfffc;
  if (err === 0) raiseFault(cpu, VEC_GP, 0);
  readDescriptor(cpu, selector, VEC_GP, 0);
  if ((descHi & (DESC_S << 8)) !== 0) {
    checkCodeTarget(cpu, selector, err);
    if (offset > descLimit(descLo, descHi)) raiseFault(cpu, VEC_GP, 0);
    stackBeginCurrent(cpu);
    stackPush(cpu, size, cpu.segSelector[CS]!);
    stackPush(cpu, size, cpu.eip);
    const esp = stackEsp();
    commitCs(cpu, selector, offset, cpu.cpl);
    setStackPointer(cpu, esp);
    return;
  }
  const type = (descHi >>> 8) & 0xf;
  if (switchesTask(cpu, selector, type, TASK_CALL)) return;
  if (type !== TYPE_CALL_GATE16 && type !== TYPE_CALL_GATE32) raiseFault(cpu, VEC_GP, err);
  const gateSize = type === TYPE_CALL_GATE32 ? 4 : 2;
  const gateOffset = gateTarget(cpu, selector, type);
  const target = gateSelectorScratch;
  const terr = target & 0xfffc;
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE)) !== (DESC_S | DESC_CODE)) raiseFault(cpu, VEC_GP, terr);
  const dpl = descDpl(descHi);
  if (dpl > cpu.cpl) raiseFault(cpu, VEC_GP, terr);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, terr);
  refuseRing0(cpu, dpl, terr);
  const codeLo = descLo;
  const codeHi = descHi;
  const codeAddr = descAddr;
  if ((access & DESC_CONFORMING) === 0 && dpl < cpu.cpl) {
    callGateInner(cpu, dpl, gateSize, gateOffset, target, codeLo, codeHi, codeAddr);
    return;
  }
  if (gateOffset > descLimit(codeLo, codeHi)) raiseFault(cpu, VEC_GP, 0);
  stackBeginCurrent(cpu);
  stackPush(cpu, gateSize, cpu.segSelector[CS]!);
  stackPush(cpu, gateSize, cpu.eip);
  const esp = stackEsp();
  descLo = codeLo;
  descHi = codeHi;
  descAddr = codeAddr;
  commitCs(cpu, target, gateOffset, cpu.cpl);
  setStackPointer(cpu, esp);
}

/** The privilege-raising half of a far CALL through a call gate (SDM §5.8.5). */
function callGateInner(
  cpu: Cpu,
  dpl: number,
  gateSize: 2 | 4,
  offset: number,
  target: number,
  codeLo: number,
  codeHi: number,
  codeAddr: number,
): void {
  const newEsp = readTssStack(cpu, dpl, 0);
  const newSs = tssSs;
  checkInnerStack(cpu, newSs, dpl, 0);
  const ssLo = descLo;
  const ssHi = descHi;
  const ssAddr = descAddr;
  if (offset > descLimit(codeLo, codeHi)) raiseFault(cpu, VEC_GP, 0);
  const oldSs = cpu.segSelector[SS]!;
  const oldEsp = cpu.reg32[4]! >>> 0;
  const count = gateParamCount;
  const ssAccess = descAccess(ssHi);
  stackBegin(
    cpu,
    descBase(ssLo, ssHi),
    descLimit(ssLo, ssHi),
    ssAccess,
    newEsp,
    VEC_SS,
    newSs & 0xfffc,
  );
  stackPush(cpu, gateSize, oldSs);
  stackPush(cpu, gateSize, oldEsp);
  // Parameters come from the caller's stack, highest-addressed first, keeping their order.
  for (let k = count - 1; k >= 0; k--) {
    const value = readCallerStack(cpu, oldEsp + k * gateSize, gateSize);
    stackPush(cpu, gateSize, value);
  }
  stackPush(cpu, gateSize, cpu.segSelector[CS]!);
  stackPush(cpu, gateSize, cpu.eip);
  const esp = stackEsp();
  descLo = ssLo;
  descHi = ssHi;
  descAddr = ssAddr;
  markAccessed(cpu);
  descLo = codeLo;
  descHi = codeHi;
  descAddr = codeAddr;
  commitCs(cpu, target, offset, dpl);
  setCache(cpu, SS, (newSs & 0xfffc) | dpl, ssLo, ssHi);
  setStackPointer(cpu, esp);
}

/** Reads a parameter from the caller's stack (current SS, checked, caller privilege). */
function readCallerStack(cpu: Cpu, offset: number, size: 2 | 4): number {
  const mask = (cpu.segAccess[SS]! & DESC_DB) !== 0 ? 0xffffffff : 0xffff;
  const off = (offset & mask) >>> 0;
  const limit = cpu.segLimit[SS]!;
  if (off + size - 1 > limit) raiseFault(cpu, VEC_SS, 0);
  return readLinearAs(cpu, (cpu.segBase[SS]! + off) | 0, size, cpu.cpl === 3);
}

/**
 * Far RET [imm16] (SDM vol. 2 "RET"): same privilege, or to an outer level (pops SS:ESP too
 * and nulls data segments the outer level may not use).
 */
export function retFar(cpu: Cpu, opsize32: boolean, popBytes: number): void {
  const size = opsize32 ? 4 : 2;
  stackBeginCurrent(cpu);
  const eip = stackPeek(cpu, size, 0);
  const selector = stackPeek(cpu, size, size) & 0xffff;
  if (!isProtected(cpu)) {
    loadReal(cpu, CS, selector);
    cpu.eip = eip;
    setStackPointer(cpu, stkEsp + 2 * size + popBytes);
    return;
  }
  const err = selector & 0xfffc;
  const rpl = selector & 3;
  if (err === 0) raiseFault(cpu, VEC_GP, 0);
  if (rpl < cpu.cpl) raiseFault(cpu, VEC_GP, err);
  readDescriptor(cpu, selector, VEC_GP, 0);
  checkReturnCode(cpu, selector, err);
  const codeLo = descLo;
  const codeHi = descHi;
  const codeAddr = descAddr;
  if (rpl === cpu.cpl) {
    const esp = stkEsp + 2 * size + popBytes;
    commitCs(cpu, selector, eip, rpl);
    setStackPointer(cpu, esp);
    return;
  }
  const outerEsp = stackPeek(cpu, size, 2 * size + popBytes);
  const outerSs = stackPeek(cpu, size, 3 * size + popBytes) & 0xffff;
  checkOuterStack(cpu, outerSs, rpl);
  const ssLo = descLo;
  const ssHi = descHi;
  const ssAddr = descAddr;
  if (eip > descLimit(codeLo, codeHi)) raiseFault(cpu, VEC_GP, 0);
  descLo = codeLo;
  descHi = codeHi;
  descAddr = codeAddr;
  commitCs(cpu, selector, eip, rpl);
  descLo = ssLo;
  descHi = ssHi;
  descAddr = ssAddr;
  markAccessed(cpu);
  setCache(cpu, SS, outerSs, ssLo, ssHi);
  setStackPointer(cpu, outerEsp + popBytes);
  nullInaccessibleSegments(cpu);
}

/** The code segment a RET/IRET returns to (descriptor in descLo/descHi), RPL ≥ CPL known. */
export function checkReturnCode(cpu: Cpu, selector: number, err: number): void {
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE)) !== (DESC_S | DESC_CODE)) raiseFault(cpu, VEC_GP, err);
  const dpl = descDpl(descHi);
  const rpl = selector & 3;
  if ((access & DESC_CONFORMING) !== 0 ? dpl > rpl : dpl !== rpl) raiseFault(cpu, VEC_GP, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, err);
}

/** The stack segment a return to outer level `rpl` loads (descriptor left in descLo/descHi). */
export function checkOuterStack(cpu: Cpu, selector: number, rpl: number): void {
  const err = selector & 0xfffc;
  if (err === 0) raiseFault(cpu, VEC_GP, 0);
  if ((selector & 3) !== rpl) raiseFault(cpu, VEC_GP, err);
  readDescriptor(cpu, selector, VEC_GP, 0);
  const access = descAccess(descHi);
  if ((access & (DESC_S | DESC_CODE | DESC_RW)) !== (DESC_S | DESC_RW))
    raiseFault(cpu, VEC_GP, err);
  if (descDpl(descHi) !== rpl) raiseFault(cpu, VEC_GP, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_SS, err);
}

/** Completes a return to an outer level: used by IRET too. */
export function finishOuterReturn(cpu: Cpu): void {
  nullInaccessibleSegments(cpu);
}

// --- LAR, LSL, VERR, VERW: they never fault on a bad selector; ZF reports the answer.

/** Which system types LAR (lar=true) and LSL accept (SDM vol. 2 "LAR", "LSL"). */
function systemTypeVisible(type: number, lar: boolean): boolean {
  switch (type) {
    case TYPE_TSS16_AVAIL:
    case TYPE_LDT:
    case TYPE_TSS16_BUSY:
    case TYPE_TSS32_AVAIL:
    case TYPE_TSS32_BUSY:
      return true;
    case TYPE_CALL_GATE16:
    case TYPE_TASK_GATE:
    case TYPE_CALL_GATE32:
      return lar;
    default:
      return false;
  }
}

/** Whether the descriptor for `selector` is visible at CPL/RPL; loads descLo/descHi. */
function visible(cpu: Cpu, selector: number, lar: boolean): boolean {
  if ((selector & 0xfffc) === 0 || !fetchDescriptor(cpu, selector)) return false;
  const access = descAccess(descHi);
  const dpl = descDpl(descHi);
  const privOk = dpl >= cpu.cpl && dpl >= (selector & 3);
  if ((access & DESC_S) === 0) return systemTypeVisible(access & 0xf, lar) && privOk;
  const conformingCode = (access & (DESC_CODE | DESC_CONFORMING)) === (DESC_CODE | DESC_CONFORMING);
  return conformingCode || privOk;
}

/**
 * LAR: the access-rights dword (descriptor high word AND 00FxFF00; the SDM leaves bits 19:16
 * undefined, and we return the limit bits there as processors do), or -1 (ZF clear).
 */
export function lar(cpu: Cpu, selector: number): number {
  if (!visible(cpu, selector, true)) return -1;
  return (descHi & 0x00ffff00) >>> 0;
}

/** LSL: the byte-granular limit, or -1 (ZF clear). */
export function lsl(cpu: Cpu, selector: number): number {
  if (!visible(cpu, selector, false)) return -1;
  return descLimit(descLo, descHi);
}

/** VERR (write=false) / VERW (write=true): may the segment be read / written from here? */
export function verify(cpu: Cpu, selector: number, write: boolean): boolean {
  if (!visible(cpu, selector, false)) return false;
  const access = descAccess(descHi);
  if ((access & DESC_S) === 0) return false;
  if ((access & DESC_CODE) !== 0) return !write && (access & DESC_RW) !== 0;
  return !write || (access & DESC_RW) !== 0;
}

// --- LLDT and LTR (CPL 0 is checked by the caller, as for every privileged instruction).

/** LLDT: loads LDTR from a GDT LDT descriptor; a null selector makes the LDT unusable. */
export function lldt(cpu: Cpu, selector: number): void {
  selector &= 0xffff;
  const err = selector & 0xfffc;
  if (err === 0) {
    setNull(cpu, LDTR, selector);
    return;
  }
  if ((selector & 4) !== 0) raiseFault(cpu, VEC_GP, err);
  readDescriptor(cpu, selector, VEC_GP, 0);
  const access = descAccess(descHi);
  if ((access & (DESC_S | 0xf)) !== TYPE_LDT) raiseFault(cpu, VEC_GP, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, err);
  setCache(cpu, LDTR, selector, descLo, descHi);
}

/** LTR: loads TR from an available TSS descriptor and marks it busy. */
export function ltr(cpu: Cpu, selector: number): void {
  selector &= 0xffff;
  const err = selector & 0xfffc;
  if (err === 0 || (selector & 4) !== 0) raiseFault(cpu, VEC_GP, err);
  readDescriptor(cpu, selector, VEC_GP, 0);
  const access = descAccess(descHi);
  const type = access & (DESC_S | 0xf);
  if (type !== TYPE_TSS16_AVAIL && type !== TYPE_TSS32_AVAIL) raiseFault(cpu, VEC_GP, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, err);
  descHi |= 0x200; // busy
  writeLinearAs(cpu, (descAddr + 4) | 0, 4, descHi, false);
  setCache(cpu, TR, selector, descLo, descHi);
}

/** Used by interrupts.ts to restore a descriptor into scratch before commitCs. */
export function setDescriptorScratch(lo: number, hi: number, addr: number): void {
  descLo = lo;
  descHi = hi;
  descAddr = addr;
}

export function descriptorAddress(): number {
  return descAddr;
}

// --- Building descriptors (for the host, which writes GDTs and IDTs, and for tests).

/**
 * Writes a segment or system descriptor at physical `addr`. `access` is byte 5 (type, S, DPL,
 * P); `flags` the high nibble of byte 6 (0x4 = D/B, 0x8 = G). A limit above 0xFFFFF needs G.
 */
export function writeDescriptor(
  mem: PhysMemory,
  addr: number,
  base: number,
  limit: number,
  access: number,
  flags: number,
): void {
  const raw = (flags & 0x8) !== 0 ? limit >>> 12 : limit;
  mem.write32(addr, ((base & 0xffff) << 16) | (raw & 0xffff));
  mem.write32(
    addr + 4,
    ((base >>> 16) & 0xff) |
      ((access & 0xff) << 8) |
      (raw & 0xf0000) |
      ((flags & 0xf) << 20) |
      (base & 0xff000000),
  );
}

/** Writes a gate (call, interrupt, trap; `type` TYPE_*) at physical `addr`, present. */
export function writeGate(
  mem: PhysMemory,
  addr: number,
  selector: number,
  offset: number,
  type: number,
  dpl: number,
  paramCount = 0,
): void {
  mem.write32(addr, ((selector & 0xffff) << 16) | (offset & 0xffff));
  mem.write32(addr + 4, (offset & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8) | paramCount);
}
