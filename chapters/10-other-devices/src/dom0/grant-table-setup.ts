// Your working copy for chapter 10, generated from solutions/dom0/grant-table-setup.ts by npx xenlab stage.
// The toolstack's part in a new domain's grant table: setting it up and mapping its frames into
// the guest before it boots: book §4.1, §4.4; Xen tools/libs/guest/xg_dom_boot.c (xc_dom_gnttab_*).
//
// A real guest maps the frames GNTTABOP_setup_table lists itself, with update_va_mapping
// (chapter 05). Until that hypercall exists, the toolstack — which wrote the guest's page tables
// in the first place — maps them for it, at an address the guest can work out: the first page
// after the boot stack, start_info.pt_base + (nr_pt_frames + 1) pages, inside the bootstrap
// region (which always has at least 512 KiB of spare mapped pages there). Both steps are
// domain 0's hypercalls (privcmd.ts); the guest's memory it reads as a foreign mapping.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  _PAGE_ACCESSED,
  _PAGE_DIRTY,
  _PAGE_PRESENT,
  _PAGE_RW,
  GNTST_okay,
  GNTTAB_SETUP_TABLE,
  GNTTABOP_setup_table,
  START_INFO,
} from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { INITIAL_NR_GRANT_FRAMES } from '../xen/grant-table.ts';
import { l1eAddress } from '../xen/page.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';

const __HYPERVISOR_grant_table_op = 20;
const __HYPERVISOR_mmu_update = 1;

/** Where the guest finds its grant table: the page after its boot stack. */
export function grantTableVa(xen: Xen, d: Domain): number {
  const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
  const ptBase = xen.mem.read32(startInfo + START_INFO.pt_base);
  const ptFrames = xen.mem.read32(startInfo + START_INFO.nr_pt_frames);
  return ptBase + (ptFrames + 1) * PAGE_SIZE;
}

/**
 * Sets up freshly built domain `d`'s grant table as domain 0 (GNTTABOP_setup_table for another
 * domain needs privilege), with INITIAL_NR_GRANT_FRAMES frames, and maps them writable at
 * grantTableVa. Returns the frames. `d` must not have run yet (its TLB is not flushed).
 */
export function mapGrantTable(xen: Xen, d: Domain): number[] {
  const privcmd = new Privcmd(xen);
  const f = GNTTAB_SETUP_TABLE;
  const list = f.size;
  privcmd.writeU32(0, [d.domid, INITIAL_NR_GRANT_FRAMES, 0, privcmd.va(list)]);
  const rc = privcmd.hypercall(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, privcmd.va(0), 1);
  const status = (privcmd.readU16(f.status) << 16) >> 16;
  if (rc !== 0 || status !== GNTST_okay) {
    throw new Error(`mapGrantTable: d${d.domid}: setup_table returned ${rc}, status ${status}`);
  }
  const frames = Array.from({ length: INITIAL_NR_GRANT_FRAMES }, (_, i) =>
    privcmd.readU32(list + i * 4),
  );
  const va = grantTableVa(xen, d);
  const cr3 = d.vcpus[0]!.cpu.cr3;
  const flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  frames.forEach((mfn, i) => {
    const pte = l1eAddress(xen.mem, cr3, va + i * PAGE_SIZE);
    if (pte < 0) throw new Error(`mapGrantTable: d${d.domid}: no L1 for 0x${va.toString(16)}`);
    mapGrantFrame(privcmd, d, pte, mfn * PAGE_SIZE + flags);
  });
  return frames;
}

/** Points the guest's L1 entry at `pte` (a machine address) at a grant-table frame. */
function mapGrantFrame(privcmd: Privcmd, d: Domain, pte: number, lo: number): void {
  let rc: number | null = null;
  // The bootstrap L1s are validated: the entry changes through mmu_update, for `d`'s tables
  // (foreigndom bits 16–31: d + 1) and `d`'s frames (bits 0–15), which only a privileged
  // domain may name. Xen takes the grant frame's references and gives back the old page's.
  // One request: ptr (its low bits 0, MMU_NORMAL_PT_UPDATE), then the new entry.
  privcmd.writeU32(0, [pte, 0, lo, 0]);
  const foreigndom = (d.domid & 0xffff) | ((d.domid + 1) << 16);
  rc = privcmd.hypercall(__HYPERVISOR_mmu_update, privcmd.va(0), 1, 0, foreigndom);
  if (rc !== 0) throw new Error(`mapGrantTable: d${d.domid}: mmu_update returned ${rc}`);
}
