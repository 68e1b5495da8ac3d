// 05-validate-l1e: what one L1 entry may map (book §5.2). The guest asks with
// update_va_mapping, as a real kernel would; Xen must refuse frames the guest does not own,
// forbidden flags, and writable mappings of its page tables, and count what it accepts.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { EINVAL } from '../src/xen/errno.ts';
import { getPageFromL1e, PGT_writable_page } from '../src/xen/mm.ts';
import { guest, hex } from './fixtures.ts';

const RW = 0x3;
const RO = 0x1;

describe('05-validate-l1e', () => {
  test("a guest cannot map Xen's frames, another guest's, or free ones", () => {
    const rng = testRng('05-validate-l1e/foreign');
    const g = guest();
    const other = g.other();
    const victims = [
      ['Xen’s M2P', g.heap.m2pMfns[rng.below(g.heap.m2pMfns.length)]!],
      ['Xen’s GDT', g.xen.area.gdtMfns[rng.below(g.xen.area.gdtMfns.length)]!],
      ['another guest’s', other.p2m[rng.below(other.p2m.length)]!],
      ['a free', g.heap.owner.indexOf(-1, g.heap.owner.length - 4096 + rng.below(1000))],
    ] as const;
    for (const [what, mfn] of victims) {
      const va = g.freeVa(rng);
      const before = g.entry(g.l1e(va));
      for (const flags of [RW, RO]) {
        expect(
          g.uvm(va, mfn * PAGE_SIZE + flags),
          `update_va_mapping(${hex(va)}, ${what} frame ${mfn} | ${flags}) must be refused ` +
            'with -EINVAL: a PV guest may map only frames it owns (book §5.2)',
        ).toBe(-EINVAL);
      }
      expect(g.entry(g.l1e(va)), 'a refused update leaves the entry as it was').toEqual(before);
    }
    expect(g.audit()).toEqual([]);
  });

  test('a writable mapping takes a writable-type reference, a read-only one does not', () => {
    const rng = testRng('05-validate-l1e/counts');
    const g = guest();
    const pfn = g.unmappedPfn(rng);
    const mfn = g.mfn(pfn);
    const [va1, va2] = [g.freeVa(rng), g.freeVa(rng)];
    expect(g.uvm(va1, mfn * PAGE_SIZE + RW)).toBe(0);
    expect(g.heap.type[mfn], `frame ${mfn} mapped writable has the writable type`).toBe(
      PGT_writable_page,
    );
    expect([g.heap.count[mfn], g.heap.typeCount[mfn]], 'general / type count').toEqual([1, 1]);
    if (va2 !== va1) {
      expect(g.uvm(va2, mfn * PAGE_SIZE + RO)).toBe(0);
      expect(
        [g.heap.count[mfn], g.heap.typeCount[mfn]],
        'a second, read-only mapping adds a general reference only',
      ).toEqual([2, 1]);
    }
    expect(g.audit()).toEqual([]);
  });

  test('refuses cache-control bits and reserved high bits, takes the global bit', () => {
    const rng = testRng('05-validate-l1e/flags');
    const g = guest();
    const mfn = g.mfn(g.unmappedPfn(rng));
    const bad: Array<[number, number, string]> = [
      [0x10, 0, 'PCD'],
      [0x08, 0, 'PWT'],
      [0x80, 0, 'PAT'],
      [0, 1 << (12 + rng.below(19)), 'a reserved bit between 44 and 62'],
    ];
    for (const [lo, hi, what] of bad) {
      expect(
        getPageFromL1e(g.heap, mfn * PAGE_SIZE + RW + lo, hi, g.domain.domid),
        `an entry with ${what} set must be -EINVAL (book §5.2)`,
      ).toBe(-EINVAL);
    }
    expect([g.heap.count[mfn], g.heap.typeCount[mfn]], 'refusals take no reference').toEqual([
      0, 0,
    ]);
    expect(getPageFromL1e(g.heap, 0xfffff000 & ~1, 0, g.domain.domid), 'not present').toBe(0);
    expect(
      getPageFromL1e(g.heap, mfn * PAGE_SIZE + RW + 0x100, 0, g.domain.domid),
      'G (global) is allowed in an L1 entry, as Xen allows it for user mappings (book §5.2)',
    ).toBe(0);
    expect([g.heap.count[mfn], g.heap.typeCount[mfn]]).toEqual([1, 1]);
  });

  test('a page-table page can be mapped read-only but never writable', () => {
    const rng = testRng('05-validate-l1e/tables');
    const g = guest();
    for (let i = 0; i < 4; i++) {
      const pfn = g.tablePfns[rng.below(g.tablePfns.length)]!;
      const va = g.freeVa(rng);
      expect(
        g.uvm(va, g.mfn(pfn) * PAGE_SIZE + RW),
        `mapping page-table frame ${g.mfn(pfn)} (pfn ${pfn}) writable must be -EINVAL: the ` +
          'guest could then rewrite its tables behind Xen’s back',
      ).toBe(-EINVAL);
      expect(g.uvm(va, g.mfn(pfn) * PAGE_SIZE + RO), 'read-only is fine').toBe(0);
    }
    expect(g.audit()).toEqual([]);
  });
});
