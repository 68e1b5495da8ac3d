// Your working copy for chapter 10, generated from solutions/xen/builder.ts by npx xenlab stage.
// The domain builder: a PV kernel image laid into a new domain's memory, start_info, shared_info,
// the bootstrap PAE page tables and vCPU 0's first state: book §2.1–2.2, appendix A.1; Xen
// tools/libs/guest/xg_dom_core.c, xg_dom_x86.c (alloc_magic_pages_pv, count_pgtables,
// setup_pgtables_x86_32_pae, start_info_x86_32, vcpu_x86_32), docs/xen-abi.md §2.2–2.6.
//
// The bootstrap region, VIRT_BASE upward, where virtual page k maps pseudo-physical page k:
//
//   kernel image │ P2M list │ start_info │ xenstore │ console │ page tables │ boot stack │ ≥512 KiB
//   (ESP = top of the boot stack; everything up to the next 4 MiB boundary is mapped.)

import {
  Cpu,
  CR0_ET,
  CR0_MP,
  CR0_NE,
  CR0_PE,
  CR0_PG,
  CR0_WP,
  CR4_OSFXSR,
  CR4_PAE,
  EFER_NXE,
  ESI,
  ESP,
  FLAG_IF,
  HostMode,
  PAGE_SIZE,
  type PhysMemory,
  type Prng,
  resetCpu,
  setEflags,
} from '../../../../sim/host.ts';
import {
  _PAGE_RW,
  HYPERCALL_VECTOR,
  HYPERVISOR_VIRT_START,
  L1_PROT,
  L2_PROT,
  L3_PROT,
  MAX_GUEST_CMDLINE,
  START_INFO,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_SIZE,
  VMASST_TYPE_pae_extended_cr3,
  XEN_LEGACY_MAX_VCPUS,
  XEN_START_INFO_MAGIC_PAE,
} from './abi.ts';
import { bsdSymtab, bsdSymtabStart } from './bsd-symtab.ts';
import type { Domain, Vcpu } from './domain.ts';
import {
  type ElfImage,
  type GuestParams,
  guestParams,
  ImageError,
  PaeMode,
  parseElf,
} from './elf.ts';
import type { Heap } from './heap.ts';
import { getPageAndType, PGT_l3_page_table, pinTable, setM2p } from './mm.ts';
import {
  loadKernelSegments,
  loadXenTables,
  XEN_AREA_L2_SLOT,
  type XenArea,
  xenAreaL2Entry,
} from './x86-desc.ts';

/** What the toolstack asks for (libxl's domain build info, reduced). */
export interface BuildConfig {
  /** Pages of pseudo-physical memory (nr_pages). */
  nrPages: number;
  cmdline: string;
  /** SIF_* flags for start_info. */
  flags: number;
  /** Event-channel ports the toolstack allocated for the xenstore and console rings. */
  storeEvtchn: number;
  consoleEvtchn: number;
  /** Shuffles the domain's machine frames (pfn ≠ mfn, in an order the seed decides). */
  shuffle: Prng | null;
}

/** Where the builder put everything: the tests and the trace read it. */
export interface BootLayout {
  params: GuestParams;
  virtBase: number;
  kernelPfn: number;
  kernelPages: number;
  p2mPfn: number;
  p2mPages: number;
  startInfoPfn: number;
  xenstorePfn: number;
  consolePfn: number;
  pgtablesPfn: number;
  /** Frames of bootstrap page tables: L3, L2s, L1s. */
  nrPtFrames: number;
  l2Count: number;
  l1Count: number;
  bootstackPfn: number;
  /** First address past the mapped bootstrap region (a 4 MiB boundary). */
  virtPgtabEnd: number;
  entry: number;
  stackTop: number;
  hypercallPageVa: number;
}

const PAGE_SHIFT = 12;

/** The 32-byte stub for hypercall `i` (docs/xen-abi.md §1.4): mov $i,%eax; int $0x82; ret; int3…. */
export function writeHypercallPage(mem: PhysMemory, mfn: number): void {
  const base = mfn * PAGE_SIZE;
  mem.fill(base, PAGE_SIZE, 0xcc);
  for (let i = 0; i < PAGE_SIZE / 32; i++) {
    const p = base + i * 32;
    if (i === 23) {
      // iret: the guest jumps here with an iret frame; EAX is saved on its stack first.
      mem.writeBytes(p, [0x50, 0xb8, 23, 0, 0, 0, 0xcd, HYPERCALL_VECTOR]);
    } else {
      mem.writeBytes(p, [0xb8, i, 0, 0, 0, 0xcd, HYPERCALL_VECTOR, 0xc3]);
    }
  }
}

/** Bump allocator over the bootstrap region (xc_dom_alloc_segment / xc_dom_alloc_page). */
class RegionAllocator {
  end: number;
  readonly virtBase: number;
  constructor(virtBase: number, end: number) {
    this.virtBase = virtBase;
    this.end = end;
  }
  /** Allocates `pages` pages, returns the first pfn. */
  pages(pages: number): number {
    const pfn = (this.end - this.virtBase) / PAGE_SIZE;
    this.end += pages * PAGE_SIZE;
    return pfn;
  }
}

/**
 * Page-table frames needed to map [virtBase, end) with PAE (count_pgtables): one L3, an L2 per
 * GiB touched, an L1 per 2 MiB touched, and an extra L2 for L3 slot 3 when the region stays
 * below 0xC0000000 (Xen's own mappings live there). `end` is inclusive, as libxenguest computes it.
 */
function paeTableCounts(virtBase: number, endInclusive: number): { l2: number; l1: number } {
  const count = (bits: number) => {
    const size = 2 ** bits;
    const start = Math.floor(virtBase / size) * size;
    const end = Math.floor(endInclusive / size) * size + (size - 1);
    return Math.floor((end - start) / size) + 1;
  };
  const extraL2 = endInclusive < 0xc0000000 ? 1 : 0;
  return { l2: count(30) + extraL2, l1: count(21) };
}

/** The mapped end of the region: tables + stack + 512 KiB of padding, up to 4 MiB (libxenguest). */
function sizeRegion(virtBase: number, allocEnd: number) {
  const extraPages = 1 + 128; // boot stack + 512 KiB padding
  let pages = extraPages;
  for (;;) {
    const tryEnd = Math.floor((allocEnd + pages * PAGE_SIZE) / 0x400000) * 0x400000 + 0x3fffff;
    const { l2, l1 } = paeTableCounts(virtBase, tryEnd);
    const pgtables = 1 + l2 + l1;
    pages = pgtables + extraPages;
    if (allocEnd + pages * PAGE_SIZE <= tryEnd + 1) {
      return { virtPgtabEnd: tryEnd + 1, l2, l1, pgtables };
    }
  }
}

/** Machine address of guest pseudo-physical address `pa`. */
function machineAddress(d: Domain, pa: number): number {
  const mfn = d.p2m[Math.floor(pa / PAGE_SIZE)];
  if (mfn === undefined) throw new Error(`builder: pfn ${pa >>> PAGE_SHIFT} outside the domain`);
  return mfn * PAGE_SIZE + (pa % PAGE_SIZE);
}

function write64(mem: PhysMemory, ma: number, low: number): void {
  mem.write32(ma, low);
  mem.write32(ma + 4, 0);
}

/**
 * Copies the PT_LOAD segments to their pseudo-physical place (the rest stays zero), then, for a
 * kernel that asked for it, its symbol tables after them (elf_load_bsdsyms).
 */
function loadKernel(mem: PhysMemory, d: Domain, elf: ElfImage, p: GuestParams): void {
  const virtOffset = p.virtBase - p.paddrOffset;
  let pend = 0;
  for (const seg of elf.segments) {
    const pa = seg.paddr + virtOffset - p.virtBase;
    for (let i = 0; i < seg.filesz; i++) {
      mem.write8(machineAddress(d, pa + i), elf.bytes[seg.offset + i]!);
    }
    pend = Math.max(pend, seg.paddr + seg.memsz);
  }
  const symtab = p.bsdSymtab ? bsdSymtab(elf.bytes) : null;
  if (symtab === null) return;
  const pa = bsdSymtabStart(pend) + virtOffset - p.virtBase;
  symtab.forEach((byte, i) => {
    mem.write8(machineAddress(d, pa + i), byte);
  });
}

/** The bootstrap PAE tables (setup_pgtables_x86_32_pae), plus Xen's slot in L3 slot 3's L2. */
export function buildPaeTables(mem: PhysMemory, d: Domain, lay: BootLayout, area: XenArea): void {
  const mfnOf = (pfn: number) => d.p2m[pfn]!;
  const l3 = mfnOf(lay.pgtablesPfn) * PAGE_SIZE;
  let l2pfn = lay.pgtablesPfn + 1;
  let l1pfn = l2pfn + lay.l2Count;
  const ptEnd = lay.pgtablesPfn + lay.nrPtFrames;
  let l2 = -1;
  let l1 = -1;
  for (let va = lay.virtBase; va < lay.virtPgtabEnd; va += PAGE_SIZE) {
    if (l2 < 0) {
      l2 = mfnOf(l2pfn) * PAGE_SIZE;
      write64(mem, l3 + Math.floor(va / 2 ** 30) * 8, l2 + L3_PROT);
      l2pfn++;
    }
    const l2off = Math.floor(va / 0x200000) % 512;
    if (l1 < 0) {
      l1 = mfnOf(l1pfn) * PAGE_SIZE;
      write64(mem, l2 + l2off * 8, l1 + L2_PROT);
      l1pfn++;
    }
    const l1off = (va >>> PAGE_SHIFT) % 512;
    const pfn = (va - lay.virtBase) / PAGE_SIZE;
    const readOnly = pfn >= lay.pgtablesPfn && pfn < ptEnd;
    write64(
      mem,
      l1 + l1off * 8,
      mfnOf(pfn) * PAGE_SIZE + (readOnly ? L1_PROT & ~_PAGE_RW : L1_PROT),
    );
    if (l1off === 511) {
      l1 = -1;
      if (l2off === 511) l2 = -1;
    }
  }
  if (lay.virtPgtabEnd <= 0xc0000000) {
    write64(mem, l3 + 3 * 8, mfnOf(l2pfn) * PAGE_SIZE + L3_PROT);
  }
  // Pinning the L3 makes Xen install its private mappings in the L2 of slot 3.
  const l2Slot3 = mem.read32(l3 + 3 * 8) & ~0xfff;
  write64(mem, l2Slot3 + XEN_AREA_L2_SLOT * 8, xenAreaL2Entry(area));
}

/** start_info for a domU (start_info_x86_32), every field. */
export function writeStartInfo(
  mem: PhysMemory,
  d: Domain,
  lay: BootLayout,
  cfg: BuildConfig,
): void {
  const si = machineAddress(d, lay.startInfoPfn * PAGE_SIZE);
  const put = (field: number, value: number) => mem.write32(si + field, value);
  for (let i = 0; i < XEN_START_INFO_MAGIC_PAE.length; i++) {
    mem.write8(si + START_INFO.magic + i, XEN_START_INFO_MAGIC_PAE.charCodeAt(i));
  }
  put(START_INFO.nr_pages, d.p2m.length);
  put(START_INFO.shared_info, d.sharedInfoMfn * PAGE_SIZE);
  put(START_INFO.flags, cfg.flags);
  put(START_INFO.store_mfn, d.p2m[lay.xenstorePfn]!);
  put(START_INFO.store_evtchn, cfg.storeEvtchn);
  put(START_INFO.console_domU_mfn, d.p2m[lay.consolePfn]!);
  put(START_INFO.console_domU_evtchn, cfg.consoleEvtchn);
  put(START_INFO.pt_base, lay.virtBase + lay.pgtablesPfn * PAGE_SIZE);
  put(START_INFO.nr_pt_frames, lay.nrPtFrames);
  put(START_INFO.mfn_list, lay.virtBase + lay.p2mPfn * PAGE_SIZE);
  put(START_INFO.mod_start, 0);
  put(START_INFO.mod_len, 0);
  const cmdline = cfg.cmdline.slice(0, MAX_GUEST_CMDLINE - 1);
  for (let i = 0; i < cmdline.length; i++) {
    mem.write8(si + START_INFO.cmd_line + i, cmdline.charCodeAt(i) & 0xff);
  }
  put(START_INFO.first_p2m_pfn, 0);
  put(START_INFO.nr_p2m_frames, 0);
}

/** vCPU 0 as Xen enters it (vcpu_x86_32 + arch_set_info_guest): ring 1, flat, ESI = start_info. */
function createVcpu0(mem: PhysMemory, d: Domain, lay: BootLayout, area: XenArea): Vcpu {
  const cpu = new Cpu(mem);
  resetCpu(cpu);
  cpu.hostMode = HostMode.Pv;
  cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
  cpu.cr4 = CR4_PAE | CR4_OSFXSR;
  cpu.efer = EFER_NXE;
  cpu.cr3 = d.p2m[lay.pgtablesPfn]! * PAGE_SIZE;
  loadXenTables(cpu, area);
  loadKernelSegments(cpu, area);
  cpu.cpl = 1;
  cpu.eip = lay.entry;
  cpu.reg32.fill(0);
  cpu.reg32[ESP] = lay.stackTop | 0;
  cpu.reg32[ESI] = (lay.virtBase + lay.startInfoPfn * PAGE_SIZE) | 0;
  setEflags(cpu, FLAG_IF, 0xffffffff);
  const vcpu: Vcpu = { id: 0, domain: d, cpu, online: true, blocked: false, yielded: false };
  d.vcpus.push(vcpu);
  return vcpu;
}

/**
 * Plans the bootstrap region of a kernel with `params` in a domain of `nrPages` pages: where
 * each part goes and how many page-table frames map it (xc_dom_build_image). Throws ImageError
 * when the region does not fit.
 */
export function planLayout(params: GuestParams, nrPages: number): BootLayout {
  const virtBase = params.virtBase;
  const kernelEnd = Math.ceil(params.virtKend / PAGE_SIZE) * PAGE_SIZE;
  const kernelPfn = Math.floor((params.virtKstart - virtBase) / PAGE_SIZE);
  const region = new RegionAllocator(virtBase, kernelEnd);
  const p2mPages = Math.ceil((nrPages * 4) / PAGE_SIZE);
  const p2mPfn = region.pages(p2mPages);
  const startInfoPfn = region.pages(1);
  const xenstorePfn = region.pages(1);
  const consolePfn = region.pages(1);
  const { virtPgtabEnd, l2, l1, pgtables } = sizeRegion(virtBase, region.end);
  const pgtablesPfn = region.pages(pgtables);
  const bootstackPfn = region.pages(1);
  const regionPages = (virtPgtabEnd - virtBase) / PAGE_SIZE;
  if (virtPgtabEnd > HYPERVISOR_VIRT_START) {
    throw new ImageError('the bootstrap region would reach into the hypervisor hole');
  }
  if (regionPages > nrPages) {
    throw new ImageError(`${nrPages} pages are too few: the bootstrap region needs ${regionPages}`);
  }
  return {
    params,
    virtBase,
    kernelPfn,
    kernelPages: (kernelEnd - params.virtKstart) / PAGE_SIZE,
    p2mPfn,
    p2mPages,
    startInfoPfn,
    xenstorePfn,
    consolePfn,
    pgtablesPfn,
    nrPtFrames: pgtables,
    l2Count: l2,
    l1Count: l1,
    bootstackPfn,
    virtPgtabEnd,
    entry: params.virtEntry,
    stackTop: virtBase + (bootstackPfn + 1) * PAGE_SIZE,
    hypercallPageVa: params.virtHypercall,
  };
}

/**
 * Builds domain `d` from a kernel image: parses it, gives the domain `cfg.nrPages` frames, lays
 * out the bootstrap region, writes the tables and pages, and creates vCPU 0. The domain stays
 * paused. Throws ImageError for an image or configuration that cannot boot.
 */
export function buildDomain(
  heap: Heap,
  area: XenArea,
  d: Domain,
  image: Uint8Array,
  cfg: BuildConfig,
): BootLayout {
  // 1. Parse the image and its Xen parameters.
  const elf = parseElf(image);
  const params = guestParams(elf);
  if (params.pae === PaeMode.No) {
    throw new ImageError('non-PAE kernels (xen-3.0-x86_32) need a non-PAE Xen; this is PAE only');
  }

  // 2. Plan the region: kernel, P2M, start_info, xenstore, console, page tables, boot stack.
  const lay = planLayout(params, cfg.nrPages);
  const virtBase = lay.virtBase;

  // 3. Memory: populate the physmap, plus the shared_info frame Xen shares with the guest.
  const mfns = heap.alloc(cfg.nrPages, d.domid, cfg.shuffle);
  if (mfns === null) throw new ImageError(`not enough free memory for ${cfg.nrPages} pages`);
  d.p2m = mfns;
  d.totPages = cfg.nrPages;
  d.maxPages = cfg.nrPages; // a domain that balloons down may grow back to this
  const shared = heap.alloc(1, d.domid);
  if (shared === null) throw new ImageError('not enough free memory for shared_info');
  d.xenFrames.push(...shared);
  d.sharedInfoMfn = shared[0]!;
  d.startInfoPfn = lay.startInfoPfn;
  const mem = heap.mem;

  // 4. Kernel image, then the P2M list.
  loadKernel(mem, d, elf, params);
  d.p2m.forEach((mfn, pfn) => {
    mem.write32(machineAddress(d, lay.p2mPfn * PAGE_SIZE + pfn * 4), mfn);
  });
  // populate_physmap also fills the M2P.
  d.p2m.forEach((mfn, pfn) => {
    setM2p(heap, mfn, pfn);
  });

  // 5. Bootstrap page tables, with Xen's area in L3 slot 3.
  buildPaeTables(mem, d, lay, area);

  // 6. shared_info: zero but for every vCPU's upcall mask; start_info.
  for (let v = 0; v < XEN_LEGACY_MAX_VCPUS; v++) {
    mem.write8(d.sharedInfoMfn * PAGE_SIZE + v * VCPU_INFO_SIZE + VCPU_INFO_evtchn_upcall_mask, 1);
  }
  writeStartInfo(mem, d, lay, cfg);

  // 7. The hypercall page (XEN_DOMCTL_hypercall_init).
  if (params.virtHypercall >= 0) {
    writeHypercallPage(mem, d.p2m[Math.floor((params.virtHypercall - virtBase) / PAGE_SIZE)]!);
  }

  // 8. vCPU 0 and the domain's vm_assist defaults.
  if (params.pae === PaeMode.ExtendedCr3 || params.pae === PaeMode.Bimodal) {
    d.vmAssist |= 1 << VMASST_TYPE_pae_extended_cr3;
  }
  createVcpu0(mem, d, lay, area);
  // 9. Pin the L3 for the guest (libxenguest's MMUEXT_PIN_L3_TABLE); vCPU 0's CR3 holds one more
  //    reference. Validation takes the references of every bootstrap entry.
  const l3 = d.p2m[lay.pgtablesPfn]!;
  const pinned = pinTable(heap, l3, d.domid, PGT_l3_page_table);
  if (pinned !== 0 || getPageAndType(heap, l3, d.domid, PGT_l3_page_table) !== 0) {
    throw new Error('builder: the bootstrap page tables do not validate');
  }
  return lay;
}
