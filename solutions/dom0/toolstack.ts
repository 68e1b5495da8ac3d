// A minimal toolstack in domain 0: create a domain from a kernel image and a small config,
// start, pause, unpause, destroy, each domain's console captured: book §2.7, §11; Xen
// tools/libxl (libxl_domain_create_new, libxl_domain_pause/unpause, libxl_domain_destroy).
// xenlab: file from 02
//
// In chapter 02 the toolstack calls Xen's domain-control operations directly; the domctl
// hypercall it will issue instead arrives with the Xen API chapter (11).

// xenlab: region toolstack-grant-table-imports from 04
import { PAGE_SIZE } from '../../sim/memory/memory.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_RW, START_INFO } from '../xen/abi.ts';
// xenlab: end toolstack-grant-table-imports
import type { Domain, DomainState } from '../xen/domain.ts';
import { l1EntryAddress } from '../xen/grant-map.ts';
import { gnttabSetupTable, INITIAL_NR_GRANT_FRAMES } from '../xen/grant-table.ts';
import type { DomainConfig, Xen } from '../xen/xen.ts';

/** What `xl list` shows for a domain. */
export interface DomainInfo {
  domid: number;
  name: string;
  state: DomainState;
  /** SHUTDOWN_* once shut down, else -1. */
  shutdownReason: number;
  memoryPages: number;
}

export class Toolstack {
  readonly xen: Xen;

  constructor(xen: Xen) {
    this.xen = xen;
  }

  /** Builds a domain from `image`; it stays paused until start(). Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain {
    return this.xen.createDomain(image, config).domain;
  }

  /** Lets a freshly built domain run for the first time. */
  start(d: Domain): void {
    this.xen.unpauseDomain(d);
  }

  pause(d: Domain): void {
    this.xen.pauseDomain(d);
  }

  unpause(d: Domain): void {
    this.xen.unpauseDomain(d);
  }

  destroy(d: Domain): void {
    this.xen.destroyDomain(d);
  }

  // xenlab: region toolstack-map-grant-table from 04
  /**
   * Sets up a freshly built domain's grant table (version 1, INITIAL_NR_GRANT_FRAMES frames)
   * and maps its frames writable into the guest, from the first page after the boot stack —
   * start_info.pt_base + (nr_pt_frames + 1) pages, inside the bootstrap region. A real guest
   * maps the frames GNTTABOP_setup_table lists itself, with update_va_mapping (chapter 05);
   * until then the toolstack, which wrote the guest's page tables, does it. Returns the frames.
   */
  mapGrantTable(d: Domain): number[] {
    const { heap } = this.xen;
    const dom0 = this.xen.findDomain(0)!;
    const find = (id: number) => this.xen.findDomain(id);
    const setup = gnttabSetupTable(heap, find, dom0, d.domid, INITIAL_NR_GRANT_FRAMES);
    if (setup.frames.length === 0) throw new Error(`mapGrantTable: d${d.domid}: ${setup.status}`);
    const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    const ptBase = heap.mem.read32(startInfo + START_INFO.pt_base);
    const ptFrames = heap.mem.read32(startInfo + START_INFO.nr_pt_frames);
    const va = ptBase + (ptFrames + 1) * PAGE_SIZE;
    const cr3 = d.vcpus[0]!.cpu.cr3;
    setup.frames.forEach((mfn, i) => {
      const pte = l1EntryAddress(heap, cr3, va + i * PAGE_SIZE);
      const flags = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
      heap.mem.write32(pte, mfn * PAGE_SIZE + flags);
      heap.mem.write32(pte + 4, 0);
    });
    return setup.frames;
  }
  // xenlab: end toolstack-map-grant-table

  /** Everything the domain has written to its console so far. */
  console(d: Domain): string {
    return this.xen.consoleOutput.get(d.domid) ?? '';
  }

  list(): DomainInfo[] {
    return [...this.xen.domains.values()]
      .filter((d) => !d.destroyed)
      .map((d) => ({
        domid: d.domid,
        name: d.name,
        state: d.state,
        shutdownReason: d.shutdownReason,
        memoryPages: d.p2m.length,
      }));
  }
}
