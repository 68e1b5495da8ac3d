import { describe, expect, it } from 'vitest';
import { disassemble, disassembleOne } from './disasm.ts';

function text(hex: string, bits: 16 | 32, org = 0): string[] {
  return disassemble(new Uint8Array(Buffer.from(hex, 'hex')), { bits, org }).map((l) => l.text);
}

// Expected texts are what NASM's ndisasm prints for the same bytes (checked with ndisasm 2.16).
describe('disassemble, 16-bit', () => {
  it.each([
    ['0000', 'add [bx+si],al'],
    ['83c001', 'add ax,byte +0x1'],
    ['83c0ff', 'add ax,byte -0x1'],
    ['6a01', 'push byte +0x1'],
    ['683412', 'push word 0x1234'],
    ['6bc005', 'imul ax,ax,byte +0x5'],
    ['ff17', 'call [bx]'],
    ['ff1f', 'call far [bx]'],
    ['ff37', 'push word [bx]'],
    ['8f07', 'pop word [bx]'],
    ['c407', 'les ax,[bx]'],
    ['6650', 'push eax'],
    ['c70634127856', 'mov word [0x1234],0x5678'],
    ['d127', 'shl word [bx],1'],
    ['d327', 'shl word [bx],cl'],
    ['268b07', 'mov ax,[es:bx]'],
    ['f3a4', 'rep movsb'],
    ['f3a6', 'repe cmpsb'],
    ['f2ae', 'repne scasb'],
    ['66a5', 'movsd'],
    ['c8040000', 'enter 0x4,0x0'],
    ['c20400', 'ret 0x4'],
    ['ea34127856', 'jmp 0x5678:0x1234'],
    ['a03412', 'mov al,[0x1234]'],
    ['8c07', 'mov [bx],es'],
    ['f390', 'pause'],
    ['cd21', 'int 0x21'],
    ['cc', 'int3'],
    ['d7', 'xlatb'],
    ['6698', 'cwde'],
    ['0f0117', 'lgdt [bx]'],
    ['0f20c0', 'mov eax,cr0'],
    ['0fc70f', 'cmpxchg8b qword [bx]'],
    ['0fbae003', 'bt ax,byte 0x3'],
    ['0fa4c004', 'shld ax,ax,0x4'],
    ['f00107', 'lock add [bx],ax'],
    ['0faee8', 'lfence'],
    ['dbe3', 'fninit'],
    ['dfe0', 'fnstsw ax'],
    ['c0e004', 'shl al,byte 0x4'],
    ['26a4', 'es movsb'],
    ['8b46fe', 'mov ax,[bp-0x2]'],
    ['034b00', 'add cx,[bp+di+0x0]'],
    ['86d7', 'xchg dl,bh'],
    ['6981bb86760f', 'imul ax,[bx+di-0x7945],word 0xf76'],
    ['f7073412', 'test word [bx],0x1234'],
    ['d2806f5b', 'rol byte [bx+si+0x5b6f],cl'],
  ])('%s → %s', (hex, expected) => {
    expect(text(hex, 16)).toEqual([expected]);
  });

  it('computes jump targets from org', () => {
    expect(text('eb00e900007400', 16)).toEqual(['jmp short 0x2', 'jmp 0x5', 'jz 0x7']);
    expect(text('0f840000', 16, 0x100)).toEqual(['jz near 0x104']);
    expect(text('ebfe', 16, 0xfffe)).toEqual(['jmp short 0xfffe']);
  });
});

describe('disassemble, 32-bit', () => {
  it.each([
    ['8b442404', 'mov eax,[esp+0x4]'],
    ['8954880f', 'mov [eax+ecx*4+0xf],edx'],
    ['a178563412', 'mov eax,[0x12345678]'],
    ['8b044d10000000', 'mov eax,[ecx*2+0x10]'],
    ['0fb603', 'movzx eax,byte [ebx]'],
    ['0f44c3', 'cmovz eax,ebx'],
    ['0fc8', 'bswap eax'],
    ['f00fb10b', 'lock cmpxchg [ebx],ecx'],
    ['0fc1 18'.replace(' ', ''), 'xadd [eax],ebx'],
    ['0fa4d803', 'shld eax,ebx,0x3'],
    ['0fa2', 'cpuid'],
    ['f3ab', 'rep stosd'],
    ['60', 'pusha'],
    ['9c', 'pushf'],
    ['ff18', 'call far [eax]'],
    ['0f00c8', 'str eax'],
    ['666a01', 'o16 push byte +0x1'],
    ['67 8b00'.replace(' ', ''), 'mov eax,[bx+si]'],
    ['d8c1', 'fadd st1'],
    ['dcc1', 'fadd to st1'],
    ['dce9', 'fsub to st1'],
    ['dec1', 'faddp st1'],
    ['d9c9', 'fxch st1'],
    ['dbf3', 'fcomi st3'],
    ['dd03', 'fld qword [ebx]'],
    ['db2b', 'fld tword [ebx]'],
    ['de03', 'fiadd word [ebx]'],
    ['d93b', 'fnstcw [ebx]'],
    ['d9e8', 'fld1'],
    ['6690', 'xchg ax,ax'],
    ['669a34121000', 'call word 0x10:0x1234'],
    ['66ff18', 'call word far [eax]'],
  ])('%s → %s', (hex, expected) => {
    expect(text(hex, 32)).toEqual([expected]);
  });
});

describe('disassembleOne', () => {
  it('returns address, bytes and text of one instruction', () => {
    const line = disassembleOne(new Uint8Array([0x90, 0xb8, 1, 0, 0, 0]), 1, {
      bits: 32,
      org: 0x1000,
    });
    expect(line.address).toBe(0x1001);
    expect([...line.bytes]).toEqual([0xb8, 1, 0, 0, 0]);
    expect(line.text).toBe('mov eax,0x1');
  });

  it('turns an undecodable or truncated byte into db', () => {
    expect(text('0fff', 32)).toEqual(['db 0xf', 'db 0xff']);
    expect(text('b801', 32)).toEqual(['db 0xb8', 'db 0x1']);
  });
});
