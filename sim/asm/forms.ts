// The instruction forms the assembler encodes, one record per encoding, operands in Intel SDM
// Vol. 2 Appendix A notation (Eb Ev Gv Ib Iz Jb Jz Sw M Mp Ap Ob Ov Cd Dd …). Ordered as NASM
// prefers among equally short encodings (`mov eax, ebx` is 89 D8, not 8B C3).

export interface Form {
  mnemonic: string;
  /** One opcode byte, or 0x0Fxx for a two-byte opcode. */
  opcode: number;
  /** The ModRM.reg opcode extension (the `/digit` of the SDM). */
  ext?: number;
  /**
   * Operand specifiers. Beyond Appendix A: `Ibs` is an imm8 sign-extended to the operand size
   * (opcodes 6A, 6B, 83), `Zb`/`Zv` a register in the opcode's low three bits, `Rv` a register
   * of the operand size in ModRM.rm, fixed operands as written (AL CL DX eAX 1 ES …).
   */
  operands: readonly string[];
  /** The mnemonic fixes the operand size (cbw/cwde, pushaw/pushad, movsw/movsd). */
  osize?: 16 | 32;
  /** The mnemonic fixes the address size (jcxz/jecxz). */
  asize?: 16 | 32;
  /** A fixed ModRM byte that completes the opcode (0F AE F0 = mfence). */
  modrm?: number;
  /** A mandatory prefix that is part of the opcode (F3 90 = pause). */
  prefix?: number;
  /** An unsized memory operand takes the mode's operand size (`jmp [ebx]`, `call [ebx]`). */
  sizeFromMode?: boolean;
}

const forms: Form[] = [];

function f(mnemonic: string, opcode: number, operands: string[], extra: Partial<Form> = {}) {
  forms.push({ mnemonic, opcode, operands, ...extra });
}

/** The eight classic ALU operations, by their ModRM.reg number in groups 80–83. */
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
ALU.forEach((m, n) => {
  const base = n * 8;
  f(m, base, ['Eb', 'Gb']);
  f(m, base + 1, ['Ev', 'Gv']);
  f(m, base + 2, ['Gb', 'Eb']);
  f(m, base + 3, ['Gv', 'Ev']);
  f(m, base + 4, ['AL', 'Ib']);
  f(m, base + 5, ['eAX', 'Iz']);
  f(m, 0x80, ['Eb', 'Ib'], { ext: n });
  f(m, 0x81, ['Ev', 'Iz'], { ext: n });
  f(m, 0x83, ['Ev', 'Ibs'], { ext: n });
});

/** Condition codes in encoding order, with NASM's aliases. */
const CONDITIONS: readonly (readonly string[])[] = [
  ['o'],
  ['no'],
  ['b', 'c', 'nae'],
  ['ae', 'nb', 'nc'],
  ['e', 'z'],
  ['ne', 'nz'],
  ['be', 'na'],
  ['a', 'nbe'],
  ['s'],
  ['ns'],
  ['p', 'pe'],
  ['np', 'po'],
  ['l', 'nge'],
  ['ge', 'nl'],
  ['le', 'ng'],
  ['g', 'nle'],
];

const SIMPLE: ReadonlyArray<[string, number, Partial<Form>?]> = [
  ['daa', 0x27],
  ['das', 0x2f],
  ['aaa', 0x37],
  ['aas', 0x3f],
  ['pusha', 0x60],
  ['pushaw', 0x60, { osize: 16 }],
  ['pushad', 0x60, { osize: 32 }],
  ['popa', 0x61],
  ['popaw', 0x61, { osize: 16 }],
  ['popad', 0x61, { osize: 32 }],
  ['insb', 0x6c],
  ['insw', 0x6d, { osize: 16 }],
  ['insd', 0x6d, { osize: 32 }],
  ['outsb', 0x6e],
  ['outsw', 0x6f, { osize: 16 }],
  ['outsd', 0x6f, { osize: 32 }],
  ['nop', 0x90],
  ['pause', 0x90, { prefix: 0xf3 }],
  ['cbw', 0x98, { osize: 16 }],
  ['cwde', 0x98, { osize: 32 }],
  ['cwd', 0x99, { osize: 16 }],
  ['cdq', 0x99, { osize: 32 }],
  ['wait', 0x9b],
  ['fwait', 0x9b],
  ['pushf', 0x9c],
  ['pushfw', 0x9c, { osize: 16 }],
  ['pushfd', 0x9c, { osize: 32 }],
  ['popf', 0x9d],
  ['popfw', 0x9d, { osize: 16 }],
  ['popfd', 0x9d, { osize: 32 }],
  ['sahf', 0x9e],
  ['lahf', 0x9f],
  ['movsb', 0xa4],
  ['movsw', 0xa5, { osize: 16 }],
  ['movsd', 0xa5, { osize: 32 }],
  ['cmpsb', 0xa6],
  ['cmpsw', 0xa7, { osize: 16 }],
  ['cmpsd', 0xa7, { osize: 32 }],
  ['stosb', 0xaa],
  ['stosw', 0xab, { osize: 16 }],
  ['stosd', 0xab, { osize: 32 }],
  ['lodsb', 0xac],
  ['lodsw', 0xad, { osize: 16 }],
  ['lodsd', 0xad, { osize: 32 }],
  ['scasb', 0xae],
  ['scasw', 0xaf, { osize: 16 }],
  ['scasd', 0xaf, { osize: 32 }],
  ['ret', 0xc3],
  ['retn', 0xc3],
  ['retf', 0xcb],
  ['leave', 0xc9],
  ['int3', 0xcc],
  ['into', 0xce],
  ['iret', 0xcf],
  ['iretw', 0xcf, { osize: 16 }],
  ['iretd', 0xcf, { osize: 32 }],
  ['aam', 0xd4, { modrm: 0x0a }],
  ['aad', 0xd5, { modrm: 0x0a }],
  ['salc', 0xd6],
  ['xlatb', 0xd7],
  ['int1', 0xf1],
  ['icebp', 0xf1],
  ['hlt', 0xf4],
  ['cmc', 0xf5],
  ['clc', 0xf8],
  ['stc', 0xf9],
  ['cli', 0xfa],
  ['sti', 0xfb],
  ['cld', 0xfc],
  ['std', 0xfd],
  ['clts', 0x0f06],
  ['invd', 0x0f08],
  ['wbinvd', 0x0f09],
  ['ud2', 0x0f0b],
  ['wrmsr', 0x0f30],
  ['rdtsc', 0x0f31],
  ['rdmsr', 0x0f32],
  ['rdpmc', 0x0f33],
  ['sysenter', 0x0f34],
  ['sysexit', 0x0f35],
  ['cpuid', 0x0fa2],
  ['rsm', 0x0faa],
  ['lfence', 0x0fae, { modrm: 0xe8 }],
  ['mfence', 0x0fae, { modrm: 0xf0 }],
  ['sfence', 0x0fae, { modrm: 0xf8 }],
];
for (const [m, op, extra] of SIMPLE) f(m, op, [], extra);

// Segment register push/pop.
const SEG_PUSH: ReadonlyArray<[string, number, number]> = [
  ['ES', 0x06, 0x07],
  ['CS', 0x0e, -1],
  ['SS', 0x16, 0x17],
  ['DS', 0x1e, 0x1f],
  ['FS', 0x0fa0, 0x0fa1],
  ['GS', 0x0fa8, 0x0fa9],
];
for (const [seg, push, pop] of SEG_PUSH) {
  f('push', push, [seg]);
  if (pop >= 0) f('pop', pop, [seg]);
}

f('inc', 0x40, ['Zv']);
f('dec', 0x48, ['Zv']);
f('inc', 0xfe, ['Eb'], { ext: 0 });
f('dec', 0xfe, ['Eb'], { ext: 1 });
f('inc', 0xff, ['Ev'], { ext: 0 });
f('dec', 0xff, ['Ev'], { ext: 1 });
f('push', 0x50, ['Zv']);
f('pop', 0x58, ['Zv']);
f('push', 0x6a, ['Ibs']);
f('push', 0x68, ['Iz']);
f('push', 0xff, ['Ev'], { ext: 6 });
f('pop', 0x8f, ['Ev'], { ext: 0 });
f('bound', 0x62, ['Gv', 'M']);
f('arpl', 0x63, ['Ew', 'Gw']);
f('imul', 0x69, ['Gv', 'Ev', 'Iz']);
f('imul', 0x6b, ['Gv', 'Ev', 'Ibs']);
f('imul', 0x0faf, ['Gv', 'Ev']);
CONDITIONS.forEach((names, cc) => {
  for (const n of names) {
    f(`j${n}`, 0x70 + cc, ['Jb']);
    f(`j${n}`, 0x0f80 + cc, ['Jz']);
    f(`set${n}`, 0x0f90 + cc, ['Eb'], { ext: 0 });
    f(`cmov${n}`, 0x0f40 + cc, ['Gv', 'Ev']);
  }
});
f('test', 0x84, ['Eb', 'Gb']);
f('test', 0x85, ['Ev', 'Gv']);
f('test', 0x84, ['Gb', 'Eb']);
f('test', 0x85, ['Gv', 'Ev']);
f('test', 0xa8, ['AL', 'Ib']);
f('test', 0xa9, ['eAX', 'Iz']);
f('test', 0xf6, ['Eb', 'Ib'], { ext: 0 });
f('test', 0xf7, ['Ev', 'Iz'], { ext: 0 });
f('xchg', 0x90, ['eAX', 'Zv']);
f('xchg', 0x90, ['Zv', 'eAX']);
f('xchg', 0x86, ['Eb', 'Gb']);
f('xchg', 0x87, ['Ev', 'Gv']);
f('xchg', 0x86, ['Gb', 'Eb']);
f('xchg', 0x87, ['Gv', 'Ev']);
f('mov', 0x88, ['Eb', 'Gb']);
f('mov', 0x89, ['Ev', 'Gv']);
f('mov', 0x8a, ['Gb', 'Eb']);
f('mov', 0x8b, ['Gv', 'Ev']);
f('mov', 0x8c, ['Rv', 'Sw']);
f('mov', 0x8c, ['Mw', 'Sw']);
f('mov', 0x8e, ['Sw', 'Ew']);
f('mov', 0xa0, ['AL', 'Ob']);
f('mov', 0xa1, ['eAX', 'Ov']);
f('mov', 0xa2, ['Ob', 'AL']);
f('mov', 0xa3, ['Ov', 'eAX']);
f('mov', 0xb0, ['Zb', 'Ib']);
f('mov', 0xb8, ['Zv', 'Iv']);
f('mov', 0xc6, ['Eb', 'Ib'], { ext: 0 });
f('mov', 0xc7, ['Ev', 'Iz'], { ext: 0 });
f('mov', 0x0f20, ['Rd', 'Cd']);
f('mov', 0x0f21, ['Rd', 'Dd']);
f('mov', 0x0f22, ['Cd', 'Rd']);
f('mov', 0x0f23, ['Dd', 'Rd']);
f('mov', 0x0f24, ['Rd', 'Td']);
f('mov', 0x0f26, ['Td', 'Rd']);
f('lea', 0x8d, ['Gv', 'M']);
f('call', 0xe8, ['Jz']);
f('call', 0x9a, ['Ap']);
f('call', 0xff, ['Ev'], { ext: 2, sizeFromMode: true });
f('call', 0xff, ['Mp'], { ext: 3 });
f('jmp', 0xeb, ['Jb']);
f('jmp', 0xe9, ['Jz']);
f('jmp', 0xea, ['Ap']);
f('jmp', 0xff, ['Ev'], { ext: 4, sizeFromMode: true });
f('jmp', 0xff, ['Mp'], { ext: 5 });
f('loopne', 0xe0, ['Jb']);
f('loopnz', 0xe0, ['Jb']);
f('loope', 0xe1, ['Jb']);
f('loopz', 0xe1, ['Jb']);
f('loop', 0xe2, ['Jb']);
f('jcxz', 0xe3, ['Jb'], { asize: 16 });
f('jecxz', 0xe3, ['Jb'], { asize: 32 });
/** Shifts and rotates: group 2, by ModRM.reg. */
const SHIFTS: ReadonlyArray<[string, number]> = [
  ['rol', 0],
  ['ror', 1],
  ['rcl', 2],
  ['rcr', 3],
  ['shl', 4],
  ['sal', 4],
  ['shr', 5],
  ['sar', 7],
];
for (const [m, n] of SHIFTS) {
  f(m, 0xd0, ['Eb', '1'], { ext: n });
  f(m, 0xd1, ['Ev', '1'], { ext: n });
  f(m, 0xd2, ['Eb', 'CL'], { ext: n });
  f(m, 0xd3, ['Ev', 'CL'], { ext: n });
  f(m, 0xc0, ['Eb', 'Ib'], { ext: n });
  f(m, 0xc1, ['Ev', 'Ib'], { ext: n });
}
f('ret', 0xc2, ['Iw']);
f('retn', 0xc2, ['Iw']);
f('retf', 0xca, ['Iw']);
f('les', 0xc4, ['Gv', 'Mp']);
f('lds', 0xc5, ['Gv', 'Mp']);
f('lss', 0x0fb2, ['Gv', 'Mp']);
f('lfs', 0x0fb4, ['Gv', 'Mp']);
f('lgs', 0x0fb5, ['Gv', 'Mp']);
f('enter', 0xc8, ['Iw', 'Ib']);
f('int', 0xcd, ['Ib']);
f('aam', 0xd4, ['Ib']);
f('aad', 0xd5, ['Ib']);
f('in', 0xe4, ['AL', 'Ib']);
f('in', 0xe5, ['eAX', 'Ib']);
f('in', 0xec, ['AL', 'DX']);
f('in', 0xed, ['eAX', 'DX']);
f('out', 0xe6, ['Ib', 'AL']);
f('out', 0xe7, ['Ib', 'eAX']);
f('out', 0xee, ['DX', 'AL']);
f('out', 0xef, ['DX', 'eAX']);
/** Group 3 unary operations, by ModRM.reg. */
const UNARY: ReadonlyArray<[string, number]> = [
  ['not', 2],
  ['neg', 3],
  ['mul', 4],
  ['imul', 5],
  ['div', 6],
  ['idiv', 7],
];
for (const [m, n] of UNARY) {
  f(m, 0xf6, ['Eb'], { ext: n });
  f(m, 0xf7, ['Ev'], { ext: n });
}
const GROUP6 = ['sldt', 'str', 'lldt', 'ltr', 'verr', 'verw'];
GROUP6.forEach((m, n) => {
  f(m, 0x0f00, ['Ew'], { ext: n });
});
f('sgdt', 0x0f01, ['M'], { ext: 0 });
f('sidt', 0x0f01, ['M'], { ext: 1 });
f('lgdt', 0x0f01, ['M'], { ext: 2 });
f('lidt', 0x0f01, ['M'], { ext: 3 });
f('smsw', 0x0f01, ['Ew'], { ext: 4 });
f('lmsw', 0x0f01, ['Ew'], { ext: 6 });
f('invlpg', 0x0f01, ['M'], { ext: 7 });
f('lar', 0x0f02, ['Gv', 'Ew']);
f('lsl', 0x0f03, ['Gv', 'Ew']);
f('nop', 0x0f1f, ['Ev'], { ext: 0 });
/** Bit tests: register form opcode, immediate form ModRM.reg in group 8 (0F BA). */
const BIT_TESTS: ReadonlyArray<[string, number, number]> = [
  ['bt', 0x0fa3, 4],
  ['bts', 0x0fab, 5],
  ['btr', 0x0fb3, 6],
  ['btc', 0x0fbb, 7],
];
for (const [m, op, n] of BIT_TESTS) {
  f(m, op, ['Ev', 'Gv']);
  f(m, 0x0fba, ['Ev', 'Ib'], { ext: n });
}
f('shld', 0x0fa4, ['Ev', 'Gv', 'Ib']);
f('shld', 0x0fa5, ['Ev', 'Gv', 'CL']);
f('shrd', 0x0fac, ['Ev', 'Gv', 'Ib']);
f('shrd', 0x0fad, ['Ev', 'Gv', 'CL']);
f('cmpxchg', 0x0fb0, ['Eb', 'Gb']);
f('cmpxchg', 0x0fb1, ['Ev', 'Gv']);
f('cmpxchg8b', 0x0fc7, ['Mq'], { ext: 1 });
f('xadd', 0x0fc0, ['Eb', 'Gb']);
f('xadd', 0x0fc1, ['Ev', 'Gv']);
f('movzx', 0x0fb6, ['Gv', 'Eb']);
f('movzx', 0x0fb7, ['Gd', 'Ew']);
f('movsx', 0x0fbe, ['Gv', 'Eb']);
f('movsx', 0x0fbf, ['Gd', 'Ew']);
f('bsf', 0x0fbc, ['Gv', 'Ev']);
f('bsr', 0x0fbd, ['Gv', 'Ev']);
f('bswap', 0x0fc8, ['Zd']);
f('fxsave', 0x0fae, ['M'], { ext: 0 });
f('fxrstor', 0x0fae, ['M'], { ext: 1 });

/** Every form, grouped by mnemonic, in table order. */
export const FORMS: ReadonlyMap<string, readonly Form[]> = (() => {
  const byMnemonic = new Map<string, Form[]>();
  for (const form of forms) {
    const list = byMnemonic.get(form.mnemonic) ?? [];
    list.push(Object.freeze(form));
    byMnemonic.set(form.mnemonic, list);
  }
  return byMnemonic;
})();
