// A minimal toolstack in domain 0: create a domain from a kernel image and a small config,
// start, pause, unpause, destroy, each domain's console captured: book §2.7, §11; Xen
// tools/libxl (libxl_domain_create_new, libxl_domain_pause/unpause, libxl_domain_destroy).
// xenlab: file from 02
//
// In chapter 02 the toolstack calls Xen's domain-control operations directly; the domctl
// hypercall it will issue instead arrives with the Xen API chapter (11).

// xenlab: region toolstack-event-imports from 07
import { PAGE_SIZE } from '../../sim/host.ts';
import { START_INFO } from '../xen/abi.ts';
// xenlab: end toolstack-event-imports
import type { Domain, DomainState } from '../xen/domain.ts';
// xenlab: region toolstack-settime-import from 03
import { platformOp, settimeOp } from '../xen/platform.ts';
import { getSTime } from '../xen/time.ts';
// xenlab: end toolstack-settime-import
import type { DomainConfig, Xen } from '../xen/xen.ts';
// xenlab: region toolstack-evtchn-import from 07
import { evtchnDevice } from './evtchn.ts';
// xenlab: end toolstack-evtchn-import
// xenlab: region toolstack-xenstore-import from 08
import { introduceDomain, startXenstored } from './xenstore-domain.ts';
import { XsClient } from './xenstored/client.ts';
import { Xenstored } from './xenstored/xenstored.ts';
// xenlab: end toolstack-xenstore-import

/** What `xl list` shows for a domain. */
export interface DomainInfo {
  domid: number;
  name: string;
  state: DomainState;
  /** SHUTDOWN_* once shut down, else -1. */
  shutdownReason: number;
  memoryPages: number;
}

export class Toolstack {
  readonly xen: Xen;
  // xenlab: region toolstack-xenstore from 08
  /** Domain 0's xenstored, and the toolstack's own connection to it. */
  readonly xenstored = new Xenstored();
  readonly xs = new XsClient(this.xenstored);
  // xenlab: end toolstack-xenstore

  constructor(xen: Xen) {
    this.xen = xen;
    // xenlab: region toolstack-open-evtchn from 07
    // Domain 0 opens its event-channel device when it starts, before any guest exists.
    evtchnDevice(xen);
    // xenlab: end toolstack-open-evtchn
    // xenlab: region toolstack-xenstore-start from 08
    startXenstored(xen, this.xenstored, this.xs);
    this.xs.write('/local/domain/0/name', 'Domain-0');
    this.xs.write('/local/domain/0/domid', '0');
    // xenlab: end toolstack-xenstore-start
  }

  /** Builds a domain from `image`; it stays paused until start(). Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain {
    const d = this.xen.createDomain(image, config).domain;
    // xenlab: region toolstack-event-ports from 07
    this.allocEventPorts(d);
    // xenlab: end toolstack-event-ports
    // xenlab: region toolstack-introduce from 08
    introduceDomain(this.xen, this.xs, d);
    // xenlab: end toolstack-introduce
    return d;
  }

  // xenlab: region toolstack-alloc-event-ports from 07
  /**
   * As libxl does before a domain first runs: two unbound ports in it for domain 0's back ends,
   * XenStore's then the console's. They are the new domain's first free ports, the numbers the
   * builder wrote in start_info (store_evtchn, console.domU.evtchn).
   */
  private allocEventPorts(d: Domain): void {
    const device = evtchnDevice(this.xen);
    const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    for (const field of [START_INFO.store_evtchn, START_INFO.console_domU_evtchn]) {
      const port = device.allocUnbound(d.domid, 0);
      const promised = this.xen.mem.read32(startInfo + field);
      if (port !== promised) {
        throw new Error(`toolstack: d${d.domid} got port ${port}, start_info says ${promised}`);
      }
    }
  }
  // xenlab: end toolstack-alloc-event-ports

  // xenlab: region toolstack-lifecycle from 02
  /** Lets a freshly built domain run for the first time. */
  start(d: Domain): void {
    this.xen.unpauseDomain(d);
  }

  pause(d: Domain): void {
    this.xen.pauseDomain(d);
  }

  unpause(d: Domain): void {
    this.xen.unpauseDomain(d);
  }

  destroy(d: Domain): void {
    this.xen.destroyDomain(d);
  }
  // xenlab: end toolstack-lifecycle

  // xenlab: region toolstack-memory-target from 05
  /**
   * Builds a domain that should shrink to `targetMiB` once it runs (`xl mem-set` from the
   * start). The target is for the guest's balloon driver; Xen enforces only the maximum. In
   * Xen it is XenStore's memory/target (chapter 08); until then it goes on the kernel command
   * line as balloon_target=<KiB>.
   */
  createWithTarget(image: Uint8Array, config: DomainConfig, targetMiB: number): Domain {
    const cmdline = `${config.cmdline} balloon_target=${targetMiB * 1024}`.trim();
    return this.create(image, { ...config, cmdline });
  }
  // xenlab: end toolstack-memory-target

  // xenlab: region toolstack-settime from 03
  /**
   * Sets the time of day to `secs`.`nsecs` since 1970 (as `date -s` does on a dom0): a
   * XENPF_settime64 platform_op, stamped with the system time it is taken at.
   */
  setWallclock(secs: number, nsecs = 0): number {
    const dom0 = this.xen.findDomain(0)!;
    return platformOp(this.xen, dom0, settimeOp(secs, nsecs, getSTime(this.xen.time)));
  }

  // xenlab: end toolstack-settime
  /** Everything the domain has written to its console so far. */
  console(d: Domain): string {
    return this.xen.consoleOutput.get(d.domid) ?? '';
  }

  list(): DomainInfo[] {
    return [...this.xen.domains.values()]
      .filter((d) => !d.destroyed)
      .map((d) => ({
        domid: d.domid,
        name: d.name,
        state: d.state,
        shutdownReason: d.shutdownReason,
        memoryPages: d.p2m.length,
      }));
  }
}
