// Your working copy for chapter 10, generated from solutions/xen/descriptor.ts by npx xenlab stage.
// Checking the segment descriptors a guest installs: LDT pages and update_descriptor: book §5.3;
// Xen xen/arch/x86/x86_32/mm.c (check_descriptor), xen/arch/x86/mm.c (alloc_segdesc_page,
// do_update_descriptor), docs/xen-abi.md §4.5.
//
// A descriptor is what the CPU trusts when a selector is loaded, so a guest's descriptor must
// not grant more than a guest has: no ring 0 (DPL 0 is raised to 1), no system segment but a
// 32-bit call gate into guest code, and no code or data segment that reaches past the read-only
// M2P into the rest of Xen's hole (GUEST_SEGMENT_MAX_ADDR, the M2P's end: a flat segment still
// reads the M2P, as Xen's own flat selectors do). A page-granular limit is cut short there;
// a byte-granular one that would need cutting is refused.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_update_descriptor,
  FIRST_RESERVED_GDT_ENTRY,
  FLAT_KERNEL_CS,
  MACH2PHYS_VIRT_END,
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
/** x86_32 Xen's GUEST_SEGMENT_MAX_ADDR: RO_MPT_VIRT_END, where the read-only M2P ends. */
export const GUEST_SEGMENT_MAX_ADDR = MACH2PHYS_VIRT_END;

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
  const base = ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
  if (base >= GUEST_SEGMENT_MAX_ADDR - PAGE_SIZE) return null;
  // The size in bytes, in 32-bit arithmetic as Xen computes it (a 4 GiB size wraps to 0).
  let size = ((lo & 0xffff) | (hi & 0xf0000)) + 1;
  if ((hi & DESC_G) !== 0) size = (size * PAGE_SIZE) >>> 0;
  const end = (base + size) >>> 0;
  let allowed: number;
  if ((hi & (DESC_CODE | DESC_EXPAND_DOWN)) === DESC_EXPAND_DOWN) {
    // Expand-down: valid offsets lie above the limit, up to 4 GiB, unless base + limit wraps.
    if (end <= base) return [lo >>> 0, hi >>> 0];
    allowed = -(base & ~(PAGE_SIZE - 1)) >>> 0;
  } else {
    if (end > base && end <= GUEST_SEGMENT_MAX_ADDR) return [lo >>> 0, hi >>> 0];
    allowed = GUEST_SEGMENT_MAX_ADDR - base;
  }
  // Truncating a byte-granular limit is "too dangerous" for Xen: refused.
  if ((hi & DESC_G) === 0) return null;
  const cut = ((allowed >>> 12) - 1) & 0xfffff;
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
