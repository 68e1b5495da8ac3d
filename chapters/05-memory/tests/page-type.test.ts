// 05-page-type: type references and validation (book §5.2). A frame keeps its type while it has
// type references; becoming a page table validates it. A seeded random sequence of valid and
// invalid operations checks the invariants after every step.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, type Prng } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  MMUEXT_NEW_BASEPTR,
  MMUEXT_PIN_L1_TABLE,
  MMUEXT_PIN_L2_TABLE,
  MMUEXT_PIN_L3_TABLE,
  MMUEXT_UNPIN_TABLE,
} from '../src/xen/abi.ts';
import { EINVAL } from '../src/xen/errno.ts';
import {
  getPage,
  getPageType,
  PGT_l1_page_table,
  PGT_none,
  PGT_writable_page,
  putPage,
  putPageType,
} from '../src/xen/mm.ts';
import { type Guest, guest, hex } from './fixtures.ts';

/** Writes a would-be L1 into frame `mfn`: `n` entries mapping the given frames read-only. */
function writeL1(g: Guest, mfn: number, targets: number[], flags = 0x1) {
  g.xen.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0);
  targets.forEach((t, i) => {
    g.xen.mem.write32(mfn * PAGE_SIZE + i * 8, t * PAGE_SIZE + flags);
  });
}

describe('05-page-type', () => {
  test('a frame keeps its type while it has type references', () => {
    const rng = testRng('05-page-type/keep');
    const g = guest();
    const mfn = g.mfn(g.unmappedPfn(rng));
    const d = g.domain.domid;
    expect(getPage(g.heap, mfn, d)).toBe(true);
    expect(getPageType(g.heap, mfn, PGT_writable_page)).toBe(0);
    expect(getPageType(g.heap, mfn, PGT_writable_page), 'the same type again counts').toBe(0);
    expect(g.heap.typeCount[mfn]).toBe(2);
    expect(
      getPageType(g.heap, mfn, PGT_l1_page_table),
      'a writable frame cannot become an L1 while it is mapped writable (book §5.2)',
    ).toBe(-EINVAL);
    putPageType(g.heap, mfn);
    putPageType(g.heap, mfn);
    expect(getPageType(g.heap, mfn, PGT_l1_page_table), 'with no references it may').toBe(0);
    expect(g.heap.type[mfn]).toBe(PGT_l1_page_table);
    putPageType(g.heap, mfn);
    putPage(g.heap, mfn);
    expect(g.heap.type[mfn], 'the last reference of a table type ends it').toBe(PGT_none);
  });

  test('becoming a page table validates every entry, and a bad one refuses it whole', () => {
    const rng = testRng('05-page-type/validate');
    const g = guest();
    const table = g.mfn(g.unmappedPfn(rng));
    const targets = Array.from({ length: 1 + rng.below(40) }, () => g.mfn(g.unmappedPfn(rng)));
    writeL1(g, table, targets);
    expect(g.mmuext([[MMUEXT_PIN_L1_TABLE, table]]).rc, 'a valid L1 pins').toBe(0);
    for (const t of targets) {
      expect(g.heap.count[t], `frame ${t} mapped by the new L1 holds a reference`).toBeGreaterThan(
        0,
      );
    }
    expect(g.audit()).toEqual([]);
    expect(g.mmuext([[MMUEXT_UNPIN_TABLE, table]]).rc).toBe(0);
    for (const t of targets) expect(g.heap.count[t], 'unpinning releases them').toBe(0);

    const bad = rng.below(targets.length);
    targets[bad] = g.xen.area.idtMfn;
    writeL1(g, table, targets);
    expect(
      g.mmuext([[MMUEXT_PIN_L1_TABLE, table]]).rc,
      `an L1 whose entry ${bad} maps Xen's IDT frame must not validate`,
    ).toBe(-EINVAL);
    expect([g.heap.type[table], g.heap.typeCount[table]], 'and it stays untyped').toEqual([
      PGT_none,
      0,
    ]);
    expect(g.audit(), 'the entries before the bad one gave their references back').toEqual([]);
  });

  test('a frame mapped writable cannot become a page table, nor a table writable', () => {
    const rng = testRng('05-page-type/exclusive');
    const g = guest();
    const table = g.mfn(g.unmappedPfn(rng));
    writeL1(g, table, []);
    const va = g.freeVa(rng);
    expect(g.uvm(va, table * PAGE_SIZE + 0x3)).toBe(0);
    expect(g.mmuext([[MMUEXT_PIN_L1_TABLE, table]]).rc, 'still mapped writable').toBe(-EINVAL);
    expect(g.uvm(va, 0)).toBe(0);
    expect(g.mmuext([[MMUEXT_PIN_L1_TABLE, table]]).rc, 'unmapped: now it may').toBe(0);
    expect(g.uvm(va, table * PAGE_SIZE + 0x3), 'and now it cannot be mapped writable').toBe(
      -EINVAL,
    );
    expect(g.audit()).toEqual([]);
  });

  test('mmu_update cannot link a writable page as an L1, nor touch Xen’s slots', () => {
    const rng = testRng('05-page-type/mmu-update');
    const g = guest();
    const l3 = g.cpu.cr3;
    const l2 = (g.xen.mem.read32(l3) & ~0xfff) >>> 0;
    const slot = 2 + rng.below(500);
    const writablePage = g.mfn(g.freeVa(rng) / PAGE_SIZE);
    const r = g.mmuUpdate([[l2 + slot * 8, writablePage * PAGE_SIZE + 0x67]]);
    expect(
      r.rc,
      `an L2 entry pointing at frame ${writablePage}, which the guest maps writable, would make ` +
        'it a page table the guest can write: -EINVAL (book §5.2)',
    ).toBe(-EINVAL);
    expect(r.done).toBe(0);
    const table = g.mfn(g.unmappedPfn(rng));
    writeL1(g, table, [g.mfn(g.unmappedPfn(rng))]);
    expect(g.mmuUpdate([[l2 + slot * 8, table * PAGE_SIZE + 0x67]]).rc, 'a clean L1 links').toBe(0);
    expect([g.heap.type[table], g.heap.typeCount[table]]).toEqual([PGT_l1_page_table, 1]);
    const xenL2 = (g.xen.mem.read32(l3 + 24) & ~0xfff) >>> 0;
    const xenSlot = 428 + rng.below(84);
    expect(
      g.mmuUpdate([[xenL2 + xenSlot * 8, table * PAGE_SIZE + 0x67]]).rc,
      `slot ${xenSlot} of the slot-3 L2 is Xen's (0xF5800000 and up)`,
    ).toBe(-EINVAL);
    expect(g.audit()).toEqual([]);
  });

  test('after a seeded random sequence of valid and invalid operations the invariants hold', () => {
    const rng = testRng('05-page-type/random');
    const g = guest();
    const pool = Array.from({ length: 24 }, () => g.mfn(g.unmappedPfn(rng)));
    const foreign = [g.xen.area.idtMfn, g.other().p2m[0]!, g.heap.m2pMfns[0]!];
    const vas = Array.from({ length: 12 }, () => g.freeVa(rng));
    const pick = <T>(r: Prng, xs: readonly T[]) => xs[r.below(xs.length)]!;
    const frame = (r: Prng) =>
      r.below(10) === 0
        ? pick(r, foreign)
        : r.below(4) === 0
          ? g.mfn(pick(r, g.tablePfns))
          : pick(r, pool);
    for (let step = 0; step < 300; step++) {
      const op = rng.below(6);
      let what: string;
      if (op === 0) {
        // The guest writes a frame it may write: one that is not a table (or descriptor page).
        const f = pick(rng, pool);
        const writable = g.heap.typeCount[f] === 0 || g.heap.type[f] === PGT_writable_page;
        if (writable) writeL1(g, f, [pick(rng, pool), frame(rng)], pick(rng, [0x1, 0x3]));
        what = `write frame ${f}`;
      } else if (op <= 2) {
        const va = pick(rng, vas);
        const f = frame(rng);
        const flags = rng.below(3) === 0 ? 0 : pick(rng, [0x1, 0x3, 0x103]);
        g.uvm(va, f * PAGE_SIZE + flags);
        what = `update_va_mapping(${hex(va)}, ${hex(f * PAGE_SIZE + flags)})`;
      } else if (op === 3) {
        const f = frame(rng);
        const cmd = pick(rng, [MMUEXT_PIN_L1_TABLE, MMUEXT_PIN_L2_TABLE, MMUEXT_PIN_L3_TABLE]);
        g.mmuext([[cmd, f]]);
        what = `pin ${cmd} of ${f}`;
      } else if (op === 4) {
        const f = frame(rng);
        g.mmuext([[MMUEXT_UNPIN_TABLE, f]]);
        what = `unpin ${f}`;
      } else {
        const f = rng.below(2) === 0 ? g.mfn(g.tablePfns[0]!) : frame(rng);
        g.mmuext([[MMUEXT_NEW_BASEPTR, f]]);
        what = `new baseptr ${f}`;
      }
      const problems = g.audit();
      expect(problems, `after step ${step} (${what}) the frame table must be consistent`).toEqual(
        [],
      );
    }
    // Undo every mapping the sequence made: nothing is left referring to the pool.
    for (const va of vas) g.uvm(va, 0);
    for (const f of pool) if (g.heap.pinned[f]) g.mmuext([[MMUEXT_UNPIN_TABLE, f]]);
    expect(g.audit()).toEqual([]);
  });
});
