import { describe, expect, it } from 'vitest';
import { type Cpu, CR0_TS, CS, DS, FLAG_NT, HostMode, SS, TR, VEC_GP } from './cpu.ts';
import { FAULT, raiseFault } from './fault.ts';
import { getEflags } from './flags.ts';
import { deliverFault, iret } from './interrupts.ts';
import { GDT, IDT, protectedCpu, SEL_CODE0, SEL_DATA0, SEL_FREE, TSS } from './pm-fixture.ts';
import { callFar, jmpFar, TYPE_TASK_GATE, writeDescriptor, writeGate } from './segments.ts';

const SEL_TSS = 0x28;
const SEL_TSS2 = SEL_FREE;
const SEL_TASK_GATE = SEL_FREE + 8;
const TSS2 = 0x4000;

/** A second 32-bit TSS describing a ring-0 task at 0x123456 with recognisable registers. */
function withSecondTask(): Cpu {
  const cpu = protectedCpu();
  writeDescriptor(cpu.mem, GDT + SEL_TSS2, TSS2, 0x67, 0x89, 0);
  writeGate(cpu.mem, GDT + SEL_TASK_GATE, SEL_TSS2, 0, TYPE_TASK_GATE, 0);
  cpu.mem.write32(TSS2 + 0x20, 0x123456); // EIP
  cpu.mem.write32(TSS2 + 0x24, 0x2); // EFLAGS
  for (let r = 0; r < 8; r++) cpu.mem.write32(TSS2 + 0x28 + r * 4, 0x1000 * (r + 1));
  const segs = [SEL_DATA0, SEL_CODE0, SEL_DATA0, SEL_DATA0, 0, 0];
  for (const [i, sel] of segs.entries()) cpu.mem.write32(TSS2 + 0x48 + i * 4, sel);
  cpu.reg32[0] = 0xaaaa;
  cpu.eip = 0x100005;
  return cpu;
}

function busy(cpu: Cpu, selector: number): boolean {
  return (cpu.mem.read8(GDT + selector + 5) & 2) !== 0;
}

describe('hardware task switch', () => {
  it('JMP to a TSS saves the old task, loads the new one and moves the busy bit', () => {
    const cpu = withSecondTask();
    jmpFar(cpu, SEL_TSS2, 0);
    expect([cpu.segSelector[TR], cpu.eip, cpu.reg32[0], cpu.reg32[4]]).toEqual([
      SEL_TSS2,
      0x123456,
      0x1000,
      0x5000,
    ]);
    expect([cpu.segSelector[CS], cpu.segSelector[SS], cpu.segSelector[DS]]).toEqual([
      SEL_CODE0,
      SEL_DATA0,
      SEL_DATA0,
    ]);
    expect(cpu.mem.read32(TSS + 0x20)).toBe(0x100005); // old EIP
    expect(cpu.mem.read32(TSS + 0x28)).toBe(0xaaaa); // old EAX
    expect([busy(cpu, SEL_TSS), busy(cpu, SEL_TSS2)]).toEqual([false, true]);
    expect(cpu.cr0 & CR0_TS).toBe(CR0_TS);
    expect(getEflags(cpu) & FLAG_NT).toBe(0);
  });

  it('CALL through a task gate nests (NT, back link) and IRET returns', () => {
    const cpu = withSecondTask();
    callFar(cpu, SEL_TASK_GATE, 0, true);
    expect(cpu.eip).toBe(0x123456);
    expect(getEflags(cpu) & FLAG_NT).toBe(FLAG_NT);
    expect(cpu.mem.read16(TSS2)).toBe(SEL_TSS);
    expect([busy(cpu, SEL_TSS), busy(cpu, SEL_TSS2)]).toEqual([true, true]);
    cpu.reg32[0] = 0x7777;
    cpu.eip = 0x123460;
    iret(cpu, true);
    expect([cpu.segSelector[TR], cpu.eip, cpu.reg32[0]]).toEqual([SEL_TSS, 0x100005, 0xaaaa]);
    expect([busy(cpu, SEL_TSS), busy(cpu, SEL_TSS2)]).toEqual([true, false]);
    expect(cpu.mem.read32(TSS2 + 0x20)).toBe(0x123460); // the nested task's EIP was saved
    expect(cpu.mem.read32(TSS2 + 0x24) & FLAG_NT).toBe(0); // and its NT cleared
  });

  it('delivers an exception through an IDT task gate with its error code', () => {
    const cpu = withSecondTask();
    writeGate(cpu.mem, IDT + 8 * 8, SEL_TSS2, 0, TYPE_TASK_GATE, 0);
    cpu.instrStart = 0x100000;
    try {
      raiseFault(cpu, 8, 0);
    } catch (e) {
      expect(e).toBe(FAULT);
      deliverFault(cpu);
    }
    expect([cpu.segSelector[TR], cpu.eip]).toEqual([SEL_TSS2, 0x123456]);
    expect(cpu.reg32[4]).toBe(0x5000 - 4);
    expect(cpu.mem.read32(0x5000 - 4)).toBe(0); // #DF's error code
    expect(cpu.mem.read32(TSS + 0x20)).toBe(0x100000); // the faulting instruction
  });

  it('refuses busy targets, insufficient privilege and PV host mode with #GP', () => {
    const cpu = withSecondTask();
    const gp = (f: () => void) => {
      try {
        f();
      } catch (e) {
        expect(e).toBe(FAULT);
        return [cpu.faultVector, cpu.faultErrorCode];
      }
      return null;
    };
    expect(gp(() => callFar(cpu, SEL_TSS, 0, true))).toEqual([VEC_GP, SEL_TSS]);
    expect(gp(() => jmpFar(cpu, SEL_TSS2 | 3, 0))).toEqual([VEC_GP, SEL_TSS2]); // RPL 3 > DPL 0
    cpu.hostMode = HostMode.Pv;
    expect(gp(() => jmpFar(cpu, SEL_TSS2, 0))).toEqual([VEC_GP, SEL_TSS2]);
    expect(cpu.segSelector[TR]).toBe(SEL_TSS);
  });
});
