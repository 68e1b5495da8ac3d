// The instruction forms the assembler encodes, derived from the CPU's opcode table
// (sim/cpu/table.ts, Intel SDM Vol. 2 Appendix A notation), plus the spellings NASM accepts
// beyond the table's one name per encoding: condition-code aliases (je = jz), the w/d-suffixed
// and default-size string and stack mnemonics, `sal`, the FPU's waiting forms (finit = wait +
// fninit), operand orders NASM allows for symmetric instructions (xchg, test) and its x87
// stack-register shorthands (`fadd st1` = `fadd st0, st1`, `fadd to st1`, `faddp` = `faddp
// st1, st0`).

import { CC_NAMES, OPCODE_TABLE, type OpcodeEntry } from '../cpu/table.ts';

export interface Form {
  mnemonic: string;
  /** One opcode byte, or 0x0Fxx for a two-byte opcode. */
  opcode: number;
  /** The ModRM.reg opcode extension (the `/digit` of the SDM). */
  ext?: number;
  /** Operand specifiers as in the opcode table (Eb Ev Gv Ib Ibs Iz Jb Jz Sw M Mp Ap Ob …). */
  operands: readonly string[];
  /** The operand-size prefix changes this encoding (the table's `opsize`). */
  opsize: boolean;
  /** The mnemonic fixes the operand size (cbw/cwde, pushaw/pushad, movsw/movsd). */
  osize?: 16 | 32;
  /** The mnemonic fixes the address size (jcxz/jecxz). */
  asize?: 16 | 32;
  /** A fixed ModRM byte that completes the opcode (0F AE F0 = mfence). */
  modrm?: number;
  /** A mandatory prefix that is part of the opcode (F3 90 = pause). */
  prefix?: number;
  /** Emit WAIT (9B) first: the FPU's waiting forms (fstcw = wait + fnstcw). */
  wait?: boolean;
  /** An unsized memory operand takes the mode's operand size (`jmp [ebx]`, `call [ebx]`). */
  sizeFromMode?: boolean;
  /** NASM's `to` before the stack register: `fadd to st1` is `fadd st1, st0` (DC C1). */
  to?: boolean;
}

/** Every NASM spelling of each condition code, in the table's (tttn) order. */
const CONDITION_ALIASES: readonly (readonly string[])[] = [
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

/** Mnemonics whose bare spelling means "the current operand size" (NASM: pusha, iret…). */
const DEFAULT_SIZE = new Set(['pusha', 'popa', 'pushf', 'popf', 'iret']);

/** Extra NASM names for a table mnemonic. */
const ALIASES: Readonly<Record<string, readonly string[]>> = {
  loopne: ['loopnz'],
  loope: ['loopz'],
  ret: ['retn'],
  wait: ['fwait'],
  int1: ['icebp'],
};

/** FPU instructions with a waiting form: NASM's name → the table's no-wait name. */
const WAITING: Readonly<Record<string, string>> = {
  finit: 'fninit',
  fclex: 'fnclex',
  fstcw: 'fnstcw',
  fstsw: 'fnstsw',
  fsave: 'fnsave',
  fstenv: 'fnstenv',
  feni: 'fneni',
  fdisi: 'fndisi',
};

const STRING_OPERAND = /^[XY]/;

/** Operand specifiers the encoder understands (see the table's header for their meaning). */
const KNOWN_OPERAND =
  /^(?:[EG][bwdv]|R[dv]|M[bwdqtpas]?|Ibs|I[bwzv]|J[bz]|O[bv]|Ap|Sw|Cd|Dd|[XY][bwdvz]|1|e[A-Z]{2}|[A-Z]{2,3}|ST(?:i|0|\(i\)|\(0\))?)$/;

/** Table entries with an operand kind the encoder does not know yet: not assemblable. */
export const UNSUPPORTED: string[] = [];

function namesFor(e: OpcodeEntry): string[] {
  const cc = /^(j|set|cmov)(.+)$/.exec(e.mnemonic);
  if (cc !== null && CC_NAMES.includes(cc[2]!)) {
    return CONDITION_ALIASES[CC_NAMES.indexOf(cc[2]!)]!.map((n) => cc[1] + n);
  }
  return [e.mnemonic, ...(ALIASES[e.mnemonic] ?? [])];
}

/** The assembler's forms for one table entry. */
function formsFor(e: OpcodeEntry): Form[] {
  // NASM encodes `sal` as `shl` (/4); /6 is an undocumented duplicate it never emits.
  if (e.mnemonic === 'sal') return [];
  if (!e.operands.every((o) => KNOWN_OPERAND.test(o))) {
    UNSUPPORTED.push(`${e.mnemonic} ${e.operands.join(',')} (opcode ${e.opcode.toString(16)})`);
    return [];
  }
  const base: Form = {
    mnemonic: e.mnemonic,
    opcode: e.opcode,
    operands: e.operands,
    opsize: e.opsize,
    ...(e.extension >= 0 && { ext: e.extension }),
    ...(e.prefix !== 0 && { prefix: e.prefix }),
    ...(e.form === 'reg' && e.rm >= 0 && { modrm: 0xc0 | (e.extension << 3) | e.rm }),
    ...(/^(jmp|call)$/.test(e.mnemonic) && e.operands[0] === 'Ev' && { sizeFromMode: true }),
  };
  if (e.operands.includes('STi')) return stackForms(base, e);
  // String instructions take no operands in NASM syntax (`rep movsd`).
  if (e.operands.some((o) => STRING_OPERAND.test(o))) base.operands = [];
  if (e.mnemonic32 !== e.mnemonic) {
    const sized = e.sizeSelects === 'address' ? 'asize' : 'osize';
    const wide: Form = { ...base, mnemonic: e.mnemonic32, [sized]: 32 };
    if (DEFAULT_SIZE.has(e.mnemonic)) {
      return [{ ...base }, { ...base, mnemonic: `${e.mnemonic}w`, osize: 16 }, wide];
    }
    return [{ ...base, [sized]: 16 }, wide];
  }
  // `mov Ev, Sw`: NASM writes a register destination at the operand size, memory as a word
  // without an operand-size prefix.
  if (e.opcode === 0x8c) {
    return [
      { ...base, operands: ['Rv', 'Sw'] },
      { ...base, operands: ['Mw', 'Sw'], opsize: false },
    ];
  }
  // movzx/movsx from a word and bswap exist in NASM at a 32-bit operand size only (with 66 in
  // BITS 16); 66 0F B7 would be a plain 16-bit move.
  if ((/^movzx$|^movsx$/.test(e.mnemonic) && e.operands[1] === 'Ew') || e.mnemonic === 'bswap') {
    return [{ ...base, osize: 32 }];
  }
  // Stores of a system register to Ew: a register destination has the operand size (NASM puts
  // 66 on `str cx` in BITS 32), a memory one is always a word.
  if (/^(sldt|str|smsw)$/.test(e.mnemonic)) {
    return [
      { ...base, operands: ['Rv'], opsize: true },
      { ...base, operands: ['Mw'] },
    ];
  }
  const names = namesFor(e).map((mnemonic) => ({ ...base, mnemonic }));
  // Symmetric operations: NASM accepts either order (`xchg ecx, eax`, `test eax, [ebx]`); for
  // two registers its xchg puts the first in ModRM.reg, its test the second.
  if (/^(xchg|test)$/.test(e.mnemonic) && e.operands.length === 2 && !/^I/.test(e.operands[1]!)) {
    const swapped = { ...base, operands: [e.operands[1]!, e.operands[0]!] };
    if (e.mnemonic === 'xchg') names.unshift(swapped);
    else names.push(swapped);
  }
  const waiting = Object.keys(WAITING).find((k) => WAITING[k] === e.mnemonic);
  if (waiting !== undefined) names.push({ ...base, mnemonic: waiting, wait: true });
  return names;
}

/**
 * NASM's spellings of an x87 form on ST(i) besides the table's: ST0 left implicit (`fcomi st1`),
 * `to` for the D8/DC pairs' ST(i) destination, the two-operand compares and exchanges, and no
 * operand at all for ST1 (`fxch`, `fucomp`; `fadd` = `faddp`, as in NASM's instruction table).
 */
function stackForms(base: Form, e: OpcodeEntry): Form[] {
  const implicit: Form = { ...base, operands: ['STi'] };
  const forms: Form[] = [base];
  if (e.operands[0] === 'ST0') forms.push(implicit);
  if (e.opcode === 0xdc) forms.push({ ...implicit, to: true });
  if (e.opcode === 0xde) forms.push(implicit);
  if (e.mnemonic === 'fxch') forms.push({ ...base, operands: ['ST0', 'STi'] });
  if (e.mnemonic === 'fxch') forms.push({ ...base, operands: ['STi', 'ST0'] });
  if (/^fu?comp?$/.test(e.mnemonic)) forms.push({ ...base, operands: ['ST0', 'STi'] });
  const st1: Form = { ...base, operands: [], modrm: 0xc1 | (e.extension << 3) };
  const arithmetic = e.opcode === 0xdc || (e.opcode === 0xd8 && e.operands[0] === 'ST0');
  if (!arithmetic) forms.push(st1);
  if (e.opcode === 0xde) forms.push({ ...st1, mnemonic: e.mnemonic.slice(0, -1) });
  return forms;
}

/** NASM tries `fadd st0, st0` as ST(i), ST0 first (DC C0): it goes before the D8 form. */
const stackDestinationFirst = (f: Form) => (f.operands.join() === 'STi,ST0' ? 0 : 1);

/** Every form, grouped by mnemonic, in table order (NASM's choice among equal lengths). */
export const FORMS: ReadonlyMap<string, readonly Form[]> = (() => {
  const byMnemonic = new Map<string, Form[]>();
  const add = (form: Form) => {
    const list = byMnemonic.get(form.mnemonic) ?? [];
    list.push(Object.freeze(form));
    byMnemonic.set(form.mnemonic, list);
  };
  for (const entry of OPCODE_TABLE) for (const form of formsFor(entry)) add(form);
  // `xchg eax, eax` is NASM's 90 (the table lists 90 as nop); `aam`/`aad` default to base 10.
  add({ mnemonic: 'xchg', opcode: 0x90, operands: ['eAX', 'eAX'], opsize: true });
  add({ mnemonic: 'aam', opcode: 0xd4, operands: [], opsize: false, modrm: 0x0a });
  add({ mnemonic: 'aad', opcode: 0xd5, operands: [], opsize: false, modrm: 0x0a });
  for (const form of byMnemonic.get('shl') ?? []) add({ ...form, mnemonic: 'sal' });
  for (const list of byMnemonic.values()) {
    list.sort((a, b) => stackDestinationFirst(a) - stackDestinationFirst(b));
  }
  return byMnemonic;
})();
