import { describe, expect, it } from 'vitest';
import { GDT, IDT, protectedCpu, SEL_CODE0, SEL_DATA0, SEL_FREE } from './cpu/pm-fixture.ts';
import {
  CR0_PG,
  DS,
  descriptorBase,
  EAX,
  EBX,
  ExitReason,
  effectiveAddress,
  HostMode,
  loadSegment,
  loadSegmentCache,
  readDescriptor,
  resetCpu,
  run,
  TYPE_INT_GATE32,
  trapInstructionAddress,
  VEC_BP,
  VEC_GP,
  writeCr,
  writeDescriptor,
  writeGate,
} from './host.ts';

describe('the host interface', () => {
  it('reads a descriptor as values, and null where the CPU could not read one', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_FREE, 0x12345000, 0xfff, 0x93, 0x4);
    const d = readDescriptor(cpu, SEL_FREE);
    expect(d).toEqual({
      lo: cpu.mem.read32(GDT + SEL_FREE),
      hi: cpu.mem.read32(GDT + SEL_FREE + 4),
    });
    expect(descriptorBase(d!) >>> 0).toBe(0x12345000);
    expect(readDescriptor(cpu, 0x80), 'past the GDT limit (0x7f)').toBeNull();
    writeCr(cpu, 3, 0x7000); // an empty page directory
    writeCr(cpu, 0, cpu.cr0 | CR0_PG);
    expect(readDescriptor(cpu, SEL_DATA0), 'the GDT page is not mapped').toBeNull();
  });

  it('loads a segment cache from a descriptor, and MOV Sreg reports what would fault', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_FREE, 0x12345000, 0xfff, 0x93, 0x4);
    loadSegmentCache(cpu, DS, SEL_FREE, readDescriptor(cpu, SEL_FREE)!);
    expect([cpu.segSelector[DS], cpu.segBase[DS], cpu.segLimit[DS]]).toEqual([
      SEL_FREE,
      0x12345000,
      0xfff,
    ]);
    expect(loadSegment(cpu, DS, SEL_DATA0)).toBe(true);
    expect(cpu.segBase[DS]).toBe(0);
    writeDescriptor(cpu.mem, GDT + SEL_FREE + 8, 0, 0xfff, 0x98, 0x4); // execute-only code
    expect(loadSegment(cpu, DS, SEL_FREE + 8), 'code without R into DS: #GP').toBe(false);
    expect(cpu.segSelector[DS], 'DS unchanged').toBe(SEL_DATA0);
  });

  it('computes a ModRM operand offset from the registers', () => {
    const cpu = protectedCpu();
    cpu.reg32[EAX] = 0x1000;
    cpu.reg32[EBX] = 0x20;
    // [eax + ebx*4 + 0x10]: ModRM 0x44 (mod 1, rm 4 = SIB), SIB 0x98, disp8 0x10
    expect(effectiveAddress(cpu, Uint8Array.of(0x98, 0x10), 0, 0x44)).toBe(0x1090);
    // [0x2000]: mod 0, rm 5, disp32
    expect(effectiveAddress(cpu, Uint8Array.of(0, 0x20, 0, 0), 0, 0x05)).toBe(0x2000);
  });

  it('refuses a control register value the CPU would refuse, with a RangeError', () => {
    const cpu = protectedCpu();
    expect(() => writeCr(cpu, 4, 1 << 20)).toThrow(RangeError);
    resetCpu(cpu);
    expect(() => writeCr(cpu, 0, CR0_PG), 'PG without PE').toThrow(RangeError);
  });

  it('names the instruction behind a HostTrap exit, for faults and for INT3', () => {
    const cpu = protectedCpu();
    cpu.hostMode = HostMode.Pv;
    writeGate(cpu.mem, IDT + VEC_BP * 8, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 0);
    cpu.eip = 0x100000;
    cpu.mem.writeBytes(0x100000, Uint8Array.of(0x90, 0xcc, 0xf4)); // nop; int3; hlt
    expect(run(cpu, 10)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.eip, trapInstructionAddress(cpu)]).toEqual([
      VEC_BP,
      0x100002,
      0x100001,
    ]);
    cpu.eip = 0x100000;
    cpu.mem.writeBytes(0x100000, Uint8Array.of(0x8e, 0xd9)); // mov ds, cx
    cpu.reg32[1] = SEL_FREE + 8 + 0x100; // past the GDT limit: #GP
    expect(run(cpu, 10)).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, trapInstructionAddress(cpu)]).toEqual([VEC_GP, 0x100000]);
  });
});
