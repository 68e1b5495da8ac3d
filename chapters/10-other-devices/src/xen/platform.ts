// Your working copy for chapter 10, generated from solutions/xen/platform.ts by npx xenlab stage.
// platform_op: the control domain's operations on the platform; here the one a toolstack uses
// to set the time of day: book §3.3; Xen xen/arch/x86/platform_hypercall.c (do_platform_op),
// public/platform.h (XENPF_settime32, XENPF_settime64).
//
// Only a privileged domain may call it (-EPERM for any other, before the argument is read).
// The handler copies struct xen_platform_op in, checks its interface version (-EACCES), and
// hands the copy to platformOp. Our domain 0 is TypeScript without a vCPU: its toolstack,
// like a Linux dom0's privcmd, builds the same 136-byte structure and enters at platformOp,
// where the hypercall arrives once the copy is made.

import {
  __HYPERVISOR_platform_op,
  XEN_PLATFORM_OP,
  XEN_PLATFORM_OP_SIZE,
  XENPF_INTERFACE_VERSION,
  XENPF_SETTIME32,
  XENPF_SETTIME64,
  XENPF_settime32,
  XENPF_settime64,
} from './abi.ts';
import type { Domain } from './domain.ts';
import { EACCES, EFAULT, EINVAL, ENOSYS, EPERM } from './errno.ts';
import { copyFromGuest } from './guest-access.ts';
import type { HypercallContext, HypervisorServices } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** platform_op(op): EBX = the guest address of a struct xen_platform_op. */
export function doPlatformOp(ctx: HypercallContext, args: Uint32Array): number {
  if (!ctx.domain.privileged) return -EPERM;
  const op = copyFromGuest(ctx.vcpu.cpu, args[0]!, XEN_PLATFORM_OP_SIZE);
  if (typeof op === 'number') return -EFAULT;
  return platformOp(ctx.xen, ctx.domain, op);
}

/** The operation in `op` (a copied xen_platform_op) on behalf of `caller`: 0 or -errno. */
export function platformOp(xen: HypervisorServices, caller: Domain, op: Uint8Array): number {
  if (!caller.privileged) return -EPERM;
  if (op.length < XEN_PLATFORM_OP_SIZE) return -EFAULT;
  const view = new DataView(op.buffer, op.byteOffset, op.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);
  const u64 = (offset: number) => Number(view.getBigUint64(offset, true));
  if (u32(XEN_PLATFORM_OP.interface_version) !== XENPF_INTERFACE_VERSION) return -EACCES;
  const u = XEN_PLATFORM_OP.u;
  switch (u32(XEN_PLATFORM_OP.cmd)) {
    case XENPF_settime32:
      xen.settime(
        u32(u + XENPF_SETTIME32.secs),
        u32(u + XENPF_SETTIME32.nsecs),
        u64(u + XENPF_SETTIME32.system_time),
      );
      return 0;
    case XENPF_settime64:
      if (u32(u + XENPF_SETTIME64.mbz) !== 0) return -EINVAL;
      xen.settime(
        u64(u + XENPF_SETTIME64.secs),
        u32(u + XENPF_SETTIME64.nsecs),
        u64(u + XENPF_SETTIME64.system_time),
      );
      return 0;
    default:
      return -ENOSYS;
  }
}

/** A xen_platform_op asking for XENPF_settime64, as a toolstack builds it. */
export function settimeOp(secs: number, nsecs: number, systemTime: number): Uint8Array {
  const op = new Uint8Array(XEN_PLATFORM_OP_SIZE);
  const view = new DataView(op.buffer);
  const u = XEN_PLATFORM_OP.u;
  view.setUint32(XEN_PLATFORM_OP.cmd, XENPF_settime64, true);
  view.setUint32(XEN_PLATFORM_OP.interface_version, XENPF_INTERFACE_VERSION, true);
  view.setBigUint64(u + XENPF_SETTIME64.secs, BigInt(secs), true);
  view.setUint32(u + XENPF_SETTIME64.nsecs, nsecs, true);
  view.setBigUint64(u + XENPF_SETTIME64.system_time, BigInt(systemTime), true);
  return op;
}

export const PLATFORM_MECHANISM: Mechanism = {
  name: 'platform_op',
  hypercalls: {
    [__HYPERVISOR_platform_op]: doPlatformOp,
  },
};
