// Your working copy for chapter 02, generated from solutions/dom0/toolstack.ts by npx xenlab stage.
// A minimal toolstack in domain 0: create a domain from a kernel image and a small config,
// start, pause, unpause, destroy, each domain's console captured: book §2.7, §11; Xen
// tools/libxl (libxl_domain_create_new, libxl_domain_pause/unpause, libxl_domain_destroy).
//
// Until chapter 04 the toolstack calls Xen's domain-control operations directly (directControl
// below); from chapter 04, when domain 0 can make hypercalls, it issues domctl and platform_op
// hypercalls as libxl does (xc-domain.ts).

// biome-ignore-all assist/source/organizeImports: each chapter's imports stay in one block
import type { Domain, DomainState } from '../xen/domain.ts';
import type { DomainConfig, Xen } from '../xen/xen.ts';
import { GUESTS } from '../guests/index.ts';

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

export class Toolstack {
  readonly xen: Xen;
  /** Xen's domain control as the toolstack reaches it. */
  readonly control: DomainControl;

  constructor(xen: Xen) {
    this.xen = xen;
    this.control = directControl(xen);
  }

  /** Builds a domain from `image`; it stays paused until start(). Throws ImageError. */
  create(image: Uint8Array, config: DomainConfig): Domain {
    const d = this.control.create(image, config);
    return d;
  }

  /**
   * Boots `guest` as `xenlab run` and the book's pages do: the domains of the scenario it leads
   * (chapter 04 on), else it alone, started; `image(name)` gives a guest's kernel, and a name
   * that is a path names the domain after its file. Returns the domains, the guest's first.
   * Throws ImageError when the builder refuses an image.
   */
  boot(guest: string, image: (guest: string) => Uint8Array, options: BootOptions): Domain[] {
    const known = GUESTS.find((g) => g.name === guest);
    const config: DomainConfig = {
      name: guest.replace(/^.*\//, ''),
      memoryMiB: options.memoryMiB,
      cmdline: options.cmdline ?? known?.cmdline ?? '',
      seed: options.seed,
    };
    const d = this.create(image(guest), config);
    options.prepare?.(d);
    this.start(d);
    return [d];
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

  /** Everything the domain has written to its console so far. */
  console(d: Domain): string {
    let text = this.xen.consoleOutput.get(d.domid) ?? '';
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
