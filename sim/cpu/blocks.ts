// Decoded blocks: straight-line 32-bit code decoded once and then run without fetching or
// decoding again (the interpreter's answer to "one dispatch per instruction costs too much";
// see bench/README.md). A block is a run of instructions in one physical frame that ends at
// the first instruction which may jump, change the mode, end the run or load a segment
// (dispatch.ts BLOCK_INNER), at a prefix, or near the frame's end.
//
// Blocks are keyed by the physical address of their first instruction and stay valid while
// their frame's generation (PhysMemory.codeGen) does not change: every write to a frame that
// holds blocks bumps it, because such frames never get direct write access in a TLB (cpu.ts).
// A block runs exactly as step()'s fast path would run its instructions one by one: the same
// EIP, instrStart, ModRM, effective address and immediates, the same instruction count.

import { type Cpu, CS } from './cpu.ts';
import {
  eaForm32At,
  formBase,
  formDisp,
  formIndex,
  formScale,
  formSegment,
  IMM_AP,
  IMM_IW_IB,
  IMM_NONE,
  immediate32At,
  setEa32,
} from './decode.ts';
import {
  BLOCK_INNER,
  HANDLERS,
  HAS_MODRM,
  IMM_KIND,
  PREFIX_KIND,
  PREFIX_NONE,
  undefinedOpcode,
} from './dispatch.ts';

/** Blocks in the direct-mapped table (a power of two). */
const BLOCKS = 4096;
/** Instructions a block holds at most. */
const MAX_INSNS = 32;
/** An instruction is at most 15 bytes: a block stops where the next one could leave the frame. */
const MAX_LENGTH = 15;
/** A frame rewritten this many times is left to the one-at-a-time path (data beside code). */
const MAX_REWRITES = 64;
/** ModRM value stored for an instruction without a memory operand. */
const NO_EA = 0xff;

/** One CPU's decoded blocks: per-block headers and per-instruction slots, as typed arrays. */
export class BlockStore {
  /** Physical address of the first instruction, or -1. */
  readonly tag = new Int32Array(BLOCKS).fill(-1);
  /** The frame's codeGen when the block was decoded. */
  readonly gen = new Uint32Array(BLOCKS);
  readonly count = new Uint8Array(BLOCKS);
  /** Bytes the block's instructions cover. */
  readonly bytes = new Uint16Array(BLOCKS);
  // Instruction slots: block b uses [b * MAX_INSNS, b * MAX_INSNS + count).
  /** Dispatch index (dispatch.ts). */
  readonly index = new Uint16Array(BLOCKS * MAX_INSNS);
  /** Offsets of the instruction's first byte and of the next instruction from the block start. */
  readonly start = new Uint16Array(BLOCKS * MAX_INSNS);
  readonly end = new Uint16Array(BLOCKS * MAX_INSNS);
  readonly modrm = new Uint8Array(BLOCKS * MAX_INSNS);
  /** 1 when ModRM names a memory operand, whose form follows. */
  readonly memory = new Uint8Array(BLOCKS * MAX_INSNS);
  readonly base = new Int8Array(BLOCKS * MAX_INSNS);
  readonly indexReg = new Int8Array(BLOCKS * MAX_INSNS);
  readonly scale = new Uint8Array(BLOCKS * MAX_INSNS);
  readonly disp = new Int32Array(BLOCKS * MAX_INSNS);
  readonly segment = new Uint8Array(BLOCKS * MAX_INSNS);
  readonly imm = new Int32Array(BLOCKS * MAX_INSNS);
}

function slotOf(phys: number): number {
  return Math.imul(phys, 0x9e3779b1) >>> (32 - 12);
}

/**
 * Runs the block at CS:EIP when the CPU is in 32-bit code on the cached fetch page (access.ts)
 * and a block can start there; returns false, having done nothing, otherwise. Retires at most
 * `end - cpu.instructions` instructions. Faults propagate as FAULT with the faulting
 * instruction not yet counted, as in step().
 */
export function runBlock(cpu: Cpu, end: number): boolean {
  const eip = cpu.eip;
  const linear = (cpu.segBase[CS]! + eip) | 0;
  const off = linear & 0xfff;
  if (
    (linear ^ off) !== cpu.fetchLinear ||
    cpu.cpl !== cpu.fetchCpl ||
    (cpu.segAccess[CS]! & 0x4000) === 0
  ) {
    return false;
  }
  const phys = cpu.fetchPhys + off;
  const frame = cpu.fetchPhys >>> 12;
  const mem = cpu.mem;
  let store = cpu.blocks;
  if (store === null) {
    store = new BlockStore();
    cpu.blocks = store;
  }
  const b = slotOf(phys);
  if (store.tag[b] !== phys || store.gen[b] !== mem.codeGen[frame])
    decodeBlock(cpu, store, b, phys);
  let n = store.count[b]!;
  if (n === 0 || eip + store.bytes[b]! - 1 > cpu.segLimit[CS]!) return false;

  if (end - cpu.instructions < n) n = end - cpu.instructions;
  cpu.opsize32 = true;
  cpu.addrsize32 = true;
  cpu.segOverride = -1;
  cpu.repPrefix = 0;
  cpu.lockPrefix = false;
  const gen = store.gen[b]!;
  const first = b * MAX_INSNS;
  for (let s = first; s < first + n; s++) {
    cpu.instrStart = eip + store.start[s]!;
    cpu.eip = eip + store.end[s]!;
    cpu.modrm = store.modrm[s]!;
    if (store.memory[s] === 1) {
      setEa32(
        cpu,
        store.base[s]!,
        store.indexReg[s]!,
        store.scale[s]!,
        store.disp[s]!,
        store.segment[s]!,
      );
    }
    cpu.imm = store.imm[s]!;
    HANDLERS[store.index[s]!]!(cpu);
    cpu.instructions++;
    // The instruction rewrote this block's frame: what follows must be decoded afresh.
    if (mem.codeGen[frame] !== gen) break;
  }
  return true;
}

/**
 * Decodes the block starting at physical address `phys` into slot `b`. A block of no
 * instructions says that none can start there (a prefix, an undefined opcode, the frame's end,
 * a much-rewritten frame), so that the next visit does not try again.
 */
function decodeBlock(cpu: Cpu, store: BlockStore, b: number, phys: number): void {
  const mem = cpu.mem;
  const frame = phys >>> 12;
  const ram = mem.ram;
  const limit = (frame + 1) * 0x1000 - MAX_LENGTH;
  const first = b * MAX_INSNS;
  let p = phys;
  let k = 0;
  const rewrites = mem.codeGen[frame]!;
  while (k < MAX_INSNS && p <= limit && rewrites < MAX_REWRITES) {
    let op = ram[p]!;
    if (PREFIX_KIND[op] !== PREFIX_NONE) break;
    let q = p + 1;
    if (op === 0x0f) op = 0x100 | ram[q++]!;
    let index = op << 4;
    let modrm = NO_EA;
    let memory = 0;
    if (HAS_MODRM[op] === 1) {
      modrm = ram[q++]!;
      index |= (modrm & 0x38) >> 2;
      if (modrm >= 0xc0) index |= 1;
      else {
        q = eaForm32At(ram, q, modrm);
        memory = 1;
      }
    }
    const imm = IMM_KIND[index]!;
    if (imm === IMM_AP || imm === IMM_IW_IB || HANDLERS[index] === undefinedOpcode) break;
    cpu.imm = 0;
    if (imm !== IMM_NONE) q = immediate32At(cpu, ram, q, imm);
    const s = first + k;
    store.index[s] = index;
    store.start[s] = p - phys;
    store.end[s] = q - phys;
    store.modrm[s] = modrm;
    store.memory[s] = memory;
    store.base[s] = formBase;
    store.indexReg[s] = formIndex;
    store.scale[s] = formScale;
    store.disp[s] = formDisp;
    store.segment[s] = formSegment;
    store.imm[s] = cpu.imm;
    k++;
    p = q;
    if (BLOCK_INNER[index] === 0) break;
  }
  if (k > 0) mem.markCode(frame);
  store.tag[b] = phys;
  store.gen[b] = rewrites;
  store.count[b] = k;
  store.bytes[b] = p - phys;
}
