// Your working copy for chapter 10, generated from solutions/xen/xen.ts by npx xenlab stage.
// The hypervisor instance: machine memory, Xen's area, the domain list, Xen's console and the
// domain-control operations the toolstack uses: book §2.1, §2.7; Xen xen/common/domain.c
// (domain_create, domain_kill, domain_pause_by_systemcontroller), xen/common/domctl.c.
//
// Domain 0 is TypeScript (docs/architecture.md §5): it is registered as a privileged domain without
// vCPUs; domctl.ts (from chapter 04) and, before it, the toolstack call the domain-control
// methods below. Guest
// domains get ids from 1.

import { CR0_PG, EAX, PAGE_SIZE, type PhysMemory, Prng } from '../../../../sim/host.ts';
import { HYPERCALL_VECTOR, SHUTDOWN_crash } from './abi.ts';
import { type BootLayout, buildDomain } from './builder.ts';
import { constructDom0 } from './dom0.ts';
import { Domain, shutdownName, type Vcpu } from './domain.ts';
import { Heap } from './heap.ts';
import type { HypercallTrace, HypervisorServices } from './hypercall.ts';
import { HYPERCALL_TABLE } from './hypercall-table.ts';
import { type HypercallHandlers, hypercallHandlers, type Mechanism } from './mechanism.ts';
import { MECHANISMS } from './mechanisms.ts';
import { relinquishMappings } from './mm.ts';
import { doSettime, initXenTime, type XenTime } from './time.ts';
import { domainMaxVcpus } from './vcpu.ts';
import { buildXenArea, type XenArea } from './x86-desc.ts';

/** What the toolstack passes to create a domain (libxl's domain config, reduced). */
export interface DomainConfig {
  name: string;
  /** Memory in MiB. */
  memoryMiB: number;
  cmdline: string;
  /** Seeds the order of the domain's machine frames; undefined keeps them ascending. */
  seed?: number;
  /** vCPUs (XEN_DOMCTL_max_vcpus); 1 when absent. vCPU 0 starts, the guest starts the others. */
  vcpus?: number;
}

/** Who listens to what Xen prints: its own log lines and each domain's console bytes. */
export interface XenListeners {
  /** A line of Xen's log, without the "(XEN) " prefix. */
  log?(line: string): void;
  /** Bytes a domain wrote with console_io, as written (a guest may send UTF-8). */
  console?(d: Domain, bytes: Uint8Array): void;
  /** A hypercall, when tracing is on. */
  trace?(t: HypercallTrace): void;
}

export class Xen implements HypervisorServices {
  readonly mem: PhysMemory;
  readonly heap: Heap;
  readonly area: XenArea;
  readonly domains = new Map<number, Domain>();
  readonly listeners: XenListeners;
  readonly commandLine: string;
  /** Xen's log, in order (also streamed to listeners.log). */
  readonly logLines: string[] = [];
  /** Input typed at Xen's console, read by console_io(CONSOLEIO_read). */
  private consoleInput: number[] = [];
  /** Each domain's console_io output (one char per byte), kept after the domain is destroyed. */
  readonly consoleOutput = new Map<number, string>();
  private nextDomid = 1;
  /** Set when Xen itself failed (a TypeScript exception in the hypervisor): the machine stops. */
  panicReport: string[] | null = null;
  /** What this build contains (mechanisms.ts), and the hypercall table assembled from it. */
  readonly mechanisms: readonly Mechanism[] = MECHANISMS;
  readonly hypercalls: HypercallHandlers = hypercallHandlers(MECHANISMS);
  /** Domain 0's services, run when domain 0 has its turn between guests' slices (xenstored). */
  readonly dom0Services: (() => void)[] = [];
  /** Xen's clock: the TSC scale, system time, the vCPU on the pCPU, the wall clock. */
  readonly time: XenTime = initXenTime();

  settime(secs: number, nsecs: number, systemTime: number): void {
    doSettime(this.time, this.mem, this.domains.values(), secs, nsecs, systemTime);
  }

  constructor(mem: PhysMemory, listeners: XenListeners = {}, commandLine = '') {
    this.mem = mem;
    this.heap = new Heap(mem);
    this.area = buildXenArea(this.heap);
    this.listeners = listeners;
    this.commandLine = commandLine;
    const dom0 = new Domain(0, 'Domain-0', true, new Uint8Array(16));
    dom0.unpause();
    this.domains.set(0, dom0);
  }

  /** The trace sink, or null when tracing is off (then no record is built). */
  get traceSink(): ((t: HypercallTrace) => void) | null {
    return this.listeners.trace ?? null;
  }

  log(line: string): void {
    this.logLines.push(line);
    this.listeners.log?.(line);
  }

  /** A hypervisor bug: record a "Xen panic" report naming the vCPU and what it asked for. */
  panic(v: Vcpu, error: unknown): void {
    const what = error instanceof Error ? (error.stack ?? error.message) : String(error);
    const cpu = v.cpu;
    const hypercall = cpu.exitSoftware && cpu.exitVector === HYPERCALL_VECTOR;
    // The handler threw before writing its result, so EAX still holds the hypercall number.
    const nr = cpu.reg32[EAX]! >>> 0;
    const name = HYPERCALL_TABLE[nr]?.name ?? `hypercall ${nr}`;
    this.panicReport = [
      `Xen panic while handling d${v.domain.domid}v${v.id}`,
      hypercall ? `in hypercall ${nr} (${name})` : `in trap vector ${cpu.exitVector}`,
      ...what.split('\n'),
    ];
    for (const line of this.panicReport) this.log(line);
  }

  // --- HypervisorServices: what hypercall handlers reach.

  consoleWrite(d: Domain, bytes: Uint8Array): void {
    const text = String.fromCharCode(...bytes);
    this.consoleOutput.set(d.domid, (this.consoleOutput.get(d.domid) ?? '') + text);
    this.listeners.console?.(d, bytes);
  }

  consolePeek(max: number): Uint8Array {
    return new Uint8Array(this.consoleInput.slice(0, max));
  }

  consoleConsume(count: number): void {
    this.consoleInput.splice(0, count);
  }

  /** Queues bytes typed at Xen's console (the serial line, in real Xen). */
  consoleType(text: string): void {
    for (let i = 0; i < text.length; i++) this.consoleInput.push(text.charCodeAt(i) & 0xff);
  }

  /** The id the next createDomain will give (the toolstack can tell a guest its peer's id). */
  get nextDomainId(): number {
    return this.nextDomid;
  }

  private dom0Entry: Vcpu | null = null;

  /** Domain 0's vCPU for the hypercalls of its TypeScript services (dom0.ts), built on first use. */
  get dom0Vcpu(): Vcpu {
    this.dom0Entry ??= constructDom0(this, this.domains.get(0)!);
    return this.dom0Entry;
  }

  findDomain(domid: number): Domain | undefined {
    const d = this.domains.get(domid);
    return d === undefined || d.destroyed ? undefined : d;
  }

  /**
   * domain_shutdown: the domain stops; Xen logs why (the toolstack decides what follows). A
   * code recorded earlier with SCHEDOP_shutdown_code replaces `reason`, crashes included.
   */
  shutdownDomain(d: Domain, requested: number): void {
    if (d.shutdownReason >= 0) return;
    const reason = d.shutdownCode >= 0 ? d.shutdownCode : requested;
    d.shutdown(reason);
    this.log(`domain ${d.domid} (${d.name}) shut down: ${shutdownName(reason)}`);
  }

  /** domain_crash: a guest error Xen cannot reflect; `report` explains it in the log. */
  crashDomain(d: Domain, report: readonly string[]): void {
    if (d.shutdownReason >= 0) return;
    this.log(`domain ${d.domid} (${d.name}) crashed:`);
    for (const line of report) this.log(`  ${line}`);
    this.shutdownDomain(d, SHUTDOWN_crash);
  }

  // --- Domain control (XEN_DOMCTL_*), used by the toolstack.

  /** createdomain + the domain builder; the new domain is left paused. */
  createDomain(image: Uint8Array, config: DomainConfig): { domain: Domain; layout: BootLayout } {
    const d = this.createEmptyDomain(config.name);
    try {
      const layout = this.buildDomain(d, image, config);
      domainMaxVcpus(this.area, d, config.vcpus ?? 1);
      return { domain: d, layout };
    } catch (e) {
      this.domains.delete(d.domid);
      throw e;
    }
  }

  /**
   * The domain builder on an empty domain `d` (named now, as the toolstack names it): its memory,
   * image, tables and vCPU 0. On failure `d` is left empty, and the error is thrown.
   */
  buildDomain(d: Domain, image: Uint8Array, config: DomainConfig): BootLayout {
    d.name = config.name;
    const nrPages = Math.floor((config.memoryMiB * 1024 * 1024) / PAGE_SIZE);
    try {
      const layout = buildDomain(this.heap, this.area, d, image, {
        nrPages,
        cmdline: config.cmdline,
        flags: 0,
        // The toolstack's first two unbound ports in a fresh domain: xenstore, then console.
        storeEvtchn: 1,
        consoleEvtchn: 2,
        shuffle: config.seed === undefined ? null : new Prng(config.seed),
      });
      for (const m of this.mechanisms) m.domainBuilt?.(this, d);
      this.log(`domain ${d.domid} (${config.name}) built: ${nrPages} pages`);
      return layout;
    } catch (e) {
      this.releaseFrames(d);
      throw e;
    }
  }

  /** XEN_DOMCTL_createdomain without the builder: an empty, paused domain. */
  createEmptyDomain(name: string, handle?: Uint8Array): Domain {
    const domid = this.nextDomid++;
    const uuid = handle ?? new Uint8Array(16);
    if (handle === undefined) {
      uuid[15] = domid & 0xff;
      uuid[14] = domid >>> 8;
    }
    const d = new Domain(domid, name, false, uuid);
    this.domains.set(domid, d);
    return d;
  }

  pauseDomain(d: Domain): void {
    d.pause();
  }

  unpauseDomain(d: Domain): void {
    d.unpause();
  }

  /**
   * domain_kill: the domain dies, its memory returns to the heap, its id is retired. What goes
   * back is every frame it owns now (ballooning and transfers change which those are), less
   * what a mechanism keeps allocated (a frame another domain still maps).
   */
  destroyDomain(d: Domain): void {
    if (d.destroyed) return;
    d.dying = true;
    for (const v of d.vcpus) v.online = false;
    const frames = new Set<number>();
    this.heap.owner.forEach((owner, mfn) => {
      if (owner === d.domid) frames.add(mfn);
    });
    // First what its L1s hold on other domains' frames (grant and foreign mappings) goes back;
    // its own frames that other domains still map stay allocated.
    const cr3s = [...this.domains.values()]
      .filter((x) => x !== d && !x.destroyed)
      .flatMap((x) => x.vcpus.filter((v) => (v.cpu.cr0 & CR0_PG) !== 0).map((v) => v.cpu.cr3));
    for (const mfn of relinquishMappings(this.heap, d.domid, cr3s)) frames.delete(mfn);
    for (const m of this.mechanisms) m.domainDestroy?.(this, d, frames);
    this.heap.release([...frames]);
    d.p2m = [];
    d.xenFrames = [];
    d.destroyed = true;
    this.log(`domain ${d.domid} (${d.name}) destroyed`);
  }

  private releaseFrames(d: Domain): void {
    this.heap.release([...d.p2m, ...d.xenFrames]);
    d.p2m = [];
    d.xenFrames = [];
  }
}
