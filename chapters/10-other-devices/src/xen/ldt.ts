// Your working copy for chapter 10, generated from solutions/xen/ldt.ts by npx xenlab stage.
// A guest's local descriptor table: MMUEXT_SET_LDT: book §5.3; Xen xen/arch/x86/mm.c
// (MMUEXT_SET_LDT, invalidate_shadow_ldt), traps.c (map_ldt_shadow_page), docs/xen-abi.md §5.4.
//
// The CPU reads the LDT through the guest's own mapping of it. Every page of it is taken as a
// descriptor page (PGT_seg_desc_page), so each descriptor is checked and the guest can no
// longer map the page writable. Xen validates LDT pages lazily, on the first fault in its
// per-vCPU shadow mapping; xenlab validates them when the LDT is set, and unloads the LDT as
// soon as a page-table change makes its addresses reach other frames (Xen drops its shadow
// mapping then too), so the CPU never reads a descriptor Xen did not check.

import { LDTR, PAGE_SIZE, translateForHost } from '../../../../sim/host.ts';
import { HYPERVISOR_VIRT_START } from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EINVAL } from './errno.ts';
import type { Heap } from './heap.ts';
import { perVcpu } from './mechanism.ts';
import { flushDeferred, getPageAndType, PGT_seg_desc_page, putPageAndType } from './mm.ts';

/** An LDT MMUEXT_SET_LDT loaded: its address, entries, and the frames validated for it. */
export interface LoadedLdt {
  base: number;
  ents: number;
  mfns: number[];
}

/** The LDT `v` has loaded, if any (Xen: struct pv_vcpu's ldt_base, ldt_ents). */
export const vcpuLdt = perVcpu((): { loaded: LoadedLdt | null } => ({ loaded: null }));

/** The descriptor-table limit of 8192 entries (LDT_ENTRY_SIZE 8). */
const MAX_LDT_ENTS = 8192;
const LDT_ACCESS = 0x82; // present, system type 2 (LDT)

/** The frames the LDT's pages map now, or null where a page is not mapped. */
function ldtFrames(v: Vcpu, base: number, ents: number): Array<number | null> {
  const frames: Array<number | null> = [];
  for (let off = 0; off < ents * 8; off += PAGE_SIZE) {
    const pa = translateForHost(v.cpu, base + off, false);
    frames.push(pa < 0 ? null : Math.floor(pa / PAGE_SIZE));
  }
  return frames;
}

/** Drops the vCPU's LDT: its pages' references and the CPU's LDTR. */
export function unloadLdt(heap: Heap, v: Vcpu): void {
  const state = vcpuLdt(v);
  for (const mfn of state.loaded?.mfns ?? []) putPageAndType(heap, mfn);
  state.loaded = null;
  const cpu = v.cpu;
  cpu.segSelector[LDTR] = 0;
  cpu.segBase[LDTR] = 0;
  cpu.segLimit[LDTR] = 0;
  cpu.segAccess[LDTR] = 0;
}

/** MMUEXT_SET_LDT(linear_addr, nr_ents): 0, or -EINVAL leaving the old LDT in place. */
export function setLdt(heap: Heap, v: Vcpu, base: number, ents: number): number {
  if (base % PAGE_SIZE !== 0 || ents > MAX_LDT_ENTS || base + ents * 8 > HYPERVISOR_VIRT_START) {
    return -EINVAL;
  }
  const taken: number[] = [];
  for (const mfn of ldtFrames(v, base, ents)) {
    const rc =
      mfn === null ? -EINVAL : getPageAndType(heap, mfn, v.domain.domid, PGT_seg_desc_page);
    if (rc !== 0) {
      for (const t of taken) putPageAndType(heap, t);
      return rc;
    }
    taken.push(mfn!);
  }
  unloadLdt(heap, v);
  if (ents === 0) return 0;
  vcpuLdt(v).loaded = { base, ents, mfns: taken };
  const cpu = v.cpu;
  cpu.segBase[LDTR] = base | 0;
  cpu.segLimit[LDTR] = ents * 8 - 1;
  cpu.segAccess[LDTR] = LDT_ACCESS;
  return 0;
}

/**
 * After page tables changed: runs the deferred TLB flush, and unloads every LDT of `d` whose
 * addresses no longer reach the frames validated for it.
 */
export function afterPageTableChange(heap: Heap, d: Domain): void {
  flushDeferred(
    heap,
    d.vcpus.map((v) => v.cpu),
  );
  for (const v of d.vcpus) {
    const ldt = vcpuLdt(v).loaded;
    if (ldt === null) continue;
    const now = ldtFrames(v, ldt.base, ldt.ents);
    if (now.some((mfn, i) => mfn !== ldt.mfns[i])) unloadLdt(heap, v);
  }
}
