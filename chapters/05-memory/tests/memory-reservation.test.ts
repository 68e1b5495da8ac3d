// 05-memory-reservation: memory_op's reservation ops — what a balloon driver uses to give
// pages back and take them again (book §5.5).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { buildGuest } from '../src/guests/index.ts';
import {
  __HYPERVISOR_memory_op,
  DOMID_SELF,
  MMUEXT_PIN_L1_TABLE,
  XENMEM_current_reservation,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
  XENMEM_maximum_reservation,
  XENMEM_populate_physmap,
} from '../src/xen/abi.ts';
import { OWNER_FREE } from '../src/xen/heap.ts';
import { getM2p, INVALID_M2P_ENTRY } from '../src/xen/mm.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { Xen } from '../src/xen/xen.ts';
import { BATCH, type Guest, guest } from './fixtures.ts';

const RESERVATION = 0x21800;
const FUEL = 2_000_000;

/** memory_op(cmd, reservation of `list`): extents at BATCH. Returns [result, extents after]. */
function reservation(g: Guest, cmd: number, list: number[]): [number, number[]] {
  const b = new Uint8Array(list.length * 4 + 20);
  const v = new DataView(b.buffer);
  v.setUint32(0, BATCH, true);
  v.setUint32(4, list.length, true);
  v.setUint16(16, DOMID_SELF, true);
  list.forEach((x, i) => {
    v.setUint32(20 + i * 4, x, true);
  });
  g.poke(RESERVATION, b.subarray(0, 20));
  g.poke(BATCH, b.subarray(20));
  const rc = g.hypercall(__HYPERVISOR_memory_op, [cmd, RESERVATION]);
  const out = g.peek(BATCH, list.length * 4);
  return [
    rc,
    list.map((_, i) => out.slice(i * 4, i * 4 + 4).reduce((a, x, k) => a + x * 256 ** k, 0)),
  ];
}

function query(g: Guest, cmd: number): number {
  g.poke(RESERVATION, [DOMID_SELF & 0xff, DOMID_SELF >> 8]);
  return g.hypercall(__HYPERVISOR_memory_op, [cmd, RESERVATION]);
}

describe('05-memory-reservation', () => {
  test('gives back unmapped pages; the counts and the M2P follow', () => {
    const rng = testRng('05-memory-reservation/decrease');
    const g = guest();
    const pages = g.domain.p2m.length;
    expect(query(g, XENMEM_current_reservation)).toBe(pages);
    expect(query(g, XENMEM_maximum_reservation)).toBe(pages);
    const pfns = new Set<number>();
    const n = 1 + rng.below(16);
    while (pfns.size < n) pfns.add(g.unmappedPfn(rng));
    const mfns = [...pfns].map((p) => g.mfn(p));
    const [rc] = reservation(g, XENMEM_decrease_reservation, mfns);
    expect(rc, `decrease_reservation of ${n} unmapped frames returns ${n}`).toBe(n);
    expect(query(g, XENMEM_current_reservation)).toBe(pages - n);
    for (const mfn of mfns) {
      expect(g.heap.owner[mfn], `frame ${mfn} is free again`).toBe(-1);
      expect(getM2p(g.heap, mfn)).toBe(INVALID_M2P_ENTRY);
    }
    expect(g.audit()).toEqual([]);
  });

  test('refuses a frame not its own, stopping there', () => {
    const rng = testRng('05-memory-reservation/refuse');
    const g = guest();
    const other = g.other();
    const foreign = other.p2m[0]!;
    const free = [0, 1].map(() => g.mfn(g.unmappedPfn(rng)));
    expect(reservation(g, XENMEM_decrease_reservation, [free[0]!, foreign, free[1]!])[0]).toBe(1);
    expect(g.heap.owner[foreign], 'the other domain keeps its frame').toBe(other.domid);
    expect(g.audit()).toEqual([]);
  });

  test('gives back a mapped frame: it leaves the P2M and is freed when its mapping goes', () => {
    const rng = testRng('05-memory-reservation/mapped');
    const g = guest();
    const va = g.freeVa(rng);
    const pfn = va / PAGE_SIZE;
    const mapped = g.mfn(pfn);
    const pages = query(g, XENMEM_current_reservation);
    expect(
      reservation(g, XENMEM_decrease_reservation, [mapped])[0],
      'Xen’s guest_remove_page takes a frame back even while the guest still maps it',
    ).toBe(1);
    expect(query(g, XENMEM_current_reservation)).toBe(pages - 1);
    expect(g.domain.p2m[pfn], 'gone from the P2M').toBe(INVALID_M2P_ENTRY);
    expect(getM2p(g.heap, mapped)).toBe(INVALID_M2P_ENTRY);
    expect(g.heap.owner[mapped], 'still mapped: not yet free').toBe(g.domain.domid);
    expect(g.uvm(va, 0, 0, 2), 'unmapping it').toBe(0);
    expect(g.heap.owner[mapped], 'the last reference gone, the frame is free').toBe(OWNER_FREE);
    expect(g.audit()).toEqual([]);
  });

  test('gives back a pinned page table: unpinned first, freed when unused', () => {
    const g = guest();
    const pfn = g.regionPages;
    const mfn = g.mfn(pfn);
    g.xen.mem.writeBytes(mfn * PAGE_SIZE, new Uint8Array(PAGE_SIZE));
    expect(g.mmuext([[MMUEXT_PIN_L1_TABLE, mfn]]).rc, 'pin an empty L1').toBe(0);
    expect(g.heap.pinned[mfn]).toBe(1);
    expect(reservation(g, XENMEM_decrease_reservation, [mfn])[0]).toBe(1);
    expect(g.heap.owner[mfn], 'unpinned and unused: free at once').toBe(OWNER_FREE);
    expect(g.audit()).toEqual([]);
  });

  test('never gives back a frame of another domain or one Xen still uses', () => {
    const rng = testRng('05-memory-reservation/isolation');
    const g = guest();
    // Frames that are not the domain's and that nothing maps (so no reference count stops them):
    // one of Xen's own (its IDT) and a free one.
    const free: number[] = [];
    for (let mfn = g.heap.owner.length - 1; free.length < 64 && mfn > 0; mfn--) {
      if (g.heap.owner[mfn] === OWNER_FREE) free.push(mfn);
    }
    const notOwn: [string, number][] = [
      ["Xen's own IDT", g.xen.area.idtMfn],
      ['a free frame', free[rng.below(free.length)]!],
    ];
    for (const [what, mfn] of notOwn) {
      const owner = g.heap.owner[mfn];
      expect(
        reservation(g, XENMEM_decrease_reservation, [mfn])[0],
        `frame ${mfn} is ${what}, mapped nowhere: domain ${g.domain.domid} may give back only ` +
          'frames it owns (heap.owner), or Xen would free memory it still uses',
      ).toBe(0);
      expect(g.heap.owner[mfn], `${what} keeps its owner`).toBe(owner);
    }
    const shared = g.domain.sharedInfoMfn;
    expect(
      reservation(g, XENMEM_decrease_reservation, [shared])[0],
      `frame ${shared} is the domain's shared info page: Xen writes it (time, events), so it is ` +
        'never given back, although no page table maps it (d.xenFrames)',
    ).toBe(0);
    expect(g.heap.owner[shared], 'shared info stays allocated').toBe(g.domain.domid);
    expect(g.audit()).toEqual([]);
  });

  test('grows back only up to its maximum; populate_physmap fills P2M and M2P', () => {
    const rng = testRng('05-memory-reservation/grow');
    const g = guest();
    const pages = g.domain.p2m.length;
    const pfns = new Set<number>();
    const n = 2 + rng.below(8);
    while (pfns.size < n) pfns.add(g.unmappedPfn(rng));
    const list = [...pfns];
    expect(reservation(g, XENMEM_increase_reservation, [0])[0], 'at its maximum').toBe(0);
    reservation(
      g,
      XENMEM_decrease_reservation,
      list.map((p) => g.mfn(p)),
    );
    const [rc, mfns] = reservation(g, XENMEM_populate_physmap, list);
    expect(rc, `populate_physmap of ${n} pfns`).toBe(n);
    mfns.forEach((mfn, i) => {
      expect(g.heap.owner[mfn], 'the new frame is the domain’s').toBe(g.domain.domid);
      expect(getM2p(g.heap, mfn), 'M2P[mfn] is the pfn it fills').toBe(list[i]);
      expect(g.domain.p2m[list[i]!]).toBe(mfn);
    });
    expect(query(g, XENMEM_current_reservation)).toBe(pages);
    expect(reservation(g, XENMEM_populate_physmap, [list[0]!])[0], 'full again').toBe(0);
  });

  test('the balloon guest shrinks to the target the toolstack set', async () => {
    const rng = testRng('05-memory-reservation/balloon');
    const xen = new Xen(new PhysMemory(48 << 20));
    const toolstack = new Toolstack(xen);
    const image = buildGuest('balloon.asm', guestSources(import.meta.url));
    const targetMiB = 5 + rng.below(10);
    const d = toolstack.createWithTarget(
      image,
      { name: 'balloon', memoryMiB: 16, cmdline: '' },
      targetMiB,
    );
    const free = xen.heap.free;
    toolstack.start(d);
    runDomains(xen, FUEL);
    const given = Math.min(1024, 4096 - targetMiB * 256);
    const mismatch = screenMismatch(await renderScreen(toolstack.console(d)), [
      `balloon: target ${targetMiB * 1024} KiB, gave back ${given} pages, now ${4096 - given} pages`,
    ]);
    expect(mismatch, `${mismatch}\n${xen.logLines.join('\n')}`).toBeUndefined();
    expect(xen.heap.free, `${given} frames went back to Xen`).toBe(free + given);
    expect(d.totPages).toBe(4096 - given);
  });
});
