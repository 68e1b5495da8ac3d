import { describe, expect, it } from 'vitest';
import { EAX, EBP, EBX, ECX, ESI, ExitReason, FLAG_AF, FLAG_OF, VEC_GP, VEC_UD } from './cpu.ts';
import { CODE, DATA, exec, flatCpu, le32 } from './instructions/testing.ts';
import { OPCODE_TABLE, undefinedFlags } from './table.ts';

/** Operand notations the consumers (decoder, disassembler, assembler) understand. */
const NOTATION =
  /^([EGMR][bwdvzq]?|M[apsqt]?|S[w]|[CD]d|Rd|I(b|bs|w|z)|J[bz]|O[bv]|Ap|[XY][bvz]|1|[A-D][LHX]|e[A-Z]{2}|E[A-Z]{2}|[ECSDFG]S|CL|DX|ST0|STi)$/;

describe('the opcode table', () => {
  it('uses only the documented operand notation', () => {
    const bad = OPCODE_TABLE.flatMap((e) => e.operands.filter((o) => !NOTATION.test(o)));
    expect(bad).toEqual([]);
  });

  it('has one record per encoding', () => {
    const keys = OPCODE_TABLE.map(
      (e) => `${e.opcode}/${e.extension}/${e.form}/${e.rm}/${e.prefix}`,
    );
    expect(keys.length - new Set(keys).size).toBe(0);
  });

  it('keeps undefined flags within the written ones, and names NASM mnemonics in lowercase', () => {
    for (const e of OPCODE_TABLE) {
      expect(e.flagsUndefined & ~e.flagsWritten, e.mnemonic).toBe(0);
      expect(e.mnemonic, e.mnemonic).toMatch(/^[a-z][a-z0-9]*$/);
    }
  });

  it('derives test masks: ADD defines every flag, AND leaves AF, SHL by CL leaves OF and AF', () => {
    expect(undefinedFlags(0x01, -1)).toBe(0);
    expect(undefinedFlags(0x21, -1)).toBe(FLAG_AF);
    expect(undefinedFlags(0xd3, 4)).toBe(FLAG_OF | FLAG_AF);
  });
});

describe('decoding', () => {
  it('16-bit addressing through the address-size prefix, BP defaulting to SS', () => {
    const cpu = flatCpu();
    cpu.segBase[2] = 0x100; // SS
    cpu.mem.write32(0x2000 + 0x100 + 6, 0x1234);
    cpu.reg32[EBP] = 0x12000; // only BP = 0x2000 counts
    cpu.reg32[ESI] = 4;
    exec(cpu, [0x67, 0x8b, 0x42, 0x02]); // mov eax, [bp+si+2]
    expect(cpu.reg32[EAX]).toBe(0x1234);
  });

  it('SIB with no base (disp32) and a scaled index', () => {
    const cpu = flatCpu();
    cpu.mem.write32(DATA + 24, 77);
    cpu.reg32[ECX] = 3;
    exec(cpu, [0x8b, 0x04, 0xcd, ...le32(DATA)]); // mov eax, [ecx*8+DATA]
    expect(cpu.reg32[EAX]).toBe(77);
  });

  it('a segment override applies to the memory operand', () => {
    const cpu = flatCpu();
    cpu.segBase[5] = 0x40; // GS
    cpu.mem.write32(DATA + 0x40, 5);
    cpu.reg32[EBX] = DATA;
    exec(cpu, [0x65, 0x8b, 0x03]); // mov eax, [gs:ebx]
    expect(cpu.reg32[EAX]).toBe(5);
  });

  it('an instruction longer than 15 bytes is #GP(0); an unassigned opcode is #UD', () => {
    const cpu = flatCpu();
    expect(exec(cpu, [...new Array(15).fill(0x3e), 0x90])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_GP);
    expect(exec(cpu, [0x0f, 0xff])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_UD);
    expect(cpu.eip).toBe(CODE);
  });
});
