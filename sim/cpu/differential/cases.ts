// The host-differential tier's cases (tier 3): short NASM snippets of 32-bit
// user-mode integer instructions with seeded random registers, flags and memory. The same snippet
// runs natively (native.ts) and in the sim (simulate.ts); the results must agree on every flag
// the instruction defines.
//
// A snippet may use BUF, the address of a 128-byte scratch buffer: the harness defines it as a
// symbol natively and as SCRATCH_ADDR in the sim. ESP is never an operand.

import { Prng } from '../../prng.ts';
import { CC_NAMES } from '../table.ts';

/** EAX ECX EDX EBX EBP ESI EDI — the registers a case sets and compares (ESP excluded). */
export const CASE_REGS = ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'] as const;
export const SCRATCH_BYTES = 128;

export const CF = 0x001;
export const PF = 0x004;
export const AF = 0x010;
export const ZF = 0x040;
export const SF = 0x080;
export const OF = 0x800;
export const DF = 0x400;
/** The flags the tier compares: the six arithmetic flags and DF. */
export const COMPARED_FLAGS = CF | PF | AF | ZF | SF | OF | DF;

export interface Case {
  /** Family and a short description, for failure messages. */
  name: string;
  /** NASM source (BITS 32), without the harness's entry and exit. */
  asm: string;
  /** Mnemonics whose undefined flags (from the opcode table) are masked. */
  mnemonics: readonly string[];
  /** Extra flags this particular case leaves undefined (e.g. OF of a multi-bit shift). */
  undefinedFlags: number;
  /** Input registers in CASE_REGS order, unsigned. */
  regs: number[];
  /** Input EFLAGS (arithmetic flags and DF; bit 1 is set by the harness). */
  flags: number;
  /** Initial scratch buffer contents. */
  memory: Uint8Array;
}

type Size = 8 | 16 | 32;

const REG_NAMES: Record<Size, readonly string[]> = {
  8: ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'],
  16: ['ax', 'cx', 'dx', 'bx', 'bp', 'si', 'di'],
  32: ['eax', 'ecx', 'edx', 'ebx', 'ebp', 'esi', 'edi'],
};

const CONDITIONS = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
] as const;

/** Values that find edge cases more often than uniform random ones do. */
function operand(rng: Prng): number {
  const pick = rng.below(10);
  const edges = [0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000];
  if (pick === 0) return edges[rng.below(edges.length)]!;
  if (pick === 1) return (0xffffffff - rng.below(4)) >>> 0;
  if (pick === 2) return rng.below(16);
  return rng.nextU32();
}

function regName(rng: Prng, size: Size, exclude: readonly string[] = []): string {
  const names = REG_NAMES[size].filter((n) => !exclude.includes(n));
  return names[rng.below(names.length)]!;
}

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** A case with fresh random registers, flags and memory; `asm` and the rest from `spec`. */
function makeCase(
  rng: Prng,
  name: string,
  asm: string,
  mnemonics: readonly string[],
  undefinedFlags = 0,
  flagsMask = CF | PF | AF | ZF | SF | OF,
): Case {
  const regs = CASE_REGS.map(() => operand(rng));
  const memory = new Uint8Array(SCRATCH_BYTES);
  for (let i = 0; i < memory.length; i++) memory[i] = rng.below(256);
  return { name, asm, mnemonics, undefinedFlags, regs, flags: rng.nextU32() & flagsMask, memory };
}

const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'] as const;
const UNARY = ['inc', 'dec', 'neg', 'not'] as const;
const SHIFTS = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sar'] as const;
const SIZES: readonly Size[] = [8, 16, 32];

function aluCase(rng: Prng): Case {
  const op = ALU[rng.below(ALU.length)]!;
  const size = SIZES[rng.below(3)]!;
  const dst = regName(rng, size);
  const form = rng.below(3);
  const mask = size === 32 ? 0xffffffff : (1 << size) - 1;
  let src: string;
  if (form === 0) src = regName(rng, size);
  else if (form === 1 || op === 'test') src = hex(operand(rng) & mask);
  else src = `byte ${rng.below(256) - 128}`;
  if (form === 2 && (size === 8 || op === 'test')) src = hex(operand(rng) & 0xff);
  return makeCase(rng, `${op} ${dst}, ${src}`, `${op} ${dst}, ${src}`, [op]);
}

function memoryAluCase(rng: Prng): Case {
  const op = ALU[rng.below(ALU.length - 1)]!;
  const size = SIZES[rng.below(3)]!;
  const reg = regName(rng, size);
  const width = size === 8 ? 'byte' : size === 16 ? 'word' : 'dword';
  const at = rng.below(SCRATCH_BYTES - 4);
  const asm =
    rng.below(2) === 0 ? `${op} ${width} [BUF + ${at}], ${reg}` : `${op} ${reg}, [BUF + ${at}]`;
  return makeCase(rng, asm, asm, [op]);
}

function unaryCase(rng: Prng): Case {
  const op = UNARY[rng.below(UNARY.length)]!;
  const size = SIZES[rng.below(3)]!;
  const asm = `${op} ${regName(rng, size)}`;
  return makeCase(rng, asm, asm, [op]);
}

/** Shift counts that matter: 0, 1, the width, beyond it, beyond 32 (masked), random. */
function shiftCount(rng: Prng, size: Size): number {
  const edges = [0, 1, 2, size - 1, size, size + 1, 31, 32, 33, 63, 255];
  return rng.below(3) === 0 ? rng.below(256) : edges[rng.below(edges.length)]!;
}

function shiftCase(rng: Prng): Case {
  const op = SHIFTS[rng.below(SHIFTS.length)]!;
  const size = SIZES[rng.below(3)]!;
  const count = shiftCount(rng, size);
  const byCl = rng.below(2) === 0;
  const dst = regName(rng, size, byCl ? ['cl', 'ch', 'cx', 'ecx'] : []);
  const asm = byCl ? `mov cl, ${count}\n${op} ${dst}, cl` : `${op} ${dst}, ${count}`;
  // OF is defined only for 1-bit shifts and rotates (SDM: "OF undefined for counts > 1").
  const masked = count & 31;
  let undefinedFlags = masked === 1 ? 0 : OF;
  // SHL/SHR by the operand width or more leave CF undefined (SDM vol. 2 SAL/SAR/SHL/SHR).
  if ((op === 'shl' || op === 'shr') && masked >= size) undefinedFlags |= CF;
  return makeCase(rng, asm.replace('\n', '; '), asm, [op], undefinedFlags);
}

function doubleShiftCase(rng: Prng): Case {
  const op = rng.below(2) === 0 ? 'shld' : 'shrd';
  const size: Size = rng.below(2) === 0 ? 16 : 32;
  // A 16-bit SHLD/SHRD by more than 16 leaves the destination undefined: stay within the width.
  const count = size === 16 ? rng.below(17) : shiftCount(rng, 32);
  const byCl = rng.below(2) === 0;
  const exclude = byCl ? ['cx', 'ecx'] : [];
  const dst = regName(rng, size, exclude);
  const src = regName(rng, size, [...exclude, dst]);
  const asm = byCl
    ? `mov cl, ${count}\n${op} ${dst}, ${src}, cl`
    : `${op} ${dst}, ${src}, ${count}`;
  return makeCase(rng, asm.replace('\n', '; '), asm, [op], (count & 31) === 1 ? 0 : OF);
}

function multiplyCase(rng: Prng): Case {
  const size = SIZES[rng.below(3)]!;
  const form = rng.below(4);
  let asm: string;
  let mnemonic = 'imul';
  if (form === 0) {
    mnemonic = 'mul';
    asm = `mul ${regName(rng, size)}`;
  } else if (form === 1 || size === 8) {
    asm = `imul ${regName(rng, size)}`;
  } else if (form === 2) {
    asm = `imul ${regName(rng, size)}, ${regName(rng, size)}`;
  } else {
    const imm = rng.below(2) === 0 ? rng.below(256) - 128 : operand(rng) & 0x7fff;
    asm = `imul ${regName(rng, size)}, ${regName(rng, size)}, ${imm}`;
  }
  return makeCase(rng, asm, asm, [mnemonic]);
}

/** DIV/IDIV with operands chosen so the quotient fits: no #DE. */
function divideCase(rng: Prng): Case {
  const size = SIZES[rng.below(3)]!;
  const signed = rng.below(2) === 0;
  const op = signed ? 'idiv' : 'div';
  const divisorReg = size === 8 ? 'bl' : size === 16 ? 'bx' : 'ebx';
  const bits = BigInt(size);
  const limit = 1n << (signed ? bits - 1n : bits);
  let divisor = 0n;
  while (divisor === 0n) {
    divisor = BigInt(operand(rng)) & ((1n << bits) - 1n);
    if (signed) divisor = BigInt.asIntN(size, divisor);
  }
  const magnitude = divisor < 0n ? -divisor : divisor;
  const quotientRaw = BigInt(rng.nextU32()) % limit;
  const quotient = signed ? quotientRaw - limit / 2n : quotientRaw;
  let remainder = BigInt(rng.nextU32()) % magnitude;
  const dividend0 = quotient * divisor;
  if (signed && dividend0 < 0n) remainder = -remainder;
  if (signed && dividend0 === 0n && rng.below(2) === 0) remainder = -remainder;
  const dividend = BigInt.asUintN(2 * size, dividend0 + remainder);
  const c = makeCase(rng, `${op} ${divisorReg}`, `${op} ${divisorReg}`, [op]);
  const low = Number(dividend & ((1n << bits) - 1n));
  const high = Number(dividend >> bits);
  if (size === 8) {
    c.regs[0] = ((c.regs[0]! & 0xffff0000) | Number(dividend)) >>> 0;
  } else if (size === 16) {
    c.regs[0] = ((c.regs[0]! & 0xffff0000) | low) >>> 0;
    c.regs[2] = ((c.regs[2]! & 0xffff0000) | high) >>> 0;
  } else {
    c.regs[0] = low;
    c.regs[2] = high;
  }
  const d = Number(BigInt.asUintN(size, divisor));
  const mask = size === 32 ? 0 : size === 16 ? 0xffff0000 : 0xffffff00;
  c.regs[3] = ((c.regs[3]! & mask) | d) >>> 0;
  return c;
}

function bitCase(rng: Prng): Case {
  const ops = ['bt', 'bts', 'btr', 'btc', 'bsf', 'bsr'] as const;
  const op = ops[rng.below(ops.length)]!;
  const size: Size = rng.below(2) === 0 ? 16 : 32;
  const dst = regName(rng, size);
  if (op === 'bsf' || op === 'bsr') {
    // A zero source leaves the destination undefined: pick a non-zero one in a register of its own.
    const src = regName(rng, size, [dst]);
    const c = makeCase(rng, `${op} ${dst}, ${src}`, `${op} ${dst}, ${src}`, [op]);
    const index = REG_NAMES[size].indexOf(src);
    if ((c.regs[index]! & (size === 16 ? 0xffff : 0xffffffff)) === 0) c.regs[index] = 0x00010001;
    return c;
  }
  const src = rng.below(2) === 0 ? regName(rng, size) : String(rng.below(256));
  return makeCase(rng, `${op} ${dst}, ${src}`, `${op} ${dst}, ${src}`, [op]);
}

function moveCase(rng: Prng): Case {
  const kind = rng.below(5);
  if (kind === 0) {
    const r = regName(rng, 32);
    return makeCase(rng, `bswap ${r}`, `bswap ${r}`, ['bswap']);
  }
  if (kind === 1) {
    const op = rng.below(2) === 0 ? 'movsx' : 'movzx';
    const from: Size = rng.below(2) === 0 ? 8 : 16;
    const to: Size = from === 8 && rng.below(2) === 0 ? 16 : 32;
    const width = from === 8 ? 'byte' : 'word';
    const src =
      rng.below(2) === 0 ? regName(rng, from) : `${width} [BUF + ${rng.below(SCRATCH_BYTES - 2)}]`;
    const asm = `${op} ${regName(rng, to)}, ${src}`;
    return makeCase(rng, asm, asm, [op]);
  }
  if (kind === 2) {
    const cc = rng.below(16);
    const asm = `set${CONDITIONS[cc]} ${regName(rng, 8)}`;
    return makeCase(rng, asm, asm, [`set${CC_NAMES[cc]}`]);
  }
  if (kind === 3) {
    const cc = rng.below(16);
    const size: Size = rng.below(2) === 0 ? 16 : 32;
    const asm = `cmov${CONDITIONS[cc]} ${regName(rng, size)}, ${regName(rng, size)}`;
    return makeCase(rng, asm, asm, [`cmov${CC_NAMES[cc]}`]);
  }
  const op = rng.below(2) === 0 ? 'xadd' : 'cmpxchg';
  const size = SIZES[rng.below(3)]!;
  const dst = regName(rng, size);
  // XADD r, r with one register is left to differential.test.ts's known-difference check.
  const src = regName(rng, size, op === 'xadd' ? [dst] : []);
  const c = makeCase(rng, `${op} ${dst}, ${src}`, `${op} ${dst}, ${src}`, [op]);
  // Make CMPXCHG's comparison succeed half of the time.
  // Registers index CASE_REGS alike in every size, except AH…BH.
  const index = REG_NAMES[size].indexOf(dst);
  if (op === 'cmpxchg' && rng.below(2) === 0 && (size !== 8 || index < 4)) {
    c.regs[0] = c.regs[index]!;
  }
  return c;
}

function decimalCase(rng: Prng): Case {
  const ops = ['daa', 'das', 'aaa', 'aas'] as const;
  const op = ops[rng.below(ops.length)]!;
  // DAA/DAS leave OF undefined; AAA/AAS also SF, ZF and PF (the table says so too).
  const undefinedFlags = op === 'daa' || op === 'das' ? OF : OF | SF | ZF | PF;
  return makeCase(rng, op, op, [op], undefinedFlags);
}

/** String instructions over the scratch buffer; ESI/EDI are offsets into it, DF random. */
function stringCase(rng: Prng): Case {
  const ops = ['movs', 'stos', 'lods', 'cmps', 'scas'] as const;
  const op = ops[rng.below(ops.length)]!;
  const suffix = ['b', 'w', 'd'][rng.below(3)]!;
  const rep = op === 'lods' ? ['', 'rep '][rng.below(2)]! : ['', 'rep ', 'repe ', 'repne '];
  const prefix = typeof rep === 'string' ? rep : rep[rng.below(rep.length)]!;
  const usesCompare = op === 'cmps' || op === 'scas';
  const fixed = usesCompare || prefix === '' ? prefix : 'rep ';
  const asm = [
    'lea esi, [BUF + esi]',
    'lea edi, [BUF + edi]',
    `${fixed}${op}${suffix}`,
    'lea esi, [esi - BUF]',
    'lea edi, [edi - BUF]',
  ].join('\n');
  const c = makeCase(rng, `${fixed}${op}${suffix}`, asm, [`${op}${suffix}`], 0, 0x8d5 | DF);
  const down = (c.flags & DF) !== 0;
  // Keep every access inside the buffer: at most 6 elements of at most 4 bytes from the middle.
  c.regs[1] = rng.below(7);
  c.regs[5] = down ? 40 + rng.below(8) : rng.below(8);
  c.regs[6] = down ? 40 + rng.below(8) : rng.below(8);
  // Half of the compares see a uniform buffer and accumulator, so REPE runs to the end.
  if (usesCompare && rng.below(2) === 0) {
    const byte = rng.below(256);
    c.memory.fill(byte);
    c.regs[0] = (byte * 0x01010101) >>> 0;
  }
  return c;
}

/** Conversions, flag moves, ASCII adjust with an immediate, XCHG, LEA with SIB, BT on memory. */
function miscCase(rng: Prng): Case {
  const kind = rng.below(7);
  let asm: string;
  let mnemonic: string;
  if (kind === 0) {
    const forms = ['cbw', 'cwde', 'cwd', 'cdq', 'lahf', 'sahf', 'cmc', 'clc', 'stc'];
    asm = forms[rng.below(forms.length)]!;
    mnemonic = asm;
  } else if (kind === 1) {
    // AAM 0 is #DE: keep the base non-zero. AAD accepts any base.
    mnemonic = rng.below(2) === 0 ? 'aam' : 'aad';
    const base = mnemonic === 'aam' ? 1 + rng.below(255) : rng.below(256);
    asm = `${mnemonic} ${base}`;
  } else if (kind === 2) {
    const size = SIZES[rng.below(3)]!;
    mnemonic = 'xchg';
    asm = `xchg ${regName(rng, size)}, ${regName(rng, size)}`;
  } else if (kind === 3) {
    const size: Size = rng.below(2) === 0 ? 16 : 32;
    const base = regName(rng, 32);
    const index = regName(rng, 32);
    const scale = [1, 2, 4, 8][rng.below(4)]!;
    const disp = rng.below(0x20000) - 0x10000;
    mnemonic = 'lea';
    asm = `lea ${regName(rng, size)}, [${base} + ${index} * ${scale} + ${disp}]`;
  } else {
    // BT* with a register bit offset addresses the bit string beyond the operand: keep the
    // offset within the scratch buffer (bytes 16 … 47 from BUF + 16).
    const ops = ['bt', 'bts', 'btr', 'btc'];
    mnemonic = ops[rng.below(ops.length)]!;
    const width = rng.below(2) === 0 ? 'word' : 'dword';
    asm = `${mnemonic} ${width} [BUF + 16], ${width === 'word' ? 'cx' : 'ecx'}`;
  }
  const c = makeCase(rng, asm, asm, [mnemonic]);
  if (kind >= 4) c.regs[1] = ((rng.below(2) === 0 ? -1 : 1) * rng.below(128)) >>> 0;
  return c;
}

// --- x87 data moves and control words. Results go to the scratch buffer: BUF+0 the source
// operand, BUF+16 the stored result or image, BUF+40 the control word FLDCW loads, BUF+124
// FNSTSW. Every
// exception stays masked (an unmasked one would turn up as #MF in the host's C code).

const X87_LOADS = [
  ['fld', 'dword', 4],
  ['fld', 'qword', 8],
  ['fld', 'tword', 10],
  ['fild', 'word', 2],
  ['fild', 'dword', 4],
  ['fild', 'qword', 8],
] as const;
const X87_STORES = [
  'fstp dword',
  'fstp qword',
  'fstp tword',
  'fst dword',
  'fistp word',
  'fistp dword',
  'fistp qword',
  'fist dword',
] as const;
const X87_CONSTANTS = ['fld1', 'fldl2t', 'fldl2e', 'fldpi', 'fldlg2', 'fldln2', 'fldz'] as const;

/** Writes an IEEE value of `bytes` (4, 8 or 10) with an interesting exponent at memory[0]. */
function x87Operand(rng: Prng, memory: Uint8Array, bytes: number): void {
  for (let i = 0; i < bytes; i++) memory[i] = rng.below(256);
  const expBits = bytes === 4 ? 8 : bytes === 8 ? 11 : 15;
  const expMax = (1 << expBits) - 1;
  const bias = expMax >>> 1;
  const choices = [0, 1, expMax, expMax - 1, bias, bias - 1, bias + 31, bias + 63, bias + 15];
  const pick = rng.below(3);
  if (pick === 0) return;
  const exponent = pick === 1 ? choices[rng.below(choices.length)]! : bias + rng.below(80) - 40;
  const sign = rng.below(2);
  const top = bytes - 1;
  const shift = bytes === 10 ? 0 : bytes === 8 ? 4 : 7;
  // Sign and exponent occupy the top bits: 1 + expBits bits ending `shift` bits into byte top-1.
  const field = ((sign << expBits) | exponent) << shift;
  const highMask = (0xffff << shift) & 0xffff;
  const current = (memory[top]! << 8) | memory[top - 1]!;
  const value = (current & ~highMask) | (field & highMask);
  memory[top] = (value >>> 8) & 0xff;
  memory[top - 1] = value & 0xff;
  if (bytes === 10 && rng.below(8) !== 0) memory[7]! |= 0x80; // mostly normal: integer bit set
  if (rng.below(6) === 0) memory.fill(0, 0, bytes - 2); // zeroes, infinities, small integers
}

function x87Case(rng: Prng): Case {
  const c = makeCase(rng, '', '', [], 0, CF | PF | AF | ZF | SF | OF);
  const rc = rng.below(4);
  const control = 0x037f | (rc << 10);
  c.memory[40] = control & 0xff;
  c.memory[41] = control >>> 8;
  const kind = rng.below(5);
  let body: string;
  if (kind <= 1) {
    const [load, width, bytes] = X87_LOADS[rng.below(X87_LOADS.length)]!;
    x87Operand(rng, c.memory, bytes);
    const store = X87_STORES[rng.below(X87_STORES.length)]!;
    body = `${load} ${width} [BUF]\n${store} [BUF + 16]`;
  } else if (kind === 2) {
    const constant = X87_CONSTANTS[rng.below(X87_CONSTANTS.length)]!;
    body = `${constant}\nfstp tword [BUF + 16]`;
  } else if (kind === 3) {
    // FNSAVE, FRSTOR of that image, FNSAVE again: the 108-byte image must match the host's and
    // survive the round trip. Pointer fields are cleared as for FNSTENV below.
    const pushes = 1 + rng.below(8);
    const ops = Array.from({ length: pushes }, () => X87_CONSTANTS[rng.below(7)]!);
    const clear = [28, 32, 36, 40].map((at) => `mov dword [BUF + ${at}], 0`);
    // Eight FLDZ and FNINIT first: empty registers keep old bits, which FNSAVE stores too.
    const zeros = [...Array<string>(8).fill('fldz'), 'fninit', 'fldcw [BUF + 40]'];
    body = [
      ...zeros,
      ...ops,
      'fnsave [BUF + 16]',
      ...clear,
      'frstor [BUF + 16]',
      'fnsave [BUF + 16]',
      ...clear,
    ].join('\n');
  } else {
    // A few pushes and exchanges, then FNSTENV; the pointer fields (code and data addresses,
    // which differ between host and sim) are cleared before the comparison.
    const pushes = 1 + rng.below(9);
    const ops = Array.from({ length: pushes }, (_, i) =>
      i % 3 === 2 ? 'fxch st1' : X87_CONSTANTS[rng.below(X87_CONSTANTS.length)]!,
    );
    body = [
      ...ops,
      rng.below(2) === 0 ? 'ffree st2' : 'fincstp',
      'fnstenv [BUF + 16]',
      'mov dword [BUF + 28], 0',
      'mov dword [BUF + 32], 0',
      'mov dword [BUF + 36], 0',
      'mov dword [BUF + 40], 0',
    ].join('\n');
  }
  const asm = `fninit\nfldcw [BUF + 40]\n${body}\nfnstsw [BUF + 124]\nfninit`;
  c.name = asm.replaceAll('\n', '; ');
  c.asm = asm;
  return c;
}

const X87_BINARY = ['fadd', 'fmul', 'fsub', 'fsubr', 'fdiv', 'fdivr'] as const;
const X87_COMPARES = [
  'fcom st1',
  'fcomp st1',
  'fucom st1',
  'fucomp st1',
  'fcompp',
  'fucompp',
  'fcomi st0, st1',
  'fucomi st0, st1',
  'fcomip st0, st1',
  'fucomip st0, st1',
  'ftst',
  'fxam',
] as const;
const X87_UNARY = [
  'fsqrt',
  'frndint',
  'fchs',
  'fabs',
  'fscale',
  'fxtract',
  'fprem',
  'fprem1',
] as const;
const X87_FCMOV = ['fcmovb', 'fcmove', 'fcmovbe', 'fcmovu', 'fcmovnb', 'fcmovne', 'fcmovnbe'];

/**
 * x87 arithmetic: two operands (BUF+0 and BUF+64, in any memory format) under a random
 * rounding and precision control, one operation, the result stored as a tword at BUF+16.
 */
function x87ArithmeticCase(rng: Prng): Case {
  const c = makeCase(rng, '', '', []);
  const control = 0x007f | ([0, 2, 3][rng.below(3)]! << 8) | (rng.below(4) << 10);
  c.memory[40] = control & 0xff;
  c.memory[41] = control >>> 8;
  const [loadA, widthA, bytesA] = X87_LOADS[rng.below(X87_LOADS.length)]!;
  const [loadB, widthB, bytesB] = X87_LOADS[rng.below(X87_LOADS.length)]!;
  const second = new Uint8Array(16);
  x87Operand(rng, c.memory, bytesA);
  x87Operand(rng, second, bytesB);
  c.memory.set(second.subarray(0, bytesB), 64);
  const lines = [`${loadB} ${widthB} [BUF + 64]`, `${loadA} ${widthA} [BUF]`];
  const kind = rng.below(5);
  if (kind === 0) {
    const op = X87_BINARY[rng.below(X87_BINARY.length)]!;
    const form = rng.below(3);
    lines.push(form === 0 ? `${op} st0, st1` : form === 1 ? `${op} st1, st0` : `${op}p st1, st0`);
  } else if (kind === 1) {
    // The memory forms: the second operand straight from memory (the first FLD is undone).
    const op = X87_BINARY[rng.below(X87_BINARY.length)]!;
    const integer = loadB === 'fild' && widthB !== 'qword';
    const floatable = loadB === 'fld' && widthB !== 'tword';
    lines.push(
      integer || floatable
        ? `${integer ? op.replace('f', 'fi') : op} ${widthB} [BUF + 64]`
        : `${op} st0, st1`,
    );
  } else if (kind === 2) {
    lines.push(X87_COMPARES[rng.below(X87_COMPARES.length)]!);
  } else if (kind === 3) {
    lines.push(X87_UNARY[rng.below(X87_UNARY.length)]!);
  } else {
    lines.push(`${X87_FCMOV[rng.below(X87_FCMOV.length)]} st0, st1`);
  }
  const asm = [
    'fninit',
    'fldcw [BUF + 40]',
    ...lines,
    'fstp tword [BUF + 16]',
    'fstp tword [BUF + 26]',
    'fnstsw [BUF + 124]',
    'fninit',
  ].join('\n');
  c.name = lines.join('; ');
  c.asm = asm;
  return c;
}

const GENERATORS = [
  aluCase,
  aluCase,
  memoryAluCase,
  unaryCase,
  shiftCase,
  shiftCase,
  doubleShiftCase,
  multiplyCase,
  divideCase,
  bitCase,
  moveCase,
  moveCase,
  decimalCase,
  stringCase,
  miscCase,
  x87Case,
  x87Case,
  x87ArithmeticCase,
  x87ArithmeticCase,
];

/** `count` cases from `seed`: the same seed always yields the same cases. */
export function generateCases(seed: number, count: number): Case[] {
  const rng = new Prng(seed);
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) cases.push(GENERATORS[rng.below(GENERATORS.length)]!(rng));
  return cases;
}
