// Your working copy for chapter 10, generated from solutions/xen/grant-map.ts by npx xenlab stage.
// Mapping a granted page: the permission check on a shared entry, GNTTABOP_map_grant_ref and
// GNTTABOP_unmap_grant_ref with their pin counts and maptrack handles: book §4.1.1, §4.3, §4.4;
// Xen xen/common/grant_table.c (_set_status_v1, map_grant_ref, unmap_common),
// xen/arch/x86/pv/grant_table.c (create_grant_pv_mapping, replace_grant_pv_mapping),
// docs/xen-abi.md §6.3–6.6.
//
// `ld` is the local (mapping) domain, `rd` the remote (granting) one, as in Xen. Every failure
// leaves a GNTST_* code in the op's status; nothing is changed until every check has passed.
// A host mapping writes the PTE for host_addr in the mapper's *current* page tables, which must
// already have an L1 there (as update_va_mapping requires), and unmapping clears that PTE.
//
// Chapter 05 gives frames reference counts and types; until then ownership is the rule: a grant
// can only hand out a frame its granter owns (Heap.owner). From chapter 05 on a host mapping is
// an entry of a validated L1 like any other: it holds references on the granted frame, the
// entry it replaces gives its own back, and whatever later drops the entry (an unmap, a guest
// overwriting it, its table's release) gives the mapping's back.

import { type Cpu, flushTlb, invalidatePage, PAGE_SIZE } from '../../../../sim/host.ts';
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  _PAGE_USER,
  GNTMAP_application_map,
  GNTMAP_contains_pte,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_general_error,
  GNTST_no_device_space,
  GNTST_okay,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_type_mask,
  GTF_writing,
} from './abi.ts';
import type { Domain } from './domain.ts';
import {
  activeEntry,
  clearStatusFlags,
  GNTPIN_devr_inc,
  GNTPIN_devw_inc,
  GNTPIN_devw_mask,
  GNTPIN_hstr_inc,
  GNTPIN_hstw_inc,
  GNTPIN_hstw_mask,
  GNTPIN_overflow,
  type GrantServices,
  type GrantTable,
  grantTableOf,
  MAX_MAPTRACK_HANDLES,
  type MaptrackEntry,
  nrGrantEntries,
  readSharedEntry,
  releaseOrphanFrame,
  writeSharedFlags,
} from './grant-table.ts';
import type { Heap } from './heap.ts';
import {
  getPage,
  getPageAndType,
  isValidatedL1,
  PGT_writable_page,
  putPage,
  putPageAndType,
  putPageFromL1e,
} from './mm.ts';
import { l1eAddress, pteMfn } from './page.ts';


/** What a granted PTE carries besides the frame (GRANT_PTE_FLAGS; RW and U as asked). */
const GRANT_PTE_FLAGS = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY;

// --- Host mappings: one PTE in the mapper's current page tables.

/**
 * Where the PTE for a host mapping lives: host_addr is a VA, found through the mapper's
 * current tables (from chapter 05 on, every L1 reached from a running CR3 is validated), or
 * with contains_pte the PTE's MA, in a frame of the mapper's own; -1 when there is no entry.
 */
function grantPteAddress(heap: Heap, ld: Domain, cpu: Cpu, hostAddr: number, flags: number) {
  if ((flags & GNTMAP_contains_pte) === 0) return l1eAddress(heap.mem, cpu.cr3, hostAddr);
  const frame = Math.floor(hostAddr / PAGE_SIZE);
  if (heap.owner[frame] !== ld.domid || hostAddr % 8 !== 0) return -1;
  return inL1Table(heap, frame) ? hostAddr : -1;
}

/** Drops stale translations of the host mapping from every vCPU of the mapper. */
function flushGrantMapping(ld: Domain, hostAddr: number, flags: number): void {
  for (const v of ld.vcpus) {
    if ((flags & GNTMAP_contains_pte) !== 0) flushTlb(v.cpu, false);
    else invalidatePage(v.cpu, hostAddr);
  }
}

/** create_grant_host_mapping: points the PTE for host_addr at `frame`. */
function createHostMapping(
  heap: Heap,
  ld: Domain,
  cpu: Cpu,
  hostAddr: number,
  frame: number,
  flags: number,
): number {
  const pte = grantPteAddress(heap, ld, cpu, hostAddr, flags);
  if (pte < 0) return GNTST_general_error;
  const readonly = (flags & GNTMAP_readonly) !== 0;
  if (!getGrantMappingRefs(heap, frame, heap.owner[frame]!, readonly)) return GNTST_general_error;
  let low = frame * PAGE_SIZE + GRANT_PTE_FLAGS;
  if (!readonly) low |= _PAGE_RW;
  if ((flags & GNTMAP_application_map) !== 0) low |= _PAGE_USER;
  const [oldLo, oldHi] = [heap.mem.read32(pte) >>> 0, heap.mem.read32(pte + 4) >>> 0];
  heap.mem.write32(pte, low >>> 0);
  heap.mem.write32(pte + 4, 0);
  releaseReplacedEntry(heap, pte, oldLo, oldHi);
  flushGrantMapping(ld, hostAddr, flags);
  return GNTST_okay;
}

/** destroy_grant_host_mapping: clears the PTE for host_addr if it still maps `frame`. */
function destroyHostMapping(
  heap: Heap,
  ld: Domain,
  cpu: Cpu,
  hostAddr: number,
  frame: number,
  flags: number,
): number {
  const pte = grantPteAddress(heap, ld, cpu, hostAddr, flags);
  if (pte < 0) return GNTST_general_error;
  const mapped = pteMfn(heap.mem.read32(pte), heap.mem.read32(pte + 4));
  if ((heap.mem.read32(pte) & _PAGE_PRESENT) === 0 || mapped !== frame) {
    return GNTST_general_error;
  }
  heap.mem.write32(pte, 0);
  heap.mem.write32(pte + 4, 0);
  putGrantMappingRefs(heap, frame, (flags & GNTMAP_readonly) !== 0);
  flushGrantMapping(ld, hostAddr, flags);
  return GNTST_okay;
}

/**
 * May a contains_pte mapping be written into frame `frame`? From chapter 05 on, only into one
 * of the mapper's validated L1 tables, where the entry's references are accounted for.
 */
function inL1Table(heap: Heap, frame: number): boolean {
  let ok = true;
  ok = isValidatedL1(heap, frame);
  return ok;
}

/**
 * What the entry a host mapping replaced held goes back, as for any change of an entry of a
 * validated L1 (chapter 05): `pte` is the entry's machine address.
 */
function releaseReplacedEntry(heap: Heap, pte: number, lo: number, hi: number): void {
  if (isValidatedL1(heap, Math.floor(pte / PAGE_SIZE))) putPageFromL1e(heap, lo, hi);
}

/**
 * The references a host mapping holds on the granted frame. From chapter 05 on, as Xen's
 * map_grant_ref takes them: a writable mapping a writable-type reference — so a frame the
 * granter uses as a page table can never be mapped writable, nor become a page table while it
 * is — and a read-only one a general reference. Returns false when they cannot be had.
 */
function getGrantMappingRefs(heap: Heap, frame: number, granter: number, readonly: boolean) {
  let ok = true;
  ok = readonly
    ? getPage(heap, frame, granter)
    : getPageAndType(heap, frame, granter, PGT_writable_page) === 0;
  return ok;
}

/** Gives back what getGrantMappingRefs took. */
function putGrantMappingRefs(heap: Heap, frame: number, readonly: boolean): void {
  if (readonly) putPage(heap, frame);
  else putPageAndType(heap, frame);
}

// --- The permission check every use of a grant goes through.

/**
 * May domain `ldomid` use entry `ref` of `rd`'s table, read-only or not? On the first use the
 * shared entry must be a permit_access grant (a whole page when `mapping`) naming `ldomid`;
 * later uses must come from the domain that holds the pins. Writing needs a grant without
 * GTF_readonly, and the granted frame must belong to the granter. On success sets GTF_reading,
 * and GTF_writing for a writable use, in the shared entry (what the granter watches) and
 * returns GNTST_okay; on failure returns GNTST_general_error and changes nothing.
 */
export function grantPermission(
  heap: Heap,
  rd: Domain,
  gt: GrantTable,
  ref: number,
  ldomid: number,
  readonly: boolean,
  mapping: boolean,
): number {
  const act = activeEntry(gt, ref);
  const sha = readSharedEntry(heap, gt, ref);
  if (act.pin === 0) {
    const mask = mapping ? GTF_type_mask | GTF_sub_page : GTF_type_mask;
    if ((sha.flags & mask) !== GTF_permit_access || sha.domid !== ldomid) {
      return GNTST_general_error;
    }
  } else if (act.domid !== ldomid) {
    return GNTST_general_error;
  }
  if (!readonly && (sha.flags & GTF_readonly) !== 0) return GNTST_general_error;
  const frame = act.pin === 0 ? sha.frame : act.frame;
  if (frame >= heap.owner.length || heap.owner[frame] !== rd.domid) return GNTST_general_error;
  writeSharedFlags(heap, gt, ref, sha.flags | GTF_reading | (readonly ? 0 : GTF_writing));
  return GNTST_okay;
}

// --- GNTTABOP_map_grant_ref and GNTTABOP_unmap_grant_ref.

/** gnttab_map_grant_ref as the worker sees it (the u64 host_addr split in two words). */
export interface MapGrantRef {
  hostAddr: number;
  hostAddrHigh: number;
  flags: number;
  ref: number;
  dom: number;
}

export interface MapGrantResult {
  status: number;
  /** The maptrack handle for unmap_grant_ref (valid when status is GNTST_okay). */
  handle: number;
  /** With GNTMAP_device_map: the machine address a device would use (PV: frame × 4096). */
  devBusAddr: number;
}

/** get_maptrack_handle: the last freed handle first, then a new one; -1 when none is left. */
function getMaptrackHandle(lgt: GrantTable): number {
  const reused = lgt.maptrackFree.pop();
  if (reused !== undefined) return reused;
  if (lgt.maptrack.length >= MAX_MAPTRACK_HANDLES) return -1;
  lgt.maptrack.push({ flags: 0, granter: null, ref: 0 });
  return lgt.maptrack.length - 1;
}

function putMaptrackHandle(lgt: GrantTable, handle: number): void {
  const map = lgt.maptrack[handle]!;
  map.flags = 0;
  map.granter = null;
  lgt.maptrackFree.push(handle);
}

/** The pin increment a mapping of this kind takes: host or device, read-only or writable. */
function pinIncrement(flags: number): number {
  const readonly = (flags & GNTMAP_readonly) !== 0;
  let inc = 0;
  if ((flags & GNTMAP_device_map) !== 0) inc += readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;
  if ((flags & GNTMAP_host_map) !== 0) inc += readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  return inc;
}

/**
 * map_grant_ref: domain `ld` (running on `cpu`, null for a caller without page
 * tables) maps grant `op.ref` of domain `op.dom`. On success the active entry holds one more
 * pin of the mapping's kind, the shared entry shows GTF_reading (and GTF_writing), a maptrack
 * handle records the mapping, and with GNTMAP_host_map the PTE for host_addr maps the frame.
 */
export function gnttabMapGrantRef(
  xen: GrantServices,
  ld: Domain,
  cpu: Cpu | null,
  op: MapGrantRef,
): MapGrantResult {
  const fail = (status: number): MapGrantResult => ({ status, handle: 0, devBusAddr: 0 });
  const heap = xen.heap;
  if ((op.flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) return fail(GNTST_bad_gntref);
  const rd = xen.findDomain(op.dom);
  if (rd === undefined) return fail(GNTST_bad_domain);
  const lgt = grantTableOf(heap, ld);
  if (lgt === null) return fail(GNTST_no_device_space);
  const rgt = rd.grantTable;
  if (rgt === null || rgt.version === 0) return fail(GNTST_general_error);
  if (op.ref >= nrGrantEntries(rgt)) return fail(GNTST_bad_gntref);
  const readonly = (op.flags & GNTMAP_readonly) !== 0;
  const act = activeEntry(rgt, op.ref);
  if (act.pin !== 0 && (act.domid !== ld.domid || (act.pin & GNTPIN_overflow) !== 0)) {
    return fail(GNTST_general_error);
  }
  const hostMap = (op.flags & GNTMAP_host_map) !== 0;
  if (hostMap && (cpu === null || op.hostAddrHigh !== 0)) return fail(GNTST_general_error);
  const handle = getMaptrackHandle(lgt);
  if (handle < 0) return fail(GNTST_no_device_space);
  // Only a first pin, or a first writable one, needs the shared entry's permission.
  const writers = act.pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask);
  if (act.pin === 0 || (!readonly && writers === 0)) {
    const status = grantPermission(heap, rd, rgt, op.ref, ld.domid, readonly, true);
    if (status !== GNTST_okay) {
      putMaptrackHandle(lgt, handle);
      return fail(status);
    }
    if (act.pin === 0) {
      act.domid = ld.domid;
      act.frame = readSharedEntry(heap, rgt, op.ref).frame;
    }
  }
  const inc = pinIncrement(op.flags);
  act.pin += inc;
  if (hostMap) {
    const status = createHostMapping(heap, ld, cpu!, op.hostAddr, act.frame, op.flags);
    if (status !== GNTST_okay) {
      act.pin -= inc;
      clearStatusFlags(heap, rd, rgt, op.ref);
      putMaptrackHandle(lgt, handle);
      return fail(status);
    }
  }
  const map: MaptrackEntry = lgt.maptrack[handle]!;
  map.flags = op.flags & (GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly);
  map.flags |= op.flags & GNTMAP_contains_pte;
  map.granter = rd;
  map.ref = op.ref;
  return { status: GNTST_okay, handle, devBusAddr: act.frame * PAGE_SIZE };
}

/** gnttab_unmap_grant_ref as the worker sees it; 0 in host_addr or dev_bus_addr means "skip". */
export interface UnmapGrantRef {
  hostAddr: number;
  hostAddrHigh: number;
  devBusAddr: number;
  handle: number;
}

/**
 * unmap_common: undoes the parts of mapping `op.handle` the op names — the device
 * part when dev_bus_addr is given, the host part when host_addr is given. The pins go, the
 * PTE is cleared, the status flags follow the pins (GTF_writing without writable pins,
 * GTF_reading without any), and the handle is freed once neither part is left.
 */
export function gnttabUnmapGrantRef(
  xen: GrantServices,
  ld: Domain,
  cpu: Cpu | null,
  op: UnmapGrantRef,
): number {
  const heap = xen.heap;
  const lgt = ld.grantTable;
  const map = lgt?.maptrack[op.handle];
  if (lgt === null || map === undefined || map.flags === 0 || map.granter === null) {
    return GNTST_bad_handle;
  }
  const rd = map.granter;
  const rgt = rd.grantTable!;
  const act = activeEntry(rgt, map.ref);
  const readonly = (map.flags & GNTMAP_readonly) !== 0;
  const unmapDevice = op.devBusAddr !== 0;
  const unmapHost =
    (op.hostAddr !== 0 || op.hostAddrHigh !== 0) && (map.flags & GNTMAP_host_map) !== 0;
  if (unmapDevice && op.devBusAddr !== act.frame * PAGE_SIZE) return GNTST_general_error;
  if (unmapHost) {
    if (cpu === null || op.hostAddrHigh !== 0) return GNTST_general_error;
    const status = destroyHostMapping(heap, ld, cpu, op.hostAddr, act.frame, map.flags);
    if (status !== GNTST_okay) return status;
    act.pin -= readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    map.flags &= ~GNTMAP_host_map;
  }
  if (unmapDevice && (map.flags & GNTMAP_device_map) !== 0) {
    act.pin -= readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    map.flags &= ~GNTMAP_device_map;
  }
  clearStatusFlags(heap, rd, rgt, map.ref);
  if (act.pin === 0) releaseOrphanFrame(heap, rd, act.frame);
  if ((map.flags & (GNTMAP_device_map | GNTMAP_host_map)) === 0) putMaptrackHandle(lgt, op.handle);
  return GNTST_okay;
}

/**
 * gnttab_release_mappings: a dying domain gives up every mapping it holds, so the granters'
 * pins and status flags drop as if it had unmapped each one. The references its host mappings
 * held go with its page tables (chapter 05's relinquish), as in Xen for a PV domain.
 */
export function gnttabReleaseMappings(heap: Heap, ld: Domain): void {
  const lgt = ld.grantTable;
  if (lgt === null) return;
  lgt.maptrack.forEach((map, handle) => {
    if (map.flags === 0 || map.granter === null) return;
    const rd = map.granter;
    const act = activeEntry(rd.grantTable!, map.ref);
    const readonly = (map.flags & GNTMAP_readonly) !== 0;
    if ((map.flags & GNTMAP_host_map) !== 0)
      act.pin -= readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    if ((map.flags & GNTMAP_device_map) !== 0)
      act.pin -= readonly ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    clearStatusFlags(heap, rd, rd.grantTable!, map.ref);
    if (act.pin === 0) releaseOrphanFrame(heap, rd, act.frame);
    putMaptrackHandle(lgt, handle);
  });
}

/**
 * Grant-table part of domain_kill, before the domain's frames go back to the heap: its own
 * mappings of others' grants are released (they unpin), and of `frames`, the frames it owns,
 * those another domain still has mapped stay allocated.
 */
export function gnttabDomainDestroy(heap: Heap, d: Domain, frames: Set<number>): void {
  gnttabReleaseMappings(heap, d);
  for (const act of d.grantTable?.active ?? []) {
    if (act !== undefined && act.pin !== 0) frames.delete(act.frame);
  }
}
