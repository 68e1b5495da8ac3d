import { describe, expect, it } from 'vitest';
import { read16 } from './access.ts';
import { type Cpu, CS, DS, ES, FLAG_VM, GS, SS, VEC_GP } from './cpu.ts';
import { FAULT, raiseFault } from './fault.ts';
import { getEflags, setEflags } from './flags.ts';
import { deliverFault, INT_N, iret, softwareInterrupt } from './interrupts.ts';
import { IDT, protectedCpu, SEL_CODE0, SEL_DATA0, STACK0 } from './pm-fixture.ts';
import { TYPE_INT_GATE32, writeGate } from './segments.ts';

const IOPL3 = 3 << 12;

/** IRETD from ring 0 into virtual-8086 mode at 1000:0100, SS:SP 2000:0FFE, DS 3000. */
function enterV86(iopl: number): Cpu {
  const cpu = protectedCpu();
  writeGate(cpu.mem, IDT + VEC_GP * 8, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 0);
  writeGate(cpu.mem, IDT + 0x21 * 8, SEL_CODE0, 0x210000, TYPE_INT_GATE32, 3);
  const frame = [0x100, 0x1000, FLAG_VM | iopl | 2, 0xffe, 0x2000, 0x4000, 0x3000, 0x5000, 0x6000];
  cpu.reg32[4] = 0x7000 - frame.length * 4;
  for (const [i, v] of frame.entries()) cpu.mem.write32(0x7000 - frame.length * 4 + i * 4, v);
  iret(cpu, true);
  return cpu;
}

describe('virtual-8086 mode', () => {
  it('is entered by IRETD at CPL 0 with VM set in the frame', () => {
    const cpu = enterV86(0);
    expect(getEflags(cpu) & FLAG_VM).toBe(FLAG_VM);
    expect([cpu.cpl, cpu.eip, cpu.reg32[4]]).toEqual([3, 0x100, 0xffe]);
    expect([cpu.segBase[CS], cpu.segBase[SS], cpu.segBase[DS], cpu.segBase[GS]]).toEqual([
      0x10000, 0x20000, 0x30000, 0x60000,
    ]);
    expect([cpu.segLimit[DS], cpu.segAccess[DS]]).toEqual([0xffff, 0xf3]);
    cpu.mem.write16(0x30010, 0xbeef);
    expect(read16(cpu, DS, 0x10)).toBe(0xbeef);
  });

  it('makes INT n IOPL-sensitive, and leaves for ring 0 saving the data segments', () => {
    const cpu = enterV86(0);
    cpu.instrStart = 0x100;
    cpu.eip = 0x102;
    try {
      softwareInterrupt(cpu, 0x21, INT_N);
      throw new Error('expected #GP');
    } catch (e) {
      expect(e).toBe(FAULT);
      expect([cpu.faultVector, cpu.faultErrorCode]).toEqual([VEC_GP, 0]);
      deliverFault(cpu);
    }
    expect([cpu.cpl, cpu.eip, getEflags(cpu) & FLAG_VM]).toEqual([0, 0x200000, 0]);
    expect(cpu.segSelector[SS]).toBe(SEL_DATA0);
    const top = STACK0 - 40;
    expect(cpu.reg32[4]).toBe(top);
    const frame = Array.from({ length: 10 }, (_, i) => cpu.mem.read32(top + i * 4));
    expect(frame).toEqual([
      0,
      0x100,
      0x1000,
      FLAG_VM | 2,
      0xffe,
      0x2000,
      0x4000,
      0x3000,
      0x5000,
      0x6000,
    ]);
    expect([cpu.segSelector[DS], cpu.segAccess[ES]]).toEqual([0, 0]);
    // The handler pops the error code and IRETs back into virtual-8086 mode.
    cpu.reg32[4] = top + 4;
    iret(cpu, true);
    expect([cpu.cpl, cpu.eip, cpu.segBase[DS], getEflags(cpu) & FLAG_VM]).toEqual([
      3,
      0x100,
      0x30000,
      FLAG_VM,
    ]);
  });

  it('lets INT n through with IOPL 3, and IRET stays in virtual-8086 mode then', () => {
    const cpu = enterV86(IOPL3);
    cpu.eip = 0x102;
    softwareInterrupt(cpu, 0x21, INT_N);
    expect([cpu.cpl, cpu.eip]).toEqual([0, 0x210000]);
    expect(cpu.mem.read32(STACK0 - 36)).toBe(0x102);
    // Back in V86 (by the ring-0 IRETD), a 16-bit IRET inside V86 works like real mode.
    iret(cpu, true);
    cpu.mem.write16(0x20000 + 0xffe - 6, 0x0200);
    cpu.mem.write16(0x20000 + 0xffe - 4, 0x1100);
    cpu.mem.write16(0x20000 + 0xffe - 2, 0x0002);
    cpu.reg32[4] = 0xffe - 6;
    setEflags(cpu, IOPL3, IOPL3);
    iret(cpu, false);
    expect([cpu.segBase[CS], cpu.eip, cpu.cpl]).toEqual([0x11000, 0x200, 3]);
    expect(getEflags(cpu) & (FLAG_VM | IOPL3)).toBe(FLAG_VM | IOPL3); // IOPL kept
  });

  it('delivers exceptions from virtual-8086 mode with their error codes', () => {
    const cpu = enterV86(0);
    cpu.instrStart = 0x100;
    try {
      raiseFault(cpu, VEC_GP, 0x1234);
    } catch (e) {
      expect(e).toBe(FAULT);
      deliverFault(cpu);
    }
    expect(cpu.mem.read32(STACK0 - 40)).toBe(0x1234);
  });
});
