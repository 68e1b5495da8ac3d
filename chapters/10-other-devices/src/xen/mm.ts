// Your working copy for chapter 10, generated from solutions/xen/mm.ts by npx xenlab stage.
// Page ownership, page types and reference counts, and PAE page-table validation: book §5.2,
// §5.7; Xen xen/arch/x86/mm.c (get_page_type, put_page_type, promote_l1_table, get_page_from_l1e,
// mod_l1_entry, create_pae_xen_mappings), docs/xen-abi.md §5.2.
//
// A PV guest writes machine frame numbers into its own page tables, so Xen must make sure every
// table only ever maps frames the guest owns, and that the guest can never write a page table
// behind Xen's back. Each machine frame carries (in the Heap, Xen's frame table):
//
//   owner       the domain it belongs to (heap.ts)
//   count       general references: every present entry pointing at it, a pin, a CR3
//   type        what it is used as: PGT_none, an L1/L2/L3 table, a descriptor page, writable
//   typeCount   references that need that type; the type can change only when it is 0
//
// Taking the first reference of a table type validates the frame (every entry is checked and
// takes its own references); dropping the last one releases them. A writable mapping needs a
// writable-type reference, so a validated table can never be mapped writable and a writably
// mapped frame can never become a table.

import { type Cpu, flushTlb, PAGE_SIZE } from '../../../../sim/host.ts';
import { _PAGE_PRESENT, _PAGE_PSE, _PAGE_RW, HYPERVISOR_VIRT_START } from './abi.ts';
import { allocSegDescPage } from './descriptor.ts';
import { EINVAL } from './errno.ts';
import type { Heap } from './heap.ts';
import { l1eAddress, pteMfn } from './page.ts';

// --- Page types (Xen's PGT_* values, shifted down to a byte).
export const PGT_none = 0;
export const PGT_l1_page_table = 1;
export const PGT_l2_page_table = 2;
export const PGT_l3_page_table = 3;
export const PGT_seg_desc_page = 5;
export const PGT_writable_page = 7;
/** Flag on an L2: it sits under L3 slot 3 and holds Xen's own mappings (one L3 only). */
export const PGT_pae_xen_l2 = 0x10;
const PGT_type_mask = 0x0f;

export const PGT_NAMES: Readonly<Record<number, string>> = {
  [PGT_none]: 'none',
  [PGT_l1_page_table]: 'L1',
  [PGT_l2_page_table]: 'L2',
  [PGT_l2_page_table | PGT_pae_xen_l2]: 'L2 (Xen slot)',
  [PGT_l3_page_table]: 'L3',
  [PGT_seg_desc_page]: 'descriptor',
  [PGT_writable_page]: 'writable',
};

/** Entries per PAE table page; a PAE L3 uses only its first 4. */
export const PAE_ENTRIES = 512;
export const L3_ENTRIES = 4;
/** First slot of the slot-3 L2 that belongs to Xen: 0xF5800000 (the M2P) and up. */
export const XEN_L2_FIRST_SLOT = ((HYPERVISOR_VIRT_START - 0xc0000000) / 0x200000) | 0;

// Flag bits a guest may not set in a present entry (docs/xen-abi.md §5.2 rule 6). G is allowed
// in an L1 ("intended for user mappings"), as on the 64-bit Xen that runs PAE guests today.
const L1_DISALLOW_NO_IO = 0x098; // PWT, PCD, PAT: only for I/O-capable domains
const L2_DISALLOW = 0x198; // PWT, PCD, PSE (no superpages), G
// A PAE L3 entry: 64-bit Xen, which runs every 32-bit PAE guest since Xen 4.3, accepts the
// compat mask (RW, User, Accessed, Dirty allowed; GRUB sets RW). A 32-bit PAE CPU reserves
// those bits in a PDPTE, so Xen stores the entry with them cleared (PDPTE_STRIP).
const L3_DISALLOW = 0x198; // COMPAT_L3_DISALLOW_MASK's low bits
const PDPTE_STRIP = 0x066;
const HI_DISALLOW = 0x7ffff000; // bits 44–62
const L3_HI_DISALLOW = 0xfffff000; // and NX

export function isPageTableType(type: number): boolean {
  const t = type & PGT_type_mask;
  return t >= PGT_l1_page_table && t <= PGT_l3_page_table;
}

// --- The M2P: machine frame → pseudo-physical frame, one u32 per frame in Xen's frames.

/** M2P[mfn], or 0xFFFFFFFF (INVALID_M2P_ENTRY) when unset. */
export function getM2p(heap: Heap, mfn: number): number {
  const frame = heap.m2pMfns[mfn >>> 10]!;
  return heap.mem.read32(frame * PAGE_SIZE + (mfn & 1023) * 4) >>> 0;
}

export function setM2p(heap: Heap, mfn: number, pfn: number): void {
  const frame = heap.m2pMfns[mfn >>> 10]!;
  heap.mem.write32(frame * PAGE_SIZE + (mfn & 1023) * 4, pfn >>> 0);
}

export const INVALID_M2P_ENTRY = 0xffffffff;

// --- General references (count_info) and type references (type_info).

/** get_page: a reference to `mfn` on behalf of domain `domid`, which must own it. */
export function getPage(heap: Heap, mfn: number, domid: number): boolean {
  if (mfn < 0 || mfn >= heap.owner.length || heap.owner[mfn] !== domid) return false;
  heap.count[mfn]!++;
  return true;
}

/** put_page: drops a reference; a frame its domain gave back goes with its last one. */
export function putPage(heap: Heap, mfn: number): void {
  if (heap.count[mfn]! <= 0) throw new Error(`putPage: mfn ${mfn} has no references`);
  heap.count[mfn]!--;
  if (heap.count[mfn] === 0 && heap.unallocated[mfn] === 1) heap.release([mfn]);
}

/**
 * get_page_type: one more reference of `type` to a frame the caller already holds a general
 * reference to. A frame with type references keeps its type; one without may take a new type,
 * and becoming a page table validates it. Returns 0 or -EINVAL.
 */
export function getPageType(heap: Heap, mfn: number, type: number): number {
  const count = heap.typeCount[mfn]!;
  if (count > 0) {
    if (heap.type[mfn] !== type) return -EINVAL;
    heap.typeCount[mfn] = count + 1;
    return 0;
  }
  // A frame that stops being writable may still sit writable in a TLB: flush before use.
  if (heap.type[mfn] === PGT_writable_page && type !== PGT_writable_page) {
    heap.deferredTlbFlush = true;
  }
  // Type and count are set before validating, so an entry pointing back at this very frame
  // sees it in use and cannot take it as another type.
  heap.type[mfn] = type;
  heap.typeCount[mfn] = 1;
  const rc = allocPageType(heap, mfn, type);
  if (rc !== 0) {
    heap.type[mfn] = PGT_none;
    heap.typeCount[mfn] = 0;
  }
  return rc;
}

/** put_page_type: the last reference of a table type releases what its entries hold. */
export function putPageType(heap: Heap, mfn: number): void {
  const count = heap.typeCount[mfn]! - 1;
  if (count < 0) throw new Error(`putPageType: mfn ${mfn} has no type references`);
  heap.typeCount[mfn] = count;
  const type = heap.type[mfn]!;
  if (count === 0 && isPageTableType(type)) {
    freePageTable(heap, mfn, type);
    heap.type[mfn] = PGT_none;
  }
}

export function getPageAndType(heap: Heap, mfn: number, domid: number, type: number): number {
  if (!getPage(heap, mfn, domid)) return -EINVAL;
  const rc = getPageType(heap, mfn, type);
  if (rc !== 0) putPage(heap, mfn);
  return rc;
}

export function putPageAndType(heap: Heap, mfn: number): void {
  putPageType(heap, mfn);
  putPage(heap, mfn);
}

// --- What one entry holds: get_page_from_lNe / put_page_from_lNe.

/**
 * get_page_from_l1e: a present L1 entry maps a frame `domid` owns, with no forbidden flag;
 * a writable mapping takes a writable-type reference, a read-only one a general reference.
 */
export function getPageFromL1e(heap: Heap, lo: number, hi: number, domid: number): number {
  if ((lo & _PAGE_PRESENT) === 0) return 0;
  if ((lo & L1_DISALLOW_NO_IO) !== 0 || (hi & HI_DISALLOW) !== 0) return -EINVAL;
  const mfn = pteMfn(lo, hi);
  if ((lo & _PAGE_RW) !== 0) return getPageAndType(heap, mfn, domid, PGT_writable_page);
  return getPage(heap, mfn, domid) ? 0 : -EINVAL;
}

/**
 * put_page_from_l1e: a present L1 entry gives back what it holds, whoever owns the frame it
 * maps — the table's owner, a granter (the grant map took the references, chapter 04), or
 * the domain a privileged caller mapped from (update_va_mapping_otherdomain, mmu_update with
 * a foreign FD): get_page_from_l1e and the grant map take them on the frame's owner's behalf.
 */
export function putPageFromL1e(heap: Heap, lo: number, hi: number): void {
  if ((lo & _PAGE_PRESENT) === 0) return;
  const mfn = pteMfn(lo, hi);
  if ((lo & _PAGE_RW) !== 0) putPageAndType(heap, mfn);
  else putPage(heap, mfn);
}

/** get_page_from_l2e: the entry points at a frame that validates as an L1. */
function getPageFromL2e(heap: Heap, lo: number, hi: number, domid: number): number {
  if ((lo & _PAGE_PRESENT) === 0) return 0;
  if ((lo & L2_DISALLOW) !== 0 || (hi & HI_DISALLOW) !== 0) return -EINVAL;
  return getPageAndType(heap, pteMfn(lo, hi), domid, PGT_l1_page_table);
}

/** get_page_from_l3e: an L2; the one in slot 3 also holds Xen's mappings. */
function getPageFromL3e(heap: Heap, lo: number, hi: number, domid: number, slot: number) {
  if ((lo & _PAGE_PRESENT) === 0) return 0;
  if ((lo & L3_DISALLOW) !== 0 || (hi & L3_HI_DISALLOW) !== 0) return -EINVAL;
  const type = slot === 3 ? PGT_l2_page_table | PGT_pae_xen_l2 : PGT_l2_page_table;
  return getPageAndType(heap, pteMfn(lo, hi), domid, type);
}

/** put_page_from_l2e / l3e: a present entry held a table reference. */
function putTableEntry(heap: Heap, lo: number, hi: number): void {
  if ((lo & _PAGE_PRESENT) !== 0) putPageAndType(heap, pteMfn(lo, hi));
}

// --- Validating and releasing a whole table: alloc_lN_table / free_lN_table.

/** The entries of a table of `type` that belong to the guest (Xen's slots and L3 4–511 not). */
export function guestSlots(type: number): number {
  if ((type & PGT_type_mask) === PGT_l3_page_table) return L3_ENTRIES;
  return (type & PGT_pae_xen_l2) !== 0 ? XEN_L2_FIRST_SLOT : PAE_ENTRIES;
}

function getEntry(heap: Heap, mfn: number, type: number, slot: number, domid: number): number {
  const ma = mfn * PAGE_SIZE + slot * 8;
  const lo = heap.mem.read32(ma) >>> 0;
  const hi = heap.mem.read32(ma + 4) >>> 0;
  switch (type & PGT_type_mask) {
    case PGT_l1_page_table:
      return getPageFromL1e(heap, lo, hi, domid);
    case PGT_l2_page_table:
      return getPageFromL2e(heap, lo, hi, domid);
    default:
      return getPageFromL3e(heap, lo, hi, domid, slot);
  }
}

function putEntry(heap: Heap, mfn: number, type: number, slot: number): void {
  const ma = mfn * PAGE_SIZE + slot * 8;
  const lo = heap.mem.read32(ma) >>> 0;
  const hi = heap.mem.read32(ma + 4) >>> 0;
  if ((type & PGT_type_mask) === PGT_l1_page_table) putPageFromL1e(heap, lo, hi);
  else putTableEntry(heap, lo, hi);
}

/** alloc_page_type: a table is checked entry by entry, a descriptor page descriptor by one. */
function allocPageType(heap: Heap, mfn: number, type: number): number {
  if (isPageTableType(type)) return allocPageTable(heap, mfn, type);
  if (type === PGT_seg_desc_page) return allocSegDescPage(heap, mfn) ? 0 : -EINVAL;
  return 0;
}

/** Validates frame `mfn` as `type`; on failure every reference taken is given back. */
function allocPageTable(heap: Heap, mfn: number, type: number): number {
  const domid = heap.owner[mfn]!;
  const slots = guestSlots(type);
  if ((type & PGT_type_mask) === PGT_l3_page_table) {
    // Xen's mappings hang under slot 3, so a PAE L3 without it cannot be used.
    if ((heap.mem.read32(mfn * PAGE_SIZE + 3 * 8) & _PAGE_PRESENT) === 0) return -EINVAL;
  }
  for (let slot = 0; slot < slots; slot++) {
    const rc = getEntry(heap, mfn, type, slot, domid);
    if (rc === 0) continue;
    for (let undo = slot - 1; undo >= 0; undo--) putEntry(heap, mfn, type, undo);
    return rc;
  }
  if ((type & PGT_type_mask) === PGT_l3_page_table) {
    const l2 = pteMfn(
      heap.mem.read32(mfn * PAGE_SIZE + 24) >>> 0,
      heap.mem.read32(mfn * PAGE_SIZE + 28),
    );
    if (heap.typeCount[l2] !== 1) {
      // The slot-3 L2 is already under another L3 (create_pae_xen_mappings refuses sharing).
      for (let undo = slots - 1; undo >= 0; undo--) putEntry(heap, mfn, type, undo);
      return -EINVAL;
    }
  }
  if ((type & PGT_pae_xen_l2) !== 0) installXenSlots(heap, mfn);
  if ((type & PGT_type_mask) === PGT_l3_page_table) {
    for (let slot = 0; slot < L3_ENTRIES; slot++) {
      const ma = mfn * PAGE_SIZE + slot * 8;
      heap.mem.write32(ma, heap.mem.read32(ma) & ~PDPTE_STRIP);
    }
  }
  return 0;
}

function freePageTable(heap: Heap, mfn: number, type: number): void {
  for (let slot = guestSlots(type) - 1; slot >= 0; slot--) putEntry(heap, mfn, type, slot);
}

/** create_pae_xen_mappings: Xen's slots of the slot-3 L2 — the M2P, Xen's area — the rest 0. */
function installXenSlots(heap: Heap, mfn: number): void {
  for (let slot = XEN_L2_FIRST_SLOT; slot < PAE_ENTRIES; slot++) {
    const ma = mfn * PAGE_SIZE + slot * 8;
    heap.mem.write32(ma, heap.xenL2Slots.get(slot) ?? 0);
    heap.mem.write32(ma + 4, 0);
  }
}

// --- Changing one entry of a validated table: mod_l1_entry, mod_l2_entry, mod_l3_entry.

/**
 * Replaces the entry at machine address `ma` (8-byte aligned) of a validated table with
 * (lo, hi): the new entry is checked and takes its references before the old one's are
 * dropped. Data frames mapped by an L1 must belong to `pgOwner`. Returns 0 or -EINVAL.
 */
export function modPageTableEntry(
  heap: Heap,
  ma: number,
  lo: number,
  hi: number,
  pgOwner: number,
): number {
  const mfn = Math.floor(ma / PAGE_SIZE);
  const type = heap.type[mfn]!;
  const slot = (ma % PAGE_SIZE) >>> 3;
  // Xen's slots, the L3's slot 3 and the unused rest of an L3 page are not the guest's.
  if (slot >= guestSlots(type)) return -EINVAL;
  if ((type & PGT_type_mask) === PGT_l3_page_table && slot === 3) return -EINVAL;
  const oldLo = heap.mem.read32(ma) >>> 0;
  const oldHi = heap.mem.read32(ma + 4) >>> 0;
  const owner = heap.owner[mfn]!;
  let rc: number;
  switch (type & PGT_type_mask) {
    case PGT_l1_page_table:
      rc = getPageFromL1e(heap, lo, hi, pgOwner);
      break;
    case PGT_l2_page_table:
      rc = getPageFromL2e(heap, lo, hi, owner);
      break;
    default:
      rc = getPageFromL3e(heap, lo, hi, owner, slot);
  }
  if (rc !== 0) return rc;
  if ((type & PGT_type_mask) === PGT_l3_page_table) lo &= ~PDPTE_STRIP;
  heap.mem.write32(ma, lo);
  heap.mem.write32(ma + 4, hi);
  if ((type & PGT_type_mask) === PGT_l1_page_table) putPageFromL1e(heap, oldLo, oldHi);
  else putTableEntry(heap, oldLo, oldHi);
  return 0;
}

// --- Pinning and the page-table base.

/** MMUEXT_PIN_Lx_TABLE: validate `mfn` as `type` and keep it so until unpinned. */
export function pinTable(heap: Heap, mfn: number, domid: number, type: number): number {
  const rc = getPageAndType(heap, mfn, domid, type);
  if (rc !== 0) return rc;
  if (heap.pinned[mfn] !== 0) {
    putPageAndType(heap, mfn);
    return -EINVAL;
  }
  heap.pinned[mfn] = 1;
  return 0;
}

/** MMUEXT_UNPIN_TABLE: drop the pin's reference; a table still in use stays validated. */
export function unpinTable(heap: Heap, mfn: number, domid: number): number {
  if (mfn < 0 || mfn >= heap.owner.length || heap.owner[mfn] !== domid) return -EINVAL;
  if (heap.pinned[mfn] === 0) return -EINVAL;
  heap.pinned[mfn] = 0;
  putPageAndType(heap, mfn);
  return 0;
}

/** MMUEXT_NEW_BASEPTR: CR3 takes an L3 reference on the new table and drops the old one's. */
export function newBaseptr(heap: Heap, cpu: Cpu, mfn: number, domid: number): number {
  const rc = getPageAndType(heap, mfn, domid, PGT_l3_page_table);
  if (rc !== 0) return rc;
  const old = Math.floor(cpu.cr3 / PAGE_SIZE);
  cpu.cr3 = mfn * PAGE_SIZE;
  flushTlb(cpu, false);
  putPageAndType(heap, old);
  return 0;
}

/** Is `mfn` a validated L1 table (one an L1 entry of the guest may be changed in)? */
export function isValidatedL1(heap: Heap, mfn: number): boolean {
  return heap.type[mfn] === PGT_l1_page_table && heap.typeCount[mfn] !== 0;
}

/**
 * The machine address of the L1 entry that maps `va` in the tables `cpu` runs on, or -1 when
 * there is none or its L1 is not a validated L1 table.
 */
export function guestL1eAddress(heap: Heap, cpu: Cpu, va: number): number {
  const ma = l1eAddress(heap.mem, cpu.cr3, va);
  return ma >= 0 && isValidatedL1(heap, Math.floor(ma / PAGE_SIZE)) ? ma : -1;
}

/** The L1 tables under the L3 at `cr3`: those a running vCPU translates through. */
function l1sUnder(heap: Heap, cr3: number, into: Set<number>): void {
  const mem = heap.mem;
  const l3 = Math.floor(cr3 / PAGE_SIZE);
  for (let i = 0; i < L3_ENTRIES; i++) {
    const l3lo = mem.read32(l3 * PAGE_SIZE + i * 8) >>> 0;
    if ((l3lo & _PAGE_PRESENT) === 0) continue;
    const l2 = pteMfn(l3lo, mem.read32(l3 * PAGE_SIZE + i * 8 + 4));
    const slots = i === 3 ? XEN_L2_FIRST_SLOT : PAE_ENTRIES;
    for (let j = 0; j < slots && l2 < heap.owner.length; j++) {
      const l2lo = mem.read32(l2 * PAGE_SIZE + j * 8) >>> 0;
      if ((l2lo & _PAGE_PRESENT) === 0 || (l2lo & _PAGE_PSE) !== 0) continue;
      const l1 = pteMfn(l2lo, mem.read32(l2 * PAGE_SIZE + j * 8 + 4));
      if (l1 < heap.owner.length) into.add(l1);
    }
  }
}

/**
 * domain_relinquish_resources, for references: dying domain `domid`'s validated L1 entries
 * that map other domains' frames (grant and foreign mappings) give their references back and
 * are cleared; every frame of its own is left with exactly what other domains' L1s — validated,
 * or under `otherCr3s`, the other live vCPUs' CR3s — still hold on it, nothing that the
 * domain's own tables, pins or CR3 held. Returns those of its frames other domains still map:
 * they must stay out of the heap while the references last.
 */
export function relinquishMappings(heap: Heap, domid: number, otherCr3s: number[]): Set<number> {
  const others = new Set<number>();
  for (const cr3 of otherCr3s) l1sUnder(heap, cr3, others);
  const held = new Map<number, { count: number; writable: number }>();
  for (let l1 = 0; l1 < heap.owner.length; l1++) {
    const own = heap.owner[l1] === domid;
    if (!isValidatedL1(heap, l1) && (own || !others.has(l1))) continue;
    for (let ma = l1 * PAGE_SIZE; ma < (l1 + 1) * PAGE_SIZE; ma += 8) {
      const lo = heap.mem.read32(ma) >>> 0;
      if ((lo & _PAGE_PRESENT) === 0) continue;
      const hi = heap.mem.read32(ma + 4) >>> 0;
      const target = pteMfn(lo, hi);
      if (own && heap.owner[target] !== domid) {
        putPageFromL1e(heap, lo, hi);
        heap.mem.write32(ma, 0);
        heap.mem.write32(ma + 4, 0);
      } else if (!own && heap.owner[target] === domid) {
        const h = held.get(target) ?? { count: 0, writable: 0 };
        h.count++;
        if ((lo & _PAGE_RW) !== 0) h.writable++;
        held.set(target, h);
      }
    }
  }
  for (let mfn = 0; mfn < heap.owner.length; mfn++) {
    if (heap.owner[mfn] !== domid) continue;
    const h = held.get(mfn);
    heap.count[mfn] = h?.count ?? 0;
    heap.typeCount[mfn] = h?.writable ?? 0;
    heap.type[mfn] = h !== undefined && h.writable > 0 ? PGT_writable_page : PGT_none;
    heap.pinned[mfn] = 0;
  }
  return new Set(held.keys());
}

/** Runs a flush the type changes asked for (a frame that stopped being writable). */
export function flushDeferred(heap: Heap, cpus: Iterable<Cpu>): void {
  if (!heap.deferredTlbFlush) return;
  heap.deferredTlbFlush = false;
  for (const cpu of cpus) flushTlb(cpu, false);
}
