import { describe, expect, it } from 'vitest';
import {
  EAX,
  EBX,
  ECX,
  EDX,
  ExitReason,
  FLAG_AF,
  FLAG_CF,
  FLAG_OF,
  FLAG_PF,
  FLAG_SF,
  FLAG_ZF,
  VEC_DE,
  VEC_GP,
  VEC_UD,
} from '../cpu.ts';
import { DATA, exec, flags, flatCpu, le32, setFlags } from './testing.ts';

const ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

/** Runs `op eax, ebx` (ModRM D8: r/m = EAX, reg = EBX) and returns EAX and the flags. */
function binary(opcode: number, a: number, b: number, cfIn = false) {
  const cpu = flatCpu();
  cpu.reg32[EAX] = a;
  cpu.reg32[EBX] = b;
  setFlags(cpu, cfIn ? FLAG_CF : 0);
  expect(exec(cpu, [opcode, 0xd8])).toBe(ExitReason.Hlt); // op eax, ebx
  return { result: cpu.reg32[EAX]! >>> 0, flags: flags(cpu) & ARITH };
}

describe('group-1 ALU, 32-bit edges', () => {
  it('ADD: carry, overflow, zero, parity, adjust', () => {
    expect(binary(0x01, 0x7fffffff, 1)).toEqual({
      result: 0x80000000,
      flags: FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF,
    });
    expect(binary(0x01, 0xffffffff, 1)).toEqual({
      result: 0,
      flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF,
    });
    expect(binary(0x01, 0x80000000, 0x80000000)).toEqual({
      result: 0,
      flags: FLAG_CF | FLAG_OF | FLAG_ZF | FLAG_PF,
    });
  });

  it('ADC and SBB use the carry in', () => {
    expect(binary(0x11, 0xffffffff, 0, true)).toEqual({
      result: 0,
      flags: FLAG_CF | FLAG_ZF | FLAG_AF | FLAG_PF,
    });
    expect(binary(0x11, 0xfffffffe, 0xffffffff, true).result).toBe(0xfffffffe);
    expect(binary(0x11, 0xfffffffe, 0xffffffff, true).flags & FLAG_CF).toBe(FLAG_CF);
    expect(binary(0x19, 0, 0, true)).toEqual({
      result: 0xffffffff,
      flags: FLAG_CF | FLAG_SF | FLAG_AF | FLAG_PF,
    });
    expect(binary(0x19, 5, 4, true)).toEqual({ result: 0, flags: FLAG_ZF | FLAG_PF });
  });

  it('SUB and CMP: borrow and signed overflow', () => {
    expect(binary(0x29, 0x80000000, 1)).toEqual({
      result: 0x7fffffff,
      flags: FLAG_OF | FLAG_AF | FLAG_PF,
    });
    expect(binary(0x29, 0, 1).flags & (FLAG_CF | FLAG_SF)).toBe(FLAG_CF | FLAG_SF);
    const cmp = binary(0x39, 3, 3);
    expect(cmp.result).toBe(3);
    expect(cmp.flags).toBe(FLAG_ZF | FLAG_PF);
  });

  it('AND/OR/XOR clear CF and OF', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0xf0f0f0f0 | 0;
    cpu.reg32[EBX] = 0x0f0f0f0f;
    setFlags(cpu, FLAG_CF | FLAG_OF);
    exec(cpu, [0x21, 0xd8]); // and eax, ebx
    expect(cpu.reg32[EAX]).toBe(0);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF | FLAG_ZF)).toBe(FLAG_ZF);
    expect(binary(0x09, 0x80000000, 1).flags & (FLAG_SF | FLAG_ZF)).toBe(FLAG_SF);
    expect(binary(0x31, 0x1234, 0x1234).result).toBe(0);
  });

  it('83 /0 sign-extends its byte immediate; 81 /5 takes a dword', () => {
    const cpu = flatCpu();
    cpu.reg32[ECX] = 10;
    exec(cpu, [0x83, 0xc1, 0xff]); // add ecx, -1
    expect(cpu.reg32[ECX]).toBe(9);
    exec(cpu, [0x81, 0xe9, ...le32(0x10)]); // sub ecx, 0x10
    expect(cpu.reg32[ECX]).toBe(-7);
  });

  it('writes memory operands and honours the operand-size prefix', () => {
    const cpu = flatCpu();
    cpu.mem.write32(DATA, 0x0000ffff);
    cpu.reg32[EBX] = DATA;
    exec(cpu, [0x66, 0x83, 0x03, 0x01]); // add word [ebx], 1
    expect(cpu.mem.read32(DATA)).toBe(0);
    expect(flags(cpu) & (FLAG_CF | FLAG_ZF)).toBe(FLAG_CF | FLAG_ZF);
  });
});

describe('INC, DEC, NEG, NOT', () => {
  it('INC and DEC keep CF', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x7fffffff;
    setFlags(cpu, FLAG_CF);
    exec(cpu, [0x40]); // inc eax
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x80000000);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF | FLAG_SF)).toBe(FLAG_CF | FLAG_OF | FLAG_SF);
    cpu.reg32[EAX] = 0;
    exec(cpu, [0x01, 0xc0, 0x48]); // add eax, eax (CF=0) ; dec eax
    expect(cpu.reg32[EAX]).toBe(-1);
    expect(flags(cpu) & (FLAG_CF | FLAG_SF | FLAG_AF)).toBe(FLAG_SF | FLAG_AF);
  });

  it('NEG sets CF unless the operand was 0; NEG of the minimum overflows', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0;
    exec(cpu, [0xf7, 0xd8]); // neg eax
    expect(flags(cpu) & (FLAG_CF | FLAG_ZF)).toBe(FLAG_ZF);
    cpu.reg32[EAX] = 0x80000000 | 0;
    exec(cpu, [0xf7, 0xd8]);
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x80000000);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });

  it('NOT changes no flags', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x0f0f0f0f;
    setFlags(cpu, FLAG_ZF);
    exec(cpu, [0xf7, 0xd0]); // not eax
    expect(cpu.reg32[EAX]! >>> 0).toBe(0xf0f0f0f0);
    expect(flags(cpu) & ARITH).toBe(FLAG_ZF);
  });
});

describe('MUL, IMUL, DIV, IDIV', () => {
  it('MUL r32 gives the exact 64-bit product', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0xffffffff | 0;
    cpu.reg32[EBX] = 0xffffffff | 0;
    exec(cpu, [0xf7, 0xe3]); // mul ebx
    expect(cpu.reg32[EDX]! >>> 0).toBe(0xfffffffe);
    expect(cpu.reg32[EAX]).toBe(1);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
  });

  it('IMUL r32 sign-extends; CF/OF only when the high half matters', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = -3;
    cpu.reg32[EBX] = 5;
    exec(cpu, [0xf7, 0xeb]); // imul ebx
    expect(cpu.reg32[EAX]).toBe(-15);
    expect(cpu.reg32[EDX]).toBe(-1);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF)).toBe(0);
    cpu.reg32[EAX] = 0x40000000;
    exec(cpu, [0x6b, 0xc0, 0x04]); // imul eax, eax, 4
    expect(cpu.reg32[EAX]).toBe(0);
    expect(flags(cpu) & (FLAG_CF | FLAG_OF)).toBe(FLAG_CF | FLAG_OF);
    cpu.reg32[ECX] = -7;
    cpu.reg32[EDX] = 6;
    exec(cpu, [0x0f, 0xaf, 0xca]); // imul ecx, edx
    expect(cpu.reg32[ECX]).toBe(-42);
  });

  it('MUL r8 and r16 write AX and DX:AX', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0xff;
    cpu.reg32[EBX] = 0xff;
    exec(cpu, [0xf6, 0xe3]); // mul bl
    expect(cpu.reg16[0]).toBe(0xfe01);
    cpu.reg32[EAX] = 0xffff;
    cpu.reg32[EDX] = 0;
    exec(cpu, [0x66, 0xf7, 0xe3]); // mul bx (BX = 0xff)
    expect(cpu.reg16[0]).toBe(0xff01);
    expect(cpu.reg16[EDX << 1]).toBe(0xfe);
  });

  it('DIV r32 divides EDX:EAX exactly', () => {
    const cpu = flatCpu();
    cpu.reg32[EDX] = 0x12345678;
    cpu.reg32[EAX] = 0x9abcdef0 | 0;
    cpu.reg32[EBX] = 0x7fffffff;
    exec(cpu, [0xf7, 0xf3]); // div ebx
    const n = (0x12345678n << 32n) | 0x9abcdef0n;
    expect(BigInt(cpu.reg32[EAX]! >>> 0)).toBe(n / 0x7fffffffn);
    expect(BigInt(cpu.reg32[EDX]! >>> 0)).toBe(n % 0x7fffffffn);
  });

  it('IDIV r32 truncates toward zero; the remainder takes the dividend sign', () => {
    const cpu = flatCpu();
    cpu.reg32[EDX] = -1;
    cpu.reg32[EAX] = -7;
    cpu.reg32[EBX] = 2;
    exec(cpu, [0xf7, 0xfb]); // idiv ebx
    expect(cpu.reg32[EAX]).toBe(-3);
    expect(cpu.reg32[EDX]).toBe(-1);
  });

  it('raises #DE for a zero divisor and for a quotient that does not fit', () => {
    const cpu = flatCpu();
    cpu.reg32[EDX] = 0;
    cpu.reg32[EAX] = 1;
    cpu.reg32[EBX] = 0;
    expect(exec(cpu, [0xf7, 0xf3])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_DE);
    expect(cpu.eip).toBe(0x1000);
    cpu.reg32[EDX] = 1;
    cpu.reg32[EBX] = 1;
    expect(exec(cpu, [0xf7, 0xf3])).toBe(ExitReason.HostTrap);
    cpu.reg32[EDX] = -1;
    cpu.reg32[EAX] = 0x80000000 | 0;
    cpu.reg32[EBX] = -1;
    expect(exec(cpu, [0xf7, 0xfb])).toBe(ExitReason.HostTrap); // idiv: -2^31 / -1
    expect(cpu.exitVector).toBe(VEC_DE);
  });
});

describe('CMPXCHG, CMPXCHG8B, XADD', () => {
  it('CMPXCHG stores on equal and loads EAX on unequal', () => {
    const cpu = flatCpu();
    cpu.mem.write32(DATA, 5);
    cpu.reg32[EBX] = DATA;
    cpu.reg32[EAX] = 5;
    cpu.reg32[ECX] = 9;
    exec(cpu, [0xf0, 0x0f, 0xb1, 0x0b]); // lock cmpxchg [ebx], ecx
    expect(cpu.mem.read32(DATA)).toBe(9);
    expect(flags(cpu) & FLAG_ZF).toBe(FLAG_ZF);
    exec(cpu, [0x0f, 0xb1, 0x0b]);
    expect(cpu.reg32[EAX]).toBe(9);
    expect(flags(cpu) & FLAG_ZF).toBe(0);
  });

  it('CMPXCHG8B compares EDX:EAX and stores ECX:EBX', () => {
    const cpu = flatCpu();
    cpu.mem.write32(DATA, 1);
    cpu.mem.write32(DATA + 4, 2);
    cpu.reg32[6] = DATA; // esi
    cpu.reg32[EAX] = 1;
    cpu.reg32[EDX] = 2;
    cpu.reg32[EBX] = 3;
    cpu.reg32[ECX] = 4;
    exec(cpu, [0x0f, 0xc7, 0x0e]); // cmpxchg8b [esi]
    expect([cpu.mem.read32(DATA), cpu.mem.read32(DATA + 4)]).toEqual([3, 4]);
    expect(flags(cpu) & FLAG_ZF).toBe(FLAG_ZF);
    exec(cpu, [0x0f, 0xc7, 0x0e]);
    expect([cpu.reg32[EAX], cpu.reg32[EDX]]).toEqual([3, 4]);
    expect(flags(cpu) & FLAG_ZF).toBe(0);
  });

  it('XADD exchanges and adds', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 10;
    cpu.reg32[EBX] = 32;
    exec(cpu, [0x0f, 0xc1, 0xd8]); // xadd eax, ebx
    expect([cpu.reg32[EAX], cpu.reg32[EBX]]).toEqual([42, 10]);
    exec(cpu, [0x0f, 0xc1, 0xc0]); // xadd eax, eax: the destination (the sum) wins
    expect(cpu.reg32[EAX]).toBe(84);
  });

  it('LOCK on a register destination is #UD', () => {
    const cpu = flatCpu();
    expect(exec(cpu, [0xf0, 0x01, 0xd8])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_UD);
  });
});

describe('BCD adjustments and sign extension', () => {
  it('DAA/DAS follow the SDM examples', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x79;
    cpu.reg32[EBX] = 0x35;
    exec(cpu, [0x00, 0xd8, 0x27]); // add al, bl ; daa → 0x14, CF
    expect(cpu.reg8[0]).toBe(0x14);
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
    cpu.reg32[EAX] = 0x35;
    cpu.reg32[EBX] = 0x47;
    exec(cpu, [0x28, 0xd8, 0x2f]); // sub al, bl ; das → 0x88, CF
    expect(cpu.reg8[0]).toBe(0x88);
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
  });

  it('AAA/AAS adjust AH; AAM/AAD split and join digits', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x0008;
    cpu.reg32[EBX] = 0x06;
    exec(cpu, [0x00, 0xd8, 0x37]); // add al, bl ; aaa
    expect(cpu.reg16[0]).toBe(0x0104);
    cpu.reg32[EAX] = 0x0102;
    cpu.reg32[EBX] = 0x05;
    exec(cpu, [0x28, 0xd8, 0x3f]); // sub al, bl ; aas
    expect(cpu.reg16[0]).toBe(0x0007);
    cpu.reg32[EAX] = 63;
    exec(cpu, [0xd4, 0x0a]); // aam
    expect(cpu.reg16[0]).toBe(0x0603);
    exec(cpu, [0xd5, 0x0a]); // aad
    expect(cpu.reg16[0]).toBe(63);
    expect(exec(cpu, [0xd4, 0x00])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_DE);
  });

  it('CBW/CWDE/CWD/CDQ', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x8000;
    exec(cpu, [0x98]); // cwde
    expect(cpu.reg32[EAX]! >>> 0).toBe(0xffff8000);
    exec(cpu, [0x99]); // cdq
    expect(cpu.reg32[EDX]).toBe(-1);
    cpu.reg32[EAX] = 0x80;
    exec(cpu, [0x66, 0x98]); // cbw
    expect(cpu.reg16[0]).toBe(0xff80);
  });
});

describe('a faulting write keeps the CF the instruction started with', () => {
  it('ADC and RCL into read-only memory: #GP, memory and CF unchanged', () => {
    const cpu = flatCpu();
    cpu.segAccess[3] = 0xc091; // DS: read-only data
    cpu.mem.write32(DATA, 1);
    cpu.reg32[EBX] = DATA;
    cpu.reg32[EAX] = 1;
    setFlags(cpu, FLAG_CF);
    expect(exec(cpu, [0x11, 0x03])).toBe(ExitReason.HostTrap); // adc [ebx], eax
    expect(cpu.exitVector).toBe(VEC_GP);
    expect(cpu.mem.read32(DATA)).toBe(1);
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
    cpu.mem.write32(DATA, 0);
    expect(exec(cpu, [0xd1, 0x13])).toBe(ExitReason.HostTrap); // rcl dword [ebx], 1
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
  });
});
