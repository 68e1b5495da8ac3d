import { describe, expect, it } from 'vitest';
import { read8, write8 } from './access.ts';
import { type Cpu, CS, DS, ES, LDTR, SS, VEC_GP, VEC_NP, VEC_SS, VEC_TS } from './cpu.ts';
import { FAULT } from './fault.ts';
import { iret } from './interrupts.ts';
import {
  flat,
  GDT,
  protectedCpu,
  SEL_CODE0,
  SEL_CODE1,
  SEL_CODE3,
  SEL_DATA0,
  SEL_DATA1,
  SEL_DATA3,
  SEL_FREE,
  STACK0,
  STACK1,
  TSS,
} from './pm-fixture.ts';
import {
  callFar,
  jmpFar,
  lar,
  lldt,
  loadSegment,
  lsl,
  retFar,
  TYPE_CALL_GATE32,
  verify,
  writeDescriptor,
  writeGate,
} from './segments.ts';

function fault(cpu: Cpu, f: () => void): [number, number] {
  try {
    f();
  } catch (e) {
    expect(e).toBe(FAULT);
    return [cpu.faultVector, cpu.faultErrorCode];
  }
  throw new Error('expected a fault');
}

/** Drops the fixture CPU to ring 3 with an IRET frame on the ring-0 stack. */
function toRing3(cpu: Cpu): void {
  cpu.reg32[4] = STACK0 - 20;
  cpu.mem.write32(STACK0 - 20, 0x400000);
  cpu.mem.write32(STACK0 - 16, SEL_CODE3);
  cpu.mem.write32(STACK0 - 12, 2);
  cpu.mem.write32(STACK0 - 8, 0x6000);
  cpu.mem.write32(STACK0 - 4, SEL_DATA3);
  iret(cpu, true);
}

const SEL_A = SEL_FREE;
const SEL_B = SEL_FREE + 8;

describe('loadSegment', () => {
  it('loads base, limit and access from the GDT and sets the accessed bit', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0x123000, 0xfff, 0x92, 0x4);
    loadSegment(cpu, ES, SEL_A);
    expect([cpu.segBase[ES], cpu.segLimit[ES], cpu.segAccess[ES]]).toEqual([
      0x123000, 0xfff, 0x4093,
    ]);
    expect(cpu.mem.read8(GDT + SEL_A + 5)).toBe(0x93);
    expect(fault(cpu, () => read8(cpu, ES, 0x1000))).toEqual([VEC_GP, 0]);
  });

  it('applies granularity to the limit', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0, 0x3fff, 0x93, 0x8);
    loadSegment(cpu, DS, SEL_A);
    expect(cpu.segLimit[DS]).toBe(0x3fff);
    writeDescriptor(cpu.mem, GDT + SEL_A, 0, 0xfffff, 0x93, 0x0);
    loadSegment(cpu, DS, SEL_A);
    expect(cpu.segLimit[DS]).toBe(0xfffff);
  });

  it('loads null into DS (unusable) but refuses it for SS', () => {
    const cpu = protectedCpu();
    loadSegment(cpu, DS, 3);
    expect(cpu.segSelector[DS]).toBe(3);
    expect(fault(cpu, () => read8(cpu, DS, 0))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => loadSegment(cpu, SS, 0))).toEqual([VEC_GP, 0]);
  });

  it('checks types, privilege and presence with the right vectors', () => {
    const cpu = protectedCpu();
    expect(fault(cpu, () => loadSegment(cpu, SS, SEL_CODE0))).toEqual([VEC_GP, SEL_CODE0]);
    expect(fault(cpu, () => loadSegment(cpu, SS, SEL_DATA3))).toEqual([VEC_GP, SEL_DATA3 & ~3]);
    expect(fault(cpu, () => loadSegment(cpu, DS, 0x1000))).toEqual([VEC_GP, 0x1000]);
    writeDescriptor(cpu.mem, GDT + SEL_A, 0, 0xffff, 0x12, 0); // not present
    expect(fault(cpu, () => loadSegment(cpu, DS, SEL_A))).toEqual([VEC_NP, SEL_A]);
    expect(fault(cpu, () => loadSegment(cpu, SS, SEL_A))).toEqual([VEC_SS, SEL_A]);
    writeDescriptor(cpu.mem, GDT + SEL_B, 0, 0xffff, 0x98, 0); // execute-only code
    expect(fault(cpu, () => loadSegment(cpu, DS, SEL_B))).toEqual([VEC_GP, SEL_B]);
    toRing3(cpu);
    expect(fault(cpu, () => loadSegment(cpu, DS, SEL_DATA0))).toEqual([VEC_GP, SEL_DATA0]);
    writeDescriptor(cpu.mem, GDT + SEL_B, 0, 0xffff, 0x9e, 0); // conforming readable, DPL 0
    loadSegment(cpu, DS, SEL_B | 3);
    expect(cpu.segSelector[DS]).toBe(SEL_B | 3);
  });

  it('reads descriptors from the LDT through TI=1', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0x5000, 0xf, 0x82, 0); // LDT with 2 entries
    writeDescriptor(cpu.mem, 0x5008, 0x44000, 0xffff, 0x93, 0);
    lldt(cpu, SEL_A);
    expect(cpu.segBase[LDTR]).toBe(0x5000);
    loadSegment(cpu, ES, 0x0c);
    expect(cpu.segBase[ES]).toBe(0x44000);
    expect(fault(cpu, () => loadSegment(cpu, ES, 0x14))).toEqual([VEC_GP, 0x14]);
    expect(fault(cpu, () => lldt(cpu, SEL_DATA0))).toEqual([VEC_GP, SEL_DATA0]);
  });

  it('honours expand-down data segments', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0x100000, 0x0fff, 0x96, 0x4);
    loadSegment(cpu, DS, SEL_A);
    write8(cpu, DS, 0x1000, 5);
    expect(cpu.mem.read8(0x101000)).toBe(5);
    expect(fault(cpu, () => read8(cpu, DS, 0xfff))).toEqual([VEC_GP, 0]);
  });
});

describe('far transfers', () => {
  it('jumps to a code segment at the same privilege and checks the limit', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0x10000, 0xffff, 0x9a, 0);
    jmpFar(cpu, SEL_A, 0x1234);
    expect([cpu.segSelector[CS], cpu.segBase[CS], cpu.eip]).toEqual([SEL_A, 0x10000, 0x1234]);
    expect(fault(cpu, () => jmpFar(cpu, SEL_A, 0x10000))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => jmpFar(cpu, SEL_CODE3, 0))).toEqual([VEC_GP, SEL_CODE3 & ~3]);
    expect(fault(cpu, () => jmpFar(cpu, SEL_DATA0, 0))).toEqual([VEC_GP, SEL_DATA0]);
    expect(fault(cpu, () => jmpFar(cpu, 0, 0))).toEqual([VEC_GP, 0]);
  });

  it('refuses a JMP to a busy TSS (the current one) with #GP(selector)', () => {
    const cpu = protectedCpu();
    expect(fault(cpu, () => jmpFar(cpu, 0x28, 0))).toEqual([VEC_GP, 0x28]);
  });

  it('calls and returns far at the same privilege', () => {
    const cpu = protectedCpu();
    cpu.eip = 0x100007;
    callFar(cpu, SEL_CODE0, 0x200000, true);
    expect(cpu.reg32[4]).toBe(0x7000 - 8);
    expect(cpu.mem.read32(0x7000 - 8)).toBe(0x100007);
    expect(cpu.mem.read32(0x7000 - 4)).toBe(SEL_CODE0);
    retFar(cpu, true, 4);
    expect([cpu.eip, cpu.reg32[4]]).toEqual([0x100007, 0x7000 + 4]);
  });

  it('calls through a gate from ring 3 to ring 1 on the TSS stack, copying parameters', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, GDT + SEL_A, SEL_CODE1, 0x300000, TYPE_CALL_GATE32, 3, 2);
    loadSegment(cpu, ES, SEL_DATA3);
    toRing3(cpu);
    cpu.mem.write32(0x6000, 0x11111111); // parameter 1 (lowest address)
    cpu.mem.write32(0x6004, 0x22222222);
    cpu.eip = 0x400007;
    callFar(cpu, SEL_A | 3, 0, true);
    expect([cpu.cpl, cpu.eip, cpu.segSelector[CS], cpu.segSelector[SS]]).toEqual([
      1,
      0x300000,
      SEL_CODE1,
      SEL_DATA1,
    ]);
    const esp = cpu.reg32[4]!;
    expect(esp).toBe(STACK1 - 24);
    const frame = [0, 4, 8, 12, 16, 20].map((o) => cpu.mem.read32(esp + o));
    expect(frame).toEqual([0x400007, SEL_CODE3, 0x11111111, 0x22222222, 0x6000, SEL_DATA3]);
    // RET 8 back to ring 3: pops the parameters on both stacks.
    retFar(cpu, true, 8);
    expect([cpu.cpl, cpu.eip, cpu.reg32[4], cpu.segSelector[SS]]).toEqual([
      3,
      0x400007,
      0x6008,
      SEL_DATA3,
    ]);
    expect(cpu.segSelector[ES]).toBe(SEL_DATA3);
  });

  it('nulls data segments the outer level may not use on a return outward', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, GDT + SEL_A, SEL_CODE1, 0x300000, TYPE_CALL_GATE32, 3, 0);
    toRing3(cpu);
    cpu.eip = 0x400007;
    callFar(cpu, SEL_A | 3, 0, true);
    loadSegment(cpu, DS, SEL_DATA1);
    retFar(cpu, true, 0);
    expect(cpu.cpl).toBe(3);
    expect(cpu.segAccess[DS]).toBe(0);
    expect(fault(cpu, () => read8(cpu, DS, 0))).toEqual([VEC_GP, 0]);
  });

  it('reports a bad TSS stack selector with #TS', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, GDT + SEL_A, SEL_CODE1, 0x300000, TYPE_CALL_GATE32, 3, 0);
    cpu.mem.write32(TSS + 16, SEL_DATA3); // SS1 with RPL 3 and DPL 3
    toRing3(cpu);
    expect(fault(cpu, () => callFar(cpu, SEL_A | 3, 0, true))).toEqual([VEC_TS, SEL_DATA3 & ~3]);
    expect(cpu.cpl).toBe(3);
  });

  it('checks the gate DPL against CPL and RPL', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, GDT + SEL_A, SEL_CODE0, 0x300000, TYPE_CALL_GATE32, 1, 0);
    toRing3(cpu);
    expect(fault(cpu, () => callFar(cpu, SEL_A, 0, true))).toEqual([VEC_GP, SEL_A]);
  });
});

describe('LAR, LSL, VERR, VERW', () => {
  it('answers for visible descriptors and refuses others without faulting', () => {
    const cpu = protectedCpu();
    flat(cpu, SEL_A, 0x93);
    expect(lar(cpu, SEL_A)).toBe(0x00cf9300);
    expect(lsl(cpu, SEL_A)).toBe(0xffffffff);
    expect(verify(cpu, SEL_A, true)).toBe(true);
    expect(verify(cpu, SEL_CODE0, true)).toBe(false);
    expect(verify(cpu, SEL_CODE0, false)).toBe(true);
    expect(lar(cpu, 0)).toBe(-1);
    expect(lar(cpu, 0x7ff8)).toBe(-1);
    toRing3(cpu);
    expect(lar(cpu, SEL_DATA0)).toBe(-1);
    expect(verify(cpu, SEL_DATA3, true)).toBe(true);
    expect(lsl(cpu, 0x28)).toBe(-1); // TSS, DPL 0: not visible from ring 3
  });
});

describe('conforming code and 16-bit gates', () => {
  it('keeps CPL when calling a conforming segment of higher privilege', () => {
    const cpu = protectedCpu();
    writeDescriptor(cpu.mem, GDT + SEL_A, 0, 0xffffffff, 0x9e, 0xc); // conforming, DPL 0
    toRing3(cpu);
    cpu.eip = 0x400005;
    callFar(cpu, SEL_A | 3, 0x500000, true);
    expect([cpu.cpl, cpu.segSelector[CS], cpu.eip, cpu.reg32[4]]).toEqual([
      3,
      SEL_A | 3,
      0x500000,
      0x6000 - 8,
    ]);
  });

  it('copies word parameters through a 16-bit call gate', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, GDT + SEL_A, SEL_CODE1, 0x1234, 0x4, 3, 3); // 16-bit gate, 3 words
    toRing3(cpu);
    cpu.mem.write16(0x6000, 0xaaaa);
    cpu.mem.write16(0x6002, 0xbbbb);
    cpu.mem.write16(0x6004, 0xcccc);
    cpu.eip = 0x400009;
    callFar(cpu, SEL_A | 3, 0, false);
    expect([cpu.cpl, cpu.eip]).toEqual([1, 0x1234]);
    const esp = cpu.reg32[4]!;
    expect(esp).toBe(STACK1 - 14);
    const words = [0, 2, 4, 6, 8, 10, 12].map((o) => cpu.mem.read16(esp + o));
    expect(words).toEqual([0x0009, SEL_CODE3, 0xaaaa, 0xbbbb, 0xcccc, 0x6000, SEL_DATA3]);
  });
});
