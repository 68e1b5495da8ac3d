// Your working copy for chapter 11, generated from solutions/dom0/save-restore.ts by npx xenlab stage.
// Saving a paused PV guest to bytes and restoring it into other machine frames: book §5.7.3;
// Xen tools/libs/guest/xg_sr_save_x86_pv.c (normalise_pagetable), xg_sr_restore_x86_pv.c
// (x86_pv_localise_page), docs/xen-abi.md §5.1.
//
// A PV guest's page tables, P2M and start_info hold machine frame numbers, which mean nothing
// on another machine (or in other frames of this one). Saving rewrites each of them as the
// pseudo-physical frame it stands for; restoring allocates new frames and rewrites them back,
// then pins and validates the tables again. The guest never notices.
//
// Saving asks Xen only by domctl, as libxc does (getdomaininfo, getvcpucontext,
// getpageframeinfo3), and reads the guest's pages and P2M list through foreign mappings.
// Restoring still builds the domain inside Xen's objects (frames, M2P, pins, the vCPU): its
// domctl path needs XEN_DOMCTL_setvcpucontext, which arrives with chapter 07's
// arch_set_info_guest (vcpu.ts).
//
// The save file, all integers little-endian u32:
//
//   header   "XLSAVE05", version 1, nr_pfns, max_pages, start_info pfn, vm_assist
//   vcpu     EIP EFLAGS EAX ECX EDX EBX ESP EBP ESI EDI, CS SS DS ES FS GS, CPL, CR0 CR2 CR3
//            (as a pfn) CR4 EFER, kernel SS and SP (stack_switch), then the trap table:
//            a count and 8-byte trap_info entries
//   shared   the 4096 bytes of the shared info page
//   kinds    one u32 per pfn: FrameKind | pinned << 8
//   pages    4096 bytes per present pfn, in pfn order, tables and the P2M canonical
//
// Simplifications: one vCPU; no FPU state (the guests saved here do not use it); the guest
// must have unmapped its shared info page and foreign frames first, as Linux does before it
// suspends; grant tables and event channels are not carried yet.

import {
  Cpu,
  CS,
  DS,
  EAX,
  EFER_NXE,
  ES,
  FS,
  GS,
  HostMode,
  PAGE_SIZE,
  type PhysMemory,
  type Prng,
  resetCpu,
  SS,
  setEflags,
} from '../../../../sim/host.ts';
import {
  _PAGE_PRESENT,
  CPU_USER_REGS,
  START_INFO,
  TRAP_CTXT_ENTRY,
  TRAP_INFO_SIZE,
  VCPU_GUEST_CONTEXT,
  XEN_DOMCTL_PFINFO_L1TAB,
  XEN_DOMCTL_PFINFO_L2TAB,
  XEN_DOMCTL_PFINFO_L3TAB,
  XEN_DOMCTL_PFINFO_LPINTAB,
  XEN_DOMCTL_PFINFO_LTABTYPE_MASK,
} from '../xen/abi.ts';
import type { Domain, Vcpu } from '../xen/domain.ts';
import { formatResult } from '../xen/errno.ts';
import {
  getPageAndType,
  guestSlots,
  INVALID_M2P_ENTRY,
  PGT_l1_page_table,
  PGT_l2_page_table,
  PGT_l3_page_table,
  PGT_pae_xen_l2,
  pinTable,
  setM2p,
} from '../xen/mm.ts';
import { l1eAddress, pteMfn } from '../xen/page.ts';
import { pvTraps, type TrapInfo } from '../xen/trap-table.ts';
import { loadFlatSegment, loadXenTables } from '../xen/x86-desc.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';
import { xcDomainGetinfo, xcGetPfnTypes, xcVcpuGetcontext } from './xc-domain.ts';

/** What a saved pfn held. */
export enum FrameKind {
  Absent = 0,
  Data = 1,
  L1 = 2,
  L2 = 3,
  L2Xen = 4,
  L3 = 5,
  /** A page of the guest's P2M list (start_info.mfn_list): MFNs to rewrite. */
  P2m = 6,
}

const MAGIC = 'XLSAVE05';
const VERSION = 1;
const SEGMENTS = [CS, SS, DS, ES, FS, GS] as const;
const KIND_TYPES: Readonly<Record<number, number>> = {
  [FrameKind.L1]: PGT_l1_page_table,
  [FrameKind.L2]: PGT_l2_page_table,
  [FrameKind.L2Xen]: PGT_l2_page_table | PGT_pae_xen_l2,
  [FrameKind.L3]: PGT_l3_page_table,
};

/** A guest that cannot be saved as it stands, or bytes that are no save file. */
export class SaveError extends Error {
  override name = 'SaveError';
}

/** Appends little-endian u32s and raw pages. */
class Writer {
  private chunks: Uint8Array[] = [];
  u32(...values: number[]): void {
    const b = new Uint8Array(values.length * 4);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => {
      v.setUint32(i * 4, x >>> 0, true);
    });
    this.chunks.push(b);
  }
  bytes(b: Uint8Array): void {
    this.chunks.push(b.slice());
  }
  done(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

class Reader {
  private at = 0;
  private readonly view: DataView;
  constructor(private readonly data: Uint8Array) {
    this.view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  u32(): number {
    if (this.at + 4 > this.data.length) throw new SaveError('the save file is truncated');
    const value = this.view.getUint32(this.at, true);
    this.at += 4;
    return value;
  }
  bytes(n: number): Uint8Array {
    if (this.at + n > this.data.length) throw new SaveError('the save file is truncated');
    this.at += n;
    return this.data.subarray(this.at - n, this.at);
  }
}

/** A guest virtual address as machine address, through the guest's tables (a foreign read). */
function guestToMachine(mem: PhysMemory, cr3: number, va: number): number {
  const l1e = l1eAddress(mem, cr3, va);
  if (l1e < 0 || (mem.read32(l1e) & _PAGE_PRESENT) === 0) return -1;
  return pteMfn(mem.read32(l1e), mem.read32(l1e + 4)) * PAGE_SIZE + (va % PAGE_SIZE);
}

/** The guest's P2M list (start_info.mfn_list), read through its own tables, and its pages. */
function readGuestP2m(mem: PhysMemory, cr3: number, startInfo: number) {
  const nrPages = mem.read32(startInfo + START_INFO.nr_pages) >>> 0;
  const va = mem.read32(startInfo + START_INFO.mfn_list) >>> 0;
  const p2m: number[] = [];
  const pages = new Set<number>();
  for (let off = 0; off < nrPages * 4; off += PAGE_SIZE) {
    const ma = guestToMachine(mem, cr3, va + off);
    if (ma < 0) throw new SaveError('the P2M list start_info names is not mapped');
    pages.add(Math.floor(ma / PAGE_SIZE));
    const count = Math.min(PAGE_SIZE, nrPages * 4 - off) / 4;
    for (let i = 0; i < count; i++) p2m.push(mem.read32(ma + i * 4) >>> 0);
  }
  return { p2m, pages };
}

/** Rewrites every present entry of a table page: MFN → PFN (save) or PFN → MFN (restore). */
function rewriteTable(page: Uint8Array, kind: FrameKind, map: (frame: number) => number): void {
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  const slots = guestSlots(KIND_TYPES[kind]!);
  for (let slot = 0; slot < PAGE_SIZE / 8; slot++) {
    const lo = view.getUint32(slot * 8, true);
    const hi = view.getUint32(slot * 8 + 4, true);
    if (slot >= slots) {
      // Xen's own slots (and the unused rest of an L3) are Xen's to fill again.
      if (kind !== FrameKind.L3) view.setBigUint64(slot * 8, 0n, true);
      continue;
    }
    if ((lo & 1) === 0) continue;
    const frame = map(pteMfn(lo, hi));
    view.setUint32(slot * 8, ((frame % 0x100000) * PAGE_SIZE + (lo & 0xfff)) >>> 0, true);
    view.setUint32(slot * 8 + 4, ((hi & ~0xfff) | Math.floor(frame / 0x100000)) >>> 0, true);
  }
}


/** Rewrites each valid P2M entry of a page. */
function rewriteP2m(page: Uint8Array, map: (frame: number) => number): void {
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE / 4; i++) {
    const entry = view.getUint32(i * 4, true);
    if (entry !== INVALID_M2P_ENTRY) view.setUint32(i * 4, map(entry), true);
  }
}

/** getpageframeinfo3's table types as the save file's kinds (an L2 is told apart below). */
const PFINFO_KINDS: Readonly<Record<number, FrameKind>> = {
  [XEN_DOMCTL_PFINFO_L1TAB]: FrameKind.L1,
  [XEN_DOMCTL_PFINFO_L2TAB]: FrameKind.L2,
  [XEN_DOMCTL_PFINFO_L3TAB]: FrameKind.L3,
};

/** Fails the save with what Xen answered. */
function must<T>(what: string, result: T | number): T {
  if (typeof result === 'number') throw new SaveError(`${what} failed: ${formatResult(result)}`);
  return result;
}

/**
 * xc_domain_save for a paused domain with one vCPU: the bytes of the format above. What Xen
 * knows comes by domctl (getdomaininfo, getvcpucontext, getpageframeinfo3); the guest's memory,
 * its P2M list included, is read through foreign mappings. The start_info frame is the one the
 * toolstack built (a suspended Linux names it in its suspend record instead). Throws SaveError
 * when a table maps a frame that is not one of the domain's pfns.
 */
export function saveDomain(xen: Xen, d: Domain): Uint8Array {
  const mem = xen.mem;
  const privcmd = new Privcmd(xen);
  const info = must('getdomaininfo', xcDomainGetinfo(privcmd, d.domid));
  if (info.domid !== d.domid) throw new SaveError(`no domain ${d.domid}`);
  if (info.maxVcpuId !== 0) throw new SaveError('one vCPU is supported');
  const c = must('getvcpucontext', xcVcpuGetcontext(privcmd, d.domid, 0));
  const ctrl = (i: number) => c.getUint32(VCPU_GUEST_CONTEXT.ctrlreg + i * 4, true);
  const cr3Mfn = ((ctrl(3) >>> 12) | (ctrl(3) << 20)) >>> 0;
  const startInfoMfn = d.p2m[d.startInfoPfn]!;
  const { p2m, pages: p2mPages } = readGuestP2m(mem, cr3Mfn * PAGE_SIZE, startInfoMfn * PAGE_SIZE);
  const pfnOf = new Map<number, number>();
  p2m.forEach((mfn, pfn) => {
    if (mfn !== INVALID_M2P_ENTRY) pfnOf.set(mfn, pfn);
  });
  const toPfn = (mfn: number) => {
    const pfn = pfnOf.get(mfn);
    if (pfn === undefined) {
      throw new SaveError(`a page table maps frame ${mfn}, which is not one of the domain's pfns`);
    }
    return pfn;
  };
  const present = p2m.filter((mfn) => mfn !== INVALID_M2P_ENTRY);
  const pfinfo = must('getpageframeinfo3', xcGetPfnTypes(privcmd, d.domid, present));
  const typeOf = new Map(present.map((mfn, i) => [mfn, pfinfo[i]!]));
  // The L2 that an L3's slot 3 names holds Xen's own slots (PGT_pae_xen_l2).
  const xenL2s = new Set(
    present
      .filter(
        (mfn) => (typeOf.get(mfn)! & XEN_DOMCTL_PFINFO_LTABTYPE_MASK) === XEN_DOMCTL_PFINFO_L3TAB,
      )
      .map((mfn) =>
        pteMfn(mem.read32(mfn * PAGE_SIZE + 3 * 8), mem.read32(mfn * PAGE_SIZE + 3 * 8 + 4)),
      ),
  );
  const kinds = p2m.map((mfn) => {
    if (mfn === INVALID_M2P_ENTRY) return FrameKind.Absent;
    if (p2mPages.has(mfn)) return FrameKind.P2m;
    const kind = PFINFO_KINDS[typeOf.get(mfn)! & XEN_DOMCTL_PFINFO_LTABTYPE_MASK] ?? FrameKind.Data;
    return kind === FrameKind.L2 && xenL2s.has(mfn) ? FrameKind.L2Xen : kind;
  });

  const w = new Writer();
  w.bytes(new TextEncoder().encode(MAGIC));
  const vmAssist = c.getUint32(VCPU_GUEST_CONTEXT.vm_assist, true);
  w.u32(VERSION, p2m.length, info.maxPages, d.startInfoPfn, vmAssist);
  const u = VCPU_GUEST_CONTEXT.user_regs;
  const reg = (at: number) => c.getUint32(u + at, true);
  const R = CPU_USER_REGS;
  w.u32(reg(R.eip), reg(R.eflags), reg(R.eax), reg(R.ecx), reg(R.edx), reg(R.ebx));
  w.u32(reg(R.esp), reg(R.ebp), reg(R.esi), reg(R.edi));
  const selectors = [R.cs, R.ss, R.ds, R.es, R.fs, R.gs].map((at) => c.getUint16(u + at, true));
  w.u32(...selectors, selectors[0]! & 3);
  // EFER is not in the context: every PV vCPU runs with the EFER Xen gives it (NXE).
  w.u32(ctrl(0), ctrl(2), toPfn(cr3Mfn), ctrl(4), EFER_NXE);
  w.u32(
    c.getUint32(VCPU_GUEST_CONTEXT.kernel_ss, true),
    c.getUint32(VCPU_GUEST_CONTEXT.kernel_sp, true),
  );
  const traps: number[][] = [];
  for (let vector = 0; vector < 256; vector++) {
    const at = VCPU_GUEST_CONTEXT.trap_ctxt + vector * TRAP_INFO_SIZE;
    const address = c.getUint32(at + TRAP_CTXT_ENTRY.address, true);
    if (address === 0) continue;
    const packed =
      vector |
      (c.getUint8(at + TRAP_CTXT_ENTRY.flags) << 8) |
      (c.getUint16(at + TRAP_CTXT_ENTRY.cs, true) << 16);
    traps.push([packed, address]);
  }
  w.u32(traps.length);
  for (const t of traps) w.u32(...t);
  w.bytes(mem.readBytes(info.sharedInfoFrame * PAGE_SIZE, PAGE_SIZE));
  w.u32(
    ...kinds.map((k, pfn) => {
      const pinned =
        k !== FrameKind.Absent && (typeOf.get(p2m[pfn]!)! & XEN_DOMCTL_PFINFO_LPINTAB) !== 0;
      return k | ((pinned ? 1 : 0) << 8);
    }),
  );
  kinds.forEach((kind, pfn) => {
    if (kind === FrameKind.Absent) return;
    const page = mem.readBytes(p2m[pfn]! * PAGE_SIZE, PAGE_SIZE);
    if (kind === FrameKind.P2m) rewriteP2m(page, toPfn);
    else if (kind !== FrameKind.Data) rewriteTable(page, kind, toPfn);
    if (pfn === d.startInfoPfn) canonicalStartInfo(page, toPfn);
    w.bytes(page);
  });
  return w.done();
}

/** start_info's machine frames as pfns (save) or back (restore); shared_info is Xen's. */
function canonicalStartInfo(page: Uint8Array, map: (frame: number) => number, sharedMa = 0) {
  const view = new DataView(page.buffer, page.byteOffset, PAGE_SIZE);
  view.setUint32(START_INFO.shared_info, sharedMa, true);
  for (const field of [START_INFO.store_mfn, START_INFO.console_domU_mfn]) {
    view.setUint32(field, map(view.getUint32(field, true)), true);
  }
}

/**
 * xc_domain_restore: a new paused domain with the saved guest in frames the heap chooses
 * (shuffled by `shuffle`), its tables rewritten, pinned and validated, its vCPU as it was.
 */
export function restoreDomain(xen: Xen, name: string, bytes: Uint8Array, shuffle: Prng | null) {
  const heap = xen.heap;
  const r = new Reader(bytes);
  if (new TextDecoder().decode(r.bytes(8)) !== MAGIC || r.u32() !== VERSION) {
    throw new SaveError('not a xenlab save file (version 1)');
  }
  const [nrPfns, maxPages, startInfoPfn, vmAssist] = [r.u32(), r.u32(), r.u32(), r.u32()];
  const regs = Array.from({ length: 10 }, () => r.u32());
  const selectors = SEGMENTS.map(() => r.u32());
  const [cpl, cr0, cr2, cr3Pfn, cr4, efer, kernelSs, kernelSp] = Array.from({ length: 8 }, () =>
    r.u32(),
  );
  const trapTable: TrapInfo[] = [];
  for (let n = r.u32(); n > 0; n--) {
    const [packed, address] = [r.u32(), r.u32()];
    trapTable[packed & 0xff] = { flags: (packed >>> 8) & 0xff, cs: packed >>> 16, address };
  }
  const shared = r.bytes(PAGE_SIZE);
  const kinds = Array.from({ length: nrPfns }, () => r.u32());

  const d = xen.createEmptyDomain(name);
  const present = kinds.filter((k) => (k & 0xff) !== FrameKind.Absent).length;
  const mfns = heap.alloc(present, d.domid, shuffle);
  const sharedMfn = heap.alloc(1, d.domid);
  if (mfns === null || sharedMfn === null) {
    xen.destroyDomain(d);
    throw new SaveError(`not enough free memory for ${present} pages`);
  }
  let next = 0;
  d.p2m = kinds.map((k) => ((k & 0xff) === FrameKind.Absent ? INVALID_M2P_ENTRY : mfns[next++]!));
  d.p2m.forEach((mfn, pfn) => {
    if (mfn !== INVALID_M2P_ENTRY) setM2p(heap, mfn, pfn);
  });
  d.xenFrames.push(sharedMfn[0]!);
  d.sharedInfoMfn = sharedMfn[0]!;
  d.startInfoPfn = startInfoPfn;
  d.totPages = present;
  d.maxPages = maxPages;
  d.vmAssist = vmAssist;
  xen.mem.writeBytes(d.sharedInfoMfn * PAGE_SIZE, shared);
  const toMfn = (pfn: number) => {
    const mfn = d.p2m[pfn];
    if (mfn === undefined || mfn === INVALID_M2P_ENTRY)
      throw new SaveError(`no frame for pfn ${pfn}`);
    return mfn;
  };
  kinds.forEach((packed, pfn) => {
    const kind = packed & 0xff;
    if (kind === FrameKind.Absent) return;
    const page = r.bytes(PAGE_SIZE).slice();
    if (kind === FrameKind.P2m) rewriteP2m(page, toMfn);
    else if (kind !== FrameKind.Data) rewriteTable(page, kind, toMfn);
    if (pfn === startInfoPfn) canonicalStartInfo(page, toMfn, d.sharedInfoMfn * PAGE_SIZE);
    xen.mem.writeBytes(d.p2m[pfn]! * PAGE_SIZE, page);
  });
  // Pinning validates the tables again, here, in their new frames.
  kinds.forEach((packed, pfn) => {
    if (packed >>> 8 === 0) return;
    if (pinTable(heap, d.p2m[pfn]!, d.domid, KIND_TYPES[packed & 0xff]!) !== 0) {
      throw new SaveError(`the table at pfn ${pfn} does not validate`);
    }
  });
  const cpu = restoreCpu(xen, { regs, selectors, cpl, cr0, cr2, cr4, efer });
  cpu.cr3 = toMfn(cr3Pfn) * PAGE_SIZE;
  if (getPageAndType(heap, toMfn(cr3Pfn), d.domid, PGT_l3_page_table) !== 0) {
    throw new SaveError('the saved page-table base does not validate');
  }
  const vcpu: Vcpu = { id: 0, domain: d, cpu, online: true, blocked: false, yielded: false };
  Object.assign(pvTraps(vcpu), { table: trapTable, kernelSs, kernelSp });
  d.vcpus.push(vcpu);
  return d;
}

/** The vCPU's registers as saved; segments are Xen's flat selectors, loaded from its GDT. */
function restoreCpu(
  xen: Xen,
  s: {
    regs: number[];
    selectors: number[];
    cpl: number;
    cr0: number;
    cr2: number;
    cr4: number;
    efer: number;
  },
): Cpu {
  const cpu = new Cpu(xen.mem);
  resetCpu(cpu);
  cpu.hostMode = HostMode.Pv;
  cpu.cr0 = s.cr0;
  cpu.cr2 = s.cr2;
  cpu.cr4 = s.cr4;
  cpu.efer = s.efer;
  loadXenTables(cpu, xen.area);
  SEGMENTS.forEach((seg, i) => {
    loadFlatSegment(cpu, xen.area, seg, s.selectors[i]!);
  });
  cpu.cpl = s.cpl;
  cpu.eip = s.regs[0]!;
  setEflags(cpu, s.regs[1]!, 0xffffffff);
  s.regs.slice(2).forEach((value, i) => {
    cpu.reg32[EAX + i] = value | 0;
  });
  return cpu;
}
