// A test corpus generated from the assembler's forms (and so from the CPU's opcode table): each
// form instantiated with registers, memory operands in several addressing modes, immediates and
// jump targets, in BITS 16 and 32 and at both operand sizes. Used by the differential test
// against NASM and by the disassembler round trip. Every line stands alone.

import { specWidth } from './encode.ts';
import { FORMS, type Form } from './forms.ts';

type Bits = 16 | 32;

const REG8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'];
const REG16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
const REG32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
const SIZE_WORD: Readonly<Record<number, string>> = {
  80: 'tword',
  8: 'byte',
  16: 'word',
  32: 'dword',
  64: 'qword',
};

/** Memory operands per mode: the usual ones plus one in the other address size (67 prefix). */
const MEMORY: Readonly<Record<Bits, readonly string[]>> = {
  32: ['[ebx]', '[esi+ecx*4+0x1234]', '[ebp-8]', '[bx+si+4]'],
  16: ['[bx+si]', '[bp+6]', '[di-0x200]', '[eax+ebx*2]'],
};

function register(width: number, index: number): string {
  return (width === 8 ? REG8 : width === 16 ? REG16 : REG32)[index]!;
}

/** Choices for one operand: each a NASM operand string. `mem` picks the addressing mode. */
function choices(
  spec: string,
  osize: number,
  bits: Bits,
  far: boolean,
  sizeNeeded: boolean,
): string[] {
  const w = specWidth(spec, osize);
  const mems = MEMORY[bits];
  if (/^ST/.test(spec)) return spec === 'STi' || spec === 'ST(i)' ? ['st1', 'st3'] : ['st0'];
  if (/^[A-Z]{2,3}$/.test(spec)) return [spec.toLowerCase()];
  const sized = /^e([A-Z]{2})$/.exec(spec);
  if (sized !== null) return [register(osize, REG16.indexOf(sized[1]!.toLowerCase()))];
  switch (spec) {
    case '1':
      return ['1'];
    case 'Ib':
      return ['0x12'];
    case 'Ibs':
      return ['-3'];
    case 'Iw':
      return ['0x1234'];
    case 'Iz':
      return [osize === 16 ? '0x1234' : '0x12345678'];
    case 'Jb':
      return ['$+0x10'];
    case 'Jz':
      return ['$+0x1000'];
    case 'Ap':
      return ['0x10:0x1234'];
    case 'Sw':
      return ['es', 'ds', 'fs'];
    case 'Cd':
      return ['cr0', 'cr3'];
    case 'Dd':
      return ['dr1', 'dr7'];
    case 'Rd':
      return ['ecx'];
    case 'Rv':
      return [register(w, 2)];
    case 'Mp':
      return mems.map((m) => (far ? `far ${m}` : m));
    default:
      break;
  }
  switch (spec[0]) {
    case 'E':
      return [register(w, 1), ...mems.map((m) => `${SIZE_WORD[w]} ${m}`)];
    case 'G':
      return [register(w, 3)];
    case 'M':
      // A memory-only form whose mnemonic has one memory size is written unsized (NASM rejects
      // `clflush byte [x]`); `fld` has three, so `fld tword [x]`.
      return sizeNeeded ? mems.map((m) => `${SIZE_WORD[w]} ${m}`) : [...mems];
    case 'O':
      return [`[0x1234]`];
    default:
      throw new Error(`corpus: no operands for specifier ${spec}`);
  }
}

/** Does another form of the mnemonic take memory of another size at operand `i`? */
function hasOtherMemorySize(form: Form, i: number): boolean {
  const spec = form.operands[i]!;
  return (FORMS.get(form.mnemonic) ?? []).some((other) => {
    const o = other.operands[i];
    return (
      other.operands.length === form.operands.length &&
      o !== undefined &&
      o[0] === 'M' &&
      o !== spec
    );
  });
}

/** The operand sizes a form is generated at. */
function operandSizes(form: Form, bits: Bits): number[] {
  if (form.osize !== undefined) return [form.osize];
  if (!form.opsize || form.operands.some((s) => s[0] === 'J')) return [bits];
  return [16, 32];
}

/** Does the line need a size keyword to say its operand size (`push word 5`)? */
function needsSizeHint(form: Form): boolean {
  return form.opsize && form.operands.every((s) => /^I|^A/.test(s));
}

/** Lines exercising one form in one mode. */
export function formLines(form: Form, bits: Bits): string[] {
  const lines: string[] = [];
  const far = /^(jmp|call)$/.test(form.mnemonic);
  for (const osize of operandSizes(form, bits)) {
    const sets = form.operands.map((spec, i) =>
      choices(spec, osize, bits, far, hasOtherMemorySize(form, i)),
    );
    // Vary one operand at a time against the first choice of the others: every choice of
    // every operand appears without a combinatorial explosion.
    const combos = new Set<string>();
    sets.forEach((set, i) => {
      for (const choice of set) {
        const ops = sets.map((s, j) => (j === i ? choice : s[0]!));
        combos.add(ops.join(', '));
      }
    });
    if (sets.length === 0) combos.add('');
    const hint = needsSizeHint(form) && osize !== bits ? `${SIZE_WORD[osize]} ` : '';
    for (const ops of combos) {
      const memoryTwice = ops.split('[').length > 2;
      if (memoryTwice) continue;
      const to = form.to ? 'to ' : '';
      lines.push(`${form.mnemonic}${ops === '' ? '' : ` ${to}${hint}${ops}`}`);
    }
  }
  return lines;
}

/** Hand-written lines for prefixes, overrides and NASM's operand-size and jump choices. */
const EXTRA: readonly string[] = [
  'rep movsb',
  'rep stosd',
  'repe cmpsb',
  'repne scasw',
  'lock add [ebx], eax',
  'lock inc dword [eax]',
  'mov eax, [es:ebx]',
  'mov eax, [cs:ebx]',
  'mov eax, [ss:ebp]',
  'mov eax, [ds:ebx]',
  'mov eax, [fs:0x10]',
  'mov eax, [gs:ecx*8+4]',
  'mov eax, [esp]',
  'mov eax, [esp+ecx]',
  'mov eax, [ecx+esp]',
  'mov eax, [ebp]',
  'mov eax, [eax*2]',
  'mov eax, [eax*3+1]',
  'mov eax, [ecx*8]',
  'mov eax, [0x12345678]',
  'mov eax, [ebx-0x80]',
  'mov eax, [ebx+0x7f]',
  'mov eax, [ebx+0x80]',
  'mov eax, [byte ebx+0]',
  'mov eax, [dword ebx+4]',
  'add eax, 0x7f',
  'add eax, 0x80',
  'add eax, -0x80',
  'add ebx, strict dword 1',
  'and ax, 3',
  'cmp eax, -1',
  'sub ax, 0x7f',
  'add al, 1',
  'push byte 1',
  'push strict dword 1',
  'imul eax, 10',
  'imul ax, 1000',
  'shl eax, 1',
  'int 3',
  'jmp $',
  'jmp $+0x81',
  'jmp $-0x7e',
  'jmp short $+4',
  'jmp near $+4',
  'jnz $-0x100',
  // An immediate that fits a sign-extended byte once truncated to the operand size is short.
  'and bx, 0xFFFF',
  'xor ax, 0xFF80',
  'add ax, 0xFF7F',
  'or cx, 0x8000',
  'cmp word [bx+si], 0xFF80',
  'imul ax, bx, 0xFFFF',
  'push word 0xFFFF',
  'and ebx, 0xFFFFFFFF',
  'sub eax, 0xFFFFFF80',
  'cmp dword [ebx], 0xFFFFFF7F',
  'push dword 0xFFFFFFFF',
];

/** The whole corpus for one mode, in a stable order. */
export function instructionCorpus(bits: Bits): string[] {
  const lines: string[] = [];
  for (const forms of FORMS.values())
    for (const form of forms) lines.push(...formLines(form, bits));
  lines.push(...EXTRA);
  return [...new Set(lines)];
}
