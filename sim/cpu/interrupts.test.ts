import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../memory/memory.ts';
import { read32 } from './access.ts';
import {
  Cpu,
  CS,
  ExitReason,
  FLAG_IF,
  FLAG_OF,
  FLAG_TF,
  HostMode,
  SS,
  VEC_DE,
  VEC_DF,
  VEC_GP,
  VEC_NP,
  VEC_UD,
} from './cpu.ts';
import { FAULT, raiseFault } from './fault.ts';
import { getEflags, setEflags } from './flags.ts';
import {
  deliverExternalInterrupt,
  deliverFault,
  INT_N,
  INT3,
  INTO,
  iret,
  softwareInterrupt,
} from './interrupts.ts';
import {
  IDT,
  protectedCpu,
  SEL_CODE0,
  SEL_CODE1,
  SEL_CODE3,
  SEL_DATA0,
  SEL_DATA1,
  SEL_DATA3,
  STACK0,
  STACK1,
} from './pm-fixture.ts';
import {
  loadSegment,
  TYPE_INT_GATE16,
  TYPE_INT_GATE32,
  TYPE_TRAP_GATE32,
  writeGate,
} from './segments.ts';
import { resetCpu } from './system.ts';

/** Raises `vector` as an instruction at EIP would, then delivers it as the run loop does. */
function fault(cpu: Cpu, vector: number, code?: number): void {
  try {
    raiseFault(cpu, vector, code);
  } catch (e) {
    expect(e).toBe(FAULT);
    deliverFault(cpu);
  }
}

function gate(cpu: Cpu, vector: number, selector: number, offset: number, type: number, dpl = 0) {
  writeGate(cpu.mem, IDT + vector * 8, selector, offset, type, dpl);
}

/** Puts the fixture CPU at ring 3 (as an IRET would), ESP at `esp`. */
function toRing3(cpu: Cpu, esp: number): void {
  cpu.reg32[4] = STACK0 - 20;
  cpu.mem.write32(STACK0 - 20, 0x400000);
  cpu.mem.write32(STACK0 - 16, SEL_CODE3);
  cpu.mem.write32(STACK0 - 12, FLAG_IF | 2);
  cpu.mem.write32(STACK0 - 8, esp);
  cpu.mem.write32(STACK0 - 4, SEL_DATA3);
  iret(cpu, true);
  cpu.instrStart = cpu.eip;
}

describe('real-mode delivery', () => {
  it('vectors through the IVT, pushes FLAGS/CS/IP and clears IF and TF', () => {
    const cpu = new Cpu(new PhysMemory(1 << 20));
    resetCpu(cpu);
    loadSegment(cpu, CS, 0x1000);
    loadSegment(cpu, SS, 0x2000);
    cpu.reg32[4] = 0x100;
    cpu.eip = 0x55;
    cpu.instrStart = 0x50;
    setEflags(cpu, FLAG_IF | FLAG_TF | 1, 0xffff);
    cpu.mem.write16(0 * 4, 0x1234);
    cpu.mem.write16(0 * 4 + 2, 0x3000);
    fault(cpu, VEC_DE);
    expect(cpu.segSelector[CS]).toBe(0x3000);
    expect(cpu.segBase[CS]).toBe(0x30000);
    expect(cpu.eip).toBe(0x1234);
    expect(cpu.reg32[4]).toBe(0xfa);
    expect(cpu.mem.read16(0x200fa)).toBe(0x50); // IP of the faulting instruction
    expect(cpu.mem.read16(0x200fc)).toBe(0x1000);
    expect(cpu.mem.read16(0x200fe) & 0x0fff).toBe(FLAG_IF | FLAG_TF | 1 | 2);
    expect(getEflags(cpu) & (FLAG_IF | FLAG_TF)).toBe(0);
    iret(cpu, false);
    expect([cpu.segSelector[CS], cpu.eip, cpu.reg32[4]]).toEqual([0x1000, 0x50, 0x100]);
    expect(getEflags(cpu) & (FLAG_IF | FLAG_TF | 1)).toBe(FLAG_IF | FLAG_TF | 1);
  });

  it('pushes the address after INT n, and INTO traps only with OF set', () => {
    const cpu = new Cpu(new PhysMemory(1 << 20));
    resetCpu(cpu);
    loadSegment(cpu, CS, 0);
    cpu.reg32[4] = 0x1000;
    cpu.eip = 0x702;
    cpu.mem.write16(0x21 * 4, 0x4444);
    softwareInterrupt(cpu, 0x21, INT_N);
    expect(cpu.eip).toBe(0x4444);
    expect(cpu.mem.read16(0xffa)).toBe(0x702);
    cpu.eip = 0x800;
    softwareInterrupt(cpu, 4, INTO);
    expect(cpu.eip).toBe(0x800);
  });
});

describe('protected-mode delivery (bare)', () => {
  it('delivers #GP through a 32-bit interrupt gate at the same level with an error code', () => {
    const cpu = protectedCpu();
    gate(cpu, VEC_GP, SEL_CODE0, 0x200000, TYPE_INT_GATE32);
    setEflags(cpu, FLAG_IF, FLAG_IF);
    cpu.instrStart = 0x100000;
    cpu.eip = 0x100003;
    fault(cpu, VEC_GP, 0x28);
    expect(cpu.eip).toBe(0x200000);
    expect(cpu.reg32[4]).toBe(0x7000 - 16);
    expect(read32(cpu, SS, 0x7000 - 16)).toBe(0x28);
    expect(read32(cpu, SS, 0x7000 - 12)).toBe(0x100000);
    expect(read32(cpu, SS, 0x7000 - 8)).toBe(SEL_CODE0);
    expect(read32(cpu, SS, 0x7000 - 4) & FLAG_IF).toBe(FLAG_IF);
    expect(getEflags(cpu) & FLAG_IF).toBe(0);
  });

  it('switches to the TSS ring-0 stack from ring 3, and IRET returns to ring 3', () => {
    const cpu = protectedCpu();
    gate(cpu, 0x80, SEL_CODE0, 0x200000, TYPE_TRAP_GATE32, 3);
    toRing3(cpu, 0x6000);
    expect([cpu.cpl, cpu.segSelector[CS], cpu.segSelector[SS]]).toEqual([3, SEL_CODE3, SEL_DATA3]);
    cpu.eip = 0x400002;
    softwareInterrupt(cpu, 0x80, INT_N);
    expect(cpu.cpl).toBe(0);
    expect(cpu.segSelector[SS]).toBe(SEL_DATA0);
    expect(cpu.reg32[4]).toBe(STACK0 - 20);
    const frame = [0, 4, 8, 12, 16].map((o) => cpu.mem.read32(STACK0 - 20 + o));
    expect(frame[0]).toBe(0x400002);
    expect(frame[1]).toBe(SEL_CODE3);
    expect(frame[2]! & FLAG_IF).toBe(FLAG_IF);
    expect(frame.slice(3)).toEqual([0x6000, SEL_DATA3]);
    expect(getEflags(cpu) & FLAG_IF).toBe(FLAG_IF); // trap gate keeps IF
    iret(cpu, true);
    expect([cpu.cpl, cpu.eip, cpu.reg32[4], cpu.segSelector[SS]]).toEqual([
      3,
      0x400002,
      0x6000,
      SEL_DATA3,
    ]);
  });

  it('refuses INT n from ring 3 through a DPL-0 gate with #GP(vector*8+2)', () => {
    const cpu = protectedCpu();
    gate(cpu, 0x81, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 0);
    gate(cpu, VEC_GP, SEL_CODE0, 0x300000, TYPE_INT_GATE32, 0);
    toRing3(cpu, 0x6000);
    try {
      softwareInterrupt(cpu, 0x81, INT_N);
    } catch (e) {
      expect(e).toBe(FAULT);
      expect([cpu.faultVector, cpu.faultErrorCode]).toEqual([VEC_GP, 0x81 * 8 + 2]);
      deliverFault(cpu);
    }
    expect(cpu.eip).toBe(0x300000);
    expect(cpu.mem.read32(STACK0 - 24)).toBe(0x81 * 8 + 2);
    expect(cpu.mem.read32(STACK0 - 20)).toBe(0x400000); // the INT itself
  });

  it('pushes 16-bit frames through 16-bit gates', () => {
    const cpu = protectedCpu();
    gate(cpu, 0x40, SEL_CODE0, 0x1234, TYPE_INT_GATE16, 0);
    cpu.eip = 0x100002;
    softwareInterrupt(cpu, 0x40, INT_N);
    expect(cpu.eip).toBe(0x1234);
    expect(cpu.reg32[4]).toBe(0x7000 - 6);
    expect(cpu.mem.read16(0x7000 - 6)).toBe(0x0002); // low 16 bits of EIP
  });

  it('turns a #NP while delivering #GP into #DF, and a fault delivering #DF into a triple fault', () => {
    const cpu = protectedCpu();
    writeGate(cpu.mem, IDT + VEC_GP * 8, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 0);
    cpu.mem.write8(IDT + VEC_GP * 8 + 5, 0x0e); // not present
    gate(cpu, VEC_DF, SEL_CODE0, 0x500000, TYPE_INT_GATE32);
    fault(cpu, VEC_GP, 0);
    expect(cpu.eip).toBe(0x500000);
    expect(cpu.mem.read32(0x7000 - 16)).toBe(0); // #DF error code
    const cpu2 = protectedCpu();
    cpu2.idtLimit = 0x67; // #GP's gate is outside the IDT; #DF's is inside but empty
    gate(cpu2, VEC_UD, SEL_CODE0, 0x200000, TYPE_INT_GATE32);
    fault(cpu2, VEC_UD);
    expect(cpu2.pendingExit).toBe(-1); // #UD's gate (vector 6) is inside: delivered
    fault(cpu2, VEC_GP, 0);
    expect(cpu2.pendingExit).toBe(ExitReason.TripleFault);
  });

  it('delivers a fault pushing a benign exception serially, escalating to a triple fault', () => {
    const cpu = protectedCpu();
    gate(cpu, VEC_UD, SEL_CODE0, 0x200000, TYPE_INT_GATE32);
    cpu.segLimit[SS] = 0x6ffd; // the first push (at 0x6ffc) is beyond the limit: #SS
    fault(cpu, VEC_UD);
    // #UD is benign, so #SS is delivered next; its gate is absent (#NP, contributory on
    // contributory) → #DF, whose gate is absent too → triple fault.
    expect(cpu.pendingExit).toBe(ExitReason.TripleFault);
    const cpu2 = protectedCpu();
    gate(cpu2, VEC_UD, SEL_CODE0, 0x200000, TYPE_INT_GATE32);
    gate(cpu2, 12, SEL_CODE0, 0x210000, TYPE_INT_GATE32);
    cpu2.segLimit[SS] = 0x6ffd;
    cpu2.mem.write8(IDT + 12 * 8 + 5, 0x0e); // #SS gate not present: #NP
    gate(cpu2, VEC_NP, SEL_CODE0, 0x220000, TYPE_INT_GATE32);
    fault(cpu2, VEC_UD);
    expect(cpu2.pendingExit).toBe(ExitReason.TripleFault); // #NP's push fails: #DF → triple
  });

  it('sets EXT in the error code of a fault during external-interrupt delivery', () => {
    const cpu = protectedCpu();
    gate(cpu, VEC_NP, SEL_CODE0, 0x300000, TYPE_INT_GATE32);
    writeGate(cpu.mem, IDT + 0x30 * 8, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 0);
    cpu.mem.write8(IDT + 0x30 * 8 + 5, 0x0e);
    cpu.eip = 0x100010;
    deliverExternalInterrupt(cpu, 0x30);
    expect(cpu.eip).toBe(0x300000);
    expect(cpu.mem.read32(0x7000 - 16)).toBe(0x30 * 8 + 2 + 1);
    expect(cpu.mem.read32(0x7000 - 12)).toBe(0x100010);
  });
});

describe('PV host mode', () => {
  function pv(): Cpu {
    const cpu = protectedCpu();
    cpu.hostMode = HostMode.Pv;
    gate(cpu, 0x82, SEL_CODE0, 0x200000, TYPE_TRAP_GATE32, 1);
    gate(cpu, 0x80, SEL_CODE1, 0x210000, TYPE_TRAP_GATE32, 3);
    // Ring 1 kernel, as a Xen PV guest runs.
    cpu.reg32[4] = STACK0 - 20;
    cpu.mem.write32(STACK0 - 20, 0x400000);
    cpu.mem.write32(STACK0 - 16, SEL_CODE1);
    cpu.mem.write32(STACK0 - 12, 2);
    cpu.mem.write32(STACK0 - 8, 0x7f00);
    cpu.mem.write32(STACK0 - 4, SEL_DATA1);
    iret(cpu, true);
    return cpu;
  }

  it('exits on a fault at the faulting instruction, registers untouched', () => {
    const cpu = pv();
    expect(cpu.cpl).toBe(1);
    cpu.instrStart = 0x400000;
    cpu.eip = 0x400001;
    fault(cpu, VEC_GP, 0);
    expect(cpu.pendingExit).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.exitErrorCode, cpu.exitHasErrorCode, cpu.exitSoftware]).toEqual([
      VEC_GP,
      0,
      true,
      false,
    ]);
    expect([cpu.eip, cpu.reg32[4], cpu.cpl]).toEqual([0x400000, 0x7f00, 1]);
  });

  it('exits on INT 0x82 (gate to ring 0) after the instruction', () => {
    const cpu = pv();
    cpu.eip = 0x400002;
    softwareInterrupt(cpu, 0x82, INT_N);
    expect(cpu.pendingExit).toBe(ExitReason.HostTrap);
    expect([cpu.exitVector, cpu.exitHasErrorCode, cpu.exitSoftware]).toEqual([0x82, false, true]);
    expect([cpu.eip, cpu.reg32[4], cpu.cpl]).toEqual([0x400002, 0x7f00, 1]);
  });

  it('delivers a gate into ring 1 itself (fast trap), from ring 3', () => {
    const cpu = pv();
    cpu.reg32[4] = 0x7f00 - 20;
    const base = 0x7f00 - 20;
    cpu.mem.write32(base, 0x500000);
    cpu.mem.write32(base + 4, SEL_CODE3);
    cpu.mem.write32(base + 8, 2);
    cpu.mem.write32(base + 12, 0x6000);
    cpu.mem.write32(base + 16, SEL_DATA3);
    iret(cpu, true);
    expect(cpu.cpl).toBe(3);
    cpu.eip = 0x500002;
    softwareInterrupt(cpu, 0x80, INT_N);
    expect(cpu.pendingExit).toBe(-1);
    expect([cpu.cpl, cpu.eip, cpu.reg32[4]]).toEqual([1, 0x210000, STACK1 - 20]);
  });

  it('turns INT 0x82 from ring 3 (gate DPL 1) into a #GP host trap', () => {
    const cpu = pv();
    cpu.mem.write32(0x7f00 - 20, 0x500000);
    cpu.mem.write32(0x7f00 - 16, SEL_CODE3);
    cpu.mem.write32(0x7f00 - 12, 2);
    cpu.mem.write32(0x7f00 - 8, 0x6000);
    cpu.mem.write32(0x7f00 - 4, SEL_DATA3);
    cpu.reg32[4] = 0x7f00 - 20;
    iret(cpu, true);
    cpu.instrStart = 0x500000;
    cpu.eip = 0x500002;
    try {
      softwareInterrupt(cpu, 0x82, INT_N);
    } catch (e) {
      expect(e).toBe(FAULT);
      deliverFault(cpu);
    }
    expect([cpu.exitVector, cpu.exitErrorCode, cpu.eip]).toEqual([VEC_GP, 0x82 * 8 + 2, 0x500000]);
  });

  it('exits on external interrupts and on INT3 through a ring-0 gate', () => {
    const cpu = pv();
    cpu.eip = 0x400005;
    deliverExternalInterrupt(cpu, 0x20);
    expect([cpu.pendingExit, cpu.exitVector, cpu.eip]).toEqual([
      ExitReason.HostTrap,
      0x20,
      0x400005,
    ]);
    cpu.pendingExit = -1;
    gate(cpu, 3, SEL_CODE0, 0x200000, TYPE_INT_GATE32, 3);
    softwareInterrupt(cpu, 3, INT3);
    expect([cpu.pendingExit, cpu.exitVector, cpu.exitSoftware]).toEqual([
      ExitReason.HostTrap,
      3,
      true,
    ]);
  });
});

describe('INTO', () => {
  it('raises vector 4 when OF is set', () => {
    const cpu = protectedCpu();
    gate(cpu, 4, SEL_CODE0, 0x220000, TYPE_INT_GATE32, 3);
    setEflags(cpu, FLAG_OF, FLAG_OF);
    softwareInterrupt(cpu, 4, INTO);
    expect(cpu.eip).toBe(0x220000);
    expect(SEL_DATA1 & 3).toBe(1);
  });
});

describe('IRET checks', () => {
  it('refuses a return to an inner level with #GP(selector)', () => {
    const cpu = protectedCpu();
    toRing3(cpu, 0x6000);
    cpu.mem.write32(0x6000, 0x100000);
    cpu.mem.write32(0x6004, SEL_CODE0);
    cpu.mem.write32(0x6008, 2);
    try {
      iret(cpu, true);
      throw new Error('expected #GP');
    } catch (e) {
      expect(e).toBe(FAULT);
      expect([cpu.faultVector, cpu.faultErrorCode]).toEqual([VEC_GP, SEL_CODE0]);
    }
    expect([cpu.cpl, cpu.reg32[4]]).toEqual([3, 0x6000]);
  });

  it('lets ring 3 change arithmetic flags but not IF or IOPL', () => {
    const cpu = protectedCpu();
    toRing3(cpu, 0x6000);
    cpu.mem.write32(0x6000, 0x400100);
    cpu.mem.write32(0x6004, SEL_CODE3);
    cpu.mem.write32(0x6008, 0x3000 | 0x1 | 0x800 | 2); // IOPL 3, CF, OF; IF clear
    iret(cpu, true);
    const flags = getEflags(cpu);
    expect(flags & (0x3000 | FLAG_IF)).toBe(FLAG_IF); // IOPL stays 0, IF stays set
    expect(flags & (0x1 | FLAG_OF)).toBe(0x1 | FLAG_OF);
    expect([cpu.eip, cpu.reg32[4]]).toEqual([0x400100, 0x600c]);
  });

  it('raises #TS(0) for a task return (NT set) whose back link is null', () => {
    const cpu = protectedCpu();
    setEflags(cpu, 1 << 14, 1 << 14);
    try {
      iret(cpu, true);
      throw new Error('expected #TS');
    } catch (e) {
      expect(e).toBe(FAULT);
      expect([cpu.faultVector, cpu.faultErrorCode]).toEqual([10, 0]);
    }
  });
});
