// Your working copy for chapter 10, generated from solutions/xen/memory-op.ts by npx xenlab stage.
// memory_op: a domain's reservation (grow, shrink, populate), its limits, its memory map and
// where the M2P is: book §5.2, §5.5, §5.6; Xen xen/common/memory.c (do_memory_op,
// increase_reservation, decrease_reservation, populate_physmap, guest_remove_page),
// xen/arch/x86/mm.c (arch_memory_op), public/memory.h, docs/xen-abi.md §5.7.
//
// The reservation ops return how many extents they processed, so a short count is how a guest
// learns that it hit its limit or named a frame it does not own. Only single pages (order 0)
// are handed out, as Xen does for an unprivileged domain.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_memory_op,
  DOMID_SELF,
  E820_RAM,
  MACH2PHYS_NR_ENTRIES,
  MACH2PHYS_VIRT_END,
  MACH2PHYS_VIRT_START,
  MEMOP_CMD_MASK,
  MEMOP_EXTENT_SHIFT,
  XEN_MEMORY_RESERVATION_SIZE,
  XENMEM_current_reservation,
  XENMEM_decrease_reservation,
  XENMEM_increase_reservation,
  XENMEM_machphys_mapping,
  XENMEM_maximum_gpfn,
  XENMEM_maximum_ram_page,
  XENMEM_maximum_reservation,
  XENMEM_memory_map,
  XENMEM_populate_physmap,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { copyFromGuest, copyToGuest, readGuestU32, writeGuestU32 } from './guest-access.ts';
import type { Heap } from './heap.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import { getM2p, INVALID_M2P_ENTRY, putPageAndType, setM2p } from './mm.ts';

/** The pfns populate_physmap accepts here: 4 GiB of pseudo-physical memory. */
const MAX_GPFN = 1 << 20;

/** struct xen_memory_reservation, decoded. */
export interface Reservation {
  extentStart: number;
  nrExtents: number;
  extentOrder: number;
  domid: number;
}

/**
 * guest_remove_page: `d` gives frame `mfn` back. A pinned table is unpinned, the frame leaves
 * the P2M and the M2P, and it is freed now if nothing references it, or else when its last
 * reference goes (a mapping the guest removes later). Frames Xen shares with the domain (the
 * shared info page) and frames not its own are refused. Returns whether it was given back.
 */
export function guestRemovePage(heap: Heap, d: Domain, mfn: number): boolean {
  if (mfn >= heap.owner.length || heap.owner[mfn] !== d.domid || d.xenFrames.includes(mfn)) {
    return false;
  }
  if (heap.unallocated[mfn] === 1) return true;
  if (heap.pinned[mfn] === 1) {
    heap.pinned[mfn] = 0;
    putPageAndType(heap, mfn);
  }
  const pfn = getM2p(heap, mfn);
  if (d.p2m[pfn] === mfn) d.p2m[pfn] = INVALID_M2P_ENTRY;
  setM2p(heap, mfn, INVALID_M2P_ENTRY);
  d.totPages--;
  if (heap.count[mfn] === 0) heap.release([mfn]);
  else heap.unallocated[mfn] = 1;
  return true;
}

/**
 * One reservation op on `d` from extent `start`: increase_reservation hands out frames and
 * writes their MFNs to extent_start[]; populate_physmap does the same for the PFNs the guest
 * wrote there and fills the M2P; decrease_reservation takes back the frames listed
 * (guestRemovePage). Returns the number of extents done.
 */
export function reservationOp(
  ctx: HypercallContext,
  d: Domain,
  op: number,
  r: Reservation,
  start: number,
): number {
  const heap = ctx.xen.heap;
  const cpu = ctx.vcpu.cpu;
  let i = start;
  for (; i < r.nrExtents; i++) {
    const slot = r.extentStart + i * 4;
    if (op === XENMEM_decrease_reservation) {
      const mfn = readGuestU32(cpu, slot);
      if (mfn === null || !guestRemovePage(heap, d, mfn)) break;
      continue;
    }
    const gpfn = op === XENMEM_populate_physmap ? readGuestU32(cpu, slot) : 0;
    if (gpfn === null || gpfn >= MAX_GPFN || d.totPages >= d.maxPages) break;
    const mfns = heap.alloc(1, d.domid);
    if (mfns === null) break;
    const mfn = mfns[0]!;
    d.totPages++;
    if (op === XENMEM_populate_physmap) {
      while (d.p2m.length < gpfn) d.p2m.push(INVALID_M2P_ENTRY);
      d.p2m[gpfn] = mfn;
      setM2p(heap, mfn, gpfn);
    }
    if (writeGuestU32(cpu, slot, mfn) !== 0) break;
  }
  return i;
}

/** The domain a memory_op names: DOMID_SELF, or another one the caller controls. */
function targetDomain(ctx: HypercallContext, domid: number): Domain | number {
  if (domid === DOMID_SELF) return ctx.domain;
  const d = ctx.xen.findDomain(domid);
  if (d === undefined) return -ESRCH;
  return ctx.domain.privileged || d === ctx.domain ? d : -EPERM;
}

function reservation(ctx: HypercallContext, op: number, arg: number, start: number): number {
  const raw = copyFromGuest(ctx.vcpu.cpu, arg, XEN_MEMORY_RESERVATION_SIZE);
  if (typeof raw === 'number') return -EFAULT;
  const view = new DataView(raw.buffer);
  const r: Reservation = {
    extentStart: view.getUint32(0, true),
    nrExtents: view.getUint32(4, true),
    extentOrder: view.getUint32(8, true),
    domid: view.getUint16(16, true),
  };
  // Xen answers these refusals with the count done so far, not an error.
  if (start >= r.nrExtents || r.extentOrder !== 0) return start;
  const d = targetDomain(ctx, r.domid);
  if (typeof d === 'number') return start;
  return reservationOp(ctx, d, op, r, start);
}

/** XENMEM_current/maximum_reservation, maximum_gpfn: arg points at a domid_t. */
function domainQuery(ctx: HypercallContext, cmd: number, arg: number): number {
  const raw = copyFromGuest(ctx.vcpu.cpu, arg, 2);
  if (typeof raw === 'number') return -EFAULT;
  const d = targetDomain(ctx, raw[0]! | (raw[1]! << 8));
  if (typeof d === 'number') return d;
  if (cmd === XENMEM_current_reservation) return d.totPages;
  if (cmd === XENMEM_maximum_reservation) return d.maxPages;
  return d.p2m.length - 1;
}

/** XENMEM_memory_map: one E820 RAM entry covering the domain's maximum size. */
function memoryMap(ctx: HypercallContext, arg: number): number {
  const cpu = ctx.vcpu.cpu;
  const capacity = readGuestU32(cpu, arg);
  const buffer = readGuestU32(cpu, arg + 4);
  if (capacity === null || buffer === null) return -EFAULT;
  if (capacity < 1) return -EINVAL;
  const entry = new Uint8Array(20);
  const view = new DataView(entry.buffer);
  const bytes = ctx.domain.maxPages * PAGE_SIZE;
  view.setUint32(8, bytes % 2 ** 32, true);
  view.setUint32(12, Math.floor(bytes / 2 ** 32), true);
  view.setUint32(16, E820_RAM, true);
  if (copyToGuest(cpu, buffer, entry) !== 0) return -EFAULT;
  return writeGuestU32(cpu, arg, 1);
}

/** XENMEM_machphys_mapping: where guests find the read-only M2P and how far it reaches. */
function machphysMapping(ctx: HypercallContext, arg: number): number {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint32(0, MACH2PHYS_VIRT_START, true);
  view.setUint32(4, MACH2PHYS_VIRT_END, true);
  view.setUint32(8, MACH2PHYS_NR_ENTRIES - 1, true);
  return copyToGuest(ctx.vcpu.cpu, arg, out);
}

/** memory_op(cmd, arg). */
export function doMemoryOp(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]! & MEMOP_CMD_MASK;
  const start = args[0]! >>> MEMOP_EXTENT_SHIFT;
  const arg = args[1]!;
  switch (cmd) {
    case XENMEM_increase_reservation:
    case XENMEM_decrease_reservation:
    case XENMEM_populate_physmap:
      return reservation(ctx, cmd, arg, start);
    case XENMEM_maximum_ram_page:
      // max_page: one past the highest machine frame.
      return ctx.xen.heap.owner.length;
    case XENMEM_current_reservation:
    case XENMEM_maximum_reservation:
    case XENMEM_maximum_gpfn:
      return domainQuery(ctx, cmd, arg);
    case XENMEM_memory_map:
      return memoryMap(ctx, arg);
    case XENMEM_machphys_mapping:
      return machphysMapping(ctx, arg);
    default:
      // machphys_mfn_list (the M2P in 2 MiB chunks), add_to_physmap (translated guests),
      // exchange and the toolstack's memory-map ops: see the chapter text.
      return -ENOSYS;
  }
}

export const MEMORY_OP_MECHANISM: Mechanism = {
  name: 'memory_op',
  hypercalls: {
    [__HYPERVISOR_memory_op]: doMemoryOp,
  },
};
