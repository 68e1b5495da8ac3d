// Your working copy for chapter 08, generated from solutions/dom0/evtchn.ts by npx xenlab stage.
// Domain 0's event-channel device: its services bind guests' ports and run a handler when one
// fires: book §7.4; Linux drivers/xen/evtchn.c (/dev/xen/evtchn), Xen tools/libs/evtchn
// (xenevtchn_bind_interdomain, xenevtchn_pending).
//
// Domain 0 is TypeScript: the upcall its kernel would take, Xen runs as a call of the handler
// registered on its vCPU (callback.ts, from softirq). This device is that handler. It keeps one
// handler per port it bound; on an upcall it takes each of those ports that is pending, clears
// the pending bit (so the next send raises it again) and runs the port's handler. Domain 0
// masks none of its ports.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  __HYPERVISOR_event_channel_op,
  EVTCHN_BIND_INTERDOMAIN,
  EVTCHNOP_bind_interdomain,
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_pending,
} from '../xen/abi.ts';
import { callbacks } from '../xen/callback.ts';
import type { Xen } from '../xen/xen.ts';
import { Privcmd } from './privcmd.ts';

export class Dom0Evtchn {
  readonly xen: Xen;
  private readonly privcmd: Privcmd;
  private readonly handlers = new Map<number, () => void>();

  constructor(xen: Xen) {
    this.xen = xen;
    this.privcmd = new Privcmd(xen);
    callbacks(xen.dom0Vcpu).handler = () => this.upcall();
  }

  /**
   * EVTCHNOP_bind_interdomain: a new port of domain 0 joined to `remotePort` of `domid` (an
   * unbound port offered to domain 0); `handler` runs each time it fires. Returns the local
   * port, or Xen's -errno.
   */
  bindInterdomain(domid: number, remotePort: number, handler: () => void): number {
    const arg = this.privcmd.writeU32(0, [domid, remotePort, 0]);
    const rc = this.privcmd.hypercall(
      __HYPERVISOR_event_channel_op,
      EVTCHNOP_bind_interdomain,
      arg,
    );
    if (rc !== 0) return rc;
    const port = this.privcmd.readU32(EVTCHN_BIND_INTERDOMAIN.local_port);
    this.handlers.set(port, handler);
    return port;
  }

  /** The upcall: clear the flags that brought it, then serve every pending bound port. */
  private upcall(): void {
    const mem = this.xen.mem;
    const sharedInfo = this.xen.findDomain(0)!.sharedInfoMfn * PAGE_SIZE;
    mem.write8(sharedInfo + VCPU_INFO_evtchn_upcall_pending, 0);
    mem.write32(sharedInfo + VCPU_INFO_evtchn_pending_sel, 0);
    for (const [port, handler] of this.handlers) {
      const word = sharedInfo + SHARED_INFO.evtchn_pending + (port >>> 5) * 4;
      const bit = 1 << (port & 31);
      const pending = mem.read32(word);
      if ((pending & bit) === 0) continue;
      mem.write32(word, pending & ~bit);
      handler();
    }
  }
}
