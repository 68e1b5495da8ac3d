import { describe, expect, it } from 'vitest';
import { PageKind, PhysMemory } from '../memory/memory.ts';
import {
  fetch8,
  readLinear8,
  readLinear32,
  writeLinear8,
  writeLinear16,
  writeLinear32,
} from './access.ts';
import { Cpu, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, EFER_NXE, VEC_PF } from './cpu.ts';
import { FAULT } from './fault.ts';
import {
  flushTlb,
  invalidatePage,
  PF_ID,
  PF_P,
  PF_RSVD,
  PF_U,
  PF_W,
  translateForHost,
} from './paging.ts';
import { resetCpu } from './system.ts';

const P = 1;
const RW = 2;
const US = 4;
const A = 0x20;
const D = 0x40;
const PS = 0x80;
const G = 0x100;

/** A CPU with 4 MiB of RAM, 32-bit paging: page directory at 0x1000, one table at 0x2000. */
function paged32(): Cpu {
  const cpu = new Cpu(new PhysMemory(4 << 20));
  resetCpu(cpu);
  cpu.cr3 = 0x1000;
  cpu.mem.write32(0x1000, 0x2000 | P | RW | US);
  cpu.cr0 |= CR0_PE | CR0_PG;
  return cpu;
}

function map(cpu: Cpu, linear: number, phys: number, bits: number) {
  cpu.mem.write32(0x2000 + ((linear >>> 12) & 0x3ff) * 4, phys | bits);
  invalidatePage(cpu, linear);
}

/** Runs `f`, expecting a #PF; returns [error code, CR2]. */
function pf(cpu: Cpu, f: () => void): [number, number] {
  try {
    f();
  } catch (e) {
    expect(e).toBe(FAULT);
    expect(cpu.faultVector).toBe(VEC_PF);
    return [cpu.faultErrorCode, cpu.cr2];
  }
  throw new Error('expected a page fault');
}

describe('32-bit paging', () => {
  it('translates through PDE and PTE and sets A, then D on write', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P | RW);
    cpu.mem.write32(0x9010, 0xdeadbeef);
    expect(readLinear32(cpu, 0x5010)).toBe(0xdeadbeef);
    expect(cpu.mem.read32(0x2014) & (A | D)).toBe(A);
    expect(cpu.mem.read32(0x1000) & A).toBe(A);
    writeLinear8(cpu, 0x5011, 0x11);
    expect(cpu.mem.read32(0x2014) & (A | D)).toBe(A | D);
    expect(cpu.mem.read8(0x9011)).toBe(0x11);
  });

  it('reports not-present faults with the exact error code and CR2', () => {
    const cpu = paged32();
    expect(pf(cpu, () => readLinear8(cpu, 0x7123))).toEqual([0, 0x7123]);
    expect(pf(cpu, () => writeLinear8(cpu, 0x7123, 1))).toEqual([PF_W, 0x7123]);
    cpu.cpl = 3;
    expect(pf(cpu, () => writeLinear8(cpu, 0x400000, 1))).toEqual([PF_W | PF_U, 0x400000]);
  });

  it('enforces U/S and R/W, and CR0.WP for supervisor writes', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P); // supervisor, read-only
    cpu.cpl = 3;
    expect(pf(cpu, () => readLinear8(cpu, 0x5000))).toEqual([PF_P | PF_U, 0x5000]);
    cpu.cpl = 0;
    writeLinear8(cpu, 0x5000, 7); // WP clear: supervisor may write read-only pages
    expect(cpu.mem.read8(0x9000)).toBe(7);
    cpu.cr0 |= CR0_WP;
    flushTlb(cpu, false);
    expect(pf(cpu, () => writeLinear8(cpu, 0x5000, 8))).toEqual([PF_P | PF_W, 0x5000]);
    map(cpu, 0x6000, 0xa000, P | US);
    cpu.cpl = 3;
    expect(readLinear8(cpu, 0x6000)).toBe(0);
    expect(pf(cpu, () => writeLinear8(cpu, 0x6000, 1))).toEqual([PF_P | PF_W | PF_U, 0x6000]);
  });

  it('checks both pages of a split access before writing anything', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P | RW);
    const [code, cr2] = pf(cpu, () => writeLinear32(cpu, 0x5ffe, 0x11223344));
    expect([code, cr2]).toEqual([PF_W, 0x6000]);
    expect(cpu.mem.read16(0x9ffe)).toBe(0);
    map(cpu, 0x6000, 0xb000, P | RW);
    writeLinear32(cpu, 0x5ffe, 0x11223344);
    expect(cpu.mem.read16(0x9ffe)).toBe(0x3344);
    expect(cpu.mem.read16(0xb000)).toBe(0x1122);
    expect(readLinear32(cpu, 0x5ffe)).toBe(0x11223344);
  });

  it('maps 4 MiB pages with CR4.PSE and reports reserved bits', () => {
    const cpu = paged32();
    cpu.cr4 |= CR4_PSE;
    cpu.mem.write32(0x1000 + 4 * 1, 0 | P | RW | PS); // 4-8 MiB → 0-4 MiB
    cpu.mem.write32(0x3456, 0xcafe);
    expect(readLinear32(cpu, 0x403456)).toBe(0xcafe);
    expect(cpu.mem.read32(0x1004) & A).toBe(A);
    cpu.mem.write32(0x1000 + 4 * 2, 0x20000 | P | PS); // bit 17: reserved with MAXPHYADDR 36
    expect(pf(cpu, () => readLinear8(cpu, 0x800000))).toEqual([PF_P | PF_RSVD, 0x800000]);
  });

  it('keeps stale translations until INVLPG or a CR3 flush, global ones across CR3', () => {
    const cpu = paged32();
    cpu.cr4 |= CR4_PGE;
    map(cpu, 0x5000, 0x9000, P | RW | G);
    map(cpu, 0x6000, 0xa000, P | RW);
    cpu.mem.write8(0x9000, 1);
    cpu.mem.write8(0xa000, 2);
    expect(readLinear8(cpu, 0x5000)).toBe(1);
    expect(readLinear8(cpu, 0x6000)).toBe(2);
    cpu.mem.write32(0x2000 + 5 * 4, 0xb000 | P | RW | G);
    cpu.mem.write32(0x2000 + 6 * 4, 0xb000 | P | RW);
    expect(readLinear8(cpu, 0x5000)).toBe(1); // stale: the TLB still has it
    flushTlb(cpu, true); // MOV CR3 with PGE: globals survive
    expect(readLinear8(cpu, 0x5000)).toBe(1);
    expect(readLinear8(cpu, 0x6000)).toBe(0);
    invalidatePage(cpu, 0x5000);
    expect(readLinear8(cpu, 0x5000)).toBe(0);
  });

  it('goes through MMIO handlers and drops writes to ROM', () => {
    const cpu = paged32();
    const seen: number[] = [];
    cpu.mem.mapMmio(0x300, 1, {
      read: () => 0x5a,
      write: (_a, _s, v) => {
        seen.push(v);
      },
    });
    cpu.mem.setKind(0x301, 1, PageKind.Rom);
    map(cpu, 0x5000, 0x300000, P | RW);
    map(cpu, 0x6000, 0x301000, P | RW);
    expect(readLinear8(cpu, 0x5000)).toBe(0x5a);
    writeLinear16(cpu, 0x5002, 0x1234);
    expect(seen).toEqual([0x1234]);
    writeLinear8(cpu, 0x6000, 9);
    expect(cpu.mem.read8(0x301000)).toBe(0);
  });

  it('translateForHost never faults, refuses read-only writes and sets A/D as hardware', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P);
    expect(translateForHost(cpu, 0x5123, true)).toBe(-1);
    expect(cpu.mem.read32(0x2014) & A).toBe(0);
    expect(translateForHost(cpu, 0x5123, false)).toBe(0x9123);
    expect(cpu.mem.read32(0x2014) & (A | D)).toBe(A);
    expect(translateForHost(cpu, 0x7000, false)).toBe(-1);
    map(cpu, 0x6000, 0xa000, P | RW);
    expect(translateForHost(cpu, 0x6010, true)).toBe(0xa010);
    expect(cpu.mem.read32(0x2018) & (A | D)).toBe(A | D);
    expect(cpu.cr2).toBe(0);
  });
});

describe('TLB permission bits and edge cases', () => {
  it('does not let a supervisor-filled entry serve a user access to a supervisor page', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P | RW);
    expect(readLinear8(cpu, 0x5000)).toBe(0);
    cpu.cpl = 3;
    expect(pf(cpu, () => readLinear8(cpu, 0x5000))).toEqual([PF_P | PF_U, 0x5000]);
  });

  it('takes U/S and R/W from every level: a supervisor PDE hides a user PTE', () => {
    const cpu = paged32();
    cpu.mem.write32(0x1000, 0x2000 | P | RW); // PDE without U/S
    map(cpu, 0x5000, 0x9000, P | RW | US);
    cpu.cpl = 3;
    expect(pf(cpu, () => readLinear8(cpu, 0x5000))).toEqual([PF_P | PF_U, 0x5000]);
  });

  it('ignores PS without CR4.PSE and G without CR4.PGE', () => {
    const cpu = paged32();
    cpu.mem.write32(0x1004, 0x3000 | P | RW | PS); // a page table at 0x3000 after all
    cpu.mem.write32(0x3000 + 2 * 4, 0xa000 | P | RW);
    cpu.mem.write8(0xa000, 0x42);
    expect(readLinear8(cpu, 0x402000)).toBe(0x42);
    map(cpu, 0x5000, 0x9000, P | RW | G);
    cpu.mem.write8(0x9000, 1);
    expect(readLinear8(cpu, 0x5000)).toBe(1);
    cpu.mem.write32(0x2000 + 5 * 4, 0xb000 | P | RW | G);
    flushTlb(cpu, true); // G is not honoured without PGE
    expect(readLinear8(cpu, 0x5000)).toBe(0);
  });

  it('drops every piece of a 4 MiB page on INVLPG of any address in it', () => {
    const cpu = paged32();
    cpu.cr4 |= CR4_PSE;
    cpu.mem.write32(0x1004, 0 | P | RW | PS); // 4–8 MiB → 0–4 MiB
    cpu.mem.write32(0x5000, 1);
    cpu.mem.write32(0x9000, 2);
    expect([readLinear32(cpu, 0x405000), readLinear32(cpu, 0x409000)]).toEqual([1, 2]);
    cpu.mem.write32(0x1004, 0x400000 | P | RW | PS); // now → 4–8 MiB: beyond RAM, all ones
    invalidatePage(cpu, 0x400000);
    expect([readLinear32(cpu, 0x405000), readLinear32(cpu, 0x409000)]).toEqual([
      0xffffffff, 0xffffffff,
    ]);
  });

  it('sets D on the first write even when a read filled the TLB first', () => {
    const cpu = paged32();
    map(cpu, 0x5000, 0x9000, P | RW);
    readLinear8(cpu, 0x5000);
    expect(cpu.mem.read32(0x2014) & D).toBe(0);
    writeLinear8(cpu, 0x5001, 1);
    expect(cpu.mem.read32(0x2014) & D).toBe(D);
  });
});

describe('PAE paging', () => {
  /** PDPT at 0x1000, PD at 0x2000 (PDPTE 0), PT at 0x3000 (PDE 0). */
  function pae(): Cpu {
    const cpu = new Cpu(new PhysMemory(4 << 20));
    resetCpu(cpu);
    cpu.cr3 = 0x1000;
    cpu.cr4 |= CR4_PAE;
    cpu.mem.write32(0x1000, 0x2000 | P);
    cpu.mem.write32(0x2000, 0x3000 | P | RW | US);
    cpu.cr0 |= CR0_PE | CR0_PG;
    return cpu;
  }

  it('walks three levels with 8-byte entries and 2 MiB pages', () => {
    const cpu = pae();
    cpu.mem.write32(0x3000 + 5 * 8, 0x9000 | P | RW);
    cpu.mem.write32(0x9044, 0x12345678);
    expect(readLinear32(cpu, 0x5044)).toBe(0x12345678);
    cpu.mem.write32(0x2008, 0x200000 | P | RW | PS); // 2-4 MiB → 2-4 MiB
    cpu.mem.write32(0x234560, 77);
    expect(readLinear32(cpu, 0x234560)).toBe(77);
    expect(cpu.mem.read32(0x2008) & A).toBe(A);
  });

  it('honours NX only with EFER.NXE, and treats bit 63 as reserved without it', () => {
    const cpu = pae();
    cpu.mem.write32(0x3000 + 5 * 8, 0x9000 | P | RW);
    cpu.mem.write32(0x3000 + 5 * 8 + 4, 0x80000000);
    expect(pf(cpu, () => readLinear8(cpu, 0x5000))).toEqual([PF_P | PF_RSVD, 0x5000]);
    cpu.efer |= EFER_NXE;
    expect(readLinear8(cpu, 0x5000)).toBe(0);
    cpu.eip = 0x5000;
    cpu.segBase[1] = 0;
    cpu.segLimit[1] = 0xffffffff;
    // An instruction fetch from an NX page: P | I/D.
    expect(pf(cpu, () => fetch8(cpu))).toEqual([PF_P | PF_ID, 0x5000]);
  });

  it('reports reserved bits 20:13 of a 2 MiB PDE', () => {
    const cpu = pae();
    cpu.mem.write32(0x2008, 0x200000 | P | RW | PS | 0x2000);
    expect(pf(cpu, () => readLinear8(cpu, 0x200000))).toEqual([PF_P | PF_RSVD, 0x200000]);
  });

  it('reports reserved PDPTE bits and address bits above 36', () => {
    const cpu = pae();
    cpu.mem.write32(0x1008, 0x4000 | P | 2);
    expect(pf(cpu, () => readLinear8(cpu, 0x40000000))).toEqual([PF_P | PF_RSVD, 0x40000000]);
    cpu.mem.write32(0x3000 + 6 * 8, 0x9000 | P);
    cpu.mem.write32(0x3000 + 6 * 8 + 4, 0x10);
    expect(pf(cpu, () => readLinear8(cpu, 0x6000))).toEqual([PF_P | PF_RSVD, 0x6000]);
  });
});
