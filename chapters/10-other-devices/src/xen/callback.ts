// Your working copy for chapter 10, generated from solutions/xen/callback.ts by npx xenlab stage.
// The event and failsafe callbacks, and the event upcall on the way back to the guest:
// book §7.5, appendix A.3; Xen xen/arch/x86/pv/callback.c (register_guest_callback,
// do_set_callbacks, do_callback_op), x86_64/compat/entry.S (compat_test_all_events),
// public/callback.h, docs/xen-abi.md §4.2, §4.6.
//
// A PV kernel has no interrupts: Xen tells it about events by calling its *event callback*, an
// address it registered with set_callbacks or callback_op. Every time Xen is about to resume a
// vCPU (after a hypercall, an exception or a time slice), it looks at the vCPU's vcpu_info:
// when evtchn_upcall_pending is set and evtchn_upcall_mask is clear, it pushes a bounce frame
// (bounce.ts, no error code) and enters the callback with events masked, like an interrupt
// gate. The callback returns to where the guest was with the frame it finds on its stack.
//
// A vCPU that runs TypeScript (domain 0's) registers a function instead of an address; Xen's
// softirq work calls it when the vCPU has an upcall to take (softirq.ts).

import {
  __HYPERVISOR_callback_op,
  __HYPERVISOR_set_callbacks,
  CALLBACK_REGISTER,
  CALLBACK_UNREGISTER,
  CALLBACKF_mask_events,
  CALLBACKOP_register,
  CALLBACKOP_unregister,
  CALLBACKTYPE_event,
  CALLBACKTYPE_failsafe,
  CALLBACKTYPE_nmi,
  CALLBACKTYPE_syscall32,
  CALLBACKTYPE_sysenter,
  FLAT_KERNEL_CS,
  TI_MASK_EVENTS,
  TRAP_nmi,
  VCPU_INFO_evtchn_upcall_mask,
} from './abi.ts';
import { createBounceFrame } from './bounce.ts';
import type { Vcpu } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { localEventsNeedDelivery } from './event-2l.ts';
import { copyFromGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { vcpuInfoMa } from './shared-info.ts';
import { fixupGuestSelector, pvTraps, type TrapInfo } from './trap-table.ts';
import { crashReport } from './traps.ts';
import type { Xen } from './xen.ts';

/** A vCPU's callbacks (Xen: event_callback_cs/eip, failsafe_callback_cs/eip, vgc_flags). */
export interface Callbacks {
  event: TrapInfo;
  failsafe: TrapInfo;
  /** The 32-bit fast system-call entries a 64-bit Xen keeps for 32-bit guests. */
  syscall32: TrapInfo;
  sysenter: TrapInfo;
  /** Domain 0's TypeScript event handler, in place of an address. */
  handler: (() => void) | null;
}

const none = (): TrapInfo => ({ flags: 0, cs: 0, address: 0 });

export const callbacks = perVcpu(
  (): Callbacks => ({
    // The event callback is always entered with events masked.
    event: { flags: TI_MASK_EVENTS, cs: 0, address: 0 },
    failsafe: none(),
    syscall32: none(),
    sysenter: none(),
    handler: null,
  }),
);

/**
 * register_guest_callback: `type` enters `cs:eip` from now on. The NMI callback is the virtual
 * IDT's vector 2, entered through the kernel's flat code segment with events masked.
 */
export function registerGuestCallback(
  v: Vcpu,
  type: number,
  flags: number,
  cs: number,
  eip: number,
): number {
  const cb = callbacks(v);
  const at = { cs: fixupGuestSelector(cs), address: eip >>> 0 };
  switch (type) {
    case CALLBACKTYPE_event:
      Object.assign(cb.event, at);
      return 0;
    case CALLBACKTYPE_failsafe:
      cb.failsafe = { ...at, flags: (flags & CALLBACKF_mask_events) !== 0 ? TI_MASK_EVENTS : 0 };
      return 0;
    case CALLBACKTYPE_syscall32:
      cb.syscall32 = { ...at, flags: 0 };
      return 0;
    case CALLBACKTYPE_sysenter:
      cb.sysenter = { ...at, flags: 0 };
      return 0;
    case CALLBACKTYPE_nmi:
      pvTraps(v).table[TRAP_nmi] = { flags: TI_MASK_EVENTS, cs: FLAT_KERNEL_CS, address: eip };
      return 0;
    default:
      return -ENOSYS;
  }
}

/** unregister_guest_callback: only the NMI callback can be taken back. */
export function unregisterGuestCallback(v: Vcpu, type: number): number {
  switch (type) {
    case CALLBACKTYPE_event:
    case CALLBACKTYPE_failsafe:
    case CALLBACKTYPE_syscall32:
    case CALLBACKTYPE_sysenter:
      return -EINVAL;
    case CALLBACKTYPE_nmi:
      delete pvTraps(v).table[TRAP_nmi];
      return 0;
    default:
      return -ENOSYS;
  }
}

/** set_callbacks(event_cs, event_eip, failsafe_cs, failsafe_eip): both at once; always 0. */
export function doSetCallbacks(ctx: HypercallContext, args: Uint32Array): number {
  registerGuestCallback(ctx.vcpu, CALLBACKTYPE_event, 0, args[0]!, args[1]!);
  registerGuestCallback(ctx.vcpu, CALLBACKTYPE_failsafe, 0, args[2]!, args[3]!);
  return 0;
}

/** callback_op(cmd, arg): CALLBACKOP_register or CALLBACKOP_unregister one callback. */
export function doCallbackOp(ctx: HypercallContext, args: Uint32Array): number {
  const [cmd, arg] = [args[0]!, args[1]!];
  const cpu = ctx.vcpu.cpu;
  switch (cmd) {
    case CALLBACKOP_register: {
      const b = copyFromGuest(cpu, arg, CALLBACK_REGISTER.size);
      if (typeof b === 'number') return -EFAULT;
      const reg = new DataView(b.buffer);
      return registerGuestCallback(
        ctx.vcpu,
        reg.getUint16(CALLBACK_REGISTER.type, true),
        reg.getUint16(CALLBACK_REGISTER.flags, true),
        reg.getUint32(CALLBACK_REGISTER.cs, true),
        reg.getUint32(CALLBACK_REGISTER.eip, true),
      );
    }
    case CALLBACKOP_unregister: {
      const b = copyFromGuest(cpu, arg, CALLBACK_UNREGISTER.size);
      if (typeof b === 'number') return -EFAULT;
      return unregisterGuestCallback(ctx.vcpu, new DataView(b.buffer).getUint16(0, true));
    }
    default:
      return -ENOSYS;
  }
}

/**
 * test_all_events, on `v`'s way back to the guest: an upcall it should take enters its event
 * callback through a bounce frame, events masked. A guest with no callback, or whose stack
 * cannot take the frame, cannot be told: Xen crashes it.
 */
export function deliverEventUpcall(xen: Xen, v: Vcpu): void {
  const mem = xen.mem;
  if (!localEventsNeedDelivery(mem, v)) return;
  const event = callbacks(v).event;
  if (event.address === 0) {
    xen.crashDomain(
      v.domain,
      crashReport(v, 'an event upcall is due and no event callback is set'),
    );
    return;
  }
  if (!createBounceFrame(v, event, -1)) {
    xen.crashDomain(v.domain, crashReport(v, 'the kernel stack cannot take the event upcall'));
  }
}

/** Domain 0's TypeScript vCPU takes its upcall: events masked while its handler runs. */
export function runTypeScriptUpcall(xen: Xen, v: Vcpu): void {
  const handler = callbacks(v).handler;
  if (handler === null || !localEventsNeedDelivery(xen.mem, v)) return;
  const mask = vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_mask;
  xen.mem.write8(mask, 1);
  handler();
  xen.mem.write8(mask, 0);
}

export const CALLBACK_MECHANISM: Mechanism = {
  name: 'event callbacks',
  hypercalls: {
    [__HYPERVISOR_set_callbacks]: doSetCallbacks,
    [__HYPERVISOR_callback_op]: doCallbackOp,
  },
  returnToGuest: deliverEventUpcall,
};
