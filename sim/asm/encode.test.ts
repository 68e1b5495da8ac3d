// Golden encodings verified against NASM 2.16 (nasm -f bin), so plain `npm test` covers the
// encoder without nasm installed: a hand-picked list, and a third of the opcode-table corpus
// (testdata/golden16.txt, golden32.txt; refresh with XENLAB_WRITE_GOLDEN=1 on
// differential.test.ts, which needs nasm).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UNSUPPORTED } from './forms.ts';
import { type AssembleResult, assemble, formatAsmError } from './index.ts';

function hex(result: AssembleResult): string {
  if (!result.ok) throw new Error(result.errors.map(formatAsmError).join('\n'));
  return Buffer.from(result.bytes).toString('hex');
}

/** [bits, source line, bytes NASM produced for it]. */
const GOLDEN: ReadonlyArray<[number, string, string]> = [
  [32, 'mov eax, 1', 'b801000000'],
  [32, 'mov [ebx+ecx*4+8], eax', '89448b08'],
  [32, 'mov dword [ebp-4], 0x12345678', 'c745fc78563412'],
  [32, 'mov eax, [0x1000]', 'a100100000'],
  [32, 'mov ecx, [esp+8]', '8b4c2408'],
  [32, 'mov edx, [ebp]', '8b5500'],
  [32, 'mov eax, [eax*2]', '8b0400'],
  [32, 'mov eax, [eax+esp]', '8b0404'],
  [32, 'lea esi, [ebx+edi*8-200]', '8db4fb38ffffff'],
  [32, 'add eax, 1000', '05e8030000'],
  [32, 'add eax, 5', '83c005'],
  [32, 'add al, 3', '0403'],
  [32, 'or dword [ebx], 0x80000000', '810b00000080'],
  [32, 'cmp eax, -1', '83f8ff'],
  [32, 'test dword [ebx], 4', 'f70304000000'],
  [32, 'push 0x12345', '6845230100'],
  [32, 'push -2', '6afe'],
  [32, 'push word 5', '666a05'],
  [32, 'push strict dword 5', '6805000000'],
  [32, 'push es', '06'],
  [32, 'pop ds', '1f'],
  [32, 'push fs', '0fa0'],
  [32, 'int 0x80', 'cd80'],
  [32, 'int3', 'cc'],
  [32, 'ret 8', 'c20800'],
  [32, 'inc eax', '40'],
  [32, 'dec byte [ebx]', 'fe0b'],
  [32, 'inc word [ebx]', '66ff03'],
  [32, 'shl eax, 1', 'd1e0'],
  [32, 'shr ebx, 4', 'c1eb04'],
  [32, 'sar ecx, cl', 'd3f9'],
  [32, 'rep movsd', 'f3a5'],
  [32, 'repne scasb', 'f2ae'],
  [32, 'in al, dx', 'ec'],
  [32, 'out 0x80, al', 'e680'],
  [32, 'movzx eax, byte [ebx]', '0fb603'],
  [32, 'movsx eax, word [esi]', '0fbf06'],
  [32, 'imul eax, [ebx], 10', '6b030a'],
  [32, 'imul eax, 5', '6bc005'],
  [32, 'xchg eax, ecx', '91'],
  [32, 'cwde', '98'],
  [32, 'cbw', '6698'],
  [32, 'pushad', '60'],
  [32, 'iretd', 'cf'],
  [32, 'enter 16, 0', 'c8100000'],
  [32, 'mov cr0, eax', '0f22c0'],
  [32, 'mov eax, cr3', '0f20d8'],
  [32, 'mov dr7, ebx', '0f23fb'],
  [32, 'lidt [eax]', '0f0118'],
  [32, 'ltr ax', '0f00d8'],
  [32, 'invlpg [eax+0x1000]', '0f01b800100000'],
  [32, 'jmp 0x08:0x1000', 'ea001000000800'],
  [32, 'jmp far [ebx]', 'ff2b'],
  [32, 'wrmsr', '0f30'],
  [32, 'cpuid', '0fa2'],
  [32, 'bts [ebx], eax', '0fab03'],
  [32, 'setnz byte [ebx]', '0f9503'],
  [32, 'cmovz eax, ebx', '0f44c3'],
  [32, 'lock xadd [ebx], eax', 'f00fc103'],
  [32, 'lock cmpxchg8b [esi]', 'f00fc70e'],
  [32, 'bswap edx', '0fca'],
  [32, 'shld eax, ebx, 4', '0fa4d804'],
  [32, 'mov ax, es', '668cc0'],
  [32, 'mov ds, eax', '8ed8'],
  [32, 'mov [ebx], ss', '8c13'],
  [32, 'mov eax, [fs:0]', '64a100000000'],
  [32, 'mov al, [es:edi]', '268a07'],
  [32, 'mov word [es:bx], 1', '266667c7070100'],
  [32, 'jmp [ebx]', 'ff23'],
  [16, 'mov ax, [bx+si+4]', '8b4004'],
  [16, 'mov al, [bp]', '8a4600'],
  [16, 'mov [di-2], cx', '894dfe'],
  [16, 'mov ax, [0x1234]', 'a13412'],
  [16, 'mov ebx, 5', '66bb05000000'],
  [16, 'push dword 5', '666a05'],
  [16, 'mov ax, [ebx+4]', '678b4304'],
  [16, 'jmp 0:0x7c00', 'ea007c0000'],
  [16, 'jmp dword 0x08:0x1000', '66ea001000000800'],
  [16, 'lodsb', 'ac'],
  [16, 'mov eax, cr0', '0f20c0'],
  // x87: NASM's spellings of the stack-register forms, and sized memory operands.
  [32, 'fadd st0, st1', 'd8c1'],
  [32, 'fadd st1', 'd8c1'],
  [32, 'fadd st1, st0', 'dcc1'],
  [32, 'fadd to st1', 'dcc1'],
  [32, 'fadd st0, st0', 'dcc0'],
  [32, 'fadd', 'dec1'],
  [32, 'fsub to st2', 'dcea'],
  [32, 'fsubrp st1', 'dee1'],
  [32, 'fxch', 'd9c9'],
  [32, 'fxch st1, st0', 'd9c9'],
  [32, 'fcomi st2', 'dbf2'],
  [32, 'fcmovnbe st0, st2', 'dbd2'],
  [32, 'fucomp', 'dde9'],
  [32, 'fld tword [ebx]', 'db2b'],
  [32, 'fild qword [ebx]', 'df2b'],
  [32, 'fistp word [ebx]', 'df1b'],
  [16, 'fidivr dword [bx]', 'da3f'],
];

describe('instruction encoding matches NASM', () => {
  it.each(GOLDEN)('bits %i: %s', (bits, line, bytes) => {
    expect(hex(assemble(`bits ${bits}\n${line}\n`))).toBe(bytes);
  });
});

function goldenFile(bits: 16 | 32): Array<[string, string]> {
  const text = readFileSync(new URL(`testdata/golden${bits}.txt`, import.meta.url), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => l.split('\t') as [string, string]);
}

describe('the opcode-table corpus sample matches NASM', () => {
  for (const bits of [16, 32] as const) {
    it(`BITS ${bits}`, () => {
      const golden = goldenFile(bits);
      expect(golden.length).toBeGreaterThan(700);
      const mismatches = golden
        .map(([line, bytes]) => ({ line, bytes, ours: hexOrError(`bits ${bits}\n${line}\n`) }))
        .filter((m) => m.ours !== m.bytes);
      expect(mismatches).toEqual([]);
    });
  }
});

function hexOrError(source: string): string {
  const r = assemble(source);
  return r.ok ? Buffer.from(r.bytes).toString('hex') : r.errors.map(formatAsmError).join('; ');
}

describe('x87 spellings beyond NASM', () => {
  it("takes the manual's st(i) for sti (NASM rejects it)", () => {
    expect(hex(assemble('fadd st(0), st(3)\nfmul to st(1)\nfxch st(2)\n'))).toBe('d8c3dcc9d9ca');
  });

  it('asks for the size of an x87 memory operand with several sizes, as NASM', () => {
    const r = assemble('fld [ebx]\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]!.reason).toMatch(/operation size not specified/);
    expect(hex(assemble('bits 32\nfnstcw [ebx]\n'))).toBe('d93b');
  });
});

describe('the encoder follows the opcode table', () => {
  it('understands the operands of every table entry (else they cannot be assembled)', () => {
    expect(UNSUPPORTED).toEqual([]);
  });
});
