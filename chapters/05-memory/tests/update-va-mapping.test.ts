// 05-update-va-mapping: the guest changes the mapping of one of its virtual addresses; the CPU
// must see the new frame, and the references must follow (book §5.7).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, translateForHost } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { HYPERVISOR_VIRT_START, UVMF_ALL, UVMF_INVLPG, UVMF_TLB_FLUSH } from '../src/xen/abi.ts';
import { EFAULT, EINVAL } from '../src/xen/errno.ts';
import { guest, hex } from './fixtures.ts';

describe('05-update-va-mapping', () => {
  test('maps another of its frames at a virtual address; the CPU reads it there', () => {
    const rng = testRng('05-update-va-mapping/map');
    const g = guest();
    const va = g.freeVa(rng);
    const oldMfn = g.mfn(va / PAGE_SIZE);
    const mfn = g.mfn(g.unmappedPfn(rng));
    const marker = rng.nextU32();
    g.xen.mem.write32(mfn * PAGE_SIZE + 0x40, marker);
    const flags = [0, UVMF_INVLPG, UVMF_TLB_FLUSH, UVMF_INVLPG | UVMF_ALL][rng.below(4)]!;
    expect(g.uvm(va, mfn * PAGE_SIZE + 0x3, 0, flags)).toBe(0);
    expect(translateForHost(g.cpu, va + 0x40, false), `${hex(va)} now maps frame ${mfn}`).toBe(
      mfn * PAGE_SIZE + 0x40,
    );
    expect(g.peek(va + 0x40, 4).reduce((a, b, i) => a + b * 256 ** i, 0)).toBe(marker);
    expect(g.heap.count[oldMfn], 'the frame mapped before lost its reference').toBe(0);
    expect(g.uvm(va, 0, 0, UVMF_INVLPG), 'unmap').toBe(0);
    expect(translateForHost(g.cpu, va, false), 'not present any more').toBe(-1);
    expect([g.heap.count[mfn], g.heap.typeCount[mfn]]).toEqual([0, 0]);
    expect(g.audit()).toEqual([]);
  });

  test('refuses addresses in the hypervisor hole and where no L1 exists', () => {
    const rng = testRng('05-update-va-mapping/refuse');
    const g = guest();
    const mfn = g.mfn(g.unmappedPfn(rng));
    const hole = HYPERVISOR_VIRT_START + rng.below(0x100000000 - HYPERVISOR_VIRT_START);
    expect(g.uvm(hole, mfn * PAGE_SIZE + 1), `${hex(hole)} is Xen's`).toBe(-EINVAL);
    const noL1 = 0x40000000 + rng.below(0x40000000);
    expect(g.uvm(noL1, mfn * PAGE_SIZE + 1), `${hex(noL1)} has no L1`).toBe(-EINVAL);
    expect(g.heap.count[mfn]).toBe(0);
    const va = g.freeVa(rng);
    expect(g.uvm(va, mfn * PAGE_SIZE + 1), 'where there is an L1, the mapping is made').toBe(0);
    expect(g.heap.count[mfn], 'and counted: one read-only mapping, one reference').toBe(1);
  });

  test('an entry Xen refuses is an error for the guest, and the old mapping stays', () => {
    const rng = testRng('05-update-va-mapping/refused-entry');
    const g = guest();
    const va = g.freeVa(rng);
    const before = g.entry(g.l1e(va));
    const table = g.mfn(g.tablePfns[rng.below(g.tablePfns.length)]!);
    const foreign = g.other().p2m[0]!;
    const refused: [string, number][] = [
      [`page-table frame ${table} mapped writable`, table * PAGE_SIZE + 0x3],
      [`frame ${foreign} of another domain`, foreign * PAGE_SIZE + 0x1],
    ];
    for (const [what, lo] of refused) {
      expect(
        g.uvm(va, lo, 0, UVMF_INVLPG),
        `update_va_mapping(${hex(va)}, ${what}): modPageTableEntry refuses the entry, and ` +
          'update_va_mapping returns its error (-EINVAL) to the guest',
      ).toBe(-EINVAL);
      expect(g.entry(g.l1e(va)), `${what}: the L1 entry is unchanged`).toEqual(before);
    }
    expect(g.audit()).toEqual([]);
  });

  test('a multi-vCPU flush mask that cannot be read is -EFAULT', () => {
    const rng = testRng('05-update-va-mapping/mask');
    const g = guest();
    const va = g.freeVa(rng);
    const badMask = HYPERVISOR_VIRT_START + 0x1000 * rng.below(16);
    const mfn = g.mfn(g.unmappedPfn(rng));
    expect(g.uvm(va, mfn * PAGE_SIZE + 0x3, 0, UVMF_INVLPG | badMask)).toBe(-EFAULT);
    expect(
      [g.heap.count[mfn], g.heap.typeCount[mfn]],
      'the mapping itself was made (and counted) before the flush failed, as in Xen',
    ).toEqual([1, 1]);
  });
});
