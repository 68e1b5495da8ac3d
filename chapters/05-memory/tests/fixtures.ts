// Chapter 05's test fixtures: a booted (paused) guest whose hypercalls the test makes as if the
// guest ran `int $0x82`, with helpers to lay out mmu_update and mmuext_op batches in its memory,
// pick frames and addresses from the seed, and audit the frame table.

import { PAGE_SIZE, type Prng } from '../../../sim/host.ts';
import {
  __HYPERVISOR_mmu_update,
  __HYPERVISOR_mmuext_op,
  __HYPERVISOR_update_va_mapping,
  DOMID_SELF,
} from '../src/xen/abi.ts';
import { auditFrameTable, guestL1eAddress } from '../src/xen/mm.ts';
import { bootTestDomain, minimalKernel } from '../src/xen/testing/boot.ts';

export const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** Guest scratch pages for request batches (pfns 32–33: mapped, writable, unused). */
export const BATCH = 0x20000;
export const DONE = 0x21000;

/** A paused 16 MiB guest on a fresh Xen, and what the tests need to poke at it. */
export function guest() {
  const g = bootTestDomain();
  const { xen, domain, layout, hypercall, poke, cpu } = g;
  const heap = xen.heap;
  const regionPages = (layout.virtPgtabEnd - layout.virtBase) / PAGE_SIZE;
  const tablePfns = Array.from({ length: layout.nrPtFrames }, (_, i) => layout.pgtablesPfn + i);
  const u32 = (values: number[]) => {
    const b = new Uint8Array(values.length * 4);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => {
      v.setUint32(i * 4, x >>> 0, true);
    });
    return b;
  };
  return {
    ...g,
    heap,
    regionPages,
    tablePfns,
    mfn: (pfn: number) => domain.p2m[pfn]!,
    /** Free pages of the bootstrap region: mapped writable, used by nothing. */
    freeVa(rng: Prng): number {
      const first = layout.bootstackPfn + 1;
      for (;;) {
        const pfn = first + rng.below(regionPages - first);
        if (pfn !== BATCH >>> 12 && pfn !== DONE >>> 12) return pfn * PAGE_SIZE;
      }
    },
    /** A pfn past the bootstrap region: the domain's, mapped nowhere. */
    unmappedPfn(rng: Prng): number {
      return regionPages + rng.below(domain.p2m.length - regionPages);
    },
    uvm: (va: number, lo: number, hi = 0, flags = 0) =>
      hypercall(__HYPERVISOR_update_va_mapping, [va, lo, hi, flags]),
    /** mmu_update with requests [ptr, val] (32-bit halves: ptr high and val high are 0). */
    mmuUpdate(reqs: Array<[number, number]>, foreigndom = DOMID_SELF) {
      poke(BATCH, u32(reqs.flatMap(([ptr, val]) => [ptr, 0, val, 0])));
      const rc = hypercall(__HYPERVISOR_mmu_update, [BATCH, reqs.length, DONE, foreigndom]);
      return { rc, done: g.peek(DONE, 4).reduce((a, b, i) => a + b * 256 ** i, 0) };
    },
    /** mmuext_op with ops [cmd, arg1, arg2]. */
    mmuext(ops: Array<[number, number, number?]>) {
      poke(BATCH, u32(ops.flatMap(([cmd, a1, a2]) => [cmd, a1, a2 ?? 0])));
      const rc = hypercall(__HYPERVISOR_mmuext_op, [BATCH, ops.length, DONE, DOMID_SELF]);
      return { rc, done: g.peek(DONE, 4).reduce((a, b, i) => a + b * 256 ** i, 0) };
    },
    /** Machine address of the L1 entry that maps `va` in the running tables. */
    l1e: (va: number) => guestL1eAddress(heap, cpu, va),
    entry: (ma: number) => [xen.mem.read32(ma) >>> 0, xen.mem.read32(ma + 4) >>> 0],
    /** The frame table's violations, for every live domain's vCPUs. */
    audit(): string[] {
      const cr3s: number[] = [];
      for (const d of xen.domains.values()) {
        if (!d.destroyed) for (const v of d.vcpus) cr3s.push(v.cpu.cr3);
      }
      return auditFrameTable(heap, cr3s);
    },
    /** Another guest on the same Xen. */
    other() {
      return xen.createDomain(minimalKernel(), { name: 'other', memoryMiB: 4, cmdline: '' }).domain;
    },
  };
}

export type Guest = ReturnType<typeof guest>;
