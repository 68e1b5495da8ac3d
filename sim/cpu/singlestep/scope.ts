// The SingleStepTests 80286 forms we do not reproduce, each with the reason. The CLI and the
// vitest tier skip (and count) them; every other test must pass.
//
// We model an i686 in real mode, not a 286. Where the two differ architecturally, the 286
// hardware vectors cannot match; each difference is one row below, with a predicate over the
// test that selects exactly the affected tests.

import { OPCODE_TABLE } from '../table.ts';
import type { MooTest } from './moo.ts';

export interface ScopeRule {
  reason: string;
  matches: (t: MooTest) => boolean;
}

/** The one table of out-of-scope forms. */
export const OUT_OF_SCOPE: readonly ScopeRule[] = [
  {
    reason:
      'LOCK on a non-lockable instruction or a register destination: the 286 ignores the ' +
      'prefix, the 386 and later raise #UD',
    matches: (t) => {
      const d = decodeShape(t.bytes);
      return d.lock && !lockableMemoryForm(d.opcode, d.modrm);
    },
  },
  {
    reason: 'instructions longer than 10 bytes: #GP on the 286, the limit is 15 from the 386 on',
    matches: (t) => t.bytes.length - 1 > 10,
  },
  {
    reason:
      'a stack (SS) access wrapping at offset FFFFh: #GP (13) on the 286, #SS (12) from the 386 on',
    matches: (t) => t.exception?.vector === 13 && usesStackSegment(t.bytes),
  },
  {
    reason:
      'a word string access at offset FFFFh: the 286 advances (E)SI/(E)DI before its #GP, the ' +
      '386 and later fault with the registers unchanged',
    matches: (t) => t.exception?.vector === 13 && STRING_WORD_OPS.has(decodeShape(t.bytes).opcode),
  },
  {
    reason: 'MOV to/from segment registers 4–7: no FS/GS on the 286 (the 386 has FS and GS)',
    matches: (t) => {
      const d = decodeShape(t.bytes);
      return (d.opcode === 0x8c || d.opcode === 0x8e) && ((d.modrm >> 3) & 7) >= 4;
    },
  },
  {
    reason:
      'x87 escapes: the test machine had no coprocessor, so the 286 skips them; our CPU has an ' +
      'FPU (fpu.ts), which executes them or raises #UD for forms outside its subset',
    matches: (t) => {
      const op = decodeShape(t.bytes).opcode;
      return op >= 0xd8 && op <= 0xdf;
    },
  },
  {
    reason: 'AAM 0 (#DE): the 286 changes SF/ZF/PF before the fault; the SDM leaves them undefined',
    matches: (t) => {
      const d = decodeShape(t.bytes);
      return d.opcode === 0xd4 && t.bytes[d.length + 1] === 0;
    },
  },
  {
    reason:
      'IDIV AX=81C1h by 7Ch (quotient -260 does not fit a byte): the 286 returns AL=80h ' +
      'AH=C1h without #DE; the SDM and the 386 raise #DE',
    matches: (t) => IDIV_286_NO_FAULT.has(t.hash),
  },
];

/** SHA-1 of the individual tests the IDIV rule covers (found by running the suite). */
const IDIV_286_NO_FAULT = new Set(['0038b4bacfb75535b5da175f619b0812b16d0601']);

const STRING_WORD_OPS = new Set([0x6d, 0x6f, 0xa5, 0xa7, 0xab, 0xad, 0xaf]);

/** Opcodes that address SS implicitly (pushes, pops, calls, returns, interrupts). */
const STACK_OPCODES = new Set([
  0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x60, 0x61, 0x68, 0x6a, 0x8f, 0x9a, 0x9c, 0x9d, 0xc2,
  0xc3, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xe8,
]);

const SEGMENT_PREFIXES: Record<number, number> = { 38: 0, 46: 1, 54: 2, 62: 3 };
const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3]);
const SS = 2;

interface Shape {
  lock: boolean;
  /** Last segment override, or -1. */
  segment: number;
  /** Number of prefix bytes; the opcode is at this index. */
  length: number;
  opcode: number;
  modrm: number;
}

function decodeShape(bytes: Uint8Array): Shape {
  const shape: Shape = { lock: false, segment: -1, length: 0, opcode: 0, modrm: 0xc0 };
  let i = 0;
  while (i < bytes.length && PREFIXES.has(bytes[i]!)) {
    const b = bytes[i]!;
    if (b === 0xf0) shape.lock = true;
    if (b in SEGMENT_PREFIXES) shape.segment = SEGMENT_PREFIXES[b]!;
    i++;
  }
  shape.length = i;
  shape.opcode = bytes[i]!;
  shape.modrm = bytes[i + 1] ?? 0xc0;
  return shape;
}

function hasModrm(opcode: number): boolean {
  return OPCODE_TABLE.some((e) => e.opcode === opcode && e.form !== 'none');
}

/** Does the instruction touch memory through SS (implicitly, by BP addressing, or SS:)? */
function usesStackSegment(bytes: Uint8Array): boolean {
  const d = decodeShape(bytes);
  if (STACK_OPCODES.has(d.opcode)) return true;
  if (d.opcode === 0xff && [2, 3, 6].includes((d.modrm >> 3) & 7)) return true;
  if (!hasModrm(d.opcode) || d.modrm >= 0xc0) return false;
  if (d.segment >= 0) return d.segment === SS;
  const mod = d.modrm >> 6;
  const rm = d.modrm & 7;
  return rm === 2 || rm === 3 || (rm === 6 && mod !== 0);
}

/** Does the table allow LOCK on this opcode's memory form? */
function lockableMemoryForm(opcode: number, modrm: number): boolean {
  if (modrm >= 0xc0) return false;
  const reg = (modrm >> 3) & 7;
  return OPCODE_TABLE.some(
    (e) => e.opcode === opcode && e.lockable && (e.extension === -1 || e.extension === reg),
  );
}

/** Why `test` is out of scope, or undefined when it must pass. */
export function outOfScope(test: MooTest): string | undefined {
  for (const rule of OUT_OF_SCOPE) if (rule.matches(test)) return rule.reason;
  return undefined;
}
