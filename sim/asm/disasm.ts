// The disassembler: machine code to NASM-syntax Intel assembly, in the style of NASM's ndisasm
// (lowercase, `0x` hex, `byte +0x1` for sign-extended bytes, `[es:bx+si+0x12]`). Driven by the
// CPU's opcode table (sim/cpu/table.ts), so every encoding the CPU executes disassembles, with
// the same operand notation. The output reassembles with NASM (or sim/asm) to the same bytes,
// except where NASM itself would choose a shorter encoding.

import { CC_NAMES, OPCODE_TABLE, type OpcodeEntry } from '../cpu/table.ts';

export interface DisasmOptions {
  bits: 16 | 32;
  /** Address of bytes[0] (default 0). */
  org?: number;
}

export interface DisasmLine {
  /** Address of the instruction's first byte (org + offset). */
  address: number;
  /** The instruction's bytes. */
  bytes: Uint8Array;
  /** NASM-syntax text, e.g. `mov ax,[bx+si+0x4]`; `db 0x0f` for an undecodable byte. */
  text: string;
}

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SREG = ['es', 'cs', 'ss', 'ds', 'fs', 'gs', 'segr6', 'segr7'];
const EA16 = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];
const SEG_PREFIX: Record<number, string> = {
  38: 'es',
  46: 'cs',
  54: 'ss',
  62: 'ds',
  100: 'fs',
  101: 'gs',
};

/** Table entries by opcode key (0–0x1FF: one-byte map, then 0F xx). */
const BY_OPCODE: OpcodeEntry[][] = Array.from({ length: 512 }, () => []);
for (const e of OPCODE_TABLE) {
  const key = e.opcode >= 0x0f00 ? 0x100 | (e.opcode & 0xff) : e.opcode;
  BY_OPCODE[key]!.push(e);
}

/** Decoding state of one instruction. */
class Cursor {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
  }
  more(): boolean {
    return this.pos < this.bytes.length;
  }
  u8(): number {
    if (this.pos >= this.bytes.length) throw TRUNCATED;
    return this.bytes[this.pos++]!;
  }
  u16(): number {
    return this.u8() | (this.u8() << 8);
  }
  u32(): number {
    return (this.u16() | (this.u16() << 16)) >>> 0;
  }
  s8(): number {
    return (this.u8() << 24) >> 24;
  }
}
const TRUNCATED = new Error('truncated instruction');

interface Decoded {
  entry: OpcodeEntry;
  opsize32: boolean;
  addrsize32: boolean;
  segment: string;
  modrm: number;
  /** The memory operand without size, e.g. `[bx+si+0x4]`. */
  memory: string;
}

function hex(v: number): string {
  return `0x${(v >>> 0).toString(16)}`;
}
/** A displacement or sign-extended immediate: `+0x4`, `-0x2` (kept even when 0, so the
 * encoding with a displacement byte reassembles the same). */
function signedHex(v: number): string {
  return v < 0 ? `-${hex(-v)}` : `+${hex(v)}`;
}

/** Decodes a ModRM memory operand (the ModRM byte already read). */
function memoryOperand(c: Cursor, modrm: number, addrsize32: boolean, segment: string): string {
  const mod = modrm >> 6;
  const rm = modrm & 7;
  const seg = segment === '' ? '' : `${segment}:`;
  if (!addrsize32) {
    if (mod === 0 && rm === 6) return `[${seg}${hex(c.u16())}]`;
    let disp = 0;
    if (mod === 1) disp = c.s8();
    else if (mod === 2) disp = (c.u16() << 16) >> 16;
    return `[${seg}${EA16[rm]}${mod === 0 ? '' : signedHex(disp)}]`;
  }
  let base = '';
  let index = '';
  if (rm === 4) {
    const sib = c.u8();
    const i = (sib >> 3) & 7;
    const scale = 1 << (sib >> 6);
    if (i !== 4) index = scale === 1 ? REG32[i]! : `${REG32[i]}*${scale}`;
    const b = sib & 7;
    if (b === 5 && mod === 0) {
      const disp = c.u32();
      const parts = [index, hex(disp)].filter((p) => p !== '');
      return `[${seg}${parts.join('+')}]`;
    }
    base = REG32[b]!;
  } else if (rm === 5 && mod === 0) {
    return `[${seg}${hex(c.u32())}]`;
  } else {
    base = REG32[rm]!;
  }
  let disp = 0;
  if (mod === 1) disp = c.s8();
  else if (mod === 2) disp = c.u32() | 0;
  const regs = [base, index].filter((p) => p !== '').join('+');
  return `[${seg}${regs}${mod === 0 ? '' : signedHex(disp)}]`;
}

/** Picks the table entry for this opcode and ModRM. */
function findEntry(key: number, modrm: number, rep: number): OpcodeEntry | undefined {
  const candidates = BY_OPCODE[key]!;
  const isReg = modrm >= 0xc0;
  const reg = (modrm >> 3) & 7;
  let found: OpcodeEntry | undefined;
  for (const e of candidates) {
    if (e.prefix !== 0 && e.prefix !== rep) continue;
    if (e.extension >= 0 && e.extension !== reg) continue;
    if (e.form === 'mem' && isReg) continue;
    if (e.form === 'reg' && !isReg) continue;
    if (e.rm >= 0 && e.rm !== (modrm & 7)) continue;
    // A prefix-selected entry (PAUSE) wins over the plain one.
    if (found === undefined || e.prefix !== 0) found = e;
  }
  return found;
}

function sizeName(bits: number): string {
  if (bits === 80) return 'tword';
  return bits === 8 ? 'byte' : bits === 16 ? 'word' : bits === 32 ? 'dword' : 'qword';
}

/** Operand size in bits of an operand spec, or 0 when it has none. */
function operandBits(spec: string, opsize32: boolean): number {
  const s = spec.slice(1);
  switch (s) {
    case 'b':
      return 8;
    case 'w':
      return 16;
    case 'd':
      return 32;
    case 'q':
      return 64;
    case 't':
      return 80;
    case 'v':
    case 'z':
      return opsize32 ? 32 : 16;
    default:
      return 0;
  }
}

/** Is the spec a register whose name fixes the instruction's operand size? */
function isSizingRegister(spec: string): boolean {
  // CL (a shift count) and DX (a port) say nothing about the operand size.
  return /^[GSCDR][a-z]$/.test(spec) || /^(e?[A-D]X|AL|[A-D]H|BL|e[SB]P|e[SD]I)$/.test(spec);
}

function fixedRegister(spec: string, opsize32: boolean): string | undefined {
  if (/^e[A-Z]{2}$/.test(spec)) {
    const name = spec.slice(1).toLowerCase();
    return opsize32 ? `e${name}` : name;
  }
  if (/^E[A-Z]{2}$/.test(spec)) return spec.toLowerCase();
  if (/^([A-D][LHX]|[SB]P|[SD]I|[ECSDFG]S)$/.test(spec)) return spec.toLowerCase();
  return undefined;
}

function decodeAt(bytes: Uint8Array, start: number, address: number, bits: 16 | 32): DisasmLine {
  const c = new Cursor(bytes, start);
  let opsize32 = bits === 32;
  let addrsize32 = bits === 32;
  let segment = '';
  let rep = 0;
  let lock = false;
  let op = c.u8();
  const prefixText: string[] = [];
  for (;;) {
    if (op in SEG_PREFIX) segment = SEG_PREFIX[op]!;
    else if (op === 0x66) opsize32 = bits === 16;
    else if (op === 0x67) addrsize32 = bits === 16;
    else if (op === 0xf0) lock = true;
    else if (op === 0xf2 || op === 0xf3) rep = op;
    else break;
    op = c.u8();
  }
  let key = op;
  if (op === 0x0f) key = 0x100 | c.u8();
  const needsModrm = BY_OPCODE[key]!.some((e) => e.form !== 'none');
  const modrm = needsModrm ? c.u8() : 0;
  const entry = findEntry(key, needsModrm ? modrm : 0, rep);
  if (entry === undefined) throw UNDECODABLE;
  const memory = needsModrm && modrm < 0xc0 ? memoryOperand(c, modrm, addrsize32, segment) : '';
  const d: Decoded = { entry, opsize32, addrsize32, segment, modrm, memory };
  // 90 with an operand-size prefix is no NOP to NASM but `xchg ax,ax` (`xchg eax,eax` in BITS 16).
  if (key === 0x90 && entry.prefix === 0 && opsize32 !== (bits === 32)) {
    const r = opsize32 ? 'eax' : 'ax';
    return { address, bytes: bytes.slice(start, c.pos), text: `xchg ${r},${r}` };
  }
  const operands = renderOperands(c, d, address, start, bits);
  // NASM's disassembler writes XCHG with the register first.
  if (entry.mnemonic === 'xchg' && needsModrm) operands.reverse();
  let mnemonic = entry.mnemonic;
  const wide = entry.sizeSelects === 'address' ? addrsize32 : opsize32;
  if (wide) mnemonic = entry.mnemonic32;
  // These spell the size only when it is not the mode's default (NASM's pushaw/pushad …).
  const explicit = SIZE_SUFFIXED[entry.mnemonic];
  if (explicit !== undefined) {
    mnemonic =
      opsize32 === (bits === 32) ? entry.mnemonic : entry.mnemonic + explicit[opsize32 ? 1 : 0];
  }
  // A segment prefix that no memory operand shows (string instructions, XLAT) is printed alone.
  if (segment !== '' && memory === '' && !operands.some((o) => o.includes(`${segment}:`))) {
    prefixText.push(segment);
  }
  if (lock) prefixText.push('lock');
  // PUSH imm shows no register: a changed operand size is spelled o16/o32.
  if ((key === 0x68 || key === 0x6a) && opsize32 !== (bits === 32)) {
    prefixText.push(opsize32 ? 'o32' : 'o16');
  }
  if (rep !== 0 && entry.prefix === 0) {
    if (entry.rep) {
      const compares = entry.flagsWritten !== 0;
      prefixText.push(rep === 0xf2 ? 'repne' : compares ? 'repe' : 'rep');
    } else {
      prefixText.push(rep === 0xf2 ? 'repne' : 'rep');
    }
  }
  const text =
    [...prefixText, mnemonic].join(' ') + (operands.length ? ` ${operands.join(',')}` : '');
  return { address, bytes: bytes.slice(start, c.pos), text };
}
const UNDECODABLE = new Error('undecodable');

const SIZE_SUFFIXED: Record<string, [string, string]> = {
  pusha: ['w', 'd'],
  popa: ['w', 'd'],
  pushf: ['w', 'd'],
  popf: ['w', 'd'],
  iret: ['w', 'd'],
};

function renderOperands(
  c: Cursor,
  d: Decoded,
  address: number,
  start: number,
  bits: 16 | 32,
): string[] {
  const { entry, opsize32, addrsize32, modrm, memory } = d;
  // String instructions show their operands in the mnemonic (movsb, insw …).
  const specs = entry.rep ? [] : entry.operands;
  const sizedByRegister = specs.some(isSizingRegister);
  const out: string[] = [];
  const reg = (modrm >> 3) & 7;
  const rm = modrm & 7;
  // Immediates follow the displacement; collect them in operand order.
  for (const spec of specs) {
    // x87: ST0 goes unsaid, and an ST(i) destination (DC) takes NASM's `to`, as in ndisasm.
    if (spec === 'ST0') continue;
    if (spec === 'STi') {
      out.push(`${entry.opcode === 0xdc ? 'to ' : ''}st${rm}`);
      continue;
    }
    const fixed = fixedRegister(spec, opsize32);
    if (fixed !== undefined) {
      out.push(fixed);
      continue;
    }
    const kind = spec[0];
    const sizeBits = operandBits(spec, opsize32);
    switch (kind) {
      case 'G':
        out.push(registerName(sizeBits, reg));
        break;
      case 'S':
        out.push(SREG[reg]!);
        break;
      case 'C':
        out.push(`cr${reg}`);
        break;
      case 'D':
        out.push(`dr${reg}`);
        break;
      case 'R':
        out.push(REG32[rm]!);
        break;
      case 'E':
      case 'M': {
        if (modrm >= 0xc0) {
          // Selector stores and loads name the whole register by operand size (str eax).
          const bySize = SELECTOR_REGISTER_FORMS.has(
            entry.opcode * 8 + Math.max(entry.extension, 0),
          );
          out.push(registerName(bySize || sizeBits === 0 ? (opsize32 ? 32 : 16) : sizeBits, rm));
          break;
        }
        out.push(
          memoryWithSize(bits === 32, entry, spec, sizeBits, sizedByRegister, memory, opsize32),
        );
        break;
      }
      case 'O': {
        const offset = addrsize32 ? c.u32() : c.u16();
        const seg = d.segment === '' ? '' : `${d.segment}:`;
        out.push(`[${seg}${hex(offset)}]`);
        break;
      }
      case 'X':
      case 'Y':
        break;
      case 'I':
        out.push(immediate(c, spec, opsize32, sizedByRegister, entry));
        break;
      case 'J': {
        const disp = spec === 'Jb' ? c.s8() : opsize32 ? c.u32() | 0 : (c.u16() << 16) >> 16;
        const next = address + (c.pos - start);
        const target = opsize32 ? (next + disp) >>> 0 : (next + disp) & 0xffff;
        out.push(jumpPrefix(entry, spec, opsize32, bits) + hex(target));
        break;
      }
      case 'A': {
        const offset = opsize32 ? c.u32() : c.u16();
        const selector = c.u16();
        // A prefixed far pointer says its offset size (`jmp word 0x10:0x1234`), as ndisasm.
        const size = opsize32 === (bits === 32) ? '' : opsize32 ? 'dword ' : 'word ';
        out.push(`${size}${hex(selector)}:${hex(offset)}`);
        break;
      }
      default:
        if (spec === '1') out.push('1');
        break;
    }
  }
  return out;
}

function registerName(bits: number, r: number): string {
  return bits === 8 ? REG8[r]! : bits === 16 ? REG16[r]! : REG32[r]!;
}

/** A memory operand, with a size keyword when nothing else gives the size. */
function memoryWithSize(
  defaultOpsize32: boolean,
  entry: OpcodeEntry,
  spec: string,
  sizeBits: number,
  sizedByRegister: boolean,
  memory: string,
  opsize32: boolean,
): string {
  if (spec === 'Mp') {
    if (entry.mnemonic === 'call' || entry.mnemonic === 'jmp') {
      const size = opsize32 === defaultOpsize32 ? '' : opsize32 ? 'dword ' : 'word ';
      return `${size}far ${memory}`;
    }
    return memory;
  }
  if (sizeBits === 0 || spec === 'Ma' || spec === 'Ms' || spec === 'M') return memory;
  // x87 operands are sized only where the mnemonic has several sizes (fld, not fnstcw).
  if (entry.opcode >= 0xd8 && entry.opcode <= 0xdf && !X87_SIZED.has(entry.mnemonic)) {
    return memory;
  }
  // Near indirect CALL/JMP: the size is the default one unless a prefix changed it.
  if ((entry.mnemonic === 'call' || entry.mnemonic === 'jmp') && entry.operands.length === 1) {
    return opsize32 === defaultOpsize32 ? memory : `${sizeName(sizeBits)} ${memory}`;
  }
  // Sizes that differ from the register operand (MOVZX/MOVSX) must be spelled out.
  const registerSize = entry.operands
    .filter((o) => o[0] === 'G')
    .map((o) => operandBits(o, opsize32))[0];
  const needs = !sizedByRegister || (registerSize !== undefined && registerSize !== sizeBits);
  return needs ? `${sizeName(sizeBits)} ${memory}` : memory;
}

/** x87 mnemonics with memory operands of more than one size (fld dword/qword/tword). */
const X87_SIZED: ReadonlySet<string> = (() => {
  const sizes = new Map<string, Set<string>>();
  for (const e of OPCODE_TABLE) {
    const m = e.operands.find((o) => /^M[wdqt]$/.test(o));
    if (e.opcode < 0xd8 || e.opcode > 0xdf || m === undefined) continue;
    sizes.set(e.mnemonic, (sizes.get(e.mnemonic) ?? new Set()).add(m));
  }
  return new Set([...sizes].filter(([, s]) => s.size > 1).map(([name]) => name));
})();

/** STR, SLDT, SMSW and MOV Sreg,r: opcode*8+extension. */
const SELECTOR_REGISTER_FORMS = new Set([0x0f00 * 8, 0x0f00 * 8 + 1, 0x0f01 * 8 + 4, 0x8e * 8]);

const BYTE_MARKED_IB = new Set([0xc0, 0xc1, 0x0fba]);

function immediate(
  c: Cursor,
  spec: string,
  opsize32: boolean,
  sizedByRegister: boolean,
  entry: OpcodeEntry,
): string {
  switch (spec) {
    case 'Ibs': {
      const v = c.s8();
      return `byte ${signedHex(v)}`;
    }
    case 'Ib': {
      const v = c.u8();
      // ndisasm marks the count of C0/C1 and the bit number of 0F BA as bytes.
      return BYTE_MARKED_IB.has(entry.opcode) ? `byte ${hex(v)}` : hex(v);
    }
    case 'Iw':
      return hex(c.u16());
    default: {
      const v = opsize32 ? c.u32() : c.u16();
      if ((!sizedByRegister && entry.operands.length === 1) || entry.operands.length === 3) {
        return `${opsize32 ? 'dword' : 'word'} ${hex(v)}`;
      }
      return hex(v);
    }
  }
}

/** `short` for JMP rel8, `near` for Jcc rel16/32, as ndisasm prints them. */
function jumpPrefix(entry: OpcodeEntry, spec: string, opsize32: boolean, bits: 16 | 32): string {
  const sizeOverride = opsize32 !== (bits === 32) ? (opsize32 ? 'dword ' : 'word ') : '';
  if (spec === 'Jb') return entry.mnemonic === 'jmp' ? 'short ' : '';
  if (entry.opcode >= 0x0f80 && entry.opcode <= 0x0f8f) return `near ${sizeOverride}`;
  return sizeOverride;
}

/** Disassembles one instruction at `offset` in `bytes`. An undecodable byte becomes `db`. */
export function disassembleOne(
  bytes: Uint8Array,
  offset: number,
  options: DisasmOptions,
): DisasmLine {
  const address = ((options.org ?? 0) + offset) >>> 0;
  try {
    return decodeAt(bytes, offset, address, options.bits);
  } catch (e) {
    if (e !== UNDECODABLE && e !== TRUNCATED) throw e;
    return { address, bytes: bytes.slice(offset, offset + 1), text: `db ${hex(bytes[offset]!)}` };
  }
}

/** Disassembles all of `bytes`, one line per instruction. */
export function disassemble(bytes: Uint8Array, options: DisasmOptions): DisasmLine[] {
  const lines: DisasmLine[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const line = disassembleOne(bytes, offset, options);
    lines.push(line);
    offset += line.bytes.length;
  }
  return lines;
}

/** Condition-code suffixes in tttn order (re-exported for the assembler's aliases). */
export { CC_NAMES };
