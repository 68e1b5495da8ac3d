// A minimal toolstack in domain 0: create a domain from a kernel image and a small config,
// start, pause, unpause, destroy, each domain's console captured: book §2.7, §11; Xen
// tools/libxl (libxl_domain_create_new, libxl_domain_pause/unpause, libxl_domain_destroy).
// xenlab: file from 02
//
// Until chapter 04 the toolstack calls Xen's domain-control operations directly (directControl
// below); from chapter 04, when domain 0 can make hypercalls, it issues domctl and platform_op
// hypercalls as libxl does (xc-domain.ts).

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import type { Domain, DomainState } from '../xen/domain.ts';
// xenlab: region toolstack-settime-import from 03
import { getSTime } from '../xen/time.ts';
// xenlab: end toolstack-settime-import
// xenlab: region toolstack-settime-direct-import from 03 until 04
import { platformOp, settimeOp } from '../xen/platform.ts';
// xenlab: end toolstack-settime-direct-import
import type { DomainConfig, Xen } from '../xen/xen.ts';
import { GUESTS } from '../guests/index.ts';
// xenlab: region toolstack-domctl-import from 04
import { Privcmd } from './privcmd.ts';
import { domctlControl, xcSettime } from './xc-domain.ts';
import { SCENARIOS, startScenario } from './scenarios.ts';
// xenlab: end toolstack-domctl-import
// xenlab: region toolstack-console-import from 06
import { PAGE_SIZE } from '../../sim/host.ts';
import { START_INFO } from '../xen/abi.ts';
// xenlab: end toolstack-console-import
// xenlab: region toolstack-console-send-import from 06 until 07
import { bindConsoleEvents } from '../xen/console-send.ts';
// xenlab: end toolstack-console-send-import
// xenlab: region toolstack-consoled-import from 06
import { Xenconsoled } from './xenconsoled.ts';
// xenlab: end toolstack-consoled-import
// xenlab: region toolstack-evtchn-import from 07
import { type EvtchnDevice, evtchnDevice } from './evtchn.ts';
// xenlab: end toolstack-evtchn-import
// xenlab: region toolstack-xenstore-import from 08
import { introduceDomain, startXenstored } from './xenstore-domain.ts';
import { XsClient } from './xenstored/client.ts';
import { Xenstored } from './xenstored/xenstored.ts';
// xenlab: end toolstack-xenstore-import
// xenlab: region toolstack-vbd-import from 09
import type { Disk } from './disk.ts';
import { Vbds } from './vbd.ts';
import type { DeviceId } from './xenbus.ts';
// xenlab: end toolstack-vbd-import

/** What `xl list` shows for a domain. */
export interface DomainInfo {
  domid: number;
  name: string;
  state: DomainState;
  /** SHUTDOWN_* once shut down, else -1. */
  shutdownReason: number;
  memoryPages: number;
}

/** How to boot a guest (Toolstack.boot): its memory, and what overrides the book's defaults. */
export interface BootOptions {
  memoryMiB: number;
  /** The kernel command line; the guest's own (guests/index.ts) when absent. */
  cmdline?: string;
  /** Seeds the order of the domain's machine frames. */
  seed?: number;
  /** What to type at its console once started; the book's input when absent, nothing when null. */
  input?: string | null;
  /** Called with the guest's domain (a scenario's leader) after it is built, before it starts. */
  prepare?: (d: Domain) => void;
}

/**
 * How the toolstack reaches Xen's domain control. Each call returns 0 or throws; destroy returns
 * -ESRCH for a domain that is already gone.
 */
export interface DomainControl {
  /** createdomain, then the builder; the new domain stays paused. Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain;
  pause(d: Domain): number;
  unpause(d: Domain): number;
  destroy(d: Domain): number;
}

// xenlab: region toolstack-direct-control from 02 until 04
/** Until domain 0 can make hypercalls (chapter 04): Xen's domain-control methods, called directly. */
function directControl(xen: Xen): DomainControl {
  return {
    create: (image, config) => xen.createDomain(image, config).domain,
    pause(d) {
      xen.pauseDomain(d);
      return 0;
    },
    unpause(d) {
      xen.unpauseDomain(d);
      return 0;
    },
    destroy(d) {
      xen.destroyDomain(d);
      return 0;
    },
  };
}
// xenlab: end toolstack-direct-control

export class Toolstack {
  readonly xen: Xen;
  /** Xen's domain control as the toolstack reaches it. */
  readonly control: DomainControl;
  // xenlab: region toolstack-settime-field from 03
  /** platform_op XENPF_settime64: the wall clock reads secs.nsecs at system time `systemTime`. */
  private readonly settime: (secs: number, nsecs: number, systemTime: number) => number;
  // xenlab: end toolstack-settime-field
  // xenlab: region toolstack-consoled from 06
  /** Domain 0's console back end: every domain's console ring. */
  readonly consoled: Xenconsoled;
  // xenlab: end toolstack-consoled
  // xenlab: region toolstack-evtchn from 07
  /** Domain 0's event-channel device, through which its back ends hear their guests. */
  readonly evtchn: EvtchnDevice;
  // xenlab: end toolstack-evtchn
  // xenlab: region toolstack-xenstore from 08
  /** Domain 0's xenstored, and the toolstack's own connection to it. */
  readonly xenstored = new Xenstored();
  readonly xs = new XsClient(this.xenstored);
  // xenlab: end toolstack-xenstore
  // xenlab: region toolstack-vbds from 09
  /** The domains' virtual disks, and domain 0's block back end serving them. */
  readonly vbds: Vbds;
  // xenlab: end toolstack-vbds

  constructor(xen: Xen) {
    this.xen = xen;
    // xenlab: region toolstack-direct-control-start from 02 until 04
    this.control = directControl(xen);
    // xenlab: end toolstack-direct-control-start
    // xenlab: region toolstack-settime-direct from 03 until 04
    this.settime = (secs, nsecs, systemTime) =>
      platformOp(xen, xen.findDomain(0)!, settimeOp(secs, nsecs, systemTime));
    // xenlab: end toolstack-settime-direct
    // xenlab: region toolstack-domctl-start from 04
    this.control = domctlControl(xen);
    const privcmd = new Privcmd(xen);
    this.settime = (secs, nsecs, systemTime) => xcSettime(privcmd, secs, nsecs, systemTime);
    // xenlab: end toolstack-domctl-start
    // xenlab: region toolstack-consoled-start from 06
    this.consoled = new Xenconsoled(xen.mem);
    // xenlab: end toolstack-consoled-start
    // xenlab: region toolstack-console-events from 06 until 07
    bindConsoleEvents(xen, (d, port) => this.consoled.notify(d.domid, port));
    // xenlab: end toolstack-console-events
    // xenlab: region toolstack-evtchn-start from 07
    this.evtchn = evtchnDevice(xen);
    // xenlab: end toolstack-evtchn-start
    // xenlab: region toolstack-xenstore-start from 08
    startXenstored(xen, this.xenstored, this.xs);
    this.xs.write('/local/domain/0/name', 'Domain-0');
    this.xs.write('/local/domain/0/domid', '0');
    // xenlab: end toolstack-xenstore-start
    // xenlab: region toolstack-vbds-start from 09
    this.vbds = new Vbds(xen, this.xenstored, this.xs);
    // xenlab: end toolstack-vbds-start
  }

  /** Builds a domain from `image`; it stays paused until start(). Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain {
    const d = this.control.create(image, config);
    // xenlab: region toolstack-store-port from 07
    const storePort = this.allocStorePort(d);
    // xenlab: end toolstack-store-port
    // xenlab: region toolstack-console-bind from 07
    this.bindConsolePort(d);
    // xenlab: end toolstack-console-bind
    // xenlab: region toolstack-introduce from 08
    introduceDomain(this.xen, this.xs, d, storePort);
    // xenlab: end toolstack-introduce
    // xenlab: region toolstack-console-connect from 06
    this.connectConsole(d);
    // xenlab: end toolstack-console-connect
    return d;
  }

  /**
   * Boots `guest` as `xenlab run` and the book's pages do: the domains of the scenario it leads
   * (chapter 04 on), else it alone, started; `image(name)` gives a guest's kernel, and a name
   * that is a path names the domain after its file. Returns the domains, the guest's first.
   * Throws ImageError when the builder refuses an image.
   */
  boot(guest: string, image: (guest: string) => Uint8Array, options: BootOptions): Domain[] {
    // xenlab: region toolstack-boot-scenario from 04
    const scenario = SCENARIOS[guest];
    if (scenario !== undefined) {
      return startScenario(this, scenario, image, options.memoryMiB, options.prepare);
    }
    // xenlab: end toolstack-boot-scenario
    const known = GUESTS.find((g) => g.name === guest);
    const config: DomainConfig = {
      name: guest.replace(/^.*\//, ''),
      memoryMiB: options.memoryMiB,
      cmdline: options.cmdline ?? known?.cmdline ?? '',
      seed: options.seed,
    };
    // xenlab: region toolstack-boot-vcpus from 07
    config.vcpus = known?.vcpus ?? 1;
    // xenlab: end toolstack-boot-vcpus
    const d = this.create(image(guest), config);
    options.prepare?.(d);
    this.start(d);
    // xenlab: region toolstack-boot-input from 06
    const input = options.input === undefined ? known?.input : options.input;
    if (input !== undefined && input !== null) this.type(d, input);
    // xenlab: end toolstack-boot-input
    return [d];
  }

  // xenlab: region toolstack-connect-console from 06
  /**
   * Hands the domain's console page and port to the back end, as libxl tells xenconsoled
   * through XenStore (chapter 08): the page and port the builder put in start_info.
   */
  private connectConsole(d: Domain): void {
    const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    const mfn = this.xen.mem.read32(startInfo + START_INFO.console_domU_mfn);
    const port = this.xen.mem.read32(startInfo + START_INFO.console_domU_evtchn);
    this.consoled.connect(d.domid, mfn * PAGE_SIZE, port);
  }

  /**
   * Text typed at the domain's console (`xl console`), delivered through its `in` ring. A
   * destroyed domain's page is no longer its own: nothing is written there.
   */
  type(d: Domain, text: string): void {
    if (!d.destroyed) this.consoled.type(d.domid, text);
  }
  // xenlab: end toolstack-connect-console

  // xenlab: region toolstack-store-port-unbound from 07
  /**
   * The store port of a new domain: unbound, for domain 0, at the number the builder wrote into
   * start_info. xenstored binds it when the domain is introduced (chapter 08); until then a send
   * on it is dropped.
   */
  private allocStorePort(d: Domain): number {
    const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    const want = this.xen.mem.read32(startInfo + START_INFO.store_evtchn);
    const port = this.allocUnboundForDom0(d);
    if (port !== want)
      throw new Error(`toolstack: d${d.domid}'s store port is ${port}, not ${want}`);
    return port;
  }
  // xenlab: end toolstack-store-port-unbound

  // xenlab: region toolstack-console-port from 07
  /** EVTCHNOP_alloc_unbound: a port of `d` only domain 0 may bind (xc_evtchn_alloc_unbound). */
  private allocUnboundForDom0(d: Domain): number {
    return this.evtchn.allocUnbound(d.domid, 0);
  }

  /**
   * The console's channel: a port of the guest for domain 0, which xenconsoled binds, serving
   * the rings each time the guest sends on it. The port goes into start_info, as libxl hands it
   * to the builder.
   */
  private bindConsolePort(d: Domain): void {
    const port = this.allocUnboundForDom0(d);
    this.evtchn.bindInterdomain(d.domid, port, () => this.consoled.notify(d.domid, port));
    const startInfo = d.p2m[d.startInfoPfn]! * PAGE_SIZE;
    this.xen.mem.write32(startInfo + START_INFO.console_domU_evtchn, port);
  }
  // xenlab: end toolstack-console-port

  // xenlab: region toolstack-attach-disk from 09
  /** `xl block-attach`: `disk` becomes the domain's virtual disk `vdev` (xvda, xvdb, …). */
  attachDisk(d: Domain, disk: Disk, vdev = 'xvda'): DeviceId {
    return this.vbds.attach(d, disk, vdev);
  }
  // xenlab: end toolstack-attach-disk

  // xenlab: region toolstack-lifecycle from 02
  /** Lets a freshly built domain run for the first time. */
  start(d: Domain): void {
    this.control.unpause(d);
  }

  pause(d: Domain): void {
    this.control.pause(d);
  }

  unpause(d: Domain): void {
    this.control.unpause(d);
  }

  /** Destroys the domain; a domain already destroyed is left as it is. */
  destroy(d: Domain): void {
    this.control.destroy(d);
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

  // xenlab: region toolstack-mem-set from 08
  /**
   * Asks the domain to use `targetKiB` of memory (`xl mem-set`): the toolstack writes XenStore's
   * memory/target, which the guest's balloon driver watches. Xen enforces only the maximum.
   */
  setMemoryTarget(d: Domain, targetKiB: number): void {
    this.xs.write(`/local/domain/${d.domid}/memory/target`, String(targetKiB));
  }
  // xenlab: end toolstack-mem-set

  // xenlab: region toolstack-settime from 03
  /**
   * Sets the time of day to `secs`.`nsecs` since 1970 (as `date -s` does on a dom0): a
   * XENPF_settime64 platform_op, stamped with the system time it is taken at.
   */
  setWallclock(secs: number, nsecs = 0): number {
    return this.settime(secs, nsecs, getSTime(this.xen.time));
  }

  // xenlab: end toolstack-settime
  /** Everything the domain has written to its console so far. */
  console(d: Domain): string {
    let text = this.xen.consoleOutput.get(d.domid) ?? '';
    // xenlab: region toolstack-console-ring from 06
    // What it printed through Xen's console (console_io), then what it wrote to its ring.
    text += this.consoled.output(d.domid);
    // xenlab: end toolstack-console-ring
    return text;
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
