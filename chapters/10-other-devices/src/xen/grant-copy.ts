// Your working copy for chapter 10, generated from solutions/xen/grant-copy.ts by npx xenlab stage.
// Moving data between domains without a mapping: GNTTABOP_copy (bytes, through grants or own
// frames) and GNTTABOP_transfer (a whole frame changes owner): book §4.1.2; Xen
// xen/common/grant_table.c (acquire_grant_for_copy, gnttab_copy_one, gnttab_transfer,
// gnttab_prepare_for_transfer), docs/xen-abi.md §6.3–6.4.
//
// A copy holds its grants only while it runs: it pins them as a mapping would, copies, and
// unpins, so afterwards the shared entries look as before. A transfer takes a frame from the
// caller and gives it to a domain that offered a GTF_accept_transfer entry naming the caller;
// Xen writes the frame number into that entry and sets GTF_transfer_completed.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  DOMID_SELF,
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_okay,
  GNTST_permission_denied,
  GTF_accept_transfer,
  GTF_transfer_committed,
  GTF_transfer_completed,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { grantPermission } from './grant-map.ts';
import {
  activeEntry,
  clearStatusFlags,
  GNTPIN_devw_mask,
  GNTPIN_hstr_inc,
  GNTPIN_hstw_inc,
  GNTPIN_hstw_mask,
  GNTPIN_overflow,
  type GrantServices,
  nrGrantEntries,
  readSharedEntry,
  writeSharedFlags,
  writeSharedFrame,
} from './grant-table.ts';
import type { Heap } from './heap.ts';

/** One side of a copy: a grant ref of `domid`, or (DOMID_SELF only) a frame of the caller. */
export interface CopySide {
  /** Grant ref, or machine frame (GMFN = MFN for PV). */
  u: number;
  domid: number;
  offset: number;
}

/** gnttab_copy as the worker sees it. */
export interface GrantCopy {
  source: CopySide;
  dest: CopySide;
  len: number;
  /** GNTCOPY_source_gref | GNTCOPY_dest_gref. */
  flags: number;
}

/** A grant pinned for the length of one copy. */
interface CopyGrant {
  rd: Domain;
  ref: number;
  readonly: boolean;
}

/**
 * acquire_grant_for_copy: pins grant `ref` of `rd` for `ld` (a read pin for the source, a
 * write pin for the destination) and returns its frame, or a GNTST_* code (negative).
 */
function acquireGrantForCopy(heap: Heap, rd: Domain, ref: number, ld: Domain, readonly: boolean) {
  const rgt = rd.grantTable;
  if (rgt === null || rgt.version === 0) return GNTST_general_error;
  if (ref >= nrGrantEntries(rgt)) return GNTST_bad_gntref;
  const act = activeEntry(rgt, ref);
  if (act.pin !== 0 && (act.domid !== ld.domid || (act.pin & GNTPIN_overflow) !== 0)) {
    return GNTST_general_error;
  }
  if (act.pin === 0 || (!readonly && (act.pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)) === 0)) {
    const status = grantPermission(heap, rd, rgt, ref, ld.domid, readonly, false);
    if (status !== GNTST_okay) return status;
    if (act.pin === 0) {
      act.domid = ld.domid;
      act.frame = readSharedEntry(heap, rgt, ref).frame;
    }
  }
  act.pin += readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  return act.frame;
}

/** __release_grant_for_copy: drops the pin and lets the status flags follow. */
function releaseGrantForCopy(heap: Heap, g: CopyGrant): void {
  const rgt = g.rd.grantTable!;
  activeEntry(rgt, g.ref).pin -= g.readonly ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
  clearStatusFlags(heap, g.rd, rgt, g.ref);
}

/**
 * The frame one side of a copy names, after its checks: a grant is pinned (and recorded in
 * `held` for release); a plain frame must belong to the caller. Returns the frame or GNTST_*.
 */
function copyFrame(
  xen: GrantServices,
  ld: Domain,
  side: CopySide,
  isGref: boolean,
  readonly: boolean,
  held: CopyGrant[],
): number {
  const d = side.domid === DOMID_SELF ? ld : xen.findDomain(side.domid);
  if (d === undefined) return GNTST_bad_domain;
  if (!isGref) {
    const owned = side.u < xen.heap.owner.length && xen.heap.owner[side.u] === d.domid;
    return owned ? side.u : GNTST_general_error;
  }
  const frame = acquireGrantForCopy(xen.heap, d, side.u, ld, readonly);
  if (frame >= 0) held.push({ rd: d, ref: side.u, readonly });
  return frame;
}


/**
 * gnttab_copy_one: copies `op.len` bytes from the source page at source.offset to the
 * destination page at dest.offset. Neither range may leave its page (GNTST_bad_copy_arg); a
 * plain frame is only allowed for DOMID_SELF (GNTST_permission_denied); grants are checked as
 * for a mapping, the destination's for writing. Returns the op's status.
 */
export function gnttabCopy(xen: GrantServices, ld: Domain, op: GrantCopy): number {
  if (op.source.offset + op.len > PAGE_SIZE || op.dest.offset + op.len > PAGE_SIZE) {
    return GNTST_bad_copy_arg;
  }
  const srcIsGref = (op.flags & GNTCOPY_source_gref) !== 0;
  const destIsGref = (op.flags & GNTCOPY_dest_gref) !== 0;
  if (
    (op.source.domid !== DOMID_SELF && !srcIsGref) ||
    (op.dest.domid !== DOMID_SELF && !destIsGref)
  ) {
    return GNTST_permission_denied;
  }
  const held: CopyGrant[] = [];
  const source = copyFrame(xen, ld, op.source, srcIsGref, true, held);
  const dest = source < 0 ? source : copyFrame(xen, ld, op.dest, destIsGref, false, held);
  if (dest >= 0) {
    const bytes = xen.heap.mem.readBytes(source * PAGE_SIZE + op.source.offset, op.len);
    xen.heap.mem.writeBytes(dest * PAGE_SIZE + op.dest.offset, bytes);
  }
  for (const g of held) releaseGrantForCopy(xen.heap, g);
  return dest >= 0 ? GNTST_okay : dest;
}
/**
 * steal_page's condition: from chapter 05 on, a frame still mapped or in use as a table has
 * references, and cannot be given away.
 */
function unreferenced(heap: Heap, mfn: number): boolean {
  let free = true;
  free = heap.count[mfn] === 0;
  return free;
}


/** gnttab_transfer as the worker sees it. */
export interface GrantTransfer {
  mfn: number;
  domid: number;
  ref: number;
}

/**
 * gnttab_prepare_for_transfer: entry `ref` of `rd` must be exactly GTF_accept_transfer naming
 * the giver; it is then marked GTF_transfer_committed.
 */
function prepareForTransfer(heap: Heap, rd: Domain, ld: Domain, ref: number): boolean {
  const rgt = rd.grantTable;
  if (rgt === null || rgt.version === 0 || ref >= nrGrantEntries(rgt)) return false;
  const sha = readSharedEntry(heap, rgt, ref);
  if (sha.flags !== GTF_accept_transfer || sha.domid !== ld.domid) return false;
  writeSharedFlags(heap, rgt, ref, sha.flags | GTF_transfer_committed);
  return true;
}

/**
 * GNTTABOP_transfer, one op: `ld` gives frame `op.mfn` to domain `op.domid` through that
 * domain's accept_transfer entry `op.ref`. The frame must be an ordinary frame of `ld` that no
 * grant of `ld` has pinned and nothing maps (else GNTST_bad_page, and `ld` keeps it). Once taken, a failure
 * frees the frame: as in Xen, the caller has lost it either way.
 */
export function gnttabTransfer(xen: GrantServices, ld: Domain, op: GrantTransfer): number {
  const heap = xen.heap;
  const mfn = op.mfn;
  if (mfn >= heap.owner.length || heap.owner[mfn] !== ld.domid) return GNTST_bad_page;
  if (ld.xenFrames.includes(mfn)) return GNTST_bad_page;
  if (!unreferenced(xen.heap, mfn)) return GNTST_bad_page;
  const lgt = ld.grantTable;
  const pinned = lgt?.active.some((act) => act !== undefined && act.pin !== 0 && act.frame === mfn);
  if (pinned === true) return GNTST_bad_page;
  const rd = xen.findDomain(op.domid);
  if (rd === undefined) {
    heap.release([mfn]);
    return GNTST_bad_domain;
  }
  if (rd.dying || !prepareForTransfer(heap, rd, ld, op.ref)) {
    heap.release([mfn]);
    return GNTST_general_error;
  }
  // The frame now belongs to rd (assign_pages); the guest places it in its own P2M.
  heap.owner[mfn] = rd.domid;
  const rgt = rd.grantTable!;
  writeSharedFrame(heap, rgt, op.ref, mfn);
  const flags = readSharedEntry(heap, rgt, op.ref).flags;
  writeSharedFlags(heap, rgt, op.ref, flags | GTF_transfer_completed);
  return GNTST_okay;
}
