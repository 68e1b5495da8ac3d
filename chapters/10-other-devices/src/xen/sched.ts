// Your working copy for chapter 10, generated from solutions/xen/sched.ts by npx xenlab stage.
// sched_op and the old sched_op_compat: yield, block, shutdown: book §2.7; Xen
// xen/common/schedule.c (do_sched_op, do_sched_op_compat), public/sched.h, docs/xen-abi.md §8.1.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_sched_op,
  __HYPERVISOR_sched_op_compat,
  SCHEDOP_block,
  SCHEDOP_remote_shutdown,
  SCHEDOP_shutdown,
  SCHEDOP_shutdown_code,
  SCHEDOP_yield,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_evtchn_upcall_pending,
  VCPU_INFO_SIZE,
} from './abi.ts';
import { EFAULT, ENOSYS, EPERM, ESRCH } from './errno.ts';
import { copyFromGuest, readGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';


/** SCHEDOP_yield: the vCPU stays runnable but gives up the rest of its time slice. */
function schedYield(ctx: HypercallContext): number {
  ctx.vcpu.yielded = true;
  return 0;
}

/**
 * SCHEDOP_block: enable events (upcall mask = 0), then sleep unless an event is already
 * deliverable; doing both in one call is what makes the wait race-free. In chapter 02 nothing
 * raises an event yet, so a blocked vCPU sleeps until the domain is destroyed.
 */
function schedBlock(ctx: HypercallContext): number {
  let vcpuInfo = ctx.domain.sharedInfoMfn * PAGE_SIZE + ctx.vcpu.id * VCPU_INFO_SIZE;
  vcpuInfo = vcpuInfoMa(ctx.domain, ctx.vcpu.id); // from chapter 03 it has one home, which may move
  const mem = ctx.vcpu.cpu.mem;
  mem.write8(vcpuInfo + VCPU_INFO_evtchn_upcall_mask, 0);
  if (mem.read8(vcpuInfo + VCPU_INFO_evtchn_upcall_pending) === 0) ctx.vcpu.blocked = true;
  return 0;
}

/** A shutdown reason as Xen keeps it: the low byte of what the guest passed. */
function reasonByte(reason: number): number {
  return reason & 0xff;
}

/** sched_op(cmd, arg). */
export function doSchedOp(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  const arg = args[1]!;
  const cpu = ctx.vcpu.cpu;
  switch (cmd) {
    case SCHEDOP_yield:
      return schedYield(ctx);
    case SCHEDOP_block:
      return schedBlock(ctx);
    case SCHEDOP_shutdown: {
      const reason = readGuestU32(cpu, arg);
      if (reason === null) return -EFAULT;
      ctx.xen.shutdownDomain(ctx.domain, reasonByte(reason));
      return 0;
    }
    case SCHEDOP_shutdown_code: {
      const reason = readGuestU32(cpu, arg);
      if (reason === null) return -EFAULT;
      // The first code recorded sticks; a later shutdown reports it in place of its own reason.
      if (ctx.domain.shutdownCode < 0) ctx.domain.shutdownCode = reasonByte(reason);
      return 0;
    }
    case SCHEDOP_remote_shutdown: {
      // struct sched_remote_shutdown: domain_id u16 @0, reason u32 @4.
      const op = copyFromGuest(cpu, arg, 8);
      if (typeof op === 'number') return -EFAULT;
      const view = new DataView(op.buffer);
      const target = ctx.xen.findDomain(view.getUint16(0, true));
      if (target === undefined) return -ESRCH;
      if (!ctx.domain.privileged) return -EPERM;
      ctx.xen.shutdownDomain(target, reasonByte(view.getUint32(4, true)));
      return 0;
    }
    default:
      // SCHEDOP_poll arrives with event channels (chapter 07), SCHEDOP_watchdog with timers.
      return -ENOSYS;
  }
}

/** sched_op_compat(cmd, arg): the pre-0x00030101 form; the shutdown reason is `arg` itself. */
export function doSchedOpCompat(ctx: HypercallContext, args: Uint32Array): number {
  const cmd = args[0]!;
  switch (cmd) {
    case SCHEDOP_yield:
      return schedYield(ctx);
    case SCHEDOP_block:
      return schedBlock(ctx);
    case SCHEDOP_shutdown:
      ctx.xen.shutdownDomain(ctx.domain, reasonByte(args[1]!));
      return 0;
    default:
      return -ENOSYS;
  }
}

export const SCHED_OP_MECHANISM: Mechanism = {
  name: 'sched_op',
  hypercalls: {
    [__HYPERVISOR_sched_op_compat]: doSchedOpCompat,
    [__HYPERVISOR_sched_op]: doSchedOp,
  },
  // From chapter 07, sched_op is poll.ts's (it adds SCHEDOP_poll and calls doSchedOp for the
  // rest); sched_op_compat, which has no poll, stays here.
  standIn: true,
};
