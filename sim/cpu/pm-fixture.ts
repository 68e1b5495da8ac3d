// A small protected-mode world for the system tests (segments, interrupts, system): a GDT with
// flat ring 0/1/3 segments, a 32-bit TSS, an IDT, all built directly in physical memory.

import { PhysMemory } from '../memory/memory.ts';
import { Cpu, CR0_PE, CS, DS, ES, SS } from './cpu.ts';
import { loadSegment, ltr, setCache, writeDescriptor } from './segments.ts';
import { resetCpu } from './system.ts';

export const GDT = 0x1000;
export const IDT = 0x2000;
export const TSS = 0x3000;
/** Ring-0 and ring-1 stack tops, as the TSS gives them. */
export const STACK0 = 0x9000;
export const STACK1 = 0x8000;

export const SEL_CODE0 = 0x08;
export const SEL_DATA0 = 0x10;
export const SEL_CODE3 = 0x1b;
export const SEL_DATA3 = 0x23;
export const SEL_TSS = 0x28;
export const SEL_CODE1 = 0x31;
export const SEL_DATA1 = 0x39;
/** Free GDT slots for a test's own descriptors: 0x40, 0x48, … 0x78. */
export const SEL_FREE = 0x40;

/** Writes the descriptor for `selector` (GDT) with a flat 4 GiB base/limit. */
export function flat(cpu: Cpu, selector: number, access: number): void {
  writeDescriptor(cpu.mem, GDT + (selector & 0xfff8), 0, 0xffffffff, access, 0xc);
}

/** A CPU in 32-bit protected mode at CPL 0, flat segments, TR loaded, paging off. */
export function protectedCpu(): Cpu {
  const cpu = new Cpu(new PhysMemory(4 << 20));
  resetCpu(cpu);
  flat(cpu, SEL_CODE0, 0x9b);
  flat(cpu, SEL_DATA0, 0x93);
  flat(cpu, SEL_CODE3, 0xfb);
  flat(cpu, SEL_DATA3, 0xf3);
  flat(cpu, SEL_CODE1, 0xbb);
  flat(cpu, SEL_DATA1, 0xb3);
  writeDescriptor(cpu.mem, GDT + SEL_TSS, TSS, 0x67, 0x89, 0);
  cpu.mem.write32(TSS + 4, STACK0);
  cpu.mem.write32(TSS + 8, SEL_DATA0);
  cpu.mem.write32(TSS + 12, STACK1);
  cpu.mem.write32(TSS + 16, SEL_DATA1);
  cpu.gdtBase = GDT;
  cpu.gdtLimit = 0x7f;
  cpu.idtBase = IDT;
  cpu.idtLimit = 0x7ff;
  cpu.cr0 |= CR0_PE;
  // CS as after the far jump that follows setting PE.
  setCache(
    cpu,
    CS,
    SEL_CODE0,
    cpu.mem.read32(GDT + SEL_CODE0),
    cpu.mem.read32(GDT + SEL_CODE0 + 4),
  );
  for (const seg of [DS, ES, SS]) loadSegment(cpu, seg, SEL_DATA0);
  ltr(cpu, SEL_TSS);
  cpu.reg32[4] = 0x7000;
  cpu.eip = 0x100000;
  cpu.instrStart = cpu.eip;
  return cpu;
}
