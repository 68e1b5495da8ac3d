// Exceptions and interrupts: Intel SDM vol. 3A ch. 6 (vectors §6.3, double fault classes
// table 6-5, IDT gates §6.11, delivery and stack switch §6.12, error codes §6.13), vol. 2 "INT n/
// INTO/INT3/INT1" and "IRET". Xen counterpart: arch/x86/x86_32/entry.S and traps.c, which is
// where a PV guest's traps land; here that is the host, reached through ExitReason.HostTrap.
//
// PV host-mode contract (cpu.hostMode === HostMode.Pv; ring 0 belongs to the TypeScript host):
// - A CPU exception (fault or trap) or an external interrupt never consults the IDT: the CPU
//   sets exitVector, exitErrorCode (0 when the vector has none), exitHasErrorCode, exitSoftware =
//   false and pendingExit = ExitReason.HostTrap. For a fault, EIP is the faulting instruction
//   and every register is as it was before it (CR2 is set for #PF); for a trap (deliverTrap) and
//   an external interrupt, EIP is the next instruction. No frame is pushed, EFLAGS unchanged.
// - INT n / INT3 / INTO / INT1 go through the IDT as on hardware: gate-type, gate-DPL ≥ CPL
//   (INT n, INT3, INTO), present and target-code checks first. A failing check is an
//   exception (e.g. INT 0x82 from CPL 3 through a DPL-1 gate → HostTrap vector 13, error code
//   0x82*8+2, EIP at the INT). If the gate leads to CPL 0, the CPU exits with the gate's vector,
//   exitSoftware = true, no error code, EIP after the instruction. Gates leading to CPL 1–3 are
//   delivered by the CPU itself (Xen's "fast trap" for int 0x80 works this way).
// - A fault while delivering INT n to ring 1–3 is an ordinary exception (HostTrap), so double
//   faults never happen in this mode.
// - Far CALL through a gate into a DPL-0 code segment, and any task switch, raise
//   #GP(selector) (segments.ts, tasks.ts), which exits as above.
// A VMX-like HVM mode (chapter 13) will add a third HostMode: there the guest owns ring 0 and
// delivery runs through the IDT as in Bare mode, with exits chosen by an exception bitmap, at
// the point marked "HVM seam" below.
//
// Task gates in the IDT and IRET with NT set switch tasks (tasks.ts). Virtual-8086 mode (SDM
// ch. 20, without CR4.VME): entered by IRET from CPL 0; INT n there needs IOPL 3; interrupts
// and exceptions leave it for a ring-0 handler, saving the data segments on the ring-0 stack.

import { readLinearAs } from './access.ts';
import {
  type Cpu,
  CR0_PE,
  CS,
  DS,
  ES,
  ExitReason,
  FLAG_AC,
  FLAG_IF,
  FLAG_IOPL,
  FLAG_NT,
  FLAG_OF,
  FLAG_RF,
  FLAG_TF,
  FLAG_VM,
  FS,
  GS,
  HostMode,
  SS,
  TR,
  VEC_DF,
  VEC_GP,
  VEC_NP,
  VEC_SS,
  VEC_TS,
} from './cpu.ts';
import { FAULT, NO_ERROR_CODE, raiseFault } from './fault.ts';
import { getEflags, setEflags } from './flags.ts';
import {
  checkInnerStack,
  checkOuterStack,
  checkReturnCode,
  commitCs,
  DESC_CODE,
  DESC_CONFORMING,
  DESC_P,
  DESC_S,
  descAccess,
  descBase,
  descDpl,
  descHi,
  descLimit,
  descLo,
  descriptorAddress,
  finishOuterReturn,
  loadSegment,
  markAccessed,
  readDescriptor,
  readTssStack,
  setCache,
  setDescriptorScratch,
  setStackPointer,
  stackBegin,
  stackBeginCurrent,
  stackEsp,
  stackPeek,
  stackPush,
  tssSs,
} from './segments.ts';
import { TASK_INT, TASK_IRET, taskSwitch } from './tasks.ts';

/** The kinds of INT instruction softwareInterrupt handles. */
export const INT_N = 0;
export const INT3 = 1;
export const INTO = 2;
export const INT1 = 3;

/** How an event reached delivery: decides the gate-DPL check, EXT and the PV exit. */
const EVENT_EXCEPTION = 0;
const EVENT_SOFTWARE = 1;
const EVENT_EXTERNAL = 2;

/** Vectors that push an error code in protected mode (SDM table 6-1). */
const PUSHES_ERROR_CODE =
  (1 << 8) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13) | (1 << 14) | (1 << 17);
/** Contributory exceptions (SDM table 6-4): #DE #TS #NP #SS #GP. */
const CONTRIBUTORY = (1 << 0) | (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13);
/** Vectors whose error code is a selector error code (bit 0 = EXT). */
const SELECTOR_ERROR = (1 << 10) | (1 << 11) | (1 << 12) | (1 << 13);
const VEC_PF = 14;
const TASK_GATE = 0x5;

function isSet(set: number, vector: number): boolean {
  return vector < 32 && ((set >>> vector) & 1) !== 0;
}

/** Table 6-5: does `second`, raised while delivering `first`, make a double fault? */
function isDoubleFault(first: number, second: number): boolean {
  if (isSet(CONTRIBUTORY, first)) return isSet(CONTRIBUTORY, second);
  if (first === VEC_PF) return isSet(CONTRIBUTORY, second) || second === VEC_PF;
  return false;
}

/** PV host mode: hand the event to the host instead of ring-0 code. */
function hostTrap(cpu: Cpu, vector: number, errorCode: number, software: boolean): void {
  cpu.exitVector = vector;
  cpu.exitHasErrorCode = errorCode !== NO_ERROR_CODE;
  cpu.exitErrorCode = errorCode === NO_ERROR_CODE ? 0 : errorCode >>> 0;
  cpu.exitSoftware = software;
  cpu.pendingExit = ExitReason.HostTrap;
}

/**
 * Delivers the fault the run loop caught (cpu.faultVector/faultErrorCode): EIP goes back to
 * the start of the faulting instruction, then the exception is delivered.
 */
export function deliverFault(cpu: Cpu): void {
  cpu.eip = cpu.instrStart;
  deliverException(cpu, cpu.faultVector, cpu.faultErrorCode);
}

/** Delivers a trap-class exception (e.g. #DB after a single step): EIP stays after it. */
export function deliverTrap(cpu: Cpu, vector: number, errorCode: number = NO_ERROR_CODE): void {
  deliverException(cpu, vector, errorCode);
}

/**
 * Exception delivery with the double-fault rules: a fault while delivering is combined with
 * the first per table 6-5 (#DF, or delivered serially); a fault while delivering #DF is a
 * triple fault (shutdown).
 */
function deliverException(cpu: Cpu, vector: number, errorCode: number): void {
  // HVM seam: a VMX-like mode would test its exception bitmap here and exit, or fall through.
  if (cpu.hostMode === HostMode.Pv) {
    hostTrap(cpu, vector, errorCode, false);
    return;
  }
  for (;;) {
    try {
      deliverEvent(cpu, vector, errorCode, EVENT_EXCEPTION);
      return;
    } catch (e) {
      if (e !== FAULT) throw e;
      if (vector === VEC_DF) {
        cpu.pendingExit = ExitReason.TripleFault;
        return;
      }
      const second = cpu.faultVector;
      let code = cpu.faultErrorCode;
      if (code !== NO_ERROR_CODE && isSet(SELECTOR_ERROR, second)) code |= 1;
      if (isDoubleFault(vector, second)) {
        vector = VEC_DF;
        errorCode = 0;
      } else {
        vector = second;
        errorCode = code;
      }
    }
  }
}

/**
 * A hardware interrupt, delivered between instructions (the caller checked EFLAGS.IF). Like
 * every event delivery, it drains the store buffer (store-buffer.ts).
 */
export function deliverExternalInterrupt(cpu: Cpu, vector: number): void {
  if (cpu.hostMode === HostMode.Pv) {
    hostTrap(cpu, vector, NO_ERROR_CODE, false);
  } else {
    try {
      deliverEvent(cpu, vector, NO_ERROR_CODE, EVENT_EXTERNAL);
    } catch (e) {
      if (e !== FAULT) throw e;
      let code = cpu.faultErrorCode;
      if (code !== NO_ERROR_CODE && isSet(SELECTOR_ERROR, cpu.faultVector)) code |= 1;
      deliverException(cpu, cpu.faultVector, code);
    }
  }
  cpu.storeBuffer?.drain();
}

/**
 * INT n (kind INT_N), INT3, INTO and INT1 (ICEBP), with cpu.eip already after the instruction.
 * INTO does nothing unless OF is set. Faults raised here belong to the INT instruction (the run
 * loop delivers them with EIP at the INT).
 */
export function softwareInterrupt(cpu: Cpu, vector: number, kind: number): void {
  const flags = getEflags(cpu);
  if (kind === INTO && (flags & FLAG_OF) === 0) return;
  if (kind === INT_N && (flags & FLAG_VM) !== 0 && (flags & FLAG_IOPL) !== FLAG_IOPL) {
    raiseFault(cpu, VEC_GP, 0);
  }
  deliverEvent(cpu, vector, NO_ERROR_CODE, kind === INT1 ? EVENT_EXTERNAL : EVENT_SOFTWARE);
}

/** One delivery attempt through the IVT (real mode) or the IDT (protected mode). */
function deliverEvent(cpu: Cpu, vector: number, errorCode: number, event: number): void {
  if ((cpu.cr0 & CR0_PE) === 0) {
    deliverReal(cpu, vector);
    return;
  }
  const fromV86 = (cpu.flags & FLAG_VM) !== 0;
  const ext = event === EVENT_SOFTWARE ? 0 : 1;
  const idtError = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtLimit) raiseFault(cpu, VEC_GP, idtError);
  const gateAddr = (cpu.idtBase + vector * 8) | 0;
  const gateLo = readLinearAs(cpu, gateAddr, 4, false);
  const gateHi = readLinearAs(cpu, (gateAddr + 4) | 0, 4, false);
  const type = (gateHi >>> 8) & 0x1f; // S bit included: gates are system descriptors
  const gate32 = type === 0xe || type === 0xf;
  if (!gate32 && type !== 0x6 && type !== 0x7 && type !== TASK_GATE) {
    raiseFault(cpu, VEC_GP, idtError);
  }
  if (event === EVENT_SOFTWARE && descDpl(gateHi) < cpu.cpl) raiseFault(cpu, VEC_GP, idtError);
  if ((gateHi & (DESC_P << 8)) === 0) raiseFault(cpu, VEC_NP, idtError);
  const pushError = event === EVENT_EXCEPTION && isSet(PUSHES_ERROR_CODE, vector);
  if (type === TASK_GATE) {
    const tss = gateLo >>> 16;
    if ((tss & 4) !== 0) raiseFault(cpu, VEC_GP, (tss & 0xfffc) | ext);
    readDescriptor(cpu, tss, VEC_GP, ext);
    taskSwitch(cpu, tss, TASK_INT, pushError ? errorCode : NO_ERROR_CODE, ext);
    return;
  }
  const target = gateLo >>> 16;
  const offset = gate32 ? ((gateHi & 0xffff0000) | (gateLo & 0xffff)) >>> 0 : gateLo & 0xffff;
  if ((target & 0xfffc) === 0) raiseFault(cpu, VEC_GP, ext);
  const targetError = (target & 0xfffc) | ext;
  readDescriptor(cpu, target, VEC_GP, ext);
  const access = descAccess(descHi);
  const dpl = descDpl(descHi);
  if ((access & (DESC_S | DESC_CODE)) !== (DESC_S | DESC_CODE) || dpl > cpu.cpl) {
    raiseFault(cpu, VEC_GP, targetError);
  }
  if ((access & DESC_P) === 0) raiseFault(cpu, VEC_NP, targetError);
  const conforming = (access & DESC_CONFORMING) !== 0;
  // From virtual-8086 mode the handler must be ring-0, non-conforming code.
  if (fromV86 && (conforming || dpl !== 0)) raiseFault(cpu, VEC_GP, targetError);
  const newCpl = conforming ? cpu.cpl : dpl;
  if (cpu.hostMode === HostMode.Pv && newCpl === 0) {
    hostTrap(cpu, vector, NO_ERROR_CODE, event === EVENT_SOFTWARE || event === EVENT_EXTERNAL);
    return;
  }
  const codeLo = descLo;
  const codeHi = descHi;
  const codeAddr = descriptorAddress();
  if (offset > descLimit(codeLo, codeHi)) raiseFault(cpu, VEC_GP, ext);
  const size = gate32 ? 4 : 2;
  const flags = getEflags(cpu);
  if (newCpl < cpu.cpl) {
    const newEsp = readTssStack(cpu, newCpl, ext);
    const newSs = tssSs;
    checkInnerStack(cpu, newSs, newCpl, ext);
    const ssLo = descLo;
    const ssHi = descHi;
    const ssAddr = descriptorAddress();
    const ssAccess = descAccess(ssHi);
    stackBegin(
      cpu,
      descBase(ssLo, ssHi),
      descLimit(ssLo, ssHi),
      ssAccess,
      newEsp,
      VEC_SS,
      (newSs & 0xfffc) | ext,
    );
    const oldEsp = cpu.reg32[4]! >>> 0; // the whole register, whatever the old SS size
    if (fromV86) {
      for (const seg of V86_SAVED_SEGMENTS) stackPush(cpu, size, cpu.segSelector[seg]!);
    }
    stackPush(cpu, size, cpu.segSelector[SS]!);
    stackPush(cpu, size, oldEsp);
    pushFrame(cpu, size, flags, pushError, errorCode);
    const esp = stackEsp();
    setDescriptorScratch(ssLo, ssHi, ssAddr);
    markAccessed(cpu);
    setDescriptorScratch(codeLo, codeHi, codeAddr);
    commitCs(cpu, target, offset, newCpl);
    setCache(cpu, SS, (newSs & 0xfffc) | newCpl, ssLo, ssHi);
    setStackPointer(cpu, esp);
    if (fromV86) for (const seg of V86_SAVED_SEGMENTS) nullSegment(cpu, seg);
  } else {
    stackBeginCurrent(cpu);
    pushFrame(cpu, size, flags, pushError, errorCode);
    const esp = stackEsp();
    setDescriptorScratch(codeLo, codeHi, codeAddr);
    commitCs(cpu, target, offset, newCpl);
    setStackPointer(cpu, esp);
  }
  const interruptGate = (type & 1) === 0;
  setEflags(cpu, 0, FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM | (interruptGate ? FLAG_IF : 0));
}

/** EFLAGS, CS, EIP and the error code, on the stack begun by the caller. */
function pushFrame(cpu: Cpu, size: 2 | 4, flags: number, pushError: boolean, code: number) {
  stackPush(cpu, size, flags);
  stackPush(cpu, size, cpu.segSelector[CS]!);
  stackPush(cpu, size, cpu.eip);
  if (pushError) stackPush(cpu, size, code);
}

/** Real mode: the IVT entry at idtBase + 4*vector; FLAGS, CS, IP pushed; IF, TF, AC cleared. */
function deliverReal(cpu: Cpu, vector: number): void {
  if (vector * 4 + 3 > cpu.idtLimit) raiseFault(cpu, VEC_GP, vector * 8 + 2);
  const entry = (cpu.idtBase + vector * 4) | 0;
  const offset = readLinearAs(cpu, entry, 2, false);
  const selector = readLinearAs(cpu, (entry + 2) | 0, 2, false);
  stackBeginCurrent(cpu);
  stackPush(cpu, 2, getEflags(cpu));
  stackPush(cpu, 2, cpu.segSelector[CS]!);
  stackPush(cpu, 2, cpu.eip);
  setStackPointer(cpu, stackEsp());
  loadSegment(cpu, CS, selector);
  cpu.eip = offset;
  setEflags(cpu, 0, FLAG_IF | FLAG_TF | FLAG_AC);
}

/** EFLAGS bits IRET may change at any CPL (SDM vol. 2 "IRET"); IF and IOPL are added below. */
const IRET_FLAGS = 0x254dd5;
const FLAG_VIF_VIP = 0x180000;

/** IRET / IRETD (opsize32). */
export function iret(cpu: Cpu, opsize32: boolean): void {
  const size = opsize32 ? 4 : 2;
  stackBeginCurrent(cpu);
  const eip = stackPeek(cpu, size, 0);
  const selector = stackPeek(cpu, size, size) & 0xffff;
  const newFlags = stackPeek(cpu, size, 2 * size);
  const flags = getEflags(cpu);
  if ((cpu.cr0 & CR0_PE) === 0 || (flags & FLAG_VM) !== 0) {
    // In virtual-8086 mode IRET is IOPL-sensitive, and may not change IOPL.
    const v86 = (flags & FLAG_VM) !== 0;
    if (v86 && (flags & FLAG_IOPL) !== FLAG_IOPL) raiseFault(cpu, VEC_GP, 0);
    loadSegment(cpu, CS, selector);
    cpu.eip = eip;
    setStackPointer(cpu, stackEsp() + 3 * size);
    // Real mode: everything but VM, VIF and VIP (SDM: AND 257FD5H).
    const mask = opsize32 ? 0x257fd5 : 0xffff;
    setEflags(cpu, newFlags, v86 ? mask & ~FLAG_IOPL : mask);
    return;
  }
  if ((flags & FLAG_NT) !== 0) {
    // Return to the task named by the back link of the current TSS.
    const link = readLinearAs(cpu, cpu.segBase[TR]!, 2, false);
    if ((link & 4) !== 0) raiseFault(cpu, VEC_TS, link & 0xfffc);
    readDescriptor(cpu, link, VEC_TS, 0);
    taskSwitch(cpu, link, TASK_IRET, NO_ERROR_CODE, 0);
    return;
  }
  if (opsize32 && (newFlags & FLAG_VM) !== 0 && cpu.cpl === 0) {
    returnToV86(cpu, eip, selector, newFlags);
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
  const codeAddr = descriptorAddress();
  let mask = IRET_FLAGS;
  const iopl = (flags >>> 12) & 3;
  if (cpu.cpl <= iopl) mask |= FLAG_IF;
  if (cpu.cpl === 0) mask |= FLAG_IOPL | FLAG_VIF_VIP;
  if (!opsize32) mask &= 0xffff;
  if (rpl === cpu.cpl) {
    const esp = stackEsp() + 3 * size;
    commitCs(cpu, selector, eip, rpl);
    setStackPointer(cpu, esp);
    setEflags(cpu, newFlags, mask);
    return;
  }
  const outerEsp = stackPeek(cpu, size, 3 * size);
  const outerSs = stackPeek(cpu, size, 4 * size) & 0xffff;
  checkOuterStack(cpu, outerSs, rpl);
  const ssLo = descLo;
  const ssHi = descHi;
  const ssAddr = descriptorAddress();
  if (eip > descLimit(codeLo, codeHi)) raiseFault(cpu, VEC_GP, 0);
  setDescriptorScratch(codeLo, codeHi, codeAddr);
  commitCs(cpu, selector, eip, rpl);
  setDescriptorScratch(ssLo, ssHi, ssAddr);
  markAccessed(cpu);
  setCache(cpu, SS, outerSs, ssLo, ssHi);
  setStackPointer(cpu, outerEsp);
  setEflags(cpu, newFlags, mask);
  finishOuterReturn(cpu);
}

/** The data segment registers an interrupt from virtual-8086 mode saves, in push order. */
const V86_SAVED_SEGMENTS = [GS, FS, DS, ES] as const;

function nullSegment(cpu: Cpu, seg: number): void {
  cpu.segSelector[seg] = 0;
  cpu.segBase[seg] = 0;
  cpu.segLimit[seg] = 0;
  cpu.segAccess[seg] = 0;
}

/**
 * IRETD at CPL 0 to a frame with EFLAGS.VM: pops ESP, SS, ES, DS, FS, GS after EIP, CS and
 * EFLAGS, and loads every segment register the virtual-8086 way (base = selector × 16).
 */
function returnToV86(cpu: Cpu, eip: number, selector: number, newFlags: number): void {
  const esp = stackPeek(cpu, 4, 12);
  const ss = stackPeek(cpu, 4, 16) & 0xffff;
  const es = stackPeek(cpu, 4, 20) & 0xffff;
  const ds = stackPeek(cpu, 4, 24) & 0xffff;
  const fs = stackPeek(cpu, 4, 28) & 0xffff;
  const gs = stackPeek(cpu, 4, 32) & 0xffff;
  setEflags(cpu, newFlags, 0x3f7fd5);
  cpu.cpl = 3;
  loadSegment(cpu, CS, selector);
  loadSegment(cpu, SS, ss);
  loadSegment(cpu, ES, es);
  loadSegment(cpu, DS, ds);
  loadSegment(cpu, FS, fs);
  loadSegment(cpu, GS, gs);
  cpu.eip = eip & 0xffff;
  cpu.reg32[4] = esp;
}
