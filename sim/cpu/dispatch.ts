// The dispatch tables of the instruction loop, built once from the opcode table (table.ts):
// the handler, whether a ModRM byte follows, the immediate kind and LOCK legality per dispatch
// index, what each prefix byte does, which instructions a decoded block may hold inside, and
// which drain the store buffer.
//
// Dispatch index: ((map << 8 | opcode) << 3 | ModRM.reg) << 1 | (mod === 3), where map is 0 for
// the one-byte map and 1 for 0F xx. Opcodes without ModRM use reg 0 and the memory slot.

import { type Cpu, CS, DS, ES, FLAG_TF, FS, GS, SS, VEC_UD } from './cpu.ts';
import {
  IMM_AP,
  IMM_IB,
  IMM_IBS,
  IMM_IW,
  IMM_IW_IB,
  IMM_IZ,
  IMM_JZ,
  IMM_MOFFS,
  IMM_NONE,
} from './decode.ts';
import { raiseFault } from './fault.ts';
import { x87 as x87Handler } from './instructions/privileged.ts';
import { type Handler, OPCODE_TABLE, type OpcodeEntry, PRIV_NONE } from './table.ts';

export const SLOTS = 512 * 16;

/** Handler per dispatch index. */
export const HANDLERS: Handler[] = new Array<Handler>(SLOTS);
/** 1 when the opcode (map << 8 | byte) has a ModRM byte. */
export const HAS_MODRM = new Uint8Array(512);
/** IMM_* kind per dispatch index. */
export const IMM_KIND = new Uint8Array(SLOTS);
/** 1 when LOCK is allowed at this dispatch index (memory form only). */
export const LOCKABLE = new Uint8Array(SLOTS);

/** 1 when the instruction at this dispatch index drains the store buffer (table.ts `fence`). */
export const FENCE = new Uint8Array(SLOTS);

/** Prefix bytes: what each one does. */
export const PREFIX_NONE = 0;
export const PREFIX_SEG = 1;
export const PREFIX_OPSIZE = 2;
export const PREFIX_ADDRSIZE = 3;
export const PREFIX_LOCK = 4;
export const PREFIX_REP = 5;
export const PREFIX_KIND = new Uint8Array(256);
export const PREFIX_SEGMENT = new Int8Array(256);

export function undefinedOpcode(cpu: Cpu): void {
  raiseFault(cpu, VEC_UD);
}

function immediateKind(operands: readonly string[]): number {
  if (operands.includes('Ap')) return IMM_AP;
  if (operands[0] === 'Iw' && operands[1] === 'Ib') return IMM_IW_IB;
  for (const o of operands) {
    switch (o) {
      case 'Ib':
        return IMM_IB;
      case 'Ibs':
      case 'Jb':
        return IMM_IBS;
      case 'Iw':
        return IMM_IW;
      case 'Iz':
        return IMM_IZ;
      case 'Jz':
        return IMM_JZ;
      case 'Ob':
      case 'Ov':
        return IMM_MOFFS;
    }
  }
  return IMM_NONE;
}

/**
 * 1 when the instruction at this dispatch index may sit inside a decoded block rather than end
 * it (blocks.ts): it continues at the next instruction, cannot end the run (no I/O, HLT or host
 * trap), cannot set TF, and loads no segment register. Everything else ends its block.
 */
export const BLOCK_INNER = new Uint8Array(SLOTS);

function blockInner(e: OpcodeEntry): boolean {
  if (e.blockEnd || e.privilege !== PRIV_NONE || e.rep || (e.flagsWritten & FLAG_TF) !== 0) {
    return false;
  }
  if (e.operands.some((o) => SEGMENT_OPERANDS.has(o))) return false;
  return e.opcode < 0x100 || TWO_BYTE_INNER_ROWS.has(e.opcode >> 4) || TWO_BYTE_INNER.has(e.opcode);
}
/** Operands that load a segment register (MOV Sw, POP seg, LDS/LES/LSS/LFS/LGS). */
const SEGMENT_OPERANDS = new Set(['Sw', 'ES', 'SS', 'DS', 'FS', 'GS', 'Mp']);
/**
 * The 0F-map instructions a block may hold: CMOVcc and SETcc rows (0F4x, 0F9x), BT*, SHLD/SHRD,
 * IMUL, CMPXCHG, MOVZX/MOVSX, BSF/BSR, XADD, BSWAP. CPUID, RDTSC, RDMSR and the system
 * instructions end blocks: a VMX-like guest mode may exit on them.
 */
const TWO_BYTE_INNER_ROWS = new Set([0x0f4, 0x0f9]);
const TWO_BYTE_INNER = new Set([
  0x0fa3, 0x0fa4, 0x0fa5, 0x0fab, 0x0fac, 0x0fad, 0x0faf, 0x0fb0, 0x0fb1, 0x0fb3, 0x0fb6, 0x0fb7,
  0x0fba, 0x0fbb, 0x0fbc, 0x0fbd, 0x0fbe, 0x0fbf, 0x0fc0, 0x0fc1, 0x0fc8, 0x0fc9, 0x0fca, 0x0fcb,
  0x0fcc, 0x0fcd, 0x0fce, 0x0fcf,
]);

function install(e: OpcodeEntry): void {
  if (e.prefix !== 0) return; // selected by a prefix within another entry's handler (PAUSE)
  const key = e.opcode >= 0x0f00 ? 0x100 | (e.opcode & 0xff) : e.opcode;
  HAS_MODRM[key] = e.form === 'none' ? 0 : 1;
  const imm = immediateKind(e.operands);
  for (let reg = 0; reg < 8; reg++) {
    if (e.extension >= 0 && reg !== e.extension) continue;
    for (let isReg = 0; isReg < 2; isReg++) {
      if (e.form === 'mem' && isReg === 1) continue;
      if (e.form === 'reg' && isReg === 0) continue;
      const index = (((key << 3) | reg) << 1) | isReg;
      // A fixed-rm entry (DB E3) shares its slot with the rest of its group: the x87 escapes
      // dispatch every ModRM to fpu.ts, so the first handler installed stands for all.
      if (e.rm >= 0 && HANDLERS[index] !== undefinedOpcode) continue;
      HANDLERS[index] = e.handler;
      IMM_KIND[index] = imm;
      LOCKABLE[index] = e.lockable && isReg === 0 ? 1 : 0;
      BLOCK_INNER[index] = blockInner(e) ? 1 : 0;
      FENCE[index] = e.fence === 'always' || (e.fence === 'memory' && isReg === 0) ? 1 : 0;
    }
  }
}

function buildDispatch(): void {
  HANDLERS.fill(undefinedOpcode);
  for (const e of OPCODE_TABLE) install(e);
  // Every x87 escape goes to the FPU, whatever the table spells out for the assemblers.
  for (let op = 0xd8; op <= 0xdf; op++) {
    HAS_MODRM[op] = 1;
    const fpuEscape = x87Handler(op);
    for (let i = 0; i < 16; i++) {
      const index = (op << 4) | i;
      HANDLERS[index] = fpuEscape;
      IMM_KIND[index] = IMM_NONE;
      BLOCK_INNER[index] = 0;
    }
  }
  const segs: [number, number][] = [
    [0x26, ES],
    [0x2e, CS],
    [0x36, SS],
    [0x3e, DS],
    [0x64, FS],
    [0x65, GS],
  ];
  for (const [byte, seg] of segs) {
    PREFIX_KIND[byte] = PREFIX_SEG;
    PREFIX_SEGMENT[byte] = seg;
  }
  PREFIX_KIND[0x66] = PREFIX_OPSIZE;
  PREFIX_KIND[0x67] = PREFIX_ADDRSIZE;
  PREFIX_KIND[0xf0] = PREFIX_LOCK;
  PREFIX_KIND[0xf2] = PREFIX_REP;
  PREFIX_KIND[0xf3] = PREFIX_REP;
}

buildDispatch();
