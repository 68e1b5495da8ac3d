import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../memory/memory.ts';
import {
  fetch8,
  fetch16,
  fetch32,
  read8,
  read16,
  read32,
  write8,
  write16,
  write32,
} from './access.ts';
import { Cpu, CR0_AM, CR0_PE, CS, DS, ES, FLAG_AC, SS, VEC_AC, VEC_GP, VEC_SS } from './cpu.ts';
import { FAULT } from './fault.ts';
import { resetCpu } from './system.ts';

function realCpu(): Cpu {
  const cpu = new Cpu(new PhysMemory(2 << 20));
  resetCpu(cpu);
  return cpu;
}

/** Runs `f`, expecting a fault; returns [vector, error code]. */
function fault(cpu: Cpu, f: () => void): [number, number] {
  try {
    f();
  } catch (e) {
    expect(e).toBe(FAULT);
    return [cpu.faultVector, cpu.faultErrorCode];
  }
  throw new Error('expected a fault');
}

describe('segmented access', () => {
  it('adds the segment base and reads/writes little-endian', () => {
    const cpu = realCpu();
    cpu.segBase[DS] = 0x12340;
    write32(cpu, DS, 0x10, 0x89abcdef);
    expect(cpu.mem.read32(0x12350)).toBe(0x89abcdef);
    expect(read32(cpu, DS, 0x10)).toBe(0x89abcdef);
    expect(read16(cpu, DS, 0x11)).toBe(0xabcd);
    expect(read8(cpu, DS, 0x13)).toBe(0x89);
    write16(cpu, DS, 0x21, 0xbeef);
    expect(read16(cpu, DS, 0x21)).toBe(0xbeef);
    write8(cpu, DS, 0x30, 0x1ff);
    expect(read8(cpu, DS, 0x30)).toBe(0xff);
  });

  it('raises #GP(0) past the limit, and #SS(0) for SS', () => {
    const cpu = realCpu();
    expect(read16(cpu, DS, 0xfffe)).toBe(0);
    expect(fault(cpu, () => read16(cpu, DS, 0xffff))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => write32(cpu, ES, 0xfffd, 0))).toEqual([VEC_GP, 0]);
    expect(fault(cpu, () => write16(cpu, SS, 0xffff, 0))).toEqual([VEC_SS, 0]);
  });

  it('checks types: read-only data, execute-only code, unusable (null) segments', () => {
    const cpu = realCpu();
    cpu.segAccess[DS] = 0x91; // read-only data
    expect(read8(cpu, DS, 0)).toBe(0);
    expect(fault(cpu, () => write8(cpu, DS, 0, 1))).toEqual([VEC_GP, 0]);
    cpu.segAccess[DS] = 0x99; // execute-only code
    expect(fault(cpu, () => read8(cpu, DS, 0))).toEqual([VEC_GP, 0]);
    cpu.segAccess[DS] = 0x9b; // execute/read code
    expect(read8(cpu, DS, 0)).toBe(0);
    expect(fault(cpu, () => write8(cpu, DS, 0, 1))).toEqual([VEC_GP, 0]);
    cpu.segAccess[DS] = 0;
    expect(fault(cpu, () => read8(cpu, DS, 0))).toEqual([VEC_GP, 0]);
    cpu.segAccess[SS] = 0;
    expect(fault(cpu, () => read8(cpu, SS, 0))).toEqual([VEC_SS, 0]);
  });

  it('implements expand-down limits, with the B bit choosing the upper bound', () => {
    const cpu = realCpu();
    cpu.segAccess[SS] = 0x97; // expand-down read/write data, B=0
    cpu.segLimit[SS] = 0x0fff;
    expect(fault(cpu, () => read8(cpu, SS, 0x0fff))).toEqual([VEC_SS, 0]);
    write16(cpu, SS, 0x1000, 0x1234);
    expect(read16(cpu, SS, 0xfffe)).toBe(0);
    expect(fault(cpu, () => read16(cpu, SS, 0xffff))).toEqual([VEC_SS, 0]);
    cpu.segAccess[SS] = 0x4097; // B=1: up to 4 GiB
    expect(read16(cpu, SS, 0xffff)).toBe(0);
  });
});

describe('instruction fetch', () => {
  it('fetches at CS:EIP, advances EIP and honours the CS limit', () => {
    const cpu = realCpu();
    cpu.segBase[CS] = 0x10000;
    cpu.eip = 0xfff8;
    cpu.mem.writeBytes(0x1fff8, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(fetch8(cpu)).toBe(1);
    expect(fetch16(cpu)).toBe(0x0302);
    expect(fetch32(cpu)).toBe(0x07060504);
    expect(cpu.eip).toBe(0xffff);
    expect(fetch8(cpu)).toBe(8);
    expect(fault(cpu, () => fetch8(cpu))).toEqual([VEC_GP, 0]);
    cpu.eip = 0xfffe;
    expect(fault(cpu, () => fetch32(cpu))).toEqual([VEC_GP, 0]);
  });

  it('sees code written after a fetch from the same page (no stale cache)', () => {
    const cpu = realCpu();
    cpu.segBase[CS] = 0;
    cpu.eip = 0x100;
    expect(fetch8(cpu)).toBe(0);
    write8(cpu, DS, 0x101, 0x90);
    expect(fetch8(cpu)).toBe(0x90);
  });
});

describe('alignment check', () => {
  it('raises #AC(0) for misaligned ring-3 accesses only with CR0.AM and EFLAGS.AC', () => {
    const cpu = realCpu();
    cpu.cr0 |= CR0_PE;
    cpu.cpl = 3;
    cpu.segAccess[DS] = 0xf3;
    expect(read32(cpu, DS, 0x101)).toBe(0);
    cpu.cr0 |= CR0_AM;
    expect(read32(cpu, DS, 0x101)).toBe(0);
    cpu.flags |= FLAG_AC;
    expect(fault(cpu, () => read32(cpu, DS, 0x101))).toEqual([VEC_AC, 0]);
    expect(fault(cpu, () => write16(cpu, DS, 0xfff, 0))).toEqual([VEC_AC, 0]); // split page too
    expect(read32(cpu, DS, 0x100)).toBe(0);
    expect(read8(cpu, DS, 0x101)).toBe(0);
    cpu.cpl = 0;
    expect(read32(cpu, DS, 0x101)).toBe(0);
  });
});
