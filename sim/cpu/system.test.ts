import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../memory/memory.ts';
import { readLinear8 } from './access.ts';
import {
  Cpu,
  CR0_PE,
  CR0_PG,
  CR0_TS,
  CR4_PGE,
  CR4_TSD,
  EAX,
  ECX,
  EDX,
  EFER_NXE,
  VEC_GP,
  VEC_UD,
} from './cpu.ts';
import { FAULT } from './fault.ts';
import { setEflags } from './flags.ts';
import { protectedCpu, TSS } from './pm-fixture.ts';
import {
  checkIoPermission,
  clts,
  invlpg,
  lmsw,
  MSR_IA32_EFER,
  MSR_IA32_SYSENTER_EIP,
  MSR_IA32_TSC,
  rdmsr,
  rdtsc,
  readCr,
  readDr,
  resetCpu,
  writeCr,
  writeDr,
  wrmsr,
} from './system.ts';

function fault(cpu: Cpu, f: () => void): [number, number] {
  try {
    f();
  } catch (e) {
    expect(e).toBe(FAULT);
    return [cpu.faultVector, cpu.faultErrorCode];
  }
  throw new Error('expected a fault');
}

function realCpu(): Cpu {
  const cpu = new Cpu(new PhysMemory(1 << 22));
  resetCpu(cpu);
  return cpu;
}

describe('control registers', () => {
  it('resets to the power-on state', () => {
    const cpu = realCpu();
    expect(readCr(cpu, 0)).toBe(0x60000010);
    expect([cpu.segBase[1], cpu.eip]).toEqual([0xffff0000 | 0, 0xfff0]);
  });

  it('refuses PG without PE, NW without CD, unknown CR4 bits and CR1/CR5+', () => {
    const cpu = realCpu();
    expect(fault(cpu, () => writeCr(cpu, 0, CR0_PG))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => writeCr(cpu, 0, 1 << 29))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => writeCr(cpu, 4, 1))).toEqual([VEC_GP, 0]); // VME: not on this CPU
    expect(fault(cpu, () => readCr(cpu, 1))).toEqual([VEC_UD, -1]);
    expect(fault(cpu, () => writeCr(cpu, 5, 0))).toEqual([VEC_UD, -1]);
    writeCr(cpu, 0, CR0_PE | (1 << 20)); // reserved bit 20 is ignored; ET reads as 1
    expect(readCr(cpu, 0)).toBe(CR0_PE | 0x10);
  });

  it('flushes the TLB on CR3 writes (keeping globals with PGE) and on paging changes', () => {
    const cpu = realCpu();
    cpu.mem.write32(0x1000, 0x2000 | 7);
    cpu.mem.write32(0x2000 + 5 * 4, 0x9000 | 7 | 0x100); // global
    cpu.mem.write32(0x2000 + 6 * 4, 0xa000 | 7);
    cpu.mem.write8(0x9000, 1);
    cpu.mem.write8(0xa000, 2);
    writeCr(cpu, 3, 0x1000);
    writeCr(cpu, 4, CR4_PGE);
    writeCr(cpu, 0, CR0_PE | CR0_PG);
    expect(readLinear8(cpu, 0x5000)).toBe(1);
    expect(readLinear8(cpu, 0x6000)).toBe(2);
    cpu.mem.write32(0x2000 + 5 * 4, 0xb000 | 7);
    cpu.mem.write32(0x2000 + 6 * 4, 0xb000 | 7);
    writeCr(cpu, 3, 0x1000);
    expect(readLinear8(cpu, 0x5000)).toBe(1); // global survived
    expect(readLinear8(cpu, 0x6000)).toBe(0);
    invlpg(cpu, 0x5000);
    expect(readLinear8(cpu, 0x5000)).toBe(0);
    writeCr(cpu, 0, CR0_PE);
    expect(readLinear8(cpu, 0x5000)).toBe(0); // identity now: RAM at 0x5000
    expect(readLinear8(cpu, 0x9000)).toBe(1);
  });

  it('LMSW sets but never clears PE; CLTS clears TS', () => {
    const cpu = realCpu();
    lmsw(cpu, 0xf);
    expect(readCr(cpu, 0) & 0xf).toBe(0xf);
    lmsw(cpu, 0);
    expect(readCr(cpu, 0) & 0xf).toBe(CR0_PE);
    lmsw(cpu, CR0_TS);
    clts(cpu);
    expect(readCr(cpu, 0) & CR0_TS).toBe(0);
  });
});

describe('debug registers', () => {
  it('keeps values, fixes DR6/DR7 bits and aliases DR4/DR5 unless CR4.DE', () => {
    const cpu = realCpu();
    writeDr(cpu, 0, 0x12345678);
    expect(readDr(cpu, 0)).toBe(0x12345678);
    expect(readDr(cpu, 6)).toBe(0xffff0ff0);
    writeDr(cpu, 5, 0x3);
    expect(readDr(cpu, 7)).toBe(0x403);
    writeCr(cpu, 4, 1 << 3);
    expect(fault(cpu, () => readDr(cpu, 4))).toEqual([VEC_UD, -1]);
  });
});

describe('MSRs and the TSC', () => {
  it('reads and writes the MSR table, refusing unknown MSRs and reserved bits', () => {
    const cpu = realCpu();
    cpu.reg32[ECX] = MSR_IA32_SYSENTER_EIP;
    cpu.reg32[EAX] = 0xc0001234 | 0;
    wrmsr(cpu);
    cpu.reg32[EAX] = 0;
    rdmsr(cpu);
    expect(cpu.reg32[EAX]! >>> 0).toBe(0xc0001234);
    cpu.reg32[ECX] = MSR_IA32_EFER;
    cpu.reg32[EAX] = EFER_NXE;
    wrmsr(cpu);
    expect(cpu.efer).toBe(EFER_NXE);
    cpu.reg32[EAX] = 1 << 8; // LME: no long mode here
    expect(fault(cpu, () => wrmsr(cpu))).toEqual([VEC_GP, 0]);
    cpu.reg32[ECX] = 0x1234;
    expect(fault(cpu, () => rdmsr(cpu))).toEqual([VEC_GP, 0]);
  });

  it('derives the TSC from retired instructions; WRMSR moves the offset', () => {
    const cpu = realCpu();
    cpu.instructions = 0x1_2345_6789;
    rdtsc(cpu);
    expect([cpu.reg32[EDX], cpu.reg32[EAX]! >>> 0]).toEqual([1, 0x23456789]);
    cpu.reg32[ECX] = MSR_IA32_TSC;
    cpu.reg32[EDX] = 5;
    cpu.reg32[EAX] = 0;
    wrmsr(cpu);
    cpu.instructions += 10;
    rdtsc(cpu);
    expect([cpu.reg32[EDX], cpu.reg32[EAX]]).toEqual([5, 10]);
  });

  it('refuses RDTSC outside ring 0 with CR4.TSD', () => {
    const cpu = protectedCpu();
    writeCr(cpu, 4, CR4_TSD);
    rdtsc(cpu);
    cpu.cpl = 3;
    expect(fault(cpu, () => rdtsc(cpu))).toEqual([VEC_GP, 0]);
  });
});

describe('I/O permission', () => {
  it('allows everything in real mode and at CPL ≤ IOPL', () => {
    const cpu = realCpu();
    checkIoPermission(cpu, 0x3f8, 1);
    const pm = protectedCpu();
    checkIoPermission(pm, 0x3f8, 4);
    pm.cpl = 3;
    setEflags(pm, 3 << 12, 3 << 12);
    checkIoPermission(pm, 0x3f8, 4);
    pm.cpl = 3;
    setEflags(pm, 0, 3 << 12);
    expect(fault(pm, () => checkIoPermission(pm, 0x3f8, 1))).toEqual([VEC_GP, 0]);
  });

  it('consults the TSS bitmap above IOPL, per byte of the access', () => {
    const cpu = protectedCpu();
    // Grow the TSS to hold a bitmap at offset 0x68 covering ports 0–0x3ff.
    cpu.segLimit[7] = 0x68 + 0x80;
    cpu.mem.write16(TSS + 0x66, 0x68);
    for (let i = 0; i <= 0x80; i++) cpu.mem.write8(TSS + 0x68 + i, 0xff);
    cpu.mem.write8(TSS + 0x68 + (0x3f8 >>> 3), 0x00); // ports 0x3f8–0x3ff allowed
    cpu.cpl = 3;
    checkIoPermission(cpu, 0x3f8, 4);
    checkIoPermission(cpu, 0x3fc, 4);
    expect(fault(cpu, () => checkIoPermission(cpu, 0x3fe, 4))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => checkIoPermission(cpu, 0x60, 1))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => checkIoPermission(cpu, 0x8000, 1))).toEqual([VEC_GP, 0]); // past limit
  });
});
