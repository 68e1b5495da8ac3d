// The instruction loop (Intel SDM vol. 2 ch. 2, instruction format; vol. 3A §6.5, fault
// semantics): prefixes, opcode, ModRM/immediates, dispatch through the handler arrays of
// dispatch.ts, and exits. Straight-line 32-bit code runs as decoded blocks (blocks.ts); the
// rest one instruction at a time. One try/catch surrounds the inner loop; a FAULT thrown by
// any access or handler is delivered (interrupts.deliverFault) and the loop re-enters. A CPU
// with a store buffer runs in a loop of its own (runBuffered), so the common one pays nothing.

import { fetch8 } from './access.ts';
import { runBlock } from './blocks.ts';
import { type Cpu, CS, ExitReason, FLAG_RF, FLAG_TF, VEC_DB, VEC_GP, VEC_UD } from './cpu.ts';
import { decodeEa32At, decodeModrm, fetchImmediate, IMM_NONE, immediate32At } from './decode.ts';
import {
  FENCE,
  HANDLERS,
  HAS_MODRM,
  IMM_KIND,
  LOCKABLE,
  PREFIX_ADDRSIZE,
  PREFIX_KIND,
  PREFIX_LOCK,
  PREFIX_NONE,
  PREFIX_OPSIZE,
  PREFIX_REP,
  PREFIX_SEG,
  PREFIX_SEGMENT,
} from './dispatch.ts';
import { FAULT, raiseFault } from './fault.ts';
import { deliverFault, deliverTrap } from './interrupts.ts';
import type { StoreBuffer } from './store-buffer.ts';

/** The dispatch index of the instruction stepSlow() last decoded (its opcode is index >> 4). */
let lastIndex = 0;

/** An instruction is at most 15 bytes (SDM vol. 2 §2.3.11). */
const MAX_LENGTH = 15;

/**
 * Decodes and executes one instruction. Faults propagate as FAULT.
 *
 * Fast path: 32-bit code whose next 15 bytes lie in the cached fetch page (access.ts) and within
 * CS's limit, whose first byte is not a prefix, with no single-step trap to take (`tf`: the
 * EFLAGS.TF the instruction began with; only stepSlow records lastIndex for that trap). Then
 * no fetch can fault, so the opcode, ModRM/SIB/displacement and immediates are read straight
 * from RAM and EIP is set once. Anything else (prefixes, 16-bit code, an instruction near a
 * page end or the limit, TF) takes stepSlow.
 */
export function step(cpu: Cpu, tf: number): void {
  const eip = cpu.eip;
  const linear = (cpu.segBase[CS]! + eip) | 0;
  const off = linear & 0xfff;
  if (
    tf === 0 &&
    (linear ^ off) === cpu.fetchLinear &&
    cpu.cpl === cpu.fetchCpl &&
    off <= 0x1000 - MAX_LENGTH &&
    eip + (MAX_LENGTH - 1) <= cpu.segLimit[CS]! &&
    (cpu.segAccess[CS]! & 0x4000) !== 0
  ) {
    const ram = cpu.mem.ram;
    const start = cpu.fetchPhys + off;
    let op = ram[start]!;
    if (PREFIX_KIND[op] === PREFIX_NONE) {
      cpu.instrStart = eip;
      cpu.opsize32 = true;
      cpu.addrsize32 = true;
      cpu.segOverride = -1;
      cpu.repPrefix = 0;
      cpu.lockPrefix = false;
      let p = start + 1;
      if (op === 0x0f) op = 0x100 | ram[p++]!;
      let index = op << 4;
      if (HAS_MODRM[op] === 1) {
        const m = ram[p++]!;
        cpu.modrm = m;
        index |= (m & 0x38) >> 2;
        if (m >= 0xc0) index |= 1;
        else p = decodeEa32At(cpu, ram, p, m);
      }
      const imm = IMM_KIND[index]!;
      if (imm !== IMM_NONE) p = immediate32At(cpu, ram, p, imm);
      cpu.eip = eip + (p - start);
      HANDLERS[index]!(cpu);
      return;
    }
  }
  stepSlow(cpu);
}

/**
 * step() byte by byte through fetch8, which checks the limit and the page of every byte, and
 * remembers the dispatch index (lastIndex).
 */
function stepSlow(cpu: Cpu): void {
  cpu.instrStart = cpu.eip;
  const big = (cpu.segAccess[CS]! & 0x4000) !== 0;
  cpu.opsize32 = big;
  cpu.addrsize32 = big;
  cpu.segOverride = -1;
  cpu.repPrefix = 0;
  cpu.lockPrefix = false;
  let op = fetch8(cpu);
  if (PREFIX_KIND[op] !== PREFIX_NONE) op = decodePrefixes(cpu, op, big);
  if (op === 0x0f) op = 0x100 | fetch8(cpu);
  let index = op << 4;
  if (HAS_MODRM[op] === 1) {
    decodeModrm(cpu);
    const m = cpu.modrm;
    index |= (m & 0x38) >> 2;
    if (m >= 0xc0) index |= 1;
  }
  lastIndex = index;
  const imm = IMM_KIND[index]!;
  if (imm !== IMM_NONE) fetchImmediate(cpu, imm);
  if (cpu.lockPrefix && LOCKABLE[index] === 0) raiseFault(cpu, VEC_UD);
  HANDLERS[index]!(cpu);
}

/** Applies prefix bytes starting with `op`; returns the first non-prefix byte. */
function decodePrefixes(cpu: Cpu, op: number, big: boolean): number {
  let count = 0;
  for (;;) {
    switch (PREFIX_KIND[op]) {
      case PREFIX_SEG:
        cpu.segOverride = PREFIX_SEGMENT[op]!;
        break;
      case PREFIX_OPSIZE:
        cpu.opsize32 = !big;
        break;
      case PREFIX_ADDRSIZE:
        cpu.addrsize32 = !big;
        break;
      case PREFIX_LOCK:
        cpu.lockPrefix = true;
        break;
      case PREFIX_REP:
        cpu.repPrefix = op;
        break;
      default:
        return op;
    }
    if (++count >= MAX_LENGTH) raiseFault(cpu, VEC_GP, 0);
    op = fetch8(cpu);
  }
}

/**
 * Runs until `fuel` instructions have retired or something ends the run (HLT, host I/O,
 * HostTrap, triple fault, Cpu.pendingExit set by the host). A faulting instruction counts as
 * executed, so the fuel bound holds even for fault loops.
 */
export function run(cpu: Cpu, fuel: number): ExitReason {
  const end = cpu.instructions + fuel;
  if (cpu.storeBuffer !== null) return runBuffered(cpu, cpu.storeBuffer, end);
  // An exit requested while the CPU was not running (e.g. Stopped) ends this run at once.
  if (cpu.pendingExit >= 0) return takeExit(cpu);
  for (;;) {
    try {
      while (cpu.instructions < end) {
        const tf = cpu.flags & FLAG_TF;
        const breakpoints = cpu.dr[7]! & DR7_ENABLES;
        if (tf === 0 && cpu.trace === null && breakpoints === 0) {
          if (!runBlock(cpu, end)) {
            step(cpu, 0);
            cpu.instructions++;
          }
        } else {
          if (cpu.trace !== null) {
            cpu.trace(cpu);
            // A hook that sets pendingExit (a debugger's breakpoint) stops before the instruction.
            if (cpu.pendingExit >= 0) return takeExit(cpu);
          }
          if (breakpoints !== 0) instructionBreakpoint(cpu);
          step(cpu, tf);
          cpu.instructions++;
          if (tf !== 0) singleStepTrap(cpu);
        }
        if (cpu.pendingExit >= 0) return takeExit(cpu);
      }
      return ExitReason.Fuel;
    } catch (e) {
      if (e !== FAULT) throw e;
      cpu.instructions++;
      deliverFault(cpu);
      if (cpu.pendingExit >= 0) return takeExit(cpu);
    }
  }
}

/** DR7's L0–L3 and G0–G3 bits: any set, and each instruction is checked one by one. */
const DR7_ENABLES = 0xff;

/**
 * Instruction breakpoints (SDM vol. 3A §17.2.4, §17.3.1.1): a #DB fault before the instruction
 * when its linear address is in an enabled DR0–DR3 whose R/W field is 00 (execute), with the
 * register's B bit set in DR6. EFLAGS.RF suppresses the check once, so a handler can return to
 * the instruction; RF is cleared as the instruction starts (IRET may set it again). Data
 * breakpoints (R/W 01 and 11) and I/O breakpoints are not modelled.
 */
function instructionBreakpoint(cpu: Cpu): void {
  if ((cpu.flags & FLAG_RF) !== 0) {
    cpu.flags &= ~FLAG_RF;
    return;
  }
  const dr7 = cpu.dr[7]!;
  const linear = (cpu.segBase[CS]! + cpu.eip) | 0;
  for (let i = 0; i < 4; i++) {
    const enabled = (dr7 >>> (i * 2)) & 3;
    const rw = (dr7 >>> (16 + i * 4)) & 3;
    if (enabled !== 0 && rw === 0 && cpu.dr[i] === linear) {
      cpu.dr[6] = cpu.dr[6]! | (1 << i);
      cpu.instrStart = cpu.eip;
      raiseFault(cpu, VEC_DB);
    }
  }
}

/**
 * run() for a CPU with a store buffer (store-buffer.ts), one instruction at a time through
 * stepSlow so that the buffer sees every boundary. After a fence (dispatch.ts FENCE, or any
 * LOCKed instruction) the buffer drains — nothing runs between the fence's own accesses and
 * that drain, so it is as if it drained before them — and so it does after an exception or
 * interrupt is delivered and at every exit; after other instructions it ticks (drains at its
 * seeded points). Running out of fuel leaves it as it is.
 */
function runBuffered(cpu: Cpu, buffer: StoreBuffer, end: number): ExitReason {
  for (;;) {
    try {
      while (cpu.instructions < end && cpu.pendingExit < 0) {
        const tf = cpu.flags & FLAG_TF;
        if (cpu.trace !== null) {
          cpu.trace(cpu);
          if (cpu.pendingExit >= 0) break;
        }
        stepSlow(cpu);
        cpu.instructions++;
        if (FENCE[lastIndex] === 1 || cpu.lockPrefix) buffer.drain();
        else buffer.tick();
        if (tf !== 0) {
          singleStepTrap(cpu);
          buffer.drain();
        }
      }
    } catch (e) {
      if (e !== FAULT) throw e;
      cpu.instructions++;
      deliverFault(cpu);
      buffer.drain();
      continue;
    }
    if (cpu.pendingExit < 0) return ExitReason.Fuel;
    buffer.drain();
    return takeExit(cpu);
  }
}

/**
 * EFLAGS.TF was set when the instruction began: a single-step #DB trap after it (SDM vol. 3A
 * §17.3.1.4), with DR6.BS set. INT n/INT3/INTO/INT1 clear TF on their way into the handler and
 * take no single-step trap. Nor does an instruction that ended run() (HLT, host I/O, a host
 * trap): a pending #DB across a host exit is not modelled.
 */
function singleStepTrap(cpu: Cpu): void {
  if (SOFTWARE_INTERRUPTS.has(lastIndex >> 4) || cpu.pendingExit >= 0) return;
  cpu.dr[6] = cpu.dr[6]! | DR6_BS;
  deliverTrap(cpu, VEC_DB);
}
const SOFTWARE_INTERRUPTS = new Set([0xcc, 0xcd, 0xce, 0xf1]);
const DR6_BS = 1 << 14;

function takeExit(cpu: Cpu): ExitReason {
  const reason = cpu.pendingExit as ExitReason;
  cpu.pendingExit = -1;
  return reason;
}
