// The x86 opcode table (Intel SDM vol. 2 Appendix A, "Opcode Map"): one declarative record per
// encoding. The decoder and dispatcher (run.ts), the disassembler (sim/asm/disasm.ts), the
// assembler's encoder (sim/asm) and the tests' undefined-flag masks all read this one table.
//
// A record (OpcodeEntry) describes one encoding:
//
//   opcode      0x00–0xFF: the one-byte map. 0x0F00–0x0FFF: the two-byte map (0F xx).
//   extension   ModRM.reg (the "/digit" of group opcodes) or -1 when reg names a register or the
//               opcode has no ModRM.
//   form        'none': no ModRM byte. 'any': ModRM, register or memory r/m. 'mem': ModRM with
//               mod ≠ 3 only (e.g. LEA, LGDT). 'reg': ModRM with mod = 3 only (e.g. MOV CRn,
//               LFENCE).
//   rm          for form 'reg', a fixed ModRM.rm (e.g. DB E3 FNINIT = DB /4 rm 3), else -1.
//   prefix      a mandatory prefix that selects this encoding (0xF3 for PAUSE = F3 90), else 0.
//   mnemonic    exactly as NASM spells it, for a 16-bit operand size.
//   mnemonic32  the spelling for a 32-bit operand size (CWDE, MOVSD, IRETD …), or for JECXZ a
//               32-bit address size (see sizeSelects); equal to mnemonic when it does not change.
//   sizeSelects 'operand' or 'address': which size picks mnemonic32 (only JCXZ uses 'address').
//   operands    destination first, in SDM Appendix A notation (A.2): addressing method letter +
//               size letter.
//                 E  ModRM r/m (register or memory)      G  ModRM.reg general register
//                 M  ModRM memory only                   R  ModRM r/m register only (Rd)
//                 S  ModRM.reg segment register (Sw)     C/D ModRM.reg control/debug register
//                 I  immediate                           J  relative offset (EIP-relative)
//                 O  moffs (address-size offset, no ModRM)
//                 A  direct far address (ptr16:16/32)    X/Y string source DS:(E)SI / ES:(E)DI
//               sizes: b byte, w word, d dword, v word or dword by operand size, z word or
//               dword by operand size (immediates: never 64 bits), p far pointer (m16:16/32),
//               a BOUND pair, q quadword (m64), s 6-byte descriptor-table pointer.
//               Our one addition: 'Ibs' is an Ib the CPU sign-extends to the operand size (83,
//               6A, 6B; the SDM writes plain Ib there with a note).
//               Fixed operands are register names: AL CL DL BL AH CH DH BH, AX… for words only,
//               eAX eCX eDX eBX eSP eBP eSI eDI (word or dword by operand size), ES CS SS DS FS
//               GS, DX (the I/O port register), the constant '1' (shift by one), and for the
//               x87 ST0 (the stack top) and STi (ST(i), i = ModRM.rm).
//   opsize      the operand-size prefix changes this encoding's operand size or mnemonic.
//   flagsRead / flagsWritten / flagsUndefined
//               EFLAGS bit masks (cpu.ts FLAG_*). flagsUndefined ⊆ flagsWritten: bits the
//               instruction leaves architecturally undefined (tests mask them).
//   privilege   PRIV_NONE; PRIV_CPL0 (#GP(0) unless CPL 0); PRIV_IOPL (CPL ≤ IOPL or the I/O
//               permission bitmap). The handler enforces it; the field documents it.
//   blockEnd    the instruction may change EIP non-sequentially or the CPU mode (a decoded-block
//               cache must end a block after it).
//   modes       MODE_* bits of the modes that accept the encoding (others raise #UD).
//   cpu         the first processor with the encoding: 86, 186, 286, 386, 486, 586 or 686.
//   lockable    LOCK is allowed (with a memory destination); otherwise LOCK raises #UD.
//   rep         REP/REPE/REPNE apply (string instructions).
//   fence       the instruction drains the store buffer (store-buffer.ts): 'always' for the
//               serialising instructions (SDM vol. 3A §8.3), MFENCE, I/O (§8.2.5) and the
//               software interrupts; 'memory' when only its memory form does (XCHG, which locks
//               implicitly, §8.1.2.1); 'never' otherwise. A LOCK prefix makes any instruction one.
//   handler     the semantics: (cpu) => void, called with ModRM, EA and immediates decoded.
//
// The array is frozen; entries for +r opcodes (50+r, B8+r, …) and groups are spelled out one per
// register or /digit so every consumer can index them directly.

import {
  type Cpu,
  CS,
  DS,
  ES,
  FLAG_AF,
  FLAG_CF,
  FLAG_DF,
  FLAG_IF,
  FLAG_OF,
  FLAG_PF,
  FLAG_SF,
  FLAG_TF,
  FLAG_ZF,
  FS,
  GS,
  SS,
} from './cpu.ts';
import * as arith from './instructions/arith.ts';
import * as bits from './instructions/bits.ts';
import * as control from './instructions/control.ts';
import * as io from './instructions/io.ts';
import * as move from './instructions/move.ts';
import * as priv from './instructions/privileged.ts';
import * as stack from './instructions/stack.ts';
import * as str from './instructions/string.ts';

export type Handler = (cpu: Cpu) => void;

export type ModrmForm = 'none' | 'any' | 'mem' | 'reg';

export type Fence = 'never' | 'always' | 'memory';

export const PRIV_NONE = 0;
export const PRIV_CPL0 = 1;
export const PRIV_IOPL = 2;

export const MODE_REAL = 1;
export const MODE_PROTECTED = 2;
export const MODE_V86 = 4;
export const MODE_ALL = MODE_REAL | MODE_PROTECTED | MODE_V86;

export interface OpcodeEntry {
  readonly opcode: number;
  readonly extension: number;
  readonly form: ModrmForm;
  readonly rm: number;
  readonly prefix: number;
  readonly mnemonic: string;
  readonly mnemonic32: string;
  readonly sizeSelects: 'operand' | 'address';
  readonly operands: readonly string[];
  readonly opsize: boolean;
  readonly flagsRead: number;
  readonly flagsWritten: number;
  readonly flagsUndefined: number;
  readonly privilege: number;
  readonly blockEnd: boolean;
  readonly modes: number;
  readonly cpu: number;
  readonly lockable: boolean;
  readonly rep: boolean;
  readonly fence: Fence;
  readonly handler: Handler;
}

/** Flags from letters: o d i t s z a p c (lowercase, like the SDM's flag tables). */
export function flagMask(letters: string): number {
  let m = 0;
  for (const ch of letters) {
    m |= FLAG_LETTERS[ch] ?? 0;
  }
  return m;
}
const FLAG_LETTERS: Record<string, number> = {
  o: FLAG_OF,
  d: FLAG_DF,
  i: FLAG_IF,
  t: FLAG_TF,
  s: FLAG_SF,
  z: FLAG_ZF,
  a: FLAG_AF,
  p: FLAG_PF,
  c: FLAG_CF,
};

interface Options {
  extension?: number;
  form?: ModrmForm;
  rm?: number;
  prefix?: number;
  mnemonic32?: string;
  sizeSelects?: 'operand' | 'address';
  read?: string;
  write?: string;
  undef?: string;
  privilege?: number;
  blockEnd?: boolean;
  modes?: number;
  cpu?: number;
  lockable?: boolean;
  rep?: boolean;
  fence?: Fence;
}

const entries: OpcodeEntry[] = [];

/** True when an operand needs ModRM (E G M R S C D). */
function needsModrm(operands: readonly string[]): boolean {
  return operands.some((o) => /^[EGMRSCD][a-z]/.test(o));
}

function op(
  opcode: number,
  mnemonic: string,
  operands: readonly string[],
  handler: Handler,
  o: Options = {},
): void {
  const form = o.form ?? (o.extension !== undefined || needsModrm(operands) ? 'any' : 'none');
  const mnemonic32 = o.mnemonic32 ?? mnemonic;
  entries.push(
    Object.freeze({
      opcode,
      extension: o.extension ?? -1,
      form,
      rm: o.rm ?? -1,
      prefix: o.prefix ?? 0,
      mnemonic,
      mnemonic32,
      sizeSelects: o.sizeSelects ?? 'operand',
      operands: Object.freeze([...operands]),
      opsize:
        mnemonic32 !== mnemonic || operands.some((x) => /v$|z$|p$|a$|^e[A-Z]{2}$|^Ibs$/.test(x)),
      flagsRead: flagMask(o.read ?? ''),
      flagsWritten: flagMask(o.write ?? ''),
      flagsUndefined: flagMask(o.undef ?? ''),
      privilege: o.privilege ?? PRIV_NONE,
      blockEnd: o.blockEnd ?? false,
      modes: o.modes ?? MODE_ALL,
      cpu: o.cpu ?? 86,
      lockable: o.lockable ?? false,
      rep: o.rep ?? false,
      fence: o.fence ?? 'never',
      handler,
    }),
  );
}

/** Registers for +r opcodes. */
const REG8_NAMES = ['AL', 'CL', 'DL', 'BL', 'AH', 'CH', 'DH', 'BH'];
const REGV_NAMES = ['eAX', 'eCX', 'eDX', 'eBX', 'eSP', 'eBP', 'eSI', 'eDI'];
/** Condition-code suffixes as NASM's disassembler spells them (tttn order). */
export const CC_NAMES = [
  'o',
  'no',
  'c',
  'nc',
  'z',
  'nz',
  'na',
  'a',
  's',
  'ns',
  'pe',
  'po',
  'l',
  'nl',
  'ng',
  'g',
];

const ARITH = 'oszapc';
const ALU_NAMES = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
const SHIFT_NAMES = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];

// --- One-byte map.

// 00–3F: the eight ALU operations in six forms each.
for (let a = 0; a < 8; a++) {
  const base = a << 3;
  const name = ALU_NAMES[a]!;
  const read = a === 2 || a === 3 ? 'c' : '';
  const undef = a === 1 || a === 4 || a === 6 ? 'a' : '';
  const lockable = a !== 7;
  const f = { read, write: ARITH, undef };
  op(base, name, ['Eb', 'Gb'], arith.aluEbGb(a), { ...f, lockable });
  op(base + 1, name, ['Ev', 'Gv'], arith.aluEvGv(a), { ...f, lockable });
  op(base + 2, name, ['Gb', 'Eb'], arith.aluGbEb(a), f);
  op(base + 3, name, ['Gv', 'Ev'], arith.aluGvEv(a), f);
  op(base + 4, name, ['AL', 'Ib'], arith.aluAlIb(a), f);
  op(base + 5, name, ['eAX', 'Iz'], arith.aluEaxIz(a), f);
}
op(0x06, 'push', ['ES'], (cpu) => stack.pushSeg(cpu, ES));
op(0x07, 'pop', ['ES'], (cpu) => stack.popSeg(cpu, ES));
op(0x0e, 'push', ['CS'], (cpu) => stack.pushSeg(cpu, CS));
op(0x16, 'push', ['SS'], (cpu) => stack.pushSeg(cpu, SS));
op(0x17, 'pop', ['SS'], (cpu) => stack.popSeg(cpu, SS));
op(0x1e, 'push', ['DS'], (cpu) => stack.pushSeg(cpu, DS));
op(0x1f, 'pop', ['DS'], (cpu) => stack.popSeg(cpu, DS));
op(0x27, 'daa', [], arith.daa, { read: 'ac', write: ARITH, undef: 'o' });
op(0x2f, 'das', [], arith.das, { read: 'ac', write: ARITH, undef: 'o' });
op(0x37, 'aaa', [], arith.aaa, { read: 'a', write: ARITH, undef: 'oszp' });
op(0x3f, 'aas', [], arith.aas, { read: 'a', write: ARITH, undef: 'oszp' });

for (let r = 0; r < 8; r++) {
  op(0x40 + r, 'inc', [REGV_NAMES[r]!], (cpu) => arith.incReg(cpu, r), { write: 'oszap' });
  op(0x48 + r, 'dec', [REGV_NAMES[r]!], (cpu) => arith.decReg(cpu, r), { write: 'oszap' });
  op(0x50 + r, 'push', [REGV_NAMES[r]!], (cpu) => stack.pushReg(cpu, r));
  op(0x58 + r, 'pop', [REGV_NAMES[r]!], (cpu) => stack.popReg(cpu, r));
}
op(0x60, 'pusha', [], stack.pusha, { mnemonic32: 'pushad', cpu: 186 });
op(0x61, 'popa', [], stack.popa, { mnemonic32: 'popad', cpu: 186 });
op(0x62, 'bound', ['Gv', 'Ma'], control.bound, { form: 'mem', cpu: 186 });
op(0x63, 'arpl', ['Ew', 'Gw'], priv.arpl, { write: 'z', modes: MODE_PROTECTED, cpu: 286 });
op(0x68, 'push', ['Iz'], stack.pushImm, { cpu: 186 });
op(0x69, 'imul', ['Gv', 'Ev', 'Iz'], arith.imulGvEvI, { write: ARITH, undef: 'szap', cpu: 186 });
op(0x6a, 'push', ['Ibs'], stack.pushImm, { cpu: 186 });
op(0x6b, 'imul', ['Gv', 'Ev', 'Ibs'], arith.imulGvEvI, { write: ARITH, undef: 'szap', cpu: 186 });
const strOpts = { read: 'd', rep: true, cpu: 186 };
const ioStr = { ...strOpts, privilege: PRIV_IOPL, fence: 'always' } as const;
op(0x6c, 'insb', ['Yb', 'DX'], str.ins(true), ioStr);
op(0x6d, 'insw', ['Yz', 'DX'], str.ins(false), { ...ioStr, mnemonic32: 'insd' });
op(0x6e, 'outsb', ['DX', 'Xb'], str.outs(true), ioStr);
op(0x6f, 'outsw', ['DX', 'Xz'], str.outs(false), { ...ioStr, mnemonic32: 'outsd' });
for (let cc = 0; cc < 16; cc++) {
  op(0x70 + cc, `j${CC_NAMES[cc]}`, ['Jb'], control.jcc(cc), { read: 'oszpc', blockEnd: true });
}
for (const opcode of [0x80, 0x81, 0x82, 0x83]) {
  for (let a = 0; a < 8; a++) {
    const read = a === 2 || a === 3 ? 'c' : '';
    const undef = a === 1 || a === 4 || a === 6 ? 'a' : '';
    const imm = opcode === 0x81 ? 'Iz' : opcode === 0x83 ? 'Ibs' : 'Ib';
    const dst = opcode === 0x80 || opcode === 0x82 ? 'Eb' : 'Ev';
    const handler = dst === 'Eb' ? arith.aluEbIb(a) : arith.aluEvI(a);
    op(opcode, ALU_NAMES[a]!, [dst, imm], handler, {
      extension: a,
      read,
      write: ARITH,
      undef,
      lockable: a !== 7,
    });
  }
}
op(0x84, 'test', ['Eb', 'Gb'], arith.testEbGb, { write: ARITH, undef: 'a' });
op(0x85, 'test', ['Ev', 'Gv'], arith.testEvGv, { write: ARITH, undef: 'a' });
op(0x86, 'xchg', ['Eb', 'Gb'], move.xchgEbGb, { lockable: true, fence: 'memory' });
op(0x87, 'xchg', ['Ev', 'Gv'], move.xchgEvGv, { lockable: true, fence: 'memory' });
op(0x88, 'mov', ['Eb', 'Gb'], move.movEbGb);
op(0x89, 'mov', ['Ev', 'Gv'], move.movEvGv);
op(0x8a, 'mov', ['Gb', 'Eb'], move.movGbEb);
op(0x8b, 'mov', ['Gv', 'Ev'], move.movGvEv);
op(0x8c, 'mov', ['Ev', 'Sw'], move.movEvSw);
op(0x8d, 'lea', ['Gv', 'M'], move.lea, { form: 'mem' });
op(0x8e, 'mov', ['Sw', 'Ew'], move.movSwEw);
op(0x8f, 'pop', ['Ev'], stack.popRm, { extension: 0 });
op(0x90, 'nop', [], move.nop);
op(0x90, 'pause', [], move.nop, { prefix: 0xf3, cpu: 586 });
for (let r = 1; r < 8; r++) {
  op(0x90 + r, 'xchg', ['eAX', REGV_NAMES[r]!], (cpu) => move.xchgEaxReg(cpu, r));
}
op(0x98, 'cbw', [], arith.cbw, { mnemonic32: 'cwde' });
op(0x99, 'cwd', [], arith.cwd, { mnemonic32: 'cdq' });
op(0x9a, 'call', ['Ap'], control.callAp, { blockEnd: true });
op(0x9b, 'wait', [], priv.fwaitHandler);
op(0x9c, 'pushf', [], stack.pushf, { mnemonic32: 'pushfd', read: 'oditszapc' });
op(0x9d, 'popf', [], stack.popf, {
  mnemonic32: 'popfd',
  write: 'oditszapc',
  blockEnd: true,
  fence: 'always',
});
op(0x9e, 'sahf', [], move.sahf, { write: 'szapc' });
op(0x9f, 'lahf', [], move.lahf, { read: 'szapc' });
op(0xa0, 'mov', ['AL', 'Ob'], move.movAlOb);
op(0xa1, 'mov', ['eAX', 'Ov'], move.movEaxOv);
op(0xa2, 'mov', ['Ob', 'AL'], move.movObAl);
op(0xa3, 'mov', ['Ov', 'eAX'], move.movOvEax);
op(0xa4, 'movsb', ['Yb', 'Xb'], str.movs(true), strOpts);
op(0xa5, 'movsw', ['Yv', 'Xv'], str.movs(false), { ...strOpts, mnemonic32: 'movsd' });
op(0xa6, 'cmpsb', ['Xb', 'Yb'], str.cmps(true), { ...strOpts, write: ARITH });
op(0xa7, 'cmpsw', ['Xv', 'Yv'], str.cmps(false), {
  ...strOpts,
  write: ARITH,
  mnemonic32: 'cmpsd',
});
op(0xa8, 'test', ['AL', 'Ib'], arith.testAlIb, { write: ARITH, undef: 'a' });
op(0xa9, 'test', ['eAX', 'Iz'], arith.testEaxIz, { write: ARITH, undef: 'a' });
op(0xaa, 'stosb', ['Yb', 'AL'], str.stos(true), strOpts);
op(0xab, 'stosw', ['Yv', 'eAX'], str.stos(false), { ...strOpts, mnemonic32: 'stosd' });
op(0xac, 'lodsb', ['AL', 'Xb'], str.lods(true), strOpts);
op(0xad, 'lodsw', ['eAX', 'Xv'], str.lods(false), { ...strOpts, mnemonic32: 'lodsd' });
op(0xae, 'scasb', ['AL', 'Yb'], str.scas(true), { ...strOpts, write: ARITH });
op(0xaf, 'scasw', ['eAX', 'Yv'], str.scas(false), {
  ...strOpts,
  write: ARITH,
  mnemonic32: 'scasd',
});
for (let r = 0; r < 8; r++) {
  op(0xb0 + r, 'mov', [REG8_NAMES[r]!, 'Ib'], (cpu) => move.movRegIb(cpu, r));
  op(0xb8 + r, 'mov', [REGV_NAMES[r]!, 'Iz'], (cpu) => move.movRegIz(cpu, r));
}
const shiftGroups: [number, string, string, Handler][] = [
  [0xc0, 'Eb', 'Ib', bits.shiftEbIb],
  [0xc1, 'Ev', 'Ib', bits.shiftEvIb],
  [0xd0, 'Eb', '1', bits.shiftEb1],
  [0xd1, 'Ev', '1', bits.shiftEv1],
  [0xd2, 'Eb', 'CL', bits.shiftEbCl],
  [0xd3, 'Ev', 'CL', bits.shiftEvCl],
];
for (const [opcode, dst, count, handler] of shiftGroups) {
  for (let s = 0; s < 8; s++) {
    const rotate = s < 4;
    const byOne = count === '1';
    op(opcode, SHIFT_NAMES[s]!, [dst, count], handler, {
      extension: s,
      read: s === 2 || s === 3 ? 'c' : '',
      write: rotate ? 'oc' : ARITH,
      undef: (byOne ? '' : 'o') + (rotate ? '' : 'a'),
      cpu: opcode < 0xd0 ? 186 : 86,
    });
  }
}
op(0xc2, 'ret', ['Iw'], control.retNearIw, { blockEnd: true });
op(0xc3, 'ret', [], control.retNear, { blockEnd: true });
op(0xc4, 'les', ['Gv', 'Mp'], move.loadFarPointer(ES), { form: 'mem' });
op(0xc5, 'lds', ['Gv', 'Mp'], move.loadFarPointer(DS), { form: 'mem' });
op(0xc6, 'mov', ['Eb', 'Ib'], move.movEbIb, { extension: 0 });
op(0xc7, 'mov', ['Ev', 'Iz'], move.movEvIz, { extension: 0 });
op(0xc8, 'enter', ['Iw', 'Ib'], stack.enter, { cpu: 186 });
op(0xc9, 'leave', [], stack.leave, { cpu: 186 });
op(0xca, 'retf', ['Iw'], control.retfIw, { blockEnd: true });
op(0xcb, 'retf', [], control.retf, { blockEnd: true });
op(0xcc, 'int3', [], control.int3, { write: 'it', blockEnd: true, fence: 'always' });
op(0xcd, 'int', ['Ib'], control.intIb, { write: 'it', blockEnd: true, fence: 'always' });
op(0xce, 'into', [], control.into, { read: 'o', write: 'it', blockEnd: true, fence: 'always' });
op(0xcf, 'iret', [], control.iretHandler, {
  mnemonic32: 'iretd',
  write: 'oditszapc',
  blockEnd: true,
  fence: 'always',
});
op(0xd4, 'aam', ['Ib'], arith.aam, { write: ARITH, undef: 'oac' });
op(0xd5, 'aad', ['Ib'], arith.aad, { write: ARITH, undef: 'oac' });
op(0xd6, 'salc', [], arith.salc, { read: 'c' });
op(0xd7, 'xlatb', [], move.xlat);
op(0xe0, 'loopne', ['Jb'], control.loopne, { read: 'z', blockEnd: true });
op(0xe1, 'loope', ['Jb'], control.loope, { read: 'z', blockEnd: true });
op(0xe2, 'loop', ['Jb'], control.loop, { blockEnd: true });
op(0xe3, 'jcxz', ['Jb'], control.jcxz, {
  mnemonic32: 'jecxz',
  sizeSelects: 'address',
  blockEnd: true,
});
const ioOpts = { privilege: PRIV_IOPL, fence: 'always' } as const;
op(0xe4, 'in', ['AL', 'Ib'], io.inIb(true), ioOpts);
op(0xe5, 'in', ['eAX', 'Ib'], io.inIb(false), ioOpts);
op(0xe6, 'out', ['Ib', 'AL'], io.outIb(true), ioOpts);
op(0xe7, 'out', ['Ib', 'eAX'], io.outIb(false), ioOpts);
op(0xe8, 'call', ['Jz'], control.callRel, { blockEnd: true });
op(0xe9, 'jmp', ['Jz'], control.jmpRel, { blockEnd: true });
op(0xea, 'jmp', ['Ap'], control.jmpAp, { blockEnd: true });
op(0xeb, 'jmp', ['Jb'], control.jmpRel, { blockEnd: true });
op(0xec, 'in', ['AL', 'DX'], io.inDx(true), ioOpts);
op(0xed, 'in', ['eAX', 'DX'], io.inDx(false), ioOpts);
op(0xee, 'out', ['DX', 'AL'], io.outDx(true), ioOpts);
op(0xef, 'out', ['DX', 'eAX'], io.outDx(false), ioOpts);
op(0xf1, 'int1', [], control.int1, { write: 'it', blockEnd: true, cpu: 386, fence: 'always' });
op(0xf4, 'hlt', [], control.hlt, { privilege: PRIV_CPL0, blockEnd: true });
op(0xf5, 'cmc', [], move.cmc, { read: 'c', write: 'c' });
const group3: [number, string, Handler, Options][] = [
  [0, 'test', arith.testEbIb, { write: ARITH, undef: 'a' }],
  [1, 'test', arith.testEbIb, { write: ARITH, undef: 'a' }],
  [2, 'not', arith.notEb, { lockable: true }],
  [3, 'neg', arith.negEb, { write: ARITH, lockable: true }],
  [4, 'mul', arith.mulEb, { write: ARITH, undef: 'szap' }],
  [5, 'imul', arith.imulEb, { write: ARITH, undef: 'szap' }],
  [6, 'div', arith.divEb, { write: ARITH, undef: ARITH }],
  [7, 'idiv', arith.idivEb, { write: ARITH, undef: ARITH }],
];
for (const [ext, name, handler, o] of group3) {
  op(0xf6, name, ext < 2 ? ['Eb', 'Ib'] : ['Eb'], handler, { ...o, extension: ext });
}
const group3v: Handler[] = [
  arith.testEvIz,
  arith.testEvIz,
  arith.notEv,
  arith.negEv,
  arith.mulEv,
  arith.imulEv,
  arith.divEv,
  arith.idivEv,
];
for (const [ext, name, , o] of group3) {
  op(0xf7, name, ext < 2 ? ['Ev', 'Iz'] : ['Ev'], group3v[ext]!, { ...o, extension: ext });
}
op(0xf8, 'clc', [], move.clc, { write: 'c' });
op(0xf9, 'stc', [], move.stc, { write: 'c' });
op(0xfa, 'cli', [], move.cli, { write: 'i', privilege: PRIV_IOPL });
op(0xfb, 'sti', [], move.sti, { write: 'i', privilege: PRIV_IOPL, blockEnd: true });
op(0xfc, 'cld', [], move.cld, { write: 'd' });
op(0xfd, 'std', [], move.std, { write: 'd' });
op(0xfe, 'inc', ['Eb'], arith.incEb, { extension: 0, write: 'oszap', lockable: true });
op(0xfe, 'dec', ['Eb'], arith.decEb, { extension: 1, write: 'oszap', lockable: true });
op(0xff, 'inc', ['Ev'], arith.incEv, { extension: 0, write: 'oszap', lockable: true });
op(0xff, 'dec', ['Ev'], arith.decEv, { extension: 1, write: 'oszap', lockable: true });
op(0xff, 'call', ['Ev'], control.callRm, { extension: 2, blockEnd: true });
op(0xff, 'call', ['Mp'], control.callMp, { extension: 3, form: 'mem', blockEnd: true });
op(0xff, 'jmp', ['Ev'], control.jmpRm, { extension: 4, blockEnd: true });
op(0xff, 'jmp', ['Mp'], control.jmpMp, { extension: 5, form: 'mem', blockEnd: true });
op(0xff, 'push', ['Ev'], stack.pushRm, { extension: 6 });

// x87 escapes D8–DF: fpu.ts decodes the rest of the instruction from ModRM. Spelled out here
// (for the disassembler and the assembler) is every form fpu.ts executes: memory operands of
// each size (Mw m16, Md m32, Mq m64, Mt m80), the stack registers (ST0 the top, STi = ST(rm))
// and the operand-less register forms. The dispatcher sends every D8–DF encoding to fpu.ts,
// which raises #UD (or #NM) for what it does not implement (transcendentals, FBLD/FBSTP).
const x87 = { cpu: 86 };
op(0xd9, 'fldcw', ['Mw'], priv.x87(0xd9), { ...x87, extension: 5, form: 'mem' });
op(0xd9, 'fnstcw', ['Mw'], priv.x87(0xd9), { ...x87, extension: 7, form: 'mem' });
op(0xd9, 'fnstenv', ['M'], priv.x87(0xd9), { ...x87, extension: 6, form: 'mem' });
op(0xd9, 'fldenv', ['M'], priv.x87(0xd9), { ...x87, extension: 4, form: 'mem' });
/** The arithmetic group of D8/DC (floats) and DA/DE (integers), by ModRM.reg. */
const X87_ARITH = ['add', 'mul', 'com', 'comp', 'sub', 'subr', 'div', 'divr'];
/** Memory operand size of the arithmetic group: m32fp, m64fp, m32int, m16int. */
const X87_ARITH_MEMORY: [number, string, string][] = [
  [0xd8, 'f', 'Md'],
  [0xdc, 'f', 'Mq'],
  [0xda, 'fi', 'Md'],
  [0xde, 'fi', 'Mw'],
];
for (const [opcode, prefix, operand] of X87_ARITH_MEMORY) {
  X87_ARITH.forEach((name, ext) => {
    op(opcode, prefix + name, [operand], priv.x87(opcode), { ...x87, extension: ext, form: 'mem' });
  });
}
/** Loads and stores: [opcode, ModRM.reg, mnemonic, memory operand]. */
const x87Moves: [number, number, string, string][] = [
  [0xd9, 0, 'fld', 'Md'],
  [0xdd, 0, 'fld', 'Mq'],
  [0xdb, 5, 'fld', 'Mt'],
  [0xd9, 2, 'fst', 'Md'],
  [0xdd, 2, 'fst', 'Mq'],
  [0xd9, 3, 'fstp', 'Md'],
  [0xdd, 3, 'fstp', 'Mq'],
  [0xdb, 7, 'fstp', 'Mt'],
  [0xdf, 0, 'fild', 'Mw'],
  [0xdb, 0, 'fild', 'Md'],
  [0xdf, 5, 'fild', 'Mq'],
  [0xdf, 2, 'fist', 'Mw'],
  [0xdb, 2, 'fist', 'Md'],
  [0xdf, 3, 'fistp', 'Mw'],
  [0xdb, 3, 'fistp', 'Md'],
  [0xdf, 7, 'fistp', 'Mq'],
];
for (const [opcode, ext, name, operand] of x87Moves) {
  op(opcode, name, [operand], priv.x87(opcode), { ...x87, extension: ext, form: 'mem' });
}
/** x87 register forms without operands: [opcode, ModRM.reg, ModRM.rm, mnemonic, cpu]. */
const x87Fixed: [number, number, number, string, number][] = [
  [0xd9, 2, 0, 'fnop', 86],
  [0xd9, 4, 0, 'fchs', 86],
  [0xd9, 4, 1, 'fabs', 86],
  [0xd9, 4, 4, 'ftst', 86],
  [0xd9, 4, 5, 'fxam', 86],
  [0xd9, 5, 0, 'fld1', 86],
  [0xd9, 5, 1, 'fldl2t', 86],
  [0xd9, 5, 2, 'fldl2e', 86],
  [0xd9, 5, 3, 'fldpi', 86],
  [0xd9, 5, 4, 'fldlg2', 86],
  [0xd9, 5, 5, 'fldln2', 86],
  [0xd9, 5, 6, 'fldz', 86],
  [0xd9, 6, 4, 'fxtract', 86],
  [0xd9, 6, 5, 'fprem1', 386],
  [0xd9, 6, 6, 'fdecstp', 86],
  [0xd9, 6, 7, 'fincstp', 86],
  [0xd9, 7, 0, 'fprem', 86],
  [0xd9, 7, 2, 'fsqrt', 86],
  [0xd9, 7, 4, 'frndint', 86],
  [0xd9, 7, 5, 'fscale', 86],
  [0xda, 5, 1, 'fucompp', 386],
  // 8087 interrupt-mask and 287 mode controls: no-ops since the 387.
  [0xdb, 4, 0, 'fneni', 86],
  [0xdb, 4, 1, 'fndisi', 86],
  [0xdb, 4, 2, 'fnclex', 86],
  [0xdb, 4, 3, 'fninit', 86],
  [0xdb, 4, 4, 'fsetpm', 286],
  [0xde, 3, 1, 'fcompp', 86],
];
for (const [opcode, ext, rm, name, cpu] of x87Fixed) {
  op(opcode, name, [], priv.x87(opcode), { cpu, extension: ext, form: 'reg', rm });
}
op(0xdd, 'frstor', ['M'], priv.x87(0xdd), { ...x87, extension: 4, form: 'mem' });
op(0xdd, 'fnsave', ['M'], priv.x87(0xdd), { ...x87, extension: 6, form: 'mem' });
op(0xdd, 'fnstsw', ['Mw'], priv.x87(0xdd), { ...x87, extension: 7, form: 'mem' });
op(0xdf, 'fnstsw', ['AX'], priv.x87(0xdf), { ...x87, extension: 4, form: 'reg', rm: 0 });
/** Register forms on ST(i): [opcode, ModRM.reg, mnemonic, operands, flags read, written, cpu]. */
const x87Stack: [number, number, string, string[], string, string, number][] = [
  [0xd9, 0, 'fld', ['STi'], '', '', 86],
  [0xd9, 1, 'fxch', ['STi'], '', '', 86],
  [0xda, 0, 'fcmovb', ['ST0', 'STi'], 'c', '', 686],
  [0xda, 1, 'fcmove', ['ST0', 'STi'], 'z', '', 686],
  [0xda, 2, 'fcmovbe', ['ST0', 'STi'], 'zc', '', 686],
  [0xda, 3, 'fcmovu', ['ST0', 'STi'], 'p', '', 686],
  [0xdb, 0, 'fcmovnb', ['ST0', 'STi'], 'c', '', 686],
  [0xdb, 1, 'fcmovne', ['ST0', 'STi'], 'z', '', 686],
  [0xdb, 2, 'fcmovnbe', ['ST0', 'STi'], 'zc', '', 686],
  [0xdb, 3, 'fcmovnu', ['ST0', 'STi'], 'p', '', 686],
  [0xdb, 5, 'fucomi', ['ST0', 'STi'], '', 'oszapc', 686],
  [0xdb, 6, 'fcomi', ['ST0', 'STi'], '', 'oszapc', 686],
  [0xdd, 0, 'ffree', ['STi'], '', '', 86],
  [0xdd, 2, 'fst', ['STi'], '', '', 86],
  [0xdd, 3, 'fstp', ['STi'], '', '', 86],
  [0xdd, 4, 'fucom', ['STi'], '', '', 386],
  [0xdd, 5, 'fucomp', ['STi'], '', '', 386],
  [0xdf, 5, 'fucomip', ['ST0', 'STi'], '', 'oszapc', 686],
  [0xdf, 6, 'fcomip', ['ST0', 'STi'], '', 'oszapc', 686],
];
// D8: op ST0, ST(i). DC: op ST(i), ST0 and DE: the same and pop — both with SUB/SUBR and
// DIV/DIVR swapped relative to D8 (SDM vol. 2 "FSUB", "FDIV"); their /2 and /3 are not FCOM.
X87_ARITH.forEach((name, ext) => {
  const compare = ext === 2 || ext === 3;
  x87Stack.push([0xd8, ext, `f${name}`, compare ? ['STi'] : ['ST0', 'STi'], '', '', 86]);
  if (compare) return;
  const swapped = ext >= 4 ? X87_ARITH[ext ^ 1]! : name;
  x87Stack.push([0xdc, ext, `f${swapped}`, ['STi', 'ST0'], '', '', 86]);
  x87Stack.push([0xde, ext, `f${swapped}p`, ['STi', 'ST0'], '', '', 86]);
});
for (const [opcode, ext, name, operands, read, write, cpu] of x87Stack) {
  op(opcode, name, operands, priv.x87(opcode), { cpu, extension: ext, form: 'reg', read, write });
}

// --- Two-byte map (0F xx).

const protectedOnly = { modes: MODE_PROTECTED, cpu: 286 };
const cpl0 = { privilege: PRIV_CPL0 };
/** The privileged serialising instructions (SDM vol. 3A §8.3). */
const serialising = { ...cpl0, fence: 'always' } as const;
op(0x0f00, 'sldt', ['Ew'], priv.sldt, { ...protectedOnly, extension: 0 });
op(0x0f00, 'str', ['Ew'], priv.str, { ...protectedOnly, extension: 1 });
op(0x0f00, 'lldt', ['Ew'], priv.lldtHandler, { ...protectedOnly, ...serialising, extension: 2 });
op(0x0f00, 'ltr', ['Ew'], priv.ltrHandler, { ...protectedOnly, ...serialising, extension: 3 });
op(0x0f00, 'verr', ['Ew'], priv.verr, { ...protectedOnly, extension: 4, write: 'z' });
op(0x0f00, 'verw', ['Ew'], priv.verw, { ...protectedOnly, extension: 5, write: 'z' });
op(0x0f01, 'sgdt', ['Ms'], priv.sgdt, { extension: 0, form: 'mem', cpu: 286 });
op(0x0f01, 'sidt', ['Ms'], priv.sidt, { extension: 1, form: 'mem', cpu: 286 });
op(0x0f01, 'lgdt', ['Ms'], priv.lgdtHandler, {
  ...serialising,
  extension: 2,
  form: 'mem',
  cpu: 286,
});
op(0x0f01, 'lidt', ['Ms'], priv.lidtHandler, {
  ...serialising,
  extension: 3,
  form: 'mem',
  cpu: 286,
});
op(0x0f01, 'smsw', ['Ew'], priv.smsw, { extension: 4, cpu: 286 });
op(0x0f01, 'lmsw', ['Ew'], priv.lmswHandler, { ...cpl0, extension: 6, blockEnd: true, cpu: 286 });
op(0x0f01, 'invlpg', ['M'], priv.invlpgHandler, {
  ...serialising,
  extension: 7,
  form: 'mem',
  cpu: 486,
});
op(0x0f02, 'lar', ['Gv', 'Ew'], priv.larHandler, { ...protectedOnly, write: 'z' });
op(0x0f03, 'lsl', ['Gv', 'Ew'], priv.lslHandler, { ...protectedOnly, write: 'z' });
op(0x0f06, 'clts', [], priv.cltsHandler, { ...cpl0, cpu: 286 });
op(0x0f08, 'invd', [], priv.cacheFlush, { ...serialising, cpu: 486 });
op(0x0f09, 'wbinvd', [], priv.cacheFlush, { ...serialising, cpu: 486 });
op(0x0f0b, 'ud2', [], priv.ud2, { cpu: 686 });
op(0x0f18, 'prefetchnta', ['M'], move.nop, { extension: 0, form: 'mem', cpu: 686 });
op(0x0f18, 'prefetcht0', ['M'], move.nop, { extension: 1, form: 'mem', cpu: 686 });
op(0x0f18, 'prefetcht1', ['M'], move.nop, { extension: 2, form: 'mem', cpu: 686 });
op(0x0f18, 'prefetcht2', ['M'], move.nop, { extension: 3, form: 'mem', cpu: 686 });
op(0x0f1f, 'nop', ['Ev'], move.nop, { extension: 0, cpu: 686 });
op(0x0f20, 'mov', ['Rd', 'Cd'], priv.movRdCd, { ...cpl0, form: 'reg', cpu: 386 });
op(0x0f21, 'mov', ['Rd', 'Dd'], priv.movRdDd, { ...cpl0, form: 'reg', cpu: 386 });
op(0x0f22, 'mov', ['Cd', 'Rd'], priv.movCdRd, {
  ...serialising,
  form: 'reg',
  blockEnd: true,
  cpu: 386,
});
op(0x0f23, 'mov', ['Dd', 'Rd'], priv.movDdRd, { ...serialising, form: 'reg', cpu: 386 });
op(0x0f30, 'wrmsr', [], priv.wrmsrHandler, { ...serialising, cpu: 586 });
op(0x0f31, 'rdtsc', [], priv.rdtscHandler, { cpu: 586 });
op(0x0f32, 'rdmsr', [], priv.rdmsrHandler, { ...cpl0, cpu: 586 });
for (let cc = 0; cc < 16; cc++) {
  const name = CC_NAMES[cc]!;
  op(0x0f40 + cc, `cmov${name}`, ['Gv', 'Ev'], move.cmov(cc), { read: 'oszpc', cpu: 686 });
  op(0x0f80 + cc, `j${name}`, ['Jz'], control.jcc(cc), { read: 'oszpc', blockEnd: true, cpu: 386 });
  op(0x0f90 + cc, `set${name}`, ['Eb'], move.setcc(cc), { read: 'oszpc', cpu: 386 });
}
op(0x0fa0, 'push', ['FS'], (cpu) => stack.pushSeg(cpu, FS), { cpu: 386 });
op(0x0fa1, 'pop', ['FS'], (cpu) => stack.popSeg(cpu, FS), { cpu: 386 });
op(0x0fa2, 'cpuid', [], priv.cpuid, { cpu: 586, fence: 'always' });
const btFlags = { write: 'oszapc', undef: 'osap', cpu: 386 };
op(0x0fa3, 'bt', ['Ev', 'Gv'], bits.btEvGv(bits.BT), btFlags);
op(0x0fa4, 'shld', ['Ev', 'Gv', 'Ib'], bits.shldIb, { write: ARITH, undef: 'oa', cpu: 386 });
op(0x0fa5, 'shld', ['Ev', 'Gv', 'CL'], bits.shldCl, { write: ARITH, undef: 'oa', cpu: 386 });
op(0x0fa8, 'push', ['GS'], (cpu) => stack.pushSeg(cpu, GS), { cpu: 386 });
op(0x0fa9, 'pop', ['GS'], (cpu) => stack.popSeg(cpu, GS), { cpu: 386 });
op(0x0fab, 'bts', ['Ev', 'Gv'], bits.btEvGv(bits.BTS), { ...btFlags, lockable: true });
op(0x0fac, 'shrd', ['Ev', 'Gv', 'Ib'], bits.shrdIb, { write: ARITH, undef: 'oa', cpu: 386 });
op(0x0fad, 'shrd', ['Ev', 'Gv', 'CL'], bits.shrdCl, { write: ARITH, undef: 'oa', cpu: 386 });
op(0x0fae, 'fxsave', ['M'], priv.fxsaveHandler, { extension: 0, form: 'mem', cpu: 686 });
op(0x0fae, 'fxrstor', ['M'], priv.fxrstorHandler, { extension: 1, form: 'mem', cpu: 686 });
op(0x0fae, 'lfence', [], move.nop, { extension: 5, form: 'reg', rm: 0, cpu: 686 });
op(0x0fae, 'mfence', [], move.nop, { extension: 6, form: 'reg', rm: 0, cpu: 686, fence: 'always' });
op(0x0fae, 'sfence', [], move.nop, { extension: 7, form: 'reg', rm: 0, cpu: 686 });
op(0x0fae, 'clflush', ['M'], move.nop, { extension: 7, form: 'mem', cpu: 686 });
op(0x0faf, 'imul', ['Gv', 'Ev'], arith.imulGvEv, { write: ARITH, undef: 'szap', cpu: 386 });
op(0x0fb0, 'cmpxchg', ['Eb', 'Gb'], arith.cmpxchgEbGb, { write: ARITH, lockable: true, cpu: 486 });
op(0x0fb1, 'cmpxchg', ['Ev', 'Gv'], arith.cmpxchgEvGv, { write: ARITH, lockable: true, cpu: 486 });
op(0x0fb2, 'lss', ['Gv', 'Mp'], move.loadFarPointer(SS), { form: 'mem', cpu: 386 });
op(0x0fb3, 'btr', ['Ev', 'Gv'], bits.btEvGv(bits.BTR), { ...btFlags, lockable: true });
op(0x0fb4, 'lfs', ['Gv', 'Mp'], move.loadFarPointer(FS), { form: 'mem', cpu: 386 });
op(0x0fb5, 'lgs', ['Gv', 'Mp'], move.loadFarPointer(GS), { form: 'mem', cpu: 386 });
op(0x0fb6, 'movzx', ['Gv', 'Eb'], move.movzxGvEb, { cpu: 386 });
op(0x0fb7, 'movzx', ['Gv', 'Ew'], move.movzxGvEw, { cpu: 386 });
const btNames = ['bt', 'bts', 'btr', 'btc'];
for (let b = 0; b < 4; b++) {
  op(0x0fba, btNames[b]!, ['Ev', 'Ib'], bits.btEvIb(b), {
    ...btFlags,
    extension: 4 + b,
    lockable: b !== 0,
  });
}
op(0x0fbb, 'btc', ['Ev', 'Gv'], bits.btEvGv(bits.BTC), { ...btFlags, lockable: true });
op(0x0fbc, 'bsf', ['Gv', 'Ev'], bits.bsf, { write: ARITH, undef: 'osapc', cpu: 386 });
op(0x0fbd, 'bsr', ['Gv', 'Ev'], bits.bsr, { write: ARITH, undef: 'osapc', cpu: 386 });
op(0x0fbe, 'movsx', ['Gv', 'Eb'], move.movsxGvEb, { cpu: 386 });
op(0x0fbf, 'movsx', ['Gv', 'Ew'], move.movsxGvEw, { cpu: 386 });
op(0x0fc0, 'xadd', ['Eb', 'Gb'], arith.xaddEbGb, { write: ARITH, lockable: true, cpu: 486 });
op(0x0fc1, 'xadd', ['Ev', 'Gv'], arith.xaddEvGv, { write: ARITH, lockable: true, cpu: 486 });
op(0x0fc7, 'cmpxchg8b', ['Mq'], arith.cmpxchg8b, {
  extension: 1,
  form: 'mem',
  write: 'z',
  lockable: true,
  cpu: 586,
});
for (let r = 0; r < 8; r++) {
  op(0x0fc8 + r, 'bswap', [REGV_NAMES[r]!.replace('e', 'E')], (cpu) => move.bswap(cpu, r), {
    cpu: 486,
  });
}

/** Every encoding, in the order above. */
export const OPCODE_TABLE: readonly OpcodeEntry[] = Object.freeze(entries);

/** Flags an instruction may leave with any value: what the singlestep and differential tiers
 * mask. `reg` selects the group member; -1 for non-group opcodes. */
export function undefinedFlags(opcode: number, reg: number): number {
  let m = 0;
  for (const e of OPCODE_TABLE) {
    if (e.opcode === opcode && (e.extension === -1 || e.extension === reg)) m |= e.flagsUndefined;
  }
  return m;
}
