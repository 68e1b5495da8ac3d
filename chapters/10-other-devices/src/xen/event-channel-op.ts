// Your working copy for chapter 10, generated from solutions/xen/event-channel-op.ts by npx xenlab stage.
// The event_channel_op hypercall and its old form: decoding each sub-command's structure,
// running it, writing the answer back: book §7.2; Xen xen/common/event_channel.c
// (do_event_channel_op), xen/common/compat.c (do_event_channel_op_compat), docs/xen-abi.md §7.
//
// event_channel_op(cmd, arg): each command reads one structure at `arg` (-EFAULT if it
// cannot), acts, and on success writes the structure back with its outputs filled in. The
// old event_channel_op_compat(op) takes one evtchn_op, the command followed by the same union.
// The FIFO ABI's commands (init_control, expand_array, set_priority) are not built: they
// answer -ENOSYS, so a guest stays on the 2-level ABI, as on a Xen without FIFO support.

import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_event_channel_op_compat,
  EVTCHN_ALLOC_UNBOUND,
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHN_BIND_IPI,
  EVTCHN_BIND_PIRQ,
  EVTCHN_BIND_VCPU,
  EVTCHN_BIND_VIRQ,
  EVTCHN_OP_COMPAT,
  EVTCHN_PORT_ARG,
  EVTCHN_RESET,
  EVTCHN_STATUS,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_bind_vcpu,
  EVTCHNOP_bind_virq,
  EVTCHNOP_close,
  EVTCHNOP_reset,
  EVTCHNOP_send,
  EVTCHNOP_status,
  EVTCHNOP_unmask,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_unbound,
} from './abi.ts';
import { EFAULT, ENOSYS } from './errno.ts';
import {
  evtchnAllocUnbound,
  evtchnBindInterdomain,
  evtchnBindIpi,
  evtchnBindPirq,
  evtchnBindVcpu,
  evtchnBindVirq,
  evtchnClose,
  evtchnDestroy,
  evtchnReset,
  evtchnSend,
  evtchnStatus,
  evtchnUnmask,
} from './event-channel.ts';
import { copyFromGuest, copyToGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';

/** One command: its structure's size, and what it does with the structure's fields. */
interface EvtchnCommand {
  size: number;
  /** Acts on `op` (the structure, read from the guest); fills outputs; returns 0 or -errno. */
  run(ctx: HypercallContext, op: DataView): number;
}

/** A command that hands back a port in the u32 at `at`. */
function portOut(op: DataView, at: number, port: number): number {
  if (port < 0) return port;
  op.setUint32(at, port, true);
  return 0;
}

const COMMANDS: Readonly<Record<number, EvtchnCommand>> = {
  [EVTCHNOP_bind_interdomain]: {
    size: EVTCHN_BIND_INTERDOMAIN.size,
    run: (ctx, op) =>
      portOut(
        op,
        EVTCHN_BIND_INTERDOMAIN.local_port,
        evtchnBindInterdomain(
          ctx.xen,
          ctx.domain,
          op.getUint16(EVTCHN_BIND_INTERDOMAIN.remote_dom, true),
          op.getUint32(EVTCHN_BIND_INTERDOMAIN.remote_port, true),
        ),
      ),
  },
  [EVTCHNOP_bind_virq]: {
    size: EVTCHN_BIND_VIRQ.size,
    run: (ctx, op) =>
      portOut(
        op,
        EVTCHN_BIND_VIRQ.port,
        evtchnBindVirq(
          ctx.domain,
          op.getUint32(EVTCHN_BIND_VIRQ.virq, true),
          op.getUint32(EVTCHN_BIND_VIRQ.vcpu, true),
        ),
      ),
  },
  [EVTCHNOP_bind_pirq]: {
    size: EVTCHN_BIND_PIRQ.size,
    run: (_ctx, op) => evtchnBindPirq(op.getUint32(EVTCHN_BIND_PIRQ.pirq, true)),
  },
  [EVTCHNOP_close]: {
    size: EVTCHN_PORT_ARG.size,
    run: (ctx, op) => evtchnClose(ctx.xen, ctx.domain, op.getUint32(EVTCHN_PORT_ARG.port, true)),
  },
  [EVTCHNOP_send]: {
    size: EVTCHN_PORT_ARG.size,
    run: (ctx, op) => evtchnSend(ctx.xen, ctx.domain, op.getUint32(EVTCHN_PORT_ARG.port, true)),
  },
  [EVTCHNOP_status]: {
    size: EVTCHN_STATUS.size,
    run: (ctx, op) => {
      const s = evtchnStatus(
        ctx.xen,
        ctx.domain,
        op.getUint16(EVTCHN_STATUS.dom, true),
        op.getUint32(EVTCHN_STATUS.port, true),
      );
      if (typeof s === 'number') return s;
      op.setUint32(EVTCHN_STATUS.status, s.status, true);
      op.setUint32(EVTCHN_STATUS.vcpu, s.vcpu, true);
      if (s.status === EVTCHNSTAT_unbound || s.status === EVTCHNSTAT_interdomain) {
        op.setUint16(EVTCHN_STATUS.u, s.dom, true);
        if (s.status === EVTCHNSTAT_interdomain) op.setUint32(EVTCHN_STATUS.u + 4, s.port, true);
      } else if (s.dom !== 0) {
        op.setUint32(EVTCHN_STATUS.u, s.dom, true);
      }
      return 0;
    },
  },
  [EVTCHNOP_alloc_unbound]: {
    size: EVTCHN_ALLOC_UNBOUND.size,
    run: (ctx, op) =>
      portOut(
        op,
        EVTCHN_ALLOC_UNBOUND.port,
        evtchnAllocUnbound(
          ctx.xen,
          ctx.domain,
          op.getUint16(EVTCHN_ALLOC_UNBOUND.dom, true),
          op.getUint16(EVTCHN_ALLOC_UNBOUND.remote_dom, true),
        ),
      ),
  },
  [EVTCHNOP_bind_ipi]: {
    size: EVTCHN_BIND_IPI.size,
    run: (ctx, op) =>
      portOut(
        op,
        EVTCHN_BIND_IPI.port,
        evtchnBindIpi(ctx.domain, op.getUint32(EVTCHN_BIND_IPI.vcpu, true)),
      ),
  },
  [EVTCHNOP_bind_vcpu]: {
    size: EVTCHN_BIND_VCPU.size,
    run: (ctx, op) =>
      evtchnBindVcpu(
        ctx.domain,
        op.getUint32(EVTCHN_BIND_VCPU.port, true),
        op.getUint32(EVTCHN_BIND_VCPU.vcpu, true),
      ),
  },
  [EVTCHNOP_unmask]: {
    size: EVTCHN_PORT_ARG.size,
    run: (ctx, op) => evtchnUnmask(ctx.domain, op.getUint32(EVTCHN_PORT_ARG.port, true)),
  },
  [EVTCHNOP_reset]: {
    size: EVTCHN_RESET.size,
    run: (ctx, op) => evtchnReset(ctx.xen, ctx.domain, op.getUint16(EVTCHN_RESET.dom, true)),
  },
};

/** Which commands write their structure back (the others only read it). */
const WRITES_BACK = new Set([
  EVTCHNOP_bind_interdomain,
  EVTCHNOP_bind_virq,
  EVTCHNOP_bind_pirq,
  EVTCHNOP_status,
  EVTCHNOP_alloc_unbound,
  EVTCHNOP_bind_ipi,
]);

/** Runs `cmd` on the structure at guest address `arg`. */
function eventChannelOp(ctx: HypercallContext, cmd: number, arg: number): number {
  const command = COMMANDS[cmd];
  if (command === undefined) return -ENOSYS;
  const cpu = ctx.vcpu.cpu;
  const bytes = copyFromGuest(cpu, arg, command.size);
  if (typeof bytes === 'number') return -EFAULT;
  const rc = command.run(ctx, new DataView(bytes.buffer));
  if (rc === 0 && WRITES_BACK.has(cmd) && copyToGuest(cpu, arg, bytes) !== 0) return -EFAULT;
  return rc;
}

/** event_channel_op(cmd, arg). */
export function doEventChannelOp(ctx: HypercallContext, args: Uint32Array): number {
  return eventChannelOp(ctx, args[0]!, args[1]!);
}

/** event_channel_op_compat(op): the command, then its structure, in one evtchn_op. */
export function doEventChannelOpCompat(ctx: HypercallContext, args: Uint32Array): number {
  const op = args[0]!;
  const cmd = copyFromGuest(ctx.vcpu.cpu, op, EVTCHN_OP_COMPAT.size);
  if (typeof cmd === 'number') return -EFAULT;
  const nr = new DataView(cmd.buffer).getUint32(EVTCHN_OP_COMPAT.cmd, true);
  return eventChannelOp(ctx, nr, (op + EVTCHN_OP_COMPAT.u) >>> 0);
}

export const EVENT_CHANNEL_MECHANISM: Mechanism = {
  name: 'event channels',
  hypercalls: {
    [__HYPERVISOR_event_channel_op]: doEventChannelOp,
    [__HYPERVISOR_event_channel_op_compat]: doEventChannelOpCompat,
  },
  domainDestroy: (xen, d) => evtchnDestroy(xen, d),
};
