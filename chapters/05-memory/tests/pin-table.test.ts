// 05-pin-table: pinning keeps a table validated while it is not in use; the page-table base
// (MMUEXT_NEW_BASEPTR) needs a table that validates (book §5.7).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  MMUEXT_NEW_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_UNPIN_TABLE,
} from '../src/xen/abi.ts';
import { EINVAL } from '../src/xen/errno.ts';
import { PGT_l1_page_table, PGT_l3_page_table, PGT_none } from '../src/xen/mm.ts';
import { guest } from './fixtures.ts';

describe('05-pin-table', () => {
  test('a pin is one type reference, taken once and given back by unpin', () => {
    const rng = testRng('05-pin-table/counts');
    const g = guest();
    const mfn = g.mfn(g.unmappedPfn(rng));
    expect(g.mmuext([[MMUEXT_PIN_L1_TABLE, mfn]]).rc).toBe(0);
    expect([g.heap.type[mfn], g.heap.typeCount[mfn], g.heap.pinned[mfn]]).toEqual([
      PGT_l1_page_table,
      1,
      1,
    ]);
    const again = g.mmuext([[MMUEXT_PIN_L1_TABLE, mfn]]);
    expect(again.rc, 'pinning a pinned frame is -EINVAL').toBe(-EINVAL);
    expect(again.done, 'done counts the ops before the failing one').toBe(0);
    expect(g.heap.typeCount[mfn], 'and leaves its count alone').toBe(1);
    expect(g.mmuext([[MMUEXT_UNPIN_TABLE, mfn]]).rc).toBe(0);
    expect([g.heap.type[mfn], g.heap.typeCount[mfn], g.heap.pinned[mfn]]).toEqual([PGT_none, 0, 0]);
    expect(g.mmuext([[MMUEXT_UNPIN_TABLE, mfn]]).rc, 'unpinning twice is -EINVAL').toBe(-EINVAL);
    expect(g.audit()).toEqual([]);
  });

  test('the table in use stays a table after unpin, and cannot be mapped writable', () => {
    const rng = testRng('05-pin-table/in-use');
    const g = guest();
    const l3 = g.cpu.cr3 / PAGE_SIZE;
    expect(g.heap.pinned[l3], 'the builder pinned the bootstrap L3').toBe(1);
    expect(g.heap.typeCount[l3], 'pin + CR3').toBe(2);
    expect(g.mmuext([[MMUEXT_UNPIN_TABLE, l3]]).rc).toBe(0);
    expect(
      [g.heap.type[l3], g.heap.typeCount[l3]],
      'CR3 still holds it: unpinning a table in use does not free it (book §5.7)',
    ).toEqual([PGT_l3_page_table, 1]);
    expect(g.uvm(g.freeVa(rng), l3 * PAGE_SIZE + 0x3), 'so it still cannot be writable').toBe(
      -EINVAL,
    );
    expect(g.audit()).toEqual([]);
  });

  test('CR3 cannot be loaded with a table that does not validate', () => {
    const rng = testRng('05-pin-table/baseptr');
    const g = guest();
    const cr3 = g.cpu.cr3;
    const junk = g.mfn(g.unmappedPfn(rng));
    g.xen.mem.write32(junk * PAGE_SIZE + 3 * 8, g.xen.area.idtMfn * PAGE_SIZE + 1);
    expect(
      g.mmuext([[MMUEXT_NEW_BASEPTR, junk]]).rc,
      'an L3 whose slot 3 points at a Xen frame must not become the page-table base',
    ).toBe(-EINVAL);
    const other = g.other().p2m[0]!;
    expect(g.mmuext([[MMUEXT_NEW_BASEPTR, other]]).rc, "another domain's frame").toBe(-EINVAL);
    expect(g.cpu.cr3, 'CR3 is unchanged after refusals').toBe(cr3);
    expect(g.audit()).toEqual([]);
  });

  test('a new L3 built from copies of the bootstrap tables pins and becomes CR3', () => {
    const rng = testRng('05-pin-table/switch');
    const g = guest();
    const mem = g.xen.mem;
    const oldL3 = g.cpu.cr3 / PAGE_SIZE;
    const newL3 = g.mfn(g.unmappedPfn(rng));
    let newL2 = newL3;
    while (newL2 === newL3) newL2 = g.mfn(g.unmappedPfn(rng));
    // A new L3 sharing slot 0's L2 with the old one, and its own (empty) slot-3 L2.
    mem.writeBytes(newL3 * PAGE_SIZE, mem.readBytes(oldL3 * PAGE_SIZE, 16));
    mem.write32(newL3 * PAGE_SIZE + 24, newL2 * PAGE_SIZE + 1);
    mem.fill(newL2 * PAGE_SIZE, PAGE_SIZE, 0);
    const r = g.mmuext([
      [MMUEXT_PIN_L3_TABLE, newL3],
      [MMUEXT_NEW_BASEPTR, newL3],
      [MMUEXT_UNPIN_TABLE, oldL3],
    ]);
    expect(r, 'pin, switch and unpin the old one, as GRUB does').toEqual({ rc: 0, done: 3 });
    expect(g.cpu.cr3).toBe(newL3 * PAGE_SIZE);
    expect(g.heap.typeCount[oldL3], 'the old L3 is no table any more').toBe(0);
    expect(
      mem.read32(newL2 * PAGE_SIZE + 428 * 8),
      'validating the slot-3 L2 installed Xen’s M2P slot',
    ).toBe(g.heap.m2pL1Mfn * PAGE_SIZE + 0x25);
    expect(g.audit()).toEqual([]);
  });
});
