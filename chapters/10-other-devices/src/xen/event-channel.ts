// Your working copy for chapter 10, generated from solutions/xen/event-channel.ts by npx xenlab stage.
// Event channels: the ports of a domain, binding them, closing them, sending on them:
// book §7.1–7.4, §7.8; Xen xen/common/event_channel.c, public/event_channel.h,
// docs/xen-abi.md §7.
//
// A port is a domain's end of a notification channel, in one of these states:
//
//   free ──alloc_unbound──▶ unbound ──remote bind_interdomain──▶ interdomain
//     │                       ▲                                     │
//     │                       └──────── the remote end closes ──────┘
//     ├──bind_virq──▶ virq      (Xen raises it: the timer, the console, …)
//     ├──bind_ipi───▶ ipi       (another vCPU of the same domain raises it)
//     └──bind_pirq──▶ pirq      (a physical interrupt line)
//   any of them ──close──▶ free (an interdomain peer goes back to unbound, still reserved for us)
//
// Port 0 is reserved and never handed out. Ports are allocated lowest-free-first, in buckets of
// EVTCHNS_PER_BUCKET; a port past the last bucket is invalid (-EINVAL) until one is allocated.
// Raising a port goes through the 2-level ABI (event-2l.ts) to the vCPU the port notifies.

import {
  DOMID_SELF,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_pirq,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  NR_EVENT_CHANNELS,
  NR_VIRQS,
  VIRQ_DEBUG,
  VIRQ_TIMER,
  VIRQ_XENOPROF,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EEXIST, EINVAL, ENOENT, ENOSPC, EPERM, ESRCH } from './errno.ts';
import { evtchn2lClearPending, evtchn2lSetPending, evtchn2lUnmask } from './event-2l.ts';
import type { HypervisorServices } from './hypercall.ts';
import { perVcpu } from './mechanism.ts';

/** Ports per allocation: a page of 64-byte struct evtchn, as in Xen. */
export const EVTCHNS_PER_BUCKET = 64;

/** ECS_*: what a port is. */
export enum ECS {
  Free = 'free',
  Reserved = 'reserved',
  Unbound = 'unbound',
  Interdomain = 'interdomain',
  Pirq = 'pirq',
  Virq = 'virq',
  Ipi = 'ipi',
}

/** struct evtchn: one port. Which fields mean something depends on the state. */
export interface Evtchn {
  state: ECS;
  /** The vCPU of this domain the port raises. */
  notifyVcpu: number;
  /** Unbound: the domain allowed to bind. Interdomain: the peer domain. */
  remoteDomid: number;
  /** Interdomain: the peer's port. */
  remotePort: number;
  /** Virq: which; pirq: which. */
  virq: number;
  pirq: number;
}

function freePort(): Evtchn {
  return {
    state: ECS.Free,
    notifyVcpu: 0,
    remoteDomid: 0,
    remotePort: 0,
    virq: 0,
    pirq: 0,
  };
}

/** evtchn_init: a domain's first bucket of ports, port 0 reserved. */
export function evtchnInit(): Evtchn[] {
  const ports = Array.from({ length: EVTCHNS_PER_BUCKET }, freePort);
  ports[0]!.state = ECS.Reserved;
  return ports;
}

/** port_is_valid: the port lies in an allocated bucket. */
export function portIsValid(d: Domain, port: number): boolean {
  return port >= 0 && port < d.evtchn.length;
}

/** A domain's vCPU for an id a guest passed, or undefined (Xen: d->vcpu[id] == NULL). */
export function domainVcpu(d: Domain, id: number): Vcpu | undefined {
  return id >= 0 && id < d.vcpus.length ? d.vcpus[id] : undefined;
}

/** v->virq_to_evtchn: the port each VIRQ is bound to on a vCPU, 0 for none. */
export const virqToEvtchn = perVcpu((): number[] => new Array<number>(NR_VIRQS).fill(0));

/** get_free_port: the lowest free port, allocating a bucket when all are in use. */
export function getFreePort(d: Domain): number {
  if (d.dying) return -EINVAL;
  for (let port = 0; port < d.evtchn.length; port++) {
    if (d.evtchn[port]!.state === ECS.Free) return port;
  }
  const port = d.evtchn.length;
  if (port >= NR_EVENT_CHANNELS) return -ENOSPC;
  for (let i = 0; i < EVTCHNS_PER_BUCKET; i++) d.evtchn.push(freePort());
  return port;
}

/** evtchn_port_set_pending: raises `port` of `d` for the vCPU it notifies. */
export function evtchnPortSetPending(d: Domain, port: number): void {
  const v = d.vcpus[d.evtchn[port]!.notifyVcpu];
  if (v !== undefined) evtchn2lSetPending(v.cpu.mem, v, port);
}

/** The domain a `dom` argument names: DOMID_SELF is the caller (rcu_lock_domain_by_any_id). */
function domainByAnyId(xen: HypervisorServices, caller: Domain, dom: number): Domain | undefined {
  return dom === DOMID_SELF ? caller : xen.findDomain(dom);
}

/** The dummy XSM's XSM_TARGET check: a domain acts on itself; a privileged one on any. */
function xsmTarget(caller: Domain, target: Domain): number {
  return caller === target || caller.privileged ? 0 : -EPERM;
}

/** evtchn_alloc_unbound: a port of `dom` only `remoteDom` may bind to. Returns the port. */
export function evtchnAllocUnbound(
  xen: HypervisorServices,
  caller: Domain,
  dom: number,
  remoteDom: number,
): number {
  const d = domainByAnyId(xen, caller, dom);
  if (d === undefined) return -ESRCH;
  const port = getFreePort(d);
  if (port < 0) return port;
  const rc = xsmTarget(caller, d);
  if (rc !== 0) return rc;
  const chn = d.evtchn[port]!;
  chn.state = ECS.Unbound;
  chn.remoteDomid = remoteDom === DOMID_SELF ? caller.domid : remoteDom;
  return port;
}

/**
 * evtchn_bind_interdomain: connects a new port of `ld` to `remotePort` of `remoteDom`, which
 * must be unbound and offered to `ld`. Both ends become interdomain, and the new local port is
 * raised at once: sends on the remote end while it was unbound were dropped. Returns the port.
 */
export function evtchnBindInterdomain(
  xen: HypervisorServices,
  ld: Domain,
  remoteDom: number,
  remotePort: number,
): number {
  const rd = xen.findDomain(remoteDom === DOMID_SELF ? ld.domid : remoteDom);
  if (rd === undefined) return -ESRCH;
  const lport = getFreePort(ld);
  if (lport < 0) return lport;
  if (!portIsValid(rd, remotePort)) return -EINVAL;
  const rchn = rd.evtchn[remotePort]!;
  if (rchn.state !== ECS.Unbound || rchn.remoteDomid !== ld.domid) return -EINVAL;
  const lchn = ld.evtchn[lport]!;
  lchn.state = ECS.Interdomain;
  lchn.remoteDomid = rd.domid;
  lchn.remotePort = remotePort;
  rchn.state = ECS.Interdomain;
  rchn.remoteDomid = ld.domid;
  rchn.remotePort = lport;
  evtchnPortSetPending(ld, lport);
  return lport;
}

/** virq_is_global: bound on vCPU 0 and movable, rather than one binding per vCPU. */
export function virqIsGlobal(virq: number): boolean {
  return virq !== VIRQ_TIMER && virq !== VIRQ_DEBUG && virq !== VIRQ_XENOPROF;
}

/** evtchn_bind_virq: a port of `d` for `virq` on vCPU `vcpu`. Returns the port. */
export function evtchnBindVirq(d: Domain, virq: number, vcpu: number): number {
  if (virq < 0 || virq >= NR_VIRQS) return -EINVAL;
  if (virqIsGlobal(virq) && vcpu !== 0) return -EINVAL;
  const v = domainVcpu(d, vcpu);
  if (v === undefined) return -ENOENT;
  if (virqToEvtchn(v)[virq] !== 0) return -EEXIST;
  const port = getFreePort(d);
  if (port < 0) return port;
  const chn = d.evtchn[port]!;
  chn.state = ECS.Virq;
  chn.notifyVcpu = vcpu;
  chn.virq = virq;
  virqToEvtchn(v)[virq] = port;
  return port;
}

/** evtchn_bind_ipi: a port of `d` that raises its vCPU `vcpu`. Returns the port. */
export function evtchnBindIpi(d: Domain, vcpu: number): number {
  if (domainVcpu(d, vcpu) === undefined) return -ENOENT;
  const port = getFreePort(d);
  if (port < 0) return port;
  const chn = d.evtchn[port]!;
  chn.state = ECS.Ipi;
  chn.notifyVcpu = vcpu;
  return port;
}

/**
 * evtchn_bind_pirq: a port for a physical IRQ, for a domain the toolstack granted that IRQ.
 * This machine has no device that raises one and the toolstack grants none, so every PIRQ
 * below 256 (Xen's nr_pirqs floor) is refused with -EPERM, as Xen refuses an ungranted one;
 * a PIRQ number past it is -EINVAL.
 */
export function evtchnBindPirq(pirq: number): number {
  return pirq < 256 ? -EPERM : -EINVAL;
}

/** free_evtchn: the port forgets its pending bit and its vCPU. */
function freeEvtchn(xen: HypervisorServices, d: Domain, port: number): void {
  evtchn2lClearPending(xen.heap.mem, d, port);
  Object.assign(d.evtchn[port]!, freePort());
}

/**
 * __evtchn_close: frees `port` of `d`. A VIRQ forgets its binding; an interdomain peer goes
 * back to unbound, still offered to `d`, so the peer may bind again.
 */
export function evtchnClose(xen: HypervisorServices, d: Domain, port: number): number {
  if (!portIsValid(d, port)) return -EINVAL;
  const chn = d.evtchn[port]!;
  switch (chn.state) {
    case ECS.Free:
    case ECS.Reserved:
      return -EINVAL;
    case ECS.Virq:
      for (const v of d.vcpus) {
        if (virqToEvtchn(v)[chn.virq] === port) virqToEvtchn(v)[chn.virq] = 0;
      }
      break;
    case ECS.Interdomain: {
      const rd = xen.findDomain(chn.remoteDomid)!;
      const rchn = rd.evtchn[chn.remotePort]!;
      rchn.state = ECS.Unbound;
      rchn.remoteDomid = d.domid;
      rchn.remotePort = 0;
      break;
    }
    default:
      break;
  }
  freeEvtchn(xen, d, port);
  return 0;
}

/**
 * evtchn_send: a notification on `port` of `ld`. Interdomain: the peer's port is raised; IPI:
 * the port itself, for its vCPU; unbound: dropped (nobody listens yet, and that is not an
 * error); any other state: -EINVAL.
 */
export function evtchnSend(xen: HypervisorServices, ld: Domain, port: number): number {
  if (!portIsValid(ld, port)) return -EINVAL;
  const chn = ld.evtchn[port]!;
  switch (chn.state) {
    case ECS.Interdomain:
      evtchnPortSetPending(xen.findDomain(chn.remoteDomid)!, chn.remotePort);
      return 0;
    case ECS.Ipi:
      evtchnPortSetPending(ld, port);
      return 0;
    case ECS.Unbound:
      return 0;
    default:
      return -EINVAL;
  }
}

/** What EVTCHNOP_status reports. */
export interface EvtchnStatus {
  status: number;
  vcpu: number;
  /** unbound: the domain offered it; interdomain: the peer and its port; virq; pirq. */
  dom: number;
  port: number;
}

const STATUS_OF: Record<ECS, number> = {
  [ECS.Free]: EVTCHNSTAT_closed,
  [ECS.Reserved]: EVTCHNSTAT_closed,
  [ECS.Unbound]: EVTCHNSTAT_unbound,
  [ECS.Interdomain]: EVTCHNSTAT_interdomain,
  [ECS.Pirq]: EVTCHNSTAT_pirq,
  [ECS.Virq]: EVTCHNSTAT_virq,
  [ECS.Ipi]: EVTCHNSTAT_ipi,
};

/** evtchn_status: what `port` of `dom` is; another domain's ports need privilege. */
export function evtchnStatus(
  xen: HypervisorServices,
  caller: Domain,
  dom: number,
  port: number,
): EvtchnStatus | number {
  const d = domainByAnyId(xen, caller, dom);
  if (d === undefined) return -ESRCH;
  if (!portIsValid(d, port)) return -EINVAL;
  const rc = xsmTarget(caller, d);
  if (rc !== 0) return rc;
  const chn = d.evtchn[port]!;
  const out: EvtchnStatus = { status: STATUS_OF[chn.state], vcpu: chn.notifyVcpu, dom: 0, port: 0 };
  if (chn.state === ECS.Unbound) out.dom = chn.remoteDomid;
  if (chn.state === ECS.Interdomain) {
    out.dom = chn.remoteDomid;
    out.port = chn.remotePort;
  }
  if (chn.state === ECS.Virq) out.dom = chn.virq;
  if (chn.state === ECS.Pirq) out.dom = chn.pirq;
  return out;
}

/**
 * evtchn_bind_vcpu: `port` of `d` raises vCPU `vcpu` from now on. Allowed for unbound,
 * interdomain and PIRQ ports and global VIRQs; an IPI or per-vCPU VIRQ is tied to its vCPU.
 */
export function evtchnBindVcpu(d: Domain, port: number, vcpu: number): number {
  if (domainVcpu(d, vcpu) === undefined) return -ENOENT;
  if (!portIsValid(d, port)) return -EINVAL;
  const chn = d.evtchn[port]!;
  switch (chn.state) {
    case ECS.Virq:
      if (!virqIsGlobal(chn.virq)) return -EINVAL;
      chn.notifyVcpu = vcpu;
      return 0;
    case ECS.Unbound:
    case ECS.Interdomain:
    case ECS.Pirq:
      chn.notifyVcpu = vcpu;
      return 0;
    default:
      return -EINVAL;
  }
}

/** evtchn_unmask: clears the mask bit and re-raises a port that went pending while masked. */
export function evtchnUnmask(d: Domain, port: number): number {
  if (!portIsValid(d, port)) return -EINVAL;
  const v = d.vcpus[d.evtchn[port]!.notifyVcpu];
  if (v !== undefined) evtchn2lUnmask(v.cpu.mem, v, port);
  return 0;
}

/** evtchn_reset: closes every port of `dom` (itself, or any for a privileged caller). */
export function evtchnReset(xen: HypervisorServices, caller: Domain, dom: number): number {
  const d = domainByAnyId(xen, caller, dom);
  if (d === undefined) return -ESRCH;
  const rc = xsmTarget(caller, d);
  if (rc !== 0) return rc;
  for (let port = 0; port < d.evtchn.length; port++) evtchnClose(xen, d, port);
  return 0;
}

/** send_guest_vcpu_virq: raises a per-vCPU VIRQ (the timer) on `v`, if `v` bound it. */
export function sendGuestVcpuVirq(v: Vcpu, virq: number): void {
  const port = virqToEvtchn(v)[virq]!;
  if (port !== 0) evtchn2lSetPending(v.cpu.mem, v, port);
}

/** send_guest_global_virq: raises a global VIRQ of `d`, bound through its vCPU 0. */
export function sendGuestGlobalVirq(d: Domain, virq: number): void {
  const v0 = d.vcpus[0];
  if (v0 === undefined) return;
  const port = virqToEvtchn(v0)[virq]!;
  if (port !== 0) evtchnPortSetPending(d, port);
}

/** evtchn_destroy: a dying domain closes every port, so peers see their end unbound. */
export function evtchnDestroy(xen: HypervisorServices, d: Domain): void {
  for (let port = 0; port < d.evtchn.length; port++) {
    const chn = d.evtchn[port]!;
    if (chn.state !== ECS.Free && chn.state !== ECS.Reserved) evtchnClose(xen, d, port);
  }
}
