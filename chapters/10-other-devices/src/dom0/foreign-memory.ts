// Your working copy for chapter 10, generated from solutions/dom0/foreign-memory.ts by npx xenlab stage.
// Domain 0 mapping a guest's frames by their machine numbers, as a device model does for a
// front end that names frames instead of granting them: book §10.2; Xen tools/libs/
// foreignmemory (xenforeignmemory_map), Linux drivers/xen/privcmd.c (IOCTL_PRIVCMD_MMAPBATCH_V2),
// Xen arch/x86/mm.c (get_page_from_l1e with a foreign owner).
//
// A real back end asks privcmd to map frames "of domain D"; Xen maps each only if D owns it, and
// reports the ones it refused. Domain 0's services here see machine memory directly
// (privcmd.ts), so mapping is the address itself; the ownership check is the one Xen makes, and
// it is never skipped: a frame the guest does not own (Xen's, domain 0's, another guest's, a
// free one, or past the end of memory) fails the whole map.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import type { Xen } from '../xen/xen.ts';

/**
 * The machine addresses of frames `mfns` of domain `domid`, in order, or why not (the first
 * frame it does not own).
 */
export function foreignMap(xen: Xen, domid: number, mfns: readonly number[]): number[] | string {
  const owner = xen.heap.owner;
  for (const mfn of mfns) {
    if (!Number.isInteger(mfn) || mfn < 0 || mfn >= owner.length || owner[mfn] !== domid) {
      return `frame ${mfn} does not belong to domain ${domid}`;
    }
  }
  return mfns.map((mfn) => mfn * PAGE_SIZE);
}
