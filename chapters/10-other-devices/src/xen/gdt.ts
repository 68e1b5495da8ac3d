// Your working copy for chapter 10, generated from solutions/xen/gdt.ts by npx xenlab stage.
// A guest's own global descriptor table: set_gdt: book §5.3; Xen xen/arch/x86/pv/descriptor-tables.c
// (do_set_gdt, pv_set_gdt, pv_destroy_gdt), domain.c (write_full_gdt_ptes on context switch),
// docs/xen-abi.md §4.5.
//
// The CPU's GDT is Xen's, at GDT_VIRT_START in the hole: its last two pages hold Xen's own
// entries (from FIRST_RESERVED_GDT_ENTRY, the flat selectors), its first 14 pages are the
// running vCPU's. A guest hands Xen up to 14 frames of descriptors; Xen takes each as a
// descriptor page (every descriptor checked, never again mapped writable) and, whenever the vCPU
// runs, maps them into those first pages of the area. A vCPU without a GDT of its own sees
// zeroed pages there, so its only usable selectors are Xen's.

import { invalidatePage, PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_set_gdt,
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  FIRST_RESERVED_GDT_ENTRY,
  FIRST_RESERVED_GDT_PAGE,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EFAULT, EINVAL } from './errno.ts';
import { copyFromGuest } from './guest-access.ts';
import type { Heap } from './heap.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { getPageAndType, PGT_seg_desc_page, putPageAndType } from './mm.ts';
import { GDT_VIRT_START, type XenArea } from './x86-desc.ts';

/** The GDT a vCPU gave Xen (Xen: struct pv_vcpu's gdt_frames, gdt_ents). */
export const vcpuGdt = perVcpu((): { frames: number[]; entries: number } => ({
  frames: [],
  entries: 0,
}));

const DESCRIPTORS_PER_PAGE = PAGE_SIZE / 8;
const AREA_PTE = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

/**
 * write_full_gdt_ptes: maps `v`'s GDT frames into the first pages of Xen's GDT area (Xen's
 * zeroed pages where it has none), and drops what `v`'s TLB held of the old ones.
 */
export function loadGdtFrames(area: XenArea, v: Vcpu): void {
  const { frames } = vcpuGdt(v);
  const mem = v.cpu.mem;
  for (let i = 0; i < FIRST_RESERVED_GDT_PAGE; i++) {
    const mfn = frames[i] ?? area.gdtMfns[i]!;
    mem.write32(area.l1Mfn * PAGE_SIZE + i * 8, mfn * PAGE_SIZE + AREA_PTE);
    mem.write32(area.l1Mfn * PAGE_SIZE + i * 8 + 4, 0);
    invalidatePage(v.cpu, GDT_VIRT_START + i * PAGE_SIZE);
  }
}

/** pv_destroy_gdt: gives back the references the vCPU's GDT frames hold. */
function destroyGdt(heap: Heap, v: Vcpu): void {
  const state = vcpuGdt(v);
  for (const mfn of state.frames) putPageAndType(heap, mfn);
  state.frames = [];
  state.entries = 0;
}

/**
 * set_gdt(frame_list, entries): at most FIRST_RESERVED_GDT_ENTRY entries, one frame per 512.
 * Every frame must become a descriptor page of the caller's; then it replaces the old GDT and
 * is mapped at once. Returns 0, -EFAULT, or -EINVAL leaving the old GDT in place.
 */
export function doSetGdt(ctx: HypercallContext, args: Uint32Array): number {
  const [frameList, entries] = [args[0]!, args[1]! >>> 0];
  if (entries > FIRST_RESERVED_GDT_ENTRY) return -EINVAL;
  const v = ctx.vcpu;
  const heap = ctx.xen.heap;
  const nrPages = Math.ceil(entries / DESCRIPTORS_PER_PAGE);
  const list = copyFromGuest(v.cpu, frameList, nrPages * 4);
  if (typeof list === 'number') return -EFAULT;
  const view = new DataView(list.buffer);
  const taken: number[] = [];
  for (let i = 0; i < nrPages; i++) {
    const mfn = view.getUint32(i * 4, true);
    if (getPageAndType(heap, mfn, ctx.domain.domid, PGT_seg_desc_page) !== 0) {
      for (const t of taken) putPageAndType(heap, t);
      return -EINVAL;
    }
    taken.push(mfn);
  }
  destroyGdt(heap, v);
  vcpuGdt(v).frames = taken;
  vcpuGdt(v).entries = entries;
  loadGdtFrames(ctx.xen.area, v);
  return 0;
}

export const SET_GDT_MECHANISM: Mechanism = {
  name: 'set_gdt',
  hypercalls: { [__HYPERVISOR_set_gdt]: doSetGdt },
  vcpuSwitchIn: (xen, v) => loadGdtFrames(xen.area, v),
  // The frames' references went with the rest of the dying domain's own (relinquishMappings):
  // only the GDTs are forgotten.
  domainDestroy(_xen, d: Domain) {
    for (const v of d.vcpus) vcpuGdt(v).frames = [];
  },
};
