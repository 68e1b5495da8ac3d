// Your working copy for chapter 11, generated from solutions/dom0/toolstack.ts by npx xenlab stage.
// A minimal toolstack in domain 0: create a domain from a kernel image and a small config,
// start, pause, unpause, destroy, each domain's console captured: book §2.7, §11; Xen
// tools/libxl (libxl_domain_create_new, libxl_domain_pause/unpause, libxl_domain_destroy).
//
// Until chapter 04 the toolstack calls Xen's domain-control operations directly (directControl
// below); from chapter 04, when domain 0 can make hypercalls, it issues domctl and platform_op
// hypercalls as libxl does (xc-domain.ts).

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import type { Domain, DomainState } from '../xen/domain.ts';
import { getSTime } from '../xen/time.ts';
import type { DomainConfig, Xen } from '../xen/xen.ts';
import { GUESTS } from '../guests/index.ts';
import { Privcmd } from './privcmd.ts';
import { domctlControl, xcSettime } from './xc-domain.ts';
import { SCENARIOS, startScenario } from './scenarios.ts';
import { PAGE_SIZE } from '../../../../sim/host.ts';
import { START_INFO } from '../xen/abi.ts';
import { Xenconsoled } from './xenconsoled.ts';
import { type EvtchnDevice, evtchnDevice } from './evtchn.ts';
import { introduceDomain, startXenstored } from './xenstore-domain.ts';
import { XsClient } from './xenstored/client.ts';
import { Xenstored } from './xenstored/xenstored.ts';
import type { Disk } from './disk.ts';
import { Vbds } from './vbd.ts';
import type { DeviceId } from './xenbus.ts';

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

export class Toolstack {
  readonly xen: Xen;
  /** Xen's domain control as the toolstack reaches it. */
  readonly control: DomainControl;
  /** platform_op XENPF_settime64: the wall clock reads secs.nsecs at system time `systemTime`. */
  private readonly settime: (secs: number, nsecs: number, systemTime: number) => number;
  /** Domain 0's console back end: every domain's console ring. */
  readonly consoled: Xenconsoled;
  /** Domain 0's event-channel device, through which its back ends hear their guests. */
  readonly evtchn: EvtchnDevice;
  /** Domain 0's xenstored, and the toolstack's own connection to it. */
  readonly xenstored = new Xenstored();
  readonly xs = new XsClient(this.xenstored);
  /** The domains' virtual disks, and domain 0's block back end serving them. */
  readonly vbds: Vbds;

  constructor(xen: Xen) {
    this.xen = xen;
    this.control = domctlControl(xen);
    const privcmd = new Privcmd(xen);
    this.settime = (secs, nsecs, systemTime) => xcSettime(privcmd, secs, nsecs, systemTime);
    this.consoled = new Xenconsoled(xen.mem);
    this.evtchn = evtchnDevice(xen);
    startXenstored(xen, this.xenstored, this.xs);
    this.xs.write('/local/domain/0/name', 'Domain-0');
    this.xs.write('/local/domain/0/domid', '0');
    this.vbds = new Vbds(xen, this.xenstored, this.xs);
  }

  /** Builds a domain from `image`; it stays paused until start(). Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain {
    const d = this.control.create(image, config);
    const storePort = this.allocStorePort(d);
    this.bindConsolePort(d);
    introduceDomain(this.xen, this.xs, d, storePort);
    this.connectConsole(d);
    return d;
  }

  /**
   * Boots `guest` as `xenlab run` and the book's pages do: the domains of the scenario it leads
   * (chapter 04 on), else it alone, started; `image(name)` gives a guest's kernel, and a name
   * that is a path names the domain after its file. Returns the domains, the guest's first.
   * Throws ImageError when the builder refuses an image.
   */
  boot(guest: string, image: (guest: string) => Uint8Array, options: BootOptions): Domain[] {
    const scenario = SCENARIOS[guest];
    if (scenario !== undefined) {
      return startScenario(this, scenario, image, options.memoryMiB, options.prepare);
    }
    const known = GUESTS.find((g) => g.name === guest);
    const config: DomainConfig = {
      name: guest.replace(/^.*\//, ''),
      memoryMiB: options.memoryMiB,
      cmdline: options.cmdline ?? known?.cmdline ?? '',
      seed: options.seed,
    };
    config.vcpus = known?.vcpus ?? 1;
    const d = this.create(image(guest), config);
    options.prepare?.(d);
    this.start(d);
    const input = options.input === undefined ? known?.input : options.input;
    if (input !== undefined && input !== null) this.type(d, input);
    return [d];
  }

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

  /** `xl block-attach`: `disk` becomes the domain's virtual disk `vdev` (xvda, xvdb, …). */
  attachDisk(d: Domain, disk: Disk, vdev = 'xvda'): DeviceId {
    return this.vbds.attach(d, disk, vdev);
  }

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

  /**
   * Asks the domain to use `targetKiB` of memory (`xl mem-set`): the toolstack writes XenStore's
   * memory/target, which the guest's balloon driver watches. Xen enforces only the maximum.
   */
  setMemoryTarget(d: Domain, targetKiB: number): void {
    this.xs.write(`/local/domain/${d.domid}/memory/target`, String(targetKiB));
  }

  /**
   * Sets the time of day to `secs`.`nsecs` since 1970 (as `date -s` does on a dom0): a
   * XENPF_settime64 platform_op, stamped with the system time it is taken at.
   */
  setWallclock(secs: number, nsecs = 0): number {
    return this.settime(secs, nsecs, getSTime(this.xen.time));
  }

  /** Everything the domain has written to its console so far. */
  console(d: Domain): string {
    let text = this.xen.consoleOutput.get(d.domid) ?? '';
    // What it printed through Xen's console (console_io), then what it wrote to its ring.
    text += this.consoled.output(d.domid);
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
