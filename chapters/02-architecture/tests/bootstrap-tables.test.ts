// 02-bootstrap-tables: the PAE page tables a PV kernel starts on (book §2.1). Each test plans
// domains of every shape (kernels linked at 0 and at 0xC0000000, small and large, of random
// sizes, on shuffled frames), runs buildPaeTables alone, and walks the result with the emulated
// CPU's own MMU.

import { describe, expect, test } from 'vitest';
import {
  Cpu,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_PAE,
  PAGE_SIZE,
  type Prng,
  translateForHost,
} from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { HYPERVISOR_VIRT_START } from '../src/xen/abi.ts';
import { buildPaeTables } from '../src/xen/builder.ts';
import { GDT_VIRT_START, IDT_VIRT_START, TSS_VIRT_START } from '../src/xen/x86-desc.ts';
import { type PlannedDomain, plannedDomains } from './fixtures.ts';

const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Builds the tables of domains of every shape; returns each with a CPU on them, as Xen loads
 * CR3 for vCPU 0. */
function tables(rng: Prng) {
  return plannedDomains(rng).map(tablesOf);
}

function tablesOf(p: PlannedDomain) {
  buildPaeTables(p.mem, p.d, p.lay, p.area);
  const cpu = new Cpu(p.mem);
  cpu.cr0 = CR0_PE | CR0_PG | CR0_WP;
  cpu.cr4 = CR4_PAE;
  cpu.cr3 = p.d.p2m[p.lay.pgtablesPfn]! * PAGE_SIZE;
  const pages = (p.lay.virtPgtabEnd - p.lay.virtBase) / PAGE_SIZE;
  const where =
    `a region of ${pages} pages at ${hex(p.lay.virtBase)} (tables at pfn ${p.lay.pgtablesPfn}, ` +
    `${p.lay.nrPtFrames} frames: 1 L3, ${p.lay.l2Count} L2, ${p.lay.l1Count} L1)`;
  return { ...p, cpu, pages, where };
}

describe('02-bootstrap-tables', () => {
  test('maps virtual page k of the region to the machine frame of pfn k', () => {
    for (const t of tables(testRng('02-bootstrap-tables/map')))
      for (let k = 0; k < t.pages; k++) {
        const va = t.lay.virtBase + k * PAGE_SIZE + ((k * 40) % PAGE_SIZE);
        const expected = t.d.p2m[k]! * PAGE_SIZE + ((k * 40) % PAGE_SIZE);
        const got = translateForHost(t.cpu, va, false);
        if (got !== expected) {
          expect(
            got === -1 ? 'a page fault' : hex(got),
            `${t.where}: virtual ${hex(va)} (pfn ${k}) must reach machine ${hex(expected)}, as ` +
              'the CPU walks L3 → L2 → L1. Entries hold machine addresses (d.p2m[pfn] * 4096), ' +
              'and a PAE L3 entry may carry only the present bit (book §2.1)',
          ).toBe(hex(expected));
        }
      }
  });

  test('maps the page-table frames read-only and everything else writable', () => {
    for (const t of tables(testRng('02-bootstrap-tables/protection'))) {
      const first = t.lay.pgtablesPfn;
      const last = first + t.lay.nrPtFrames - 1;
      for (let k = 0; k < t.pages; k++) {
        const va = t.lay.virtBase + k * PAGE_SIZE;
        const isTable = k >= first && k <= last;
        const writable = translateForHost(t.cpu, va, true) >= 0;
        expect(
          writable,
          isTable
            ? `${t.where}: pfn ${k} is a page-table frame; a PV guest may read its tables but ` +
                'never write them, so its L1 entry lacks _PAGE_RW (book §2.1, chapter 5)'
            : `${t.where}: pfn ${k} (${hex(va)}) is ordinary memory and must be writable`,
        ).toBe(!isTable);
      }
    }
  });

  test('maps nothing outside the region', () => {
    const rng = testRng('02-bootstrap-tables/outside');
    for (const t of tables(rng)) {
      const outside: number[] = [t.lay.virtPgtabEnd, HYPERVISOR_VIRT_START - PAGE_SIZE];
      for (let i = 0; i < 32; i++) {
        outside.push(t.lay.virtPgtabEnd + rng.below(HYPERVISOR_VIRT_START - t.lay.virtPgtabEnd));
        if (t.lay.virtBase > 0) outside.push(rng.below(t.lay.virtBase));
      }
      for (const va of outside) {
        expect(
          translateForHost(t.cpu, va, false),
          `${t.where}: ${hex(va)} lies outside [${hex(t.lay.virtBase)}, ` +
            `${hex(t.lay.virtPgtabEnd)}) and must not be mapped`,
        ).toBe(-1);
      }
    }
  });

  test("leaves Xen's own area mapped in L3 slot 3, for Xen only", () => {
    for (const t of tables(testRng('02-bootstrap-tables/xen-area'))) {
      const expected: [string, number, number][] = [
        ['GDT', GDT_VIRT_START, t.area.gdtMfns[0]!],
        ['IDT', IDT_VIRT_START, t.area.idtMfn],
        ['TSS', TSS_VIRT_START, t.area.tssMfn],
      ];
      for (const [what, va, mfn] of expected) {
        expect(
          translateForHost(t.cpu, va, false),
          `${t.where}: Xen's ${what} at ${hex(va)} must stay reachable through the guest's tables: ` +
            'write xenAreaL2Entry(area) in slot XEN_AREA_L2_SLOT of the L2 that L3 slot 3 points ' +
            'to, giving slot 3 an L2 of its own when the region lies below 0xC0000000',
        ).toBe(mfn * PAGE_SIZE);
      }
    }
  });
});
