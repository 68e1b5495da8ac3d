// Your working copy for chapter 07, generated from solutions/xen/descriptor.ts by npx xenlab stage.
// Checking the segment descriptors a guest installs: LDT pages and update_descriptor: book §5.3;
// Xen xen/arch/x86/x86_32/mm.c (check_descriptor), xen/arch/x86/mm.c (alloc_segdesc_page,
// do_update_descriptor), docs/xen-abi.md §4.5.
//
// A descriptor is what the CPU trusts when a selector is loaded, so a guest's descriptor must
// not grant more than a guest has: no ring 0 (DPL 0 is raised to 1), no system segment but a
// 32-bit call gate into guest code, and no code or data segment that reaches Xen's hole (a
// page-granular limit is cut short at the hole; anything else that would reach it is refused).

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_update_descriptor,
  FIRST_RESERVED_GDT_ENTRY,
  FLAT_KERNEL_CS,
  HYPERVISOR_VIRT_START,
} from './abi.ts';
import { EINVAL } from './errno.ts';
import type { Heap } from './heap.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import {
  getPage,
  getPageType,
  PGT_seg_desc_page,
  PGT_writable_page,
  putPage,
  putPageType,
} from './mm.ts';

const DESC_P = 1 << 15; // in the high word
const DESC_S = 1 << 12;
const DESC_DPL_SHIFT = 13;
const DESC_CODE = 1 << 11;
const DESC_EXPAND_DOWN = 1 << 10; // for data segments (conforming for code)
const DESC_G = 1 << 23;
const TYPE_CALL_GATE32 = 0xc;

/** A call gate may lead only to guest code: a guest selector, or the flat kernel CS. */
function gateSelectorOk(selector: number): boolean {
  return selector >>> 3 < FIRST_RESERVED_GDT_ENTRY || selector === FLAT_KERNEL_CS;
}

/**
 * check_descriptor: the descriptor (lo, hi) as Xen lets it stand, fixed up, or null when it is
 * refused.
 */
export function checkDescriptor(lo: number, hi: number): [number, number] | null {
  if ((hi & DESC_P) === 0) return [lo >>> 0, hi >>> 0];
  if (((hi >>> DESC_DPL_SHIFT) & 3) === 0) hi |= 1 << DESC_DPL_SHIFT;
  if ((hi & DESC_S) === 0) {
    if (((hi >>> 8) & 0xf) !== TYPE_CALL_GATE32 || (hi & 0xe0) !== 0) return null;
    let cs = lo >>> 16;
    if ((cs & 3) === 0) cs |= 1;
    if (!gateSelectorOk(cs)) return null;
    return [((lo & 0xffff) | (cs << 16)) >>> 0, hi >>> 0];
  }
  // An expand-down data segment reaches up to 4 GiB: refused (Xen emulated them with 4gb_segments).
  if ((hi & (DESC_CODE | DESC_EXPAND_DOWN)) === DESC_EXPAND_DOWN) return null;
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  const limit = (lo & 0xffff) | (hi & 0xf0000);
  const granular = (hi & DESC_G) !== 0;
  if (base >= HYPERVISOR_VIRT_START - PAGE_SIZE) return null;
  const last = base + (granular ? limit * PAGE_SIZE + PAGE_SIZE - 1 : limit);
  if (last < HYPERVISOR_VIRT_START) return [lo >>> 0, hi >>> 0];
  if (!granular) return null;
  const cut = Math.floor((HYPERVISOR_VIRT_START - base) / PAGE_SIZE) - 1;
  return [((lo & 0xffff0000) | (cut & 0xffff)) >>> 0, ((hi & ~0xf0000) | (cut & 0xf0000)) >>> 0];
}

/** alloc_segdesc_page: do all 512 descriptors of frame `mfn` pass? (Fixed up in place.) */
export function allocSegDescPage(heap: Heap, mfn: number): boolean {
  const mem = heap.mem;
  const fixed: Array<[number, number]> = [];
  for (let i = 0; i < PAGE_SIZE / 8; i++) {
    const ma = mfn * PAGE_SIZE + i * 8;
    const desc = checkDescriptor(mem.read32(ma) >>> 0, mem.read32(ma + 4) >>> 0);
    if (desc === null) return false;
    fixed.push(desc);
  }
  fixed.forEach(([lo, hi], i) => {
    mem.write32(mfn * PAGE_SIZE + i * 8, lo);
    mem.write32(mfn * PAGE_SIZE + i * 8 + 4, hi);
  });
  return true;
}

/**
 * update_descriptor(ma_lo, ma_hi, desc_lo, desc_hi): one 8-byte descriptor at a machine
 * address in a frame of the caller's — a descriptor page in use, or a page it could map
 * writable — checked first. Returns 0 or -EINVAL.
 */
export function doUpdateDescriptor(ctx: HypercallContext, args: Uint32Array): number {
  const [maLo, maHi, lo, hi] = [args[0]!, args[1]!, args[2]!, args[3]!];
  const heap = ctx.xen.heap;
  if (maHi !== 0 || maLo % 8 !== 0) return -EINVAL;
  const mfn = Math.floor(maLo / PAGE_SIZE);
  if (!getPage(heap, mfn, ctx.domain.domid)) return -EINVAL;
  const inUse = heap.type[mfn] === PGT_seg_desc_page && heap.typeCount[mfn]! > 0;
  let rc = getPageType(heap, mfn, inUse ? PGT_seg_desc_page : PGT_writable_page);
  if (rc === 0) {
    const desc = checkDescriptor(lo, hi);
    if (desc === null) rc = -EINVAL;
    else {
      heap.mem.write32(maLo, desc[0]);
      heap.mem.write32(maLo + 4, desc[1]);
    }
    putPageType(heap, mfn);
  }
  putPage(heap, mfn);
  return rc;
}

export const UPDATE_DESCRIPTOR_MECHANISM: Mechanism = {
  name: 'update_descriptor',
  hypercalls: {
    [__HYPERVISOR_update_descriptor]: doUpdateDescriptor,
  },
};
