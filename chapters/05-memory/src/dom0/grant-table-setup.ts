// Your working copy for chapter 05, generated from solutions/dom0/grant-table-setup.ts by npx xenlab stage.
// The toolstack's part in a new domain's grant table: setting it up and mapping its frames into
// the guest before it boots: book §4.1, §4.4; Xen tools/libs/guest/xg_dom_boot.c (xc_dom_gnttab_*).
//
// A real guest maps the frames GNTTABOP_setup_table lists itself, with update_va_mapping
// (chapter 05). Until that hypercall exists, the toolstack — which wrote the guest's page tables
// in the first place — maps them for it, at an address the guest can work out: the first page
// after the boot stack, start_info.pt_base + (nr_pt_frames + 1) pages, inside the bootstrap
// region (which always has at least 512 KiB of spare mapped pages there).

import { PAGE_SIZE } from '../../../../sim/host.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, START_INFO } from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { l1EntryAddress } from '../xen/grant-map.ts';
import { gnttabSetupTable, INITIAL_NR_GRANT_FRAMES } from '../xen/grant-table.ts';
import type { Xen } from '../xen/xen.ts';

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
  const dom0 = xen.findDomain(0)!;
  const find = (id: number) => xen.findDomain(id);
  const setup = gnttabSetupTable(xen.heap, find, dom0, d.domid, INITIAL_NR_GRANT_FRAMES);
  if (setup.frames.length === 0) {
    throw new Error(`mapGrantTable: d${d.domid}: setup_table status ${setup.status}`);
  }
  const va = grantTableVa(xen, d);
  const cr3 = d.vcpus[0]!.cpu.cr3;
  const flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
  setup.frames.forEach((mfn, i) => {
    const pte = l1EntryAddress(xen.heap, cr3, va + i * PAGE_SIZE);
    if (pte < 0) throw new Error(`mapGrantTable: d${d.domid}: no L1 for 0x${va.toString(16)}`);
    xen.mem.write32(pte, mfn * PAGE_SIZE + flags);
    xen.mem.write32(pte + 4, 0);
  });
  return setup.frames;
}
