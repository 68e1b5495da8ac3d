// Your working copy for chapter 10, generated from solutions/xen/grant-table.ts by npx xenlab stage.
// Grant tables: each domain's table of v1 entries, the active entries and the maptrack Xen keeps
// beside it, and GNTTABOP_setup_table / query_size / set_version / get_version: book §4.1, §4.3;
// Xen xen/common/grant_table.c, public/grant_table.h, docs/xen-abi.md §6.
//
// Three structures, two owners:
//
//   shared entries   in frames the guest maps and writes: flags u16 │ domid u16 │ frame u32
//   (the table)      the granter fills domid/frame, then flags; Xen sets GTF_reading/writing
//   active entries   Xen's private state per granted ref: pin counts, mapping domain, frame
//   maptrack         per *mapping* domain: handle → (granting domain, ref, GNTMAP_* flags)
//
// Xen creates a domain's table with the domain; xenlab creates it the first time a grant
// operation needs it, so that domains which never grant pay nothing. The version stays 0
// ("not set up") until setup_table or set_version, and a table at version 0 cannot be mapped
// from. Only version 1 exists here: set_version(2) answers -ENOSYS, as Xen does when booted
// with gnttab=max-ver:1.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  DOMID_SELF,
  GNTST_bad_domain,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GRANT_ENTRY_V1,
  GTF_reading,
  GTF_writing,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EINVAL, ENOSYS } from './errno.ts';
import type { Heap } from './heap.ts';

/** Frames a table starts with (Xen 4.1) and may grow to (the gnttab_max_nr_frames default). */
export const INITIAL_NR_GRANT_FRAMES = 4;
export const MAX_NR_GRANT_FRAMES = 32;
export const GRANT_ENTRIES_PER_FRAME = PAGE_SIZE / GRANT_ENTRY_V1.size;
/** Maptrack handles per domain: 8 maptrack frames per grant frame, 512 handles per frame. */
export const MAX_MAPTRACK_HANDLES = MAX_NR_GRANT_FRAMES * 8 * 512;

// Pin counts: four 8-bit counters in one word, as Xen packs them (GNTPIN_*).
export const GNTPIN_hstw_inc = 1 << 0;
export const GNTPIN_hstr_inc = 1 << 8;
export const GNTPIN_devw_inc = 1 << 16;
export const GNTPIN_devr_inc = 1 << 24;
export const GNTPIN_hstw_mask = 0xff << 0;
export const GNTPIN_hstr_mask = 0xff << 8;
export const GNTPIN_devw_mask = 0xff << 16;
export const GNTPIN_devr_mask = (0xff << 24) >>> 0;
/** A counter about to reach its top bit: refuse rather than overflow into the next one. */
export const GNTPIN_overflow = 0x80808080;

/** Xen's private record of a ref in use: who uses it, how often, and which frame it pinned. */
export interface ActiveEntry {
  /** GNTPIN_* counters, packed. 0: not in use. */
  pin: number;
  /** The domain the pins belong to (only one domain may use a ref at a time). */
  domid: number;
  /** The frame read from the shared entry when the first pin was taken. */
  frame: number;
}

/** One mapping a domain holds, found by its handle (struct grant_mapping). */
export interface MaptrackEntry {
  /** GNTMAP_device_map | GNTMAP_host_map | GNTMAP_readonly …; 0 when the handle is free. */
  flags: number;
  /** The granting domain (kept as an object: it may be dying while the mapping lives). */
  granter: Domain | null;
  ref: number;
}

/** What grant operations reach of the hypervisor: the frames and the domains. */
export interface GrantServices {
  readonly heap: Heap;
  findDomain(domid: number): Domain | undefined;
}

export interface GrantTable {
  /** 0 until setup_table or set_version, then 1. */
  version: number;
  /** Machine frames holding the shared entries; owned by the domain, freed with it. */
  frames: number[];
  /** Active entries by ref, created on first use. */
  active: ActiveEntry[];
  /** This domain's mappings of other domains' grants, by handle. */
  maptrack: MaptrackEntry[];
  /** Free handles, most recently freed last (Xen reuses the last freed handle first). */
  maptrackFree: number[];
}

/** Number of v1 entries the table holds. */
export function nrGrantEntries(gt: GrantTable): number {
  return gt.frames.length * GRANT_ENTRIES_PER_FRAME;
}

/**
 * The domain's grant table, created with INITIAL_NR_GRANT_FRAMES zeroed frames if it has none;
 * null when the heap cannot supply them.
 */
export function grantTableOf(heap: Heap, d: Domain): GrantTable | null {
  if (d.grantTable !== null) return d.grantTable;
  const frames = heap.alloc(INITIAL_NR_GRANT_FRAMES, d.domid);
  if (frames === null) return null;
  d.xenFrames.push(...frames);
  d.grantTable = {
    version: 0,
    frames,
    active: [],
    maptrack: [],
    maptrackFree: [],
  };
  return d.grantTable;
}

/** gnttab_grow_table: adds zeroed frames up to `nrFrames`; false if the heap is short. */
function growTable(heap: Heap, d: Domain, gt: GrantTable, nrFrames: number): boolean {
  const more = heap.alloc(nrFrames - gt.frames.length, d.domid);
  if (more === null) return false;
  d.xenFrames.push(...more);
  gt.frames.push(...more);
  return true;
}

// --- The shared entries, read and written in machine memory where the guest sees them.

/** Machine address of entry `ref` (the caller has checked ref < nrGrantEntries). */
export function sharedEntryAddress(gt: GrantTable, ref: number): number {
  const frame = gt.frames[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)]!;
  return frame * PAGE_SIZE + (ref % GRANT_ENTRIES_PER_FRAME) * GRANT_ENTRY_V1.size;
}

export interface SharedEntry {
  flags: number;
  domid: number;
  frame: number;
}

export function readSharedEntry(heap: Heap, gt: GrantTable, ref: number): SharedEntry {
  const ma = sharedEntryAddress(gt, ref);
  return {
    flags: heap.mem.read16(ma + GRANT_ENTRY_V1.flags),
    domid: heap.mem.read16(ma + GRANT_ENTRY_V1.domid),
    frame: heap.mem.read32(ma + GRANT_ENTRY_V1.frame),
  };
}

export function writeSharedFlags(heap: Heap, gt: GrantTable, ref: number, flags: number): void {
  heap.mem.write16(sharedEntryAddress(gt, ref) + GRANT_ENTRY_V1.flags, flags);
}

export function writeSharedFrame(heap: Heap, gt: GrantTable, ref: number, frame: number): void {
  heap.mem.write32(sharedEntryAddress(gt, ref) + GRANT_ENTRY_V1.frame, frame);
}

/** The active entry of `ref`, created unused on first look. */
export function activeEntry(gt: GrantTable, ref: number): ActiveEntry {
  let act = gt.active[ref];
  if (act === undefined) {
    act = { pin: 0, domid: 0, frame: 0 };
    gt.active[ref] = act;
  }
  return act;
}

/**
 * After pins were dropped: clears GTF_writing when no writable pin is left and GTF_reading
 * when no pin at all is left, so the granter sees it may end the grant. A dying granter's
 * table frames are already back in the heap and are left alone.
 */
export function clearStatusFlags(heap: Heap, rd: Domain, gt: GrantTable, ref: number): void {
  if (rd.destroyed) return;
  const act = activeEntry(gt, ref);
  let flags = readSharedEntry(heap, gt, ref).flags;
  if ((act.pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0) flags &= ~GTF_writing;
  if (act.pin === 0) flags &= ~GTF_reading;
  writeSharedFlags(heap, gt, ref, flags);
}

// --- Table-level operations. `ld` is the calling domain, as in Xen.

/** The domain an op names: DOMID_SELF or, for a privileged caller, any live domain. */
export function targetDomain(
  find: (domid: number) => Domain | undefined,
  ld: Domain,
  dom: number,
): Domain | number {
  if (dom === DOMID_SELF || dom === ld.domid) return ld;
  const d = find(dom);
  if (d === undefined) return GNTST_bad_domain;
  if (!ld.privileged) return GNTST_permission_denied;
  return d;
}

export interface SetupTableResult {
  status: number;
  /** The table's first nr_frames machine frames, for the guest to map. */
  frames: number[];
}

/** GNTTABOP_setup_table: grows the table to `nrFrames`, sets version 1, lists the frames. */
export function gnttabSetupTable(
  heap: Heap,
  find: (domid: number) => Domain | undefined,
  ld: Domain,
  dom: number,
  nrFrames: number,
): SetupTableResult {
  if (nrFrames > MAX_NR_GRANT_FRAMES) return { status: GNTST_general_error, frames: [] };
  const d = targetDomain(find, ld, dom);
  if (typeof d === 'number') return { status: d, frames: [] };
  const gt = grantTableOf(heap, d);
  if (gt === null) return { status: GNTST_general_error, frames: [] };
  if (gt.version === 0) gt.version = 1;
  if (nrFrames > gt.frames.length && !growTable(heap, d, gt, nrFrames)) {
    return { status: GNTST_general_error, frames: [] };
  }
  return { status: GNTST_okay, frames: gt.frames.slice(0, nrFrames) };
}

export interface QuerySizeResult {
  status: number;
  nrFrames: number;
  maxNrFrames: number;
}

/** GNTTABOP_query_size: how many frames the table has and may have. */
export function gnttabQuerySize(
  heap: Heap,
  find: (domid: number) => Domain | undefined,
  ld: Domain,
  dom: number,
): QuerySizeResult {
  const d = targetDomain(find, ld, dom);
  if (typeof d === 'number') return { status: d, nrFrames: 0, maxNrFrames: 0 };
  const gt = grantTableOf(heap, d);
  if (gt === null) return { status: GNTST_general_error, nrFrames: 0, maxNrFrames: 0 };
  return { status: GNTST_okay, nrFrames: gt.frames.length, maxNrFrames: MAX_NR_GRANT_FRAMES };
}

/**
 * GNTTABOP_set_version: 1 is accepted (and sets up a fresh table), 2 is -ENOSYS (this Xen
 * has only version 1), anything else -EINVAL. Returns the result and the version now in force.
 */
export function gnttabSetVersion(
  heap: Heap,
  ld: Domain,
  version: number,
): { rc: number; version: number } {
  const gt = grantTableOf(heap, ld);
  const current = gt?.version ?? 0;
  if (version !== 1 && version !== 2) return { rc: -EINVAL, version: current };
  if (version === 2) return { rc: -ENOSYS, version: current };
  if (gt === null) return { rc: -EINVAL, version: current };
  gt.version = 1;
  return { rc: 0, version: 1 };
}

// --- Teardown.

/**
 * A dying granter's frame that other domains still map stays out of the heap until the last
 * pin goes (in Xen the mapper's page reference keeps it alive). Called when a pin count of
 * `rd` drops to 0: gives `frame` back if `rd` is destroyed and no other ref pins it.
 */
export function releaseOrphanFrame(heap: Heap, rd: Domain, frame: number): void {
  const gt = rd.grantTable;
  if (!rd.destroyed || gt === null || heap.owner[frame] !== rd.domid) return;
  if (gt.active.some((act) => act !== undefined && act.pin !== 0 && act.frame === frame)) return;
  heap.release([frame]);
}
