// Your working copy for chapter 10, generated from solutions/xen/vcpu.ts by npx xenlab stage.
// Several vCPUs in a domain: XEN_DOMCTL_max_vcpus and vcpu_op: book §7.5, §7.9; Xen
// xen/common/domain.c (do_vcpu_op, vcpu_create), xen/arch/x86/domain.c (arch_set_info_guest),
// public/vcpu.h, docs/xen-abi.md §8.3.
//
// The toolstack gives a domain its vCPUs when it creates it; vCPU 0 starts where the builder
// put it, the others exist but are down and have no state. The guest's kernel gives one its
// first registers with VCPUOP_initialise (a vcpu_guest_context: the registers, the page tables
// in ctrlreg[3], the kernel stack, the virtual IDT, the callbacks) and starts it with
// VCPUOP_up. Each vCPU has its own vcpu_info slot in shared_info: its own selector, upcall flags
// and mask, so an event lands on the vCPU its port notifies.
//
// The runstate commands are runstate.ts's, the timers timer.ts's. VCPUOP_register_vcpu_info
// moves a vCPU's vcpu_info out of shared_info into a page of the guest's (map_vcpu_info): the
// only way to reach more than 32 vCPUs, and what Linux does for every vCPU.

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
  CS,
  DS,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  EFER_NXE,
  ES,
  ESI,
  ESP,
  FLAG_IF,
  FLAG_IOPL,
  FS,
  GS,
  HostMode,
  loadSegmentCache,
  PAGE_SIZE,
  readDescriptor,
  resetCpu,
  SS,
  setEflags,
} from '../../../../sim/host.ts';
import {
  __HYPERVISOR_vcpu_op,
  CPU_USER_REGS,
  SHUTDOWN_poweroff,
  TRAP_INFO_SIZE,
  VCPU_GUEST_CONTEXT,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_SIZE,
  VCPU_REGISTER_VCPU_INFO,
  VCPU_SET_PERIODIC_TIMER,
  VCPU_SET_SINGLESHOT_TIMER,
  VCPU_SSHOTTMR_future,
  VCPUOP_down,
  VCPUOP_get_runstate_info,
  VCPUOP_initialise,
  VCPUOP_is_up,
  VCPUOP_register_runstate_memory_area,
  VCPUOP_register_vcpu_info,
  VCPUOP_set_periodic_timer,
  VCPUOP_set_singleshot_timer,
  VCPUOP_stop_periodic_timer,
  VCPUOP_stop_singleshot_timer,
  VCPUOP_up,
  XEN_LEGACY_MAX_VCPUS,
} from './abi.ts';
import { callbacks } from './callback.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EEXIST, EFAULT, EINVAL, ENOENT, ENOSYS, ETIME } from './errno.ts';
import { vcpuMarkEventsPending } from './event-2l.ts';
import { copyFromGuest } from './guest-access.ts';
import type { Heap } from './heap.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { getPageAndType, PGT_l3_page_table, PGT_writable_page, putPageAndType } from './mm.ts';
import { getRunstateInfo, registerRunstateArea } from './runstate.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { getSTime } from './time.ts';
import { setTimer, stopTimer, vcpuSetPeriodicTimer, vcpuTimers } from './timer.ts';
import { fixupGuestSelector, pvTraps } from './trap-table.ts';
import { loadXenTables, type XenArea } from './x86-desc.ts';

/** v->is_initialised: the vCPU has a context (vCPU 0 from the builder, others from the guest). */
export const vcpuInitialised = perVcpu((v: Vcpu): { done: boolean } => ({ done: v.id === 0 }));

/**
 * XEN_DOMCTL_max_vcpus: `d` gets vCPUs 1 … n−1, down and without a context, each a CPU in PV
 * mode on Xen's tables, as vcpu_create leaves them.
 */
export function domainMaxVcpus(area: XenArea, d: Domain, n: number): void {
  if (n > XEN_LEGACY_MAX_VCPUS) throw new Error(`max_vcpus: ${n} is more than a 32-bit guest has`);
  const mem = d.vcpus[0]!.cpu.mem;
  for (let id = d.vcpus.length; id < n; id++) {
    const cpu = new Cpu(mem);
    resetCpu(cpu);
    cpu.hostMode = HostMode.Pv;
    // Paging goes on with the page tables VCPUOP_initialise brings.
    cpu.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP;
    cpu.cr4 = CR4_PAE | CR4_OSFXSR;
    cpu.efer = EFER_NXE;
    loadXenTables(cpu, area);
    d.vcpus.push({ id, domain: d, cpu, online: false, blocked: false, yielded: false });
  }
}

const SEGMENTS = [
  [CS, CPU_USER_REGS.cs],
  [SS, CPU_USER_REGS.ss],
  [DS, CPU_USER_REGS.ds],
  [ES, CPU_USER_REGS.es],
  [FS, CPU_USER_REGS.fs],
  [GS, CPU_USER_REGS.gs],
] as const;

const GPRS = [
  [EAX, CPU_USER_REGS.eax],
  [EBX, CPU_USER_REGS.ebx],
  [ECX, CPU_USER_REGS.ecx],
  [EDX, CPU_USER_REGS.edx],
  [ESI, CPU_USER_REGS.esi],
  [EDI, CPU_USER_REGS.edi],
  [EBP, CPU_USER_REGS.ebp],
  [ESP, CPU_USER_REGS.esp],
] as const;

/**
 * arch_set_info_guest for a PV vCPU: its registers, page tables, kernel stack, virtual IDT and
 * callbacks from the context `c`. The L3 in ctrlreg[3] must be a frame of the domain that
 * validates as an L3 (Xen takes a type reference for CR3). Selectors of ring 0 become ring 1;
 * CS and SS must name descriptors the CPU can load, the data segments too unless null.
 */
export function archSetInfoGuest(heap: Heap, v: Vcpu, c: DataView): number {
  const cpu = v.cpu;
  const u = VCPU_GUEST_CONTEXT.user_regs;
  const cr3 = c.getUint32(VCPU_GUEST_CONTEXT.ctrlreg + 3 * 4, true);
  const l3 = ((cr3 >>> 12) | (cr3 << 20)) >>> 0;
  if (getPageAndType(heap, l3, v.domain.domid, PGT_l3_page_table) !== 0) return -EINVAL;
  // The descriptors are read through the new page tables (Xen's GDT is mapped in every L3).
  cpu.cr3 = l3 * PAGE_SIZE;
  cpu.cr0 |= CR0_PG;
  const segments = SEGMENTS.map(([seg, at]) => {
    const raw = c.getUint16(u + at, true);
    const selector = seg === CS || seg === SS ? fixupGuestSelector(raw) : raw;
    return { seg, selector, desc: (selector & ~3) === 0 ? null : readDescriptor(cpu, selector) };
  });
  const unloadable = segments.some(
    (s) => s.desc === null && (s.seg === CS || s.seg === SS || (s.selector & ~3) !== 0),
  );
  if (unloadable) {
    putPageAndType(heap, l3);
    cpu.cr3 = 0;
    cpu.cr0 &= ~CR0_PG;
    return -EINVAL;
  }
  for (const { seg, selector, desc } of segments) {
    if (desc !== null) loadSegmentCache(cpu, seg, selector, desc);
  }
  cpu.cpl = segments[0]!.selector & 3;
  for (const [reg, at] of GPRS) cpu.reg32[reg] = c.getUint32(u + at, true) | 0;
  cpu.eip = c.getUint32(u + CPU_USER_REGS.eip, true);
  // The real IF is always on for a PV guest, and it gets no I/O privilege.
  setEflags(cpu, (c.getUint32(u + CPU_USER_REGS.eflags, true) | FLAG_IF) & ~FLAG_IOPL, 0xffffffff);
  const traps = pvTraps(v);
  traps.kernelSs = fixupGuestSelector(c.getUint32(VCPU_GUEST_CONTEXT.kernel_ss, true));
  traps.kernelSp = c.getUint32(VCPU_GUEST_CONTEXT.kernel_sp, true);
  traps.table = [];
  for (let vector = 0; vector < 256; vector++) {
    const at = VCPU_GUEST_CONTEXT.trap_ctxt + vector * TRAP_INFO_SIZE;
    const address = c.getUint32(at + 4, true);
    if (address === 0) continue;
    traps.table[vector] = {
      flags: c.getUint8(at + 1),
      cs: fixupGuestSelector(c.getUint16(at + 2, true)),
      address,
    };
  }
  const cb = callbacks(v);
  cb.event.cs = fixupGuestSelector(c.getUint32(VCPU_GUEST_CONTEXT.event_callback_cs, true));
  cb.event.address = c.getUint32(VCPU_GUEST_CONTEXT.event_callback_eip, true);
  cb.failsafe = {
    flags: 0,
    cs: fixupGuestSelector(c.getUint32(VCPU_GUEST_CONTEXT.failsafe_callback_cs, true)),
    address: c.getUint32(VCPU_GUEST_CONTEXT.failsafe_callback_eip, true),
  };
  vcpuInitialised(v).done = true;
  return 0;
}

/** VCPUOP_down: the last vCPU going down powers the domain off, as in Xen. */
function vcpuDown(ctx: HypercallContext, v: Vcpu): number {
  if (!v.domain.vcpus.some((o) => o !== v && o.online)) {
    ctx.xen.shutdownDomain(v.domain, SHUTDOWN_poweroff);
    return 0;
  }
  v.online = false;
  return 0;
}

/** VCPUOP_set_singleshot_timer: only a vCPU's own timer; with VCPU_SSHOTTMR_future, -ETIME if past. */
function setSingleshotTimer(ctx: HypercallContext, v: Vcpu, arg: number): number {
  if (v !== ctx.vcpu) return -EINVAL;
  const b = copyFromGuest(ctx.vcpu.cpu, arg, VCPU_SET_SINGLESHOT_TIMER.size);
  if (typeof b === 'number') return -EFAULT;
  const op = new DataView(b.buffer);
  const at = VCPU_SET_SINGLESHOT_TIMER.timeout_abs_ns;
  const timeout = op.getUint32(at + 4, true) * 2 ** 32 + op.getUint32(at, true);
  const flags = op.getUint32(VCPU_SET_SINGLESHOT_TIMER.flags, true);
  if ((flags & VCPU_SSHOTTMR_future) !== 0 && timeout < getSTime(ctx.xen.time)) return -ETIME;
  setTimer(vcpuTimers(v).singleshot, timeout);
  return 0;
}

/** A period under 1 ms is refused (MILLISECS(1)), as is one over STIME_DELTA_MAX (2^62 − 1). */
const PERIOD_MIN_NS = 1_000_000;
/** Over STIME_DELTA_MAX exactly when the high word has bit 30 or 31 set. */
const STIME_DELTA_MAX_HIGH = 0x3fffffff;

/**
 * VCPUOP_set_periodic_timer: any vCPU of the caller's domain gets a new period; -EFAULT if the
 * argument cannot be read, -EINVAL for a period out of range.
 */
function setPeriodicTimer(ctx: HypercallContext, v: Vcpu, arg: number): number {
  const b = copyFromGuest(ctx.vcpu.cpu, arg, VCPU_SET_PERIODIC_TIMER.size);
  if (typeof b === 'number') return -EFAULT;
  const op = new DataView(b.buffer);
  const at = VCPU_SET_PERIODIC_TIMER.period_ns;
  const high = op.getUint32(at + 4, true);
  const period = high * 2 ** 32 + op.getUint32(at, true);
  if (period < PERIOD_MIN_NS || high > STIME_DELTA_MAX_HIGH) return -EINVAL;
  vcpuSetPeriodicTimer(v, period, getSTime(ctx.xen.time));
  return 0;
}

/** v->vcpu_info_mfn: the frame a moved vcpu_info holds a writable reference on, or -1. */
export const vcpuInfoMfn = perVcpu((): { mfn: number } => ({ mfn: -1 }));

/**
 * VCPUOP_register_vcpu_info (map_vcpu_info): `v`'s vcpu_info moves to `offset` in frame `mfn`
 * of the domain, which takes a writable type reference, with its contents copied. -EINVAL for
 * an offset past the page's last 64 bytes, a second registration, another vCPU that is not
 * down, or a frame that is not the domain's or cannot be writable. Every port is then marked
 * in the selector and an upcall is made pending, so no event is lost in the move.
 */
function registerVcpuInfo(ctx: HypercallContext, v: Vcpu, arg: number): number {
  const b = copyFromGuest(ctx.vcpu.cpu, arg, VCPU_REGISTER_VCPU_INFO.size);
  if (typeof b === 'number') return -EFAULT;
  const op = new DataView(b.buffer);
  const mfn = op.getUint32(VCPU_REGISTER_VCPU_INFO.mfn, true);
  const mfnHigh = op.getUint32(VCPU_REGISTER_VCPU_INFO.mfn + 4, true);
  const offset = op.getUint32(VCPU_REGISTER_VCPU_INFO.offset, true);
  if (offset > PAGE_SIZE - VCPU_INFO_SIZE) return -EINVAL;
  const registered = vcpuInfoMfn(v);
  if (registered.mfn >= 0) return -EINVAL;
  if (v !== ctx.vcpu && v.online) return -EINVAL;
  const heap = ctx.xen.heap;
  if (mfnHigh !== 0 || mfn >= heap.owner.length) return -EINVAL;
  if (getPageAndType(heap, mfn, v.domain.domid, PGT_writable_page) !== 0) return -EINVAL;
  const mem = v.cpu.mem;
  const ma = mfn * PAGE_SIZE + offset;
  mem.writeBytes(ma, mem.readBytes(vcpuInfoMa(v.domain, v.id), VCPU_INFO_SIZE));
  registered.mfn = mfn;
  v.vcpuInfoMa = ma;
  mem.write32(ma + VCPU_INFO_evtchn_pending_sel, 0xffffffff);
  vcpuMarkEventsPending(mem, v);
  return 0;
}

/**
 * unmap_vcpu_info for a dying domain. The references the frames held went with the rest of the
 * domain's own references (relinquishMappings), so only the registrations are forgotten.
 */
function unmapVcpuInfos(d: Domain): void {
  for (const v of d.vcpus) {
    vcpuInfoMfn(v).mfn = -1;
    delete v.vcpuInfoMa;
  }
}

/** vcpu_op(cmd, vcpuid, arg). */
export function doVcpuOp(ctx: HypercallContext, args: Uint32Array): number {
  const [cmd, vcpuid, arg] = [args[0]!, args[1]!, args[2]!];
  const v = ctx.domain.vcpus[vcpuid];
  if (v === undefined) return -ENOENT;
  switch (cmd) {
    case VCPUOP_initialise: {
      const b = copyFromGuest(ctx.vcpu.cpu, arg, VCPU_GUEST_CONTEXT.size);
      if (typeof b === 'number') return -EFAULT;
      if (vcpuInitialised(v).done) return -EEXIST;
      return archSetInfoGuest(ctx.xen.heap, v, new DataView(b.buffer));
    }
    case VCPUOP_up:
      if (!vcpuInitialised(v).done) return -EINVAL;
      v.online = true;
      return 0;
    case VCPUOP_down:
      return vcpuDown(ctx, v);
    case VCPUOP_is_up:
      return v.online ? 1 : 0;
    case VCPUOP_set_singleshot_timer:
      return setSingleshotTimer(ctx, v, arg);
    case VCPUOP_stop_singleshot_timer:
      if (v !== ctx.vcpu) return -EINVAL;
      stopTimer(vcpuTimers(v).singleshot);
      return 0;
    case VCPUOP_register_vcpu_info:
      return registerVcpuInfo(ctx, v, arg);
    case VCPUOP_get_runstate_info:
      return getRunstateInfo(ctx, v, arg);
    case VCPUOP_register_runstate_memory_area:
      return registerRunstateArea(ctx, v, arg);
    case VCPUOP_set_periodic_timer:
      return setPeriodicTimer(ctx, v, arg);
    case VCPUOP_stop_periodic_timer:
      vcpuSetPeriodicTimer(v, 0, getSTime(ctx.xen.time));
      return 0;
    default:
      return -ENOSYS;
  }
}

export const VCPU_OP_MECHANISM: Mechanism = {
  name: 'vcpu_op',
  hypercalls: { [__HYPERVISOR_vcpu_op]: doVcpuOp },
  domainDestroy: (_xen, d) => unmapVcpuInfos(d),
};
