// Your working copy for chapter 11, generated from solutions/xen/domctl.ts by npx xenlab stage.
// domctl: the control domain's operations on other domains (create, pause, unpause, destroy,
// query, limits): book §2.7, §11; Xen xen/common/domctl.c (do_domctl), public/domctl.h,
// docs/xen-abi.md §8.7.
//
// The toolstack builds, starts and stops domains with this one hypercall (libxc's xc_domain_*
// calls wrap it: dom0/xc-domain.ts). Xen copies the xen_domctl in, refuses another interface
// version (-EACCES), finds the target domain (-ESRCH), refuses a caller that is not privileged
// (-EPERM, the default XSM policy), then acts; createdomain and getdomaininfo copy the structure
// back out. An unknown command answers -ENOSYS.

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import {
  __HYPERVISOR_domctl,
  DOMID_FIRST_RESERVED,
  XEN_DOMCTL,
  XEN_DOMCTL_CREATEDOMAIN,
  XEN_DOMCTL_createdomain,
  XEN_DOMCTL_destroydomain,
  XEN_DOMCTL_GETDOMAININFO,
  XEN_DOMCTL_getdomaininfo,
  XEN_DOMCTL_INTERFACE_VERSION,
  XEN_DOMCTL_MAX_MEM,
  XEN_DOMCTL_max_mem,
  XEN_DOMCTL_pausedomain,
  XEN_DOMCTL_unpausedomain,
  XEN_DOMINF_blocked,
  XEN_DOMINF_dying,
  XEN_DOMINF_paused,
  XEN_DOMINF_running,
  XEN_DOMINF_shutdown,
  XEN_DOMINF_shutdownshift,
} from './abi.ts';
import { type Domain, DomainState, type Vcpu } from './domain.ts';
import { EACCES, EFAULT, EINVAL, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { copyFromGuest, copyToGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import {
  CR0_PG,
  CS,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  ESP,
  FS,
  GS,
  getEflags,
  PAGE_SIZE,
  SS,
} from '../../../../sim/host.ts';
import {
  CPU_USER_REGS,
  TRAP_CTXT_ENTRY,
  TRAP_INFO_SIZE,
  VCPU_GUEST_CONTEXT,
  XEN_DOMCTL_GETPAGEFRAMEINFO3,
  XEN_DOMCTL_getpageframeinfo3,
  XEN_DOMCTL_getvcpucontext,
  XEN_DOMCTL_PFINFO_L1TAB,
  XEN_DOMCTL_PFINFO_L2TAB,
  XEN_DOMCTL_PFINFO_L3TAB,
  XEN_DOMCTL_PFINFO_LPINTAB,
  XEN_DOMCTL_PFINFO_MAX,
  XEN_DOMCTL_PFINFO_NOTAB,
  XEN_DOMCTL_PFINFO_XTAB,
  XEN_DOMCTL_VCPUCONTEXT,
} from './abi.ts';
import { E2BIG, ENODATA } from './errno.ts';
import { PGT_l1_page_table, PGT_l2_page_table, PGT_l3_page_table } from './mm.ts';
import { pvTraps } from './trap-table.ts';
import { XEN_DOMCTL_MAX_VCPUS, XEN_DOMCTL_max_vcpus, XEN_LEGACY_MAX_VCPUS } from './abi.ts';
import { domainMaxVcpus } from './vcpu.ts';

/** One domctl command: the target (null for createdomain), the union's bytes to read and fill. */
type DomctlOp = (ctx: HypercallContext, d: Domain | null, op: DataView) => number;

/** Bytes per page and per KiB: max_mem's KiB become pages. */
const KIB_PER_PAGE = 4;

/** XEN_DOMCTL_createdomain: an empty domain, paused, with the caller's handle; its id goes back. */
function createdomain(ctx: HypercallContext, _d: Domain | null, op: DataView): number {
  const u = XEN_DOMCTL.u;
  if (op.getUint32(u + XEN_DOMCTL_CREATEDOMAIN.flags, true) !== 0) return -EINVAL;
  const wanted = op.getUint16(XEN_DOMCTL.domain, true);
  if (wanted !== 0) return -EINVAL; // ids are Xen's to choose here
  const at = op.byteOffset + u + XEN_DOMCTL_CREATEDOMAIN.handle;
  const handle = new Uint8Array(op.buffer.slice(at, at + 16));
  const d = ctx.xen.createEmptyDomain(`d${ctx.xen.nextDomainId}`, handle);
  op.setUint16(XEN_DOMCTL.domain, d.domid, true);
  return 0;
}

function pausedomain(ctx: HypercallContext, d: Domain | null): number {
  if (d === ctx.domain) return -EINVAL;
  ctx.xen.pauseDomain(d!);
  return 0;
}

/** Unpausing what the controller did not pause is -EINVAL (domain_unpause_by_systemcontroller). */
function unpausedomain(ctx: HypercallContext, d: Domain | null): number {
  if (d === ctx.domain || d!.pauseCount === 0) return -EINVAL;
  ctx.xen.unpauseDomain(d!);
  return 0;
}

function destroydomain(ctx: HypercallContext, d: Domain | null): number {
  if (d === ctx.domain) return -EINVAL;
  ctx.xen.destroyDomain(d!);
  return 0;
}

/** XEN_DOMCTL_max_mem: the most pages the domain may hold (it may balloon down to them). */
function maxMem(_ctx: HypercallContext, d: Domain | null, op: DataView): number {
  const kib = Number(op.getBigUint64(XEN_DOMCTL.u + XEN_DOMCTL_MAX_MEM.max_memkb, true));
  d!.maxPages = Math.floor(kib / KIB_PER_PAGE);
  return 0;
}

/** getdomaininfo's flags: XEN_DOMINF_* and the shutdown reason. */
function dominfFlags(d: Domain): number {
  const shutdown = d.shutdownReason >= 0 ? XEN_DOMINF_shutdown : 0;
  const reason = Math.max(d.shutdownReason, 0) << XEN_DOMINF_shutdownshift;
  const byState: Partial<Record<DomainState, number>> = {
    [DomainState.Dying]: XEN_DOMINF_dying,
    [DomainState.Created]: XEN_DOMINF_paused,
    [DomainState.Paused]: XEN_DOMINF_paused,
    [DomainState.Blocked]: XEN_DOMINF_blocked,
    [DomainState.Running]: XEN_DOMINF_running,
  };
  return (shutdown | reason | (byState[d.state] ?? 0)) >>> 0;
}

/**
 * XEN_DOMCTL_getdomaininfo: the first live domain whose id is at least the one asked for (so a
 * toolstack lists every domain by asking again from the next id), echoed in domctl.domain.
 */
function getdomaininfo(ctx: HypercallContext, _d: Domain | null, op: DataView): number {
  const from = op.getUint16(XEN_DOMCTL.domain, true);
  if (from >= DOMID_FIRST_RESERVED) return -EINVAL;
  const d = [...ctx.xen.domains.values()]
    .filter((x) => !x.destroyed && x.domid >= from)
    .sort((a, b) => a.domid - b.domid)[0];
  if (d === undefined) return -ESRCH;
  const u = XEN_DOMCTL.u;
  const f = XEN_DOMCTL_GETDOMAININFO;
  const u64 = (at: number, value: number) => op.setBigUint64(u + at, BigInt(value), true);
  op.setUint16(XEN_DOMCTL.domain, d.domid, true);
  op.setUint16(u + f.domain, d.domid, true);
  op.setUint32(u + f.flags, dominfFlags(d), true);
  u64(f.tot_pages, d.totPages);
  u64(f.max_pages, d.maxPages);
  u64(f.shr_pages, 0);
  u64(f.paged_pages, 0);
  u64(f.shared_info_frame, Math.max(d.sharedInfoMfn, 0));
  u64(f.cpu_time, 0);
  op.setUint32(u + f.nr_online_vcpus, d.vcpus.filter((v) => v.online).length, true);
  op.setUint32(u + f.max_vcpu_id, (d.vcpus.length - 1) >>> 0, true);
  op.setUint32(u + f.ssidref, 0, true);
  new Uint8Array(op.buffer, op.byteOffset + u + f.handle, 16).set(d.handle);
  op.setUint32(u + f.cpupool, 0, true);
  return 0;
}

/** XEN_DOMCTL_max_vcpus: vCPUs 1 … max−1 exist, down; their number never shrinks. */
function maxVcpus(ctx: HypercallContext, d: Domain | null, op: DataView): number {
  const max = op.getUint32(XEN_DOMCTL.u + XEN_DOMCTL_MAX_VCPUS.max, true);
  if (d === ctx.domain || max > XEN_LEGACY_MAX_VCPUS || max < d!.vcpus.length) return -EINVAL;
  domainMaxVcpus(ctx.xen.area, d!, max);
  return 0;
}

const CONTEXT_GPRS = [
  [EBX, CPU_USER_REGS.ebx],
  [ECX, CPU_USER_REGS.ecx],
  [EDX, CPU_USER_REGS.edx],
  [ESI, CPU_USER_REGS.esi],
  [EDI, CPU_USER_REGS.edi],
  [EBP, CPU_USER_REGS.ebp],
  [EAX, CPU_USER_REGS.eax],
  [ESP, CPU_USER_REGS.esp],
] as const;
const CONTEXT_SEGMENTS = [
  [CS, CPU_USER_REGS.cs],
  [SS, CPU_USER_REGS.ss],
  [DS, CPU_USER_REGS.ds],
  [ES, CPU_USER_REGS.es],
  [FS, CPU_USER_REGS.fs],
  [GS, CPU_USER_REGS.gs],
] as const;

/**
 * arch_get_info_guest for a PV vCPU: its registers, control registers (CR3 as a frame number,
 * xen_pfn_to_cr3), virtual IDT, kernel stack and the domain's vm_assist bits. Not carried here:
 * the FPU area, flags, LDT and GDT frames, debug registers and the callbacks (chapter 07).
 */
function archGetInfoGuest(v: Vcpu): Uint8Array {
  const bytes = new Uint8Array(VCPU_GUEST_CONTEXT.size);
  const c = new DataView(bytes.buffer);
  const cpu = v.cpu;
  const u = VCPU_GUEST_CONTEXT.user_regs;
  for (const [reg, at] of CONTEXT_GPRS) c.setUint32(u + at, cpu.reg32[reg]! >>> 0, true);
  for (const [seg, at] of CONTEXT_SEGMENTS) c.setUint16(u + at, cpu.segSelector[seg]!, true);
  c.setUint32(u + CPU_USER_REGS.eip, cpu.eip >>> 0, true);
  c.setUint32(u + CPU_USER_REGS.eflags, getEflags(cpu) >>> 0, true);
  const mfn = Math.floor(cpu.cr3 / PAGE_SIZE);
  const ctrl = [cpu.cr0, 0, cpu.cr2, ((mfn << 12) | (mfn >>> 20)) >>> 0, cpu.cr4];
  ctrl.forEach((value, i) => {
    c.setUint32(VCPU_GUEST_CONTEXT.ctrlreg + i * 4, value >>> 0, true);
  });
  const traps = pvTraps(v);
  traps.table.forEach((t, vector) => {
    const at = VCPU_GUEST_CONTEXT.trap_ctxt + vector * TRAP_INFO_SIZE;
    c.setUint8(at + TRAP_CTXT_ENTRY.vector, vector);
    c.setUint8(at + TRAP_CTXT_ENTRY.flags, t.flags);
    c.setUint16(at + TRAP_CTXT_ENTRY.cs, t.cs, true);
    c.setUint32(at + TRAP_CTXT_ENTRY.address, t.address, true);
  });
  c.setUint32(VCPU_GUEST_CONTEXT.kernel_ss, traps.kernelSs, true);
  c.setUint32(VCPU_GUEST_CONTEXT.kernel_sp, traps.kernelSp >>> 0, true);
  c.setUint32(VCPU_GUEST_CONTEXT.vm_assist, v.domain.vmAssist >>> 0, true);
  return bytes;
}

/** XEN_DOMCTL_getvcpucontext: the vCPU's vcpu_guest_context, written to the caller's ctxt. */
function getvcpucontext(ctx: HypercallContext, d: Domain | null, op: DataView): number {
  const u = XEN_DOMCTL.u;
  const id = op.getUint32(u + XEN_DOMCTL_VCPUCONTEXT.vcpu, true);
  const v = d!.vcpus[id];
  if (v === undefined) return -EINVAL;
  if ((v.cpu.cr0 & CR0_PG) === 0) return -ENODATA; // never given a context
  const to = op.getUint32(u + XEN_DOMCTL_VCPUCONTEXT.ctxt, true);
  return copyToGuest(ctx.vcpu.cpu, to, archGetInfoGuest(v)) === 0 ? 0 : -EFAULT;
}

const PFINFO_BY_TYPE: Readonly<Record<number, number>> = {
  [PGT_l1_page_table]: XEN_DOMCTL_PFINFO_L1TAB,
  [PGT_l2_page_table]: XEN_DOMCTL_PFINFO_L2TAB,
  [PGT_l3_page_table]: XEN_DOMCTL_PFINFO_L3TAB,
};

/**
 * XEN_DOMCTL_getpageframeinfo3: for each MFN of the array, what it is to `d` — a page table
 * (in use: type count above 0) and whether pinned, or XTAB for a frame `d` does not own.
 */
function getpageframeinfo3(ctx: HypercallContext, d: Domain | null, op: DataView): number {
  const u = XEN_DOMCTL.u;
  const num = Number(op.getBigUint64(u + XEN_DOMCTL_GETPAGEFRAMEINFO3.num, true));
  if (num > XEN_DOMCTL_PFINFO_MAX) return -E2BIG;
  const at = op.getUint32(u + XEN_DOMCTL_GETPAGEFRAMEINFO3.array, true);
  const bytes = copyFromGuest(ctx.vcpu.cpu, at, num * 4);
  if (typeof bytes === 'number') return -EFAULT;
  const array = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const heap = ctx.xen.heap;
  for (let i = 0; i < num; i++) {
    const mfn = array.getUint32(i * 4, true);
    let info = XEN_DOMCTL_PFINFO_XTAB;
    if (mfn < heap.owner.length && heap.owner[mfn] === d!.domid) {
      const inUse = heap.typeCount[mfn]! > 0;
      const table = inUse ? (PFINFO_BY_TYPE[heap.type[mfn]! & 0xf] ?? 0) : 0;
      info =
        (XEN_DOMCTL_PFINFO_NOTAB | table | (heap.pinned[mfn] ? XEN_DOMCTL_PFINFO_LPINTAB : 0)) >>>
        0;
    }
    array.setUint32(i * 4, (info | mfn) >>> 0, true);
  }
  return copyToGuest(ctx.vcpu.cpu, at, bytes) === 0 ? 0 : -EFAULT;
}

/** The commands, by number; the ones that write the structure back say so. */
const DOMCTL_OPS: Readonly<Record<number, { op: DomctlOp; copyBack?: true }>> = {
  [XEN_DOMCTL_createdomain]: { op: createdomain, copyBack: true },
  [XEN_DOMCTL_destroydomain]: { op: destroydomain },
  [XEN_DOMCTL_pausedomain]: { op: pausedomain },
  [XEN_DOMCTL_unpausedomain]: { op: unpausedomain },
  [XEN_DOMCTL_getdomaininfo]: { op: getdomaininfo, copyBack: true },
  [XEN_DOMCTL_max_mem]: { op: maxMem },
  [XEN_DOMCTL_getvcpucontext]: { op: getvcpucontext },
  [XEN_DOMCTL_getpageframeinfo3]: { op: getpageframeinfo3 },
  [XEN_DOMCTL_max_vcpus]: { op: maxVcpus },
};

/** domctl(op): EBX = the guest address of a struct xen_domctl. */
export function doDomctl(ctx: HypercallContext, args: Uint32Array): number {
  const bytes = copyFromGuest(ctx.vcpu.cpu, args[0]!, XEN_DOMCTL.size);
  if (typeof bytes === 'number') return -EFAULT;
  const op = new DataView(bytes.buffer, bytes.byteOffset, XEN_DOMCTL.size);
  if (op.getUint32(XEN_DOMCTL.interface_version, true) !== XEN_DOMCTL_INTERFACE_VERSION) {
    return -EACCES;
  }
  const cmd = op.getUint32(XEN_DOMCTL.cmd, true);
  const needsDomain = cmd !== XEN_DOMCTL_createdomain && cmd !== XEN_DOMCTL_getdomaininfo;
  const d = needsDomain
    ? (ctx.xen.findDomain(op.getUint16(XEN_DOMCTL.domain, true)) ?? null)
    : null;
  if (needsDomain && d === null) return -ESRCH;
  if (!ctx.domain.privileged) return -EPERM;
  const entry = DOMCTL_OPS[cmd];
  if (entry === undefined) return -ENOSYS;
  const rc = entry.op(ctx, d, op);
  if (rc === 0 && entry.copyBack === true && copyToGuest(ctx.vcpu.cpu, args[0]!, bytes) !== 0) {
    return -EFAULT;
  }
  return rc;
}

export const DOMCTL_MECHANISM: Mechanism = {
  name: 'domctl',
  hypercalls: { [__HYPERVISOR_domctl]: doDomctl },
};
