// Your working copy for chapter 10, generated from solutions/xen/poll.ts by npx xenlab stage.
// SCHEDOP_poll: waiting for one of a few ports without taking an upcall: book §7.6; Xen
// xen/common/sched/core.c (do_poll, poll_timer_fn), public/sched.h (sched_poll),
// docs/xen-abi.md §8.1.
//
// SCHEDOP_block sleeps until an upcall is due, which needs events enabled. SCHEDOP_poll sleeps
// until one of the listed ports is *pending*, masked or not, or until an absolute system time:
// a kernel uses it with events off (Linux's spinlocks, a console driver flushing at shutdown).
// It marks the vCPU blocked and polling first, then checks the ports, so an event that arrives
// in between is not lost. An upcall that becomes due wakes a poller too (vcpu_kick).

import { __HYPERVISOR_sched_op, NR_EVENT_CHANNELS, SCHEDOP_poll } from './abi.ts';
import { EFAULT, EINVAL } from './errno.ts';
import { evtchnIsPending, pollWait } from './event-2l.ts';
import { accessOk, copyFromGuest } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import { doSchedOp } from './sched.ts';
import { setTimer, vcpuTimers } from './timer.ts';

/** struct sched_poll: ports (guest pointer) @0, nr_ports u32 @4, timeout u64 @8. */
export const SCHED_POLL = { ports: 0, nr_ports: 4, timeout: 8, size: 16 } as const;
/** Xen's "fairly arbitrary" limit on the ports one poll may name. */
export const MAX_POLL_PORTS = 128;

/** The poll itself: `ports` is a guest array of `nrPorts` u32 ports; `timeout` 0 is none. */
export function doPoll(ctx: HypercallContext, ports: number, nrPorts: number, timeout: number) {
  const v = ctx.vcpu;
  const d = ctx.domain;
  if (nrPorts > MAX_POLL_PORTS) return -EINVAL;
  if (!accessOk(ports, nrPorts * 4)) return -EFAULT;
  const wait = pollWait(v);
  v.blocked = true;
  wait.polling = true;
  wait.port = -1;
  const fail = (rc: number) => {
    wait.polling = false;
    v.blocked = false;
    return rc;
  };
  let port = 0;
  for (let i = 0; i < nrPorts; i++) {
    const b = copyFromGuest(v.cpu, ports + i * 4, 4);
    if (typeof b === 'number') return fail(-EFAULT);
    port = new DataView(b.buffer).getUint32(0, true);
    if (port >= NR_EVENT_CHANNELS) return fail(-EINVAL);
    if (evtchnIsPending(v.cpu.mem, d, port)) return fail(0);
  }
  if (nrPorts === 1) wait.port = port;
  if (timeout !== 0) setTimer(vcpuTimers(v).poll, timeout);
  return 0;
}

/** sched_op(cmd, arg) with SCHEDOP_poll; every other command is chapter 02's. */
export function doSchedOpWithPoll(ctx: HypercallContext, args: Uint32Array): number {
  if (args[0]! !== SCHEDOP_poll) return doSchedOp(ctx, args);
  const b = copyFromGuest(ctx.vcpu.cpu, args[1]!, SCHED_POLL.size);
  if (typeof b === 'number') return -EFAULT;
  const op = new DataView(b.buffer);
  const timeout =
    op.getUint32(SCHED_POLL.timeout + 4, true) * 2 ** 32 + op.getUint32(SCHED_POLL.timeout, true);
  return doPoll(
    ctx,
    op.getUint32(SCHED_POLL.ports, true),
    op.getUint32(SCHED_POLL.nr_ports, true),
    timeout,
  );
}

export const POLL_MECHANISM: Mechanism = {
  name: 'SCHEDOP_poll',
  hypercalls: { [__HYPERVISOR_sched_op]: doSchedOpWithPoll },
};
