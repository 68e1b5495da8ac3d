// A stand-in for event_channel_op: EVTCHNOP_send on the console's pre-bound port, and nothing
// else: book §6.7 (event channels are chapter 07); Xen common/event_channel.c (evtchn_send),
// public/event_channel.h, docs/xen-abi.md §10.
// xenlab: file from 06
//
// The toolstack gives each new domain a console port (start_info.console.domU.evtchn) whose other
// end is domain 0's console back end. A guest that has written to its console ring sends an event
// on that port; domain 0 is TypeScript here, so delivering the event to it means calling the
// handler its console service bound. Chapter 07 replaces all of this with real event channels.

// xenlab: region console-send-stand-in from 06 until 07
import { PAGE_SIZE } from '../../sim/host.ts';
import { __HYPERVISOR_event_channel_op, EVTCHNOP_send, START_INFO } from './abi.ts';
import type { Domain } from './domain.ts';
import { EFAULT, EINVAL, ENOSYS } from './errno.ts';
import { readGuestU32 } from './guest-access.ts';
import type { HypercallContext, HypervisorServices } from './hypercall.ts';
import type { Mechanism } from './mechanism.ts';
import type { Xen } from './xen.ts';

/** What domain 0 does with an event from domain `d` on `d`'s port `port`. */
export type Dom0EventHandler = (d: Domain, port: number) => void;

const dom0Handlers = new WeakMap<HypervisorServices, Dom0EventHandler>();
/** Each domain's console port, as its builder wrote it into start_info. */
const consolePorts = new WeakMap<Domain, number>();

/** Domain 0's console service asks to receive the events guests send on their console ports. */
export function bindConsoleEvents(xen: HypervisorServices, handler: Dom0EventHandler): void {
  dom0Handlers.set(xen, handler);
}

/** event_channel_op(cmd, arg): only EVTCHNOP_send, only on the sender's console port. */
export function doEventChannelOpConsole(ctx: HypercallContext, args: Uint32Array): number {
  const [cmd = 0, arg = 0] = args;
  if (cmd !== EVTCHNOP_send) return -ENOSYS;
  const port = readGuestU32(ctx.vcpu.cpu, arg);
  if (port === null) return -EFAULT;
  if (port !== consolePorts.get(ctx.domain)) return -EINVAL;
  dom0Handlers.get(ctx.xen)?.(ctx.domain, port);
  return 0;
}

/** Records the console port of a freshly built domain (it is in start_info, which it may edit). */
function recordConsolePort(xen: Xen, d: Domain): void {
  const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
  consolePorts.set(d, xen.mem.read32(startInfo + START_INFO.console_domU_evtchn));
}

/** A stand-in: chapter 07's event channels bring the real event_channel_op. */
export const CONSOLE_SEND_MECHANISM: Mechanism = {
  name: 'EVTCHNOP_send on the console port',
  standIn: true,
  hypercalls: { [__HYPERVISOR_event_channel_op]: doEventChannelOpConsole },
  domainBuilt: recordConsolePort,
};
// xenlab: end console-send-stand-in
