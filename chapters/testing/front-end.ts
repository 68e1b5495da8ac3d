// What every front end written in a test does as a guest kernel would: lay out a shared ring's
// header and fill in the guest's grant entries, with the layouts written out here from Xen's
// public/io/ring.h and public/grant_table.h (x86_32), not taken from the tree under test.

import type { PhysMemory } from '../../sim/host.ts';

export const PAGE = 4096;
/** io/ring.h: the shared page's header, then the slots from RING on. */
export const REQ_PROD = 0;
export const REQ_EVENT = 4;
export const RSP_PROD = 8;
export const RSP_EVENT = 12;
export const RING = 64;
/** grant_entry_v1: flags u16, domid u16, frame u32. */
const GRANT_ENTRY = 8;
const GTF_PERMIT_ACCESS = 1;
const GTF_READONLY = 4;

/**
 * SHARED_RING_INIT at machine address `ring`, with both indices at `start`: the next request
 * and the next response each ask for an event.
 */
export function sharedRingInit(mem: PhysMemory, ring: number, start = 0): void {
  mem.write32(ring + REQ_PROD, start);
  mem.write32(ring + RSP_PROD, start);
  mem.write32(ring + REQ_EVENT, start + 1);
  mem.write32(ring + RSP_EVENT, start + 1);
}

/** The machine address of grant entry `ref` in a guest's table (its frames, in order). */
function grantEntry(grantFrames: readonly number[], ref: number): number {
  const at = ref * GRANT_ENTRY;
  return grantFrames[Math.floor(at / PAGE)]! * PAGE + (at % PAGE);
}

/** Grant entry `ref`: `frame` for domain `domid`, read-only or writable; the flags last. */
export function grantAccess(
  mem: PhysMemory,
  grantFrames: readonly number[],
  ref: number,
  frame: number,
  domid: number,
  readonly: boolean,
): void {
  const entry = grantEntry(grantFrames, ref);
  mem.write16(entry + 2, domid);
  mem.write32(entry + 4, frame);
  mem.write16(entry, GTF_PERMIT_ACCESS | (readonly ? GTF_READONLY : 0));
}

/** Takes grant `ref` back (its flags cleared), as gnttab_end_foreign_access does. */
export function endAccess(mem: PhysMemory, grantFrames: readonly number[], ref: number): void {
  mem.write16(grantEntry(grantFrames, ref), 0);
}
