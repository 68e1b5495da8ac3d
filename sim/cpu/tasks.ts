// The hardware task switch: Intel SDM vol. 3A ch. 7 (TSS layouts §7.2.1/§7.6, task switching
// §7.3, nesting with NT and the back link §7.4). Reached by far JMP/CALL to a TSS or task gate,
// INT n / exceptions through a task gate, and IRET with EFLAGS.NT. Xen's 32-bit hypervisor used
// a task gate for its own #DF handler; a PV guest never switches tasks (Xen owns TR), so in PV
// host mode every task switch is refused with #GP(selector). Virtual-8086 tasks are not
// supported: a new task with EFLAGS.VM raises #TS(selector).
//
// Order, as the SDM gives it: checks that fault in the old task (descriptor, present, limit,
// busy), then the old state is saved and TR committed; faults after that point belong to the
// new task (cpu.instrStart is moved to the new EIP so the run loop reports them there).

import { readLinearAs, writeLinearAs } from './access.ts';
import {
  type Cpu,
  CR0_PG,
  CR0_TS,
  CR4_PGE,
  CS,
  DS,
  ES,
  FLAG_NT,
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
import { getEflags, setEflags } from './flags.ts';
import { flushTlb } from './paging.ts';
import {
  DESC_CODE,
  DESC_CONFORMING,
  DESC_P,
  DESC_RW,
  DESC_S,
  descAccess,
  descBase,
  descDpl,
  descHi,
  descLimit,
  descLo,
  descriptorAddress,
  readDescriptor,
  setCache,
  setStackPointer,
  stackBegin,
  stackEsp,
  stackPush,
} from './segments.ts';

/** What started the switch: decides busy bits, the back link and NT (SDM table 7-2). */
export const TASK_JMP = 0;
export const TASK_CALL = 1;
export const TASK_IRET = 2;
export const TASK_INT = 3;

/** Field offsets in a 32-bit TSS; a 16-bit TSS has the same fields as words (see OFFSET16). */
const LINK = 0;
const EIP32 = 0x20;
const EFLAGS32 = 0x24;
const GPR32 = 0x28; // EAX … EDI, 4 bytes each
const SEG32 = 0x48; // ES, CS, SS, DS, FS, GS, 4 bytes each
const LDT32 = 0x60;
const CR3_32 = 0x1c;
const IP16 = 0x0e;
const FLAGS16 = 0x10;
const GPR16 = 0x12;
const SEG16 = 0x22; // ES, CS, SS, DS
const LDT16 = 0x2a;
const TSS_BUSY = 0x200; // type bit 1 in the descriptor's high dword
/** Every defined EFLAGS bit. */
const EFLAGS_BITS = 0x3f7fd5;
const DATA_SEGMENTS = [ES, DS, FS, GS] as const;

// The new task's state, read before the commit point (allocation-free scratch).
const newGpr = new Int32Array(8);
const newSeg = new Uint16Array(6);

/**
 * Switches to the task whose TSS selector is `selector`, with that TSS's descriptor in the
 * segments.ts scratch (descLo/descHi). `errorCode` (or -1) is pushed on the new task's stack
 * when an exception switched through a task gate; `ext` is the EXT bit for error codes.
 */
export function taskSwitch(
  cpu: Cpu,
  selector: number,
  source: number,
  errorCode: number,
  ext: number,
): void {
  const err = (selector & 0xfffc) | ext;
  if (cpu.hostMode === HostMode.Pv) raiseFault(cpu, VEC_GP, err);
  const lo = descLo;
  const hi = descHi;
  const addr = descriptorAddress();
  const type = (hi >>> 8) & 0x1f;
  const busy = (type & 2) !== 0;
  if ((type & 0x15) !== 0x1) raiseFault(cpu, source === TASK_IRET ? VEC_TS : VEC_GP, err);
  if (source === TASK_IRET ? !busy : busy) {
    raiseFault(cpu, source === TASK_IRET ? VEC_TS : VEC_GP, err);
  }
  if ((hi & (DESC_P << 8)) === 0) raiseFault(cpu, VEC_NP, err);
  const new32 = (type & 8) !== 0;
  const newBase = descBase(lo, hi);
  if (descLimit(lo, hi) < (new32 ? 0x67 : 0x2b)) raiseFault(cpu, VEC_TS, err);
  const old32 = (cpu.segAccess[TR]! & 8) !== 0;
  const oldSelector = cpu.segSelector[TR]!;
  if (cpu.segLimit[TR]! < (old32 ? 0x67 : 0x2b))
    raiseFault(cpu, VEC_TS, (oldSelector & 0xfffc) | ext);

  // Read the new state (faults here still belong to the old task).
  const w = new32 ? 4 : 2;
  const field = (offset: number) => readLinearAs(cpu, (newBase + offset) | 0, w, false);
  const newEip = field(new32 ? EIP32 : IP16);
  let newFlags = field(new32 ? EFLAGS32 : FLAGS16);
  for (let r = 0; r < 8; r++) newGpr[r] = field((new32 ? GPR32 : GPR16) + r * w);
  for (let s = 0; s < (new32 ? 6 : 4); s++) newSeg[s] = field((new32 ? SEG32 : SEG16) + s * w);
  if (!new32) newSeg[FS] = newSeg[GS] = 0;
  const newLdt = readLinearAs(cpu, (newBase + (new32 ? LDT32 : LDT16)) | 0, 2, false);
  const newCr3 = new32 ? readLinearAs(cpu, (newBase + CR3_32) | 0, 4, false) : cpu.cr3;

  saveOldTask(cpu, old32, source);
  if (source === TASK_JMP || source === TASK_IRET) setBusy(cpu, oldSelector, false);
  if (source === TASK_CALL || source === TASK_INT) {
    writeLinearAs(cpu, (newBase + LINK) | 0, 2, oldSelector, false);
    newFlags |= FLAG_NT;
  }
  if (source !== TASK_IRET) writeLinearAs(cpu, (addr + 4) | 0, 4, hi | TSS_BUSY, false);
  // Commit point: TR names the new task.
  setCache(cpu, TR, selector, lo, hi | TSS_BUSY);
  cpu.cr0 = (cpu.cr0 | CR0_TS) >>> 0;
  if (new32 && (cpu.cr0 & CR0_PG) !== 0) {
    cpu.cr3 = newCr3 >>> 0;
    flushTlb(cpu, (cpu.cr4 & CR4_PGE) !== 0);
  }
  cpu.eip = newEip >>> 0;
  cpu.instrStart = cpu.eip;
  for (let r = 0; r < 8; r++) {
    if (new32) cpu.reg32[r] = newGpr[r]!;
    else cpu.reg16[r << 1] = newGpr[r]!;
  }
  if ((newFlags & FLAG_VM) !== 0) raiseFault(cpu, VEC_TS, err); // V86 tasks: not supported
  setEflags(cpu, newFlags, new32 ? EFLAGS_BITS : 0xffff);
  loadNewSegments(cpu, newLdt);
  if (errorCode >= 0) {
    stackBegin(
      cpu,
      cpu.segBase[SS]!,
      cpu.segLimit[SS]!,
      cpu.segAccess[SS]!,
      cpu.reg32[4]!,
      VEC_SS,
      ext,
    );
    stackPush(cpu, new32 ? 4 : 2, errorCode);
    setStackPointer(cpu, stackEsp());
  }
  if (cpu.eip > cpu.segLimit[CS]!) raiseFault(cpu, VEC_GP, 0);
}

/** Saves the dynamic state of the current task into its TSS (SDM §7.2.1). */
function saveOldTask(cpu: Cpu, old32: boolean, source: number): void {
  const base = cpu.segBase[TR]!;
  const w = old32 ? 4 : 2;
  let flags = getEflags(cpu);
  if (source === TASK_IRET) flags &= ~FLAG_NT;
  const put = (offset: number, value: number) =>
    writeLinearAs(cpu, (base + offset) | 0, w, value, false);
  put(old32 ? EIP32 : IP16, cpu.eip);
  put(old32 ? EFLAGS32 : FLAGS16, flags);
  for (let r = 0; r < 8; r++) put((old32 ? GPR32 : GPR16) + r * w, cpu.reg32[r]!);
  for (let s = 0; s < (old32 ? 6 : 4); s++)
    put((old32 ? SEG32 : SEG16) + s * w, cpu.segSelector[s]!);
}

/** Sets or clears the busy bit of the GDT's TSS descriptor for `selector`. */
function setBusy(cpu: Cpu, selector: number, busy: boolean): void {
  const addr = (cpu.gdtBase + (selector & 0xfff8)) | 0;
  const hi = readLinearAs(cpu, (addr + 4) | 0, 4, false);
  writeLinearAs(cpu, (addr + 4) | 0, 4, busy ? hi | TSS_BUSY : hi & ~TSS_BUSY, false);
}

/**
 * Loads LDTR, CS, SS and the data segments of the new task with the checks of SDM §7.3 step
 * 12, reporting #TS(selector) (#NP / #SS for not-present segments). Selectors are set first so
 * that a fault is taken with the new task's selectors visible, as on hardware.
 */
function loadNewSegments(cpu: Cpu, ldt: number): void {
  for (let s = 0; s < 6; s++) {
    cpu.segSelector[s] = newSeg[s]!;
    cpu.segAccess[s] = 0;
  }
  cpu.segSelector[LDTR] = ldt;
  cpu.segAccess[LDTR] = 0;
  if ((ldt & 0xfffc) !== 0) {
    if ((ldt & 4) !== 0) raiseFault(cpu, VEC_TS, ldt & 0xfffc);
    readDescriptor(cpu, ldt, VEC_TS, 0);
    const access = descAccess(descHi);
    if ((access & (DESC_S | 0xf)) !== 0x2 || (access & DESC_P) === 0) {
      raiseFault(cpu, VEC_TS, ldt & 0xfffc);
    }
    setCache(cpu, LDTR, ldt, descLo, descHi);
  }
  const cs = newSeg[CS]!;
  const cpl = cs & 3;
  checkTaskSegment(cpu, cs, cpl, CS);
  setCache(cpu, CS, cs, descLo, descHi);
  cpu.cpl = cpl;
  checkTaskSegment(cpu, newSeg[SS]!, cpl, SS);
  setCache(cpu, SS, newSeg[SS]!, descLo, descHi);
  for (const s of DATA_SEGMENTS) {
    if ((newSeg[s]! & 0xfffc) === 0) continue; // null: stays unusable
    checkTaskSegment(cpu, newSeg[s]!, cpl, s);
    setCache(cpu, s, newSeg[s]!, descLo, descHi);
  }
}

/** One segment of the new task: leaves its descriptor in descLo/descHi or raises. */
function checkTaskSegment(cpu: Cpu, selector: number, cpl: number, seg: number): void {
  const err = selector & 0xfffc;
  if (err === 0) raiseFault(cpu, VEC_TS, 0);
  readDescriptor(cpu, selector, VEC_TS, 0);
  const access = descAccess(descHi);
  const dpl = descDpl(descHi);
  const rpl = selector & 3;
  const code = (access & (DESC_S | DESC_CODE)) === (DESC_S | DESC_CODE);
  const conforming = code && (access & DESC_CONFORMING) !== 0;
  let ok: boolean;
  if (seg === CS) {
    ok = code && (conforming ? dpl <= rpl : dpl === rpl);
  } else if (seg === SS) {
    const writableData = (access & (DESC_S | DESC_CODE | DESC_RW)) === (DESC_S | DESC_RW);
    ok = writableData && rpl === cpl && dpl === cpl;
  } else {
    const readable = (access & DESC_S) !== 0 && (!code || (access & DESC_RW) !== 0);
    ok = readable && (conforming || (rpl <= dpl && cpl <= dpl));
  }
  if (!ok) raiseFault(cpu, VEC_TS, err);
  if ((access & DESC_P) === 0) raiseFault(cpu, seg === SS ? VEC_SS : VEC_NP, err);
}
