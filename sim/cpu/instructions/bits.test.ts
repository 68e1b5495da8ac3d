import { describe, expect, it } from 'vitest';
import { EAX, EBX, ECX, EDX, ESI, FLAG_CF, FLAG_OF, FLAG_SF, FLAG_ZF } from '../cpu.ts';
import { DATA, exec, flags, flatCpu, setFlags } from './testing.ts';

/** Runs a group-2 operation `/op` on EAX by CL = count; returns EAX, CF and OF. */
function shift(op: number, value: number, count: number, cfIn = false) {
  const cpu = flatCpu();
  cpu.reg32[EAX] = value;
  cpu.reg32[ECX] = count;
  setFlags(cpu, cfIn ? FLAG_CF : 0);
  exec(cpu, [0xd3, 0xc0 | (op << 3)]);
  const f = flags(cpu);
  return { value: cpu.reg32[EAX]! >>> 0, cf: (f & FLAG_CF) !== 0, of: (f & FLAG_OF) !== 0 };
}

describe('shifts and rotates (group 2)', () => {
  it('SHL/SHR/SAR by 1 set CF and OF', () => {
    expect(shift(4, 0x80000000, 1)).toEqual({ value: 0, cf: true, of: true });
    expect(shift(5, 0x80000001, 1)).toEqual({ value: 0x40000000, cf: true, of: true });
    expect(shift(7, 0x80000001, 1)).toEqual({ value: 0xc0000000, cf: true, of: false });
  });

  it('masks the count to 5 bits; a zero count changes nothing', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 1;
    cpu.reg32[ECX] = 32;
    setFlags(cpu, FLAG_CF | FLAG_ZF);
    exec(cpu, [0xd3, 0xe0]); // shl eax, cl (count 0)
    expect(cpu.reg32[EAX]).toBe(1);
    expect(flags(cpu) & (FLAG_CF | FLAG_ZF)).toBe(FLAG_CF | FLAG_ZF);
    expect(shift(4, 1, 33).value).toBe(2);
    expect(shift(7, 0x80000000, 31).value).toBe(0xffffffff);
  });

  it('ROL/ROR rotate and set CF from the bit moved; RCL/RCR go through CF', () => {
    expect(shift(0, 0x80000001, 1)).toEqual({ value: 3, cf: true, of: true });
    expect(shift(1, 0x80000001, 4)).toMatchObject({ value: 0x18000000, cf: false });
    expect(shift(2, 0x80000000, 1, false)).toEqual({ value: 0, cf: true, of: true });
    expect(shift(3, 1, 1, true)).toEqual({ value: 0x80000000, cf: true, of: true });
    expect(shift(2, 0, 33, true).value).toBe(1); // count masked to 1
  });

  it('8-bit rotates and shifts by an immediate', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x81;
    exec(cpu, [0xc0, 0xc0, 0x01]); // rol al, 1
    expect(cpu.reg8[0]).toBe(0x03);
    exec(cpu, [0xc0, 0xf8, 0x07]); // sar al, 7
    expect(cpu.reg8[0]).toBe(0x00);
    cpu.reg32[EAX] = 0x80;
    exec(cpu, [0xd0, 0xf8]); // sar al, 1
    expect(cpu.reg8[0]).toBe(0xc0);
    expect(flags(cpu) & FLAG_SF).toBe(FLAG_SF);
  });

  it('SHLD/SHRD shift in bits of the second operand', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x12345678;
    cpu.reg32[EBX] = 0x9abcdef0 | 0;
    exec(cpu, [0x0f, 0xa4, 0xd8, 0x08]); // shld eax, ebx, 8
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x3456789a);
    cpu.reg32[ECX] = 4;
    exec(cpu, [0x0f, 0xad, 0xd8]); // shrd eax, ebx, cl
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x03456789);
    cpu.reg32[EAX] = 0x1234;
    cpu.reg32[EBX] = 0xabcd;
    exec(cpu, [0x66, 0x0f, 0xa4, 0xd8, 0x04]); // shld ax, bx, 4
    expect(cpu.reg16[0]).toBe(0x234a);
  });
});

describe('BT family, BSF/BSR, BSWAP', () => {
  it('BT/BTS/BTR/BTC on a register take the offset modulo 32', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x10;
    cpu.reg32[EBX] = 36;
    exec(cpu, [0x0f, 0xa3, 0xd8]); // bt eax, ebx (bit 4)
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
    exec(cpu, [0x0f, 0xba, 0xe8, 0x00]); // bts eax, 0
    expect(cpu.reg32[EAX]).toBe(0x11);
    exec(cpu, [0x0f, 0xba, 0xf0, 0x04]); // btr eax, 4
    expect(cpu.reg32[EAX]).toBe(0x01);
    expect(flags(cpu) & FLAG_CF).toBe(FLAG_CF);
    exec(cpu, [0x0f, 0xba, 0xf8, 0x1f]); // btc eax, 31
    expect(cpu.reg32[EAX]! >>> 0).toBe(0x80000001);
    expect(flags(cpu) & FLAG_CF).toBe(0);
  });

  it('BTS with a memory operand addresses a bit string beyond the dword, also backwards', () => {
    const cpu = flatCpu();
    cpu.reg32[ESI] = DATA + 8;
    cpu.reg32[EBX] = 35; // byte +4, bit 3
    exec(cpu, [0x0f, 0xab, 0x1e]); // bts [esi], ebx
    expect(cpu.mem.read8(DATA + 12)).toBe(0x08);
    cpu.reg32[EBX] = -1; // byte -1, bit 7
    exec(cpu, [0x0f, 0xab, 0x1e]);
    expect(cpu.mem.read8(DATA + 7)).toBe(0x80);
  });

  it('BSF/BSR find the lowest/highest set bit; a zero source sets ZF', () => {
    const cpu = flatCpu();
    cpu.reg32[EBX] = 0x00f00100;
    exec(cpu, [0x0f, 0xbc, 0xc3]); // bsf eax, ebx
    expect(cpu.reg32[EAX]).toBe(8);
    exec(cpu, [0x0f, 0xbd, 0xc3]); // bsr eax, ebx
    expect(cpu.reg32[EAX]).toBe(23);
    expect(flags(cpu) & FLAG_ZF).toBe(0);
    cpu.reg32[EBX] = 0;
    exec(cpu, [0x0f, 0xbd, 0xc3]);
    expect(flags(cpu) & FLAG_ZF).toBe(FLAG_ZF);
    expect(cpu.reg32[EAX]).toBe(23);
  });

  it('BSWAP reverses the bytes of a 32-bit register', () => {
    const cpu = flatCpu();
    cpu.reg32[EDX] = 0x11223344;
    exec(cpu, [0x0f, 0xca]); // bswap edx
    expect(cpu.reg32[EDX]).toBe(0x44332211);
  });
});
