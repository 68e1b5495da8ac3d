// Your working copy for chapter 10, generated from solutions/xen/domain.ts by npx xenlab stage.
// Domains and vCPUs and the VM lifecycle: book §2.7; Xen xen/common/domain.c, xen/include/xen/
// sched.h (struct domain, struct vcpu, domain_pause/unpause, domain_shutdown, domain_crash).

import type { Cpu } from '../../../../sim/host.ts';
import { SHUTDOWN_NAMES } from './abi.ts';
import { type Evtchn, evtchnInit } from './event-channel.ts';
import type { GrantTable } from './grant-table.ts';

// The VM lifecycle. The toolstack creates, unpauses, pauses and destroys; the guest chooses
// shutdown itself (sched_op), and Xen chooses it for a guest that crashes.
//
//   created ──unpause──▶ running ⇄ blocked          pause ⇅ unpause: paused (nests)
//                           │
//                           │ shutdown(poweroff | reboot | suspend | crash | watchdog)
//                           ▼
//                        shutdown ──destroy──▶ dying ──(frames freed)──▶ destroyed
//
// The state is derived from a few fields rather than stored, so it can never disagree with
// them: destroyed, dying and shutdown win over everything; a domain never unpaused is
// created; a paused one is paused; one whose online vCPUs all wait in SCHEDOP_block is
// blocked; otherwise it is running. Destroy may also come from any earlier state.

export enum DomainState {
  Created = 'created',
  Paused = 'paused',
  Running = 'running',
  Blocked = 'blocked',
  Shutdown = 'shutdown',
  Dying = 'dying',
  Destroyed = 'destroyed',
}

/**
 * A virtual CPU: its architectural state is a whole sim Cpu, switched in by the scheduler. State
 * a later chapter's mechanism keeps per vCPU lives in that mechanism's module (perVcpu).
 */
export interface Vcpu {
  readonly id: number;
  readonly domain: Domain;
  readonly cpu: Cpu;
  /** Brought up (vCPU 0 by the builder; others by VCPUOP_up in a later chapter). */
  online: boolean;
  /** Waiting in SCHEDOP_block for an event. */
  blocked: boolean;
  /** Asked to give up its time slice (SCHEDOP_yield); the scheduler clears it. */
  yielded: boolean;
  /**
   * v->vcpu_info: where its vcpu_info is when the guest moved it out of shared_info (machine
   * address; VCPUOP_register_vcpu_info, chapter 07); undefined while it is in its slot there.
   */
  vcpuInfoMa?: number;
}

export class Domain {
  readonly domid: number;
  /** What the toolstack calls it (Xen's log uses it; real Xen keeps it in XenStore only). */
  name: string;
  readonly privileged: boolean;
  readonly vcpus: Vcpu[] = [];
  /** p2m[pfn] = mfn: the domain's pseudo-physical memory. */
  p2m: number[] = [];
  /** Frames Xen allocated on the domain's behalf (shared_info). */
  xenFrames: number[] = [];
  sharedInfoMfn = -1;
  startInfoPfn = -1;
  /** Pages the domain holds (tot_pages) and may hold (max_pages, set by XEN_DOMCTL_max_mem). */
  totPages = 0;
  maxPages = 0;
  /** Bitmap of VMASST_TYPE_* enabled with vm_assist. */
  vmAssist = 0;
  /** The 16-byte handle (UUID) the toolstack gave the domain. */
  readonly handle: Uint8Array;
  /** domain_pause nesting: the domain runs only at 0. Creation leaves it paused once. */
  pauseCount = 1;
  /** Has it ever been unpaused? Distinguishes "created" from "paused". */
  started = false;
  /** SHUTDOWN_* once shut down, else -1. */
  shutdownReason = -1;
  /** Reason recorded by SCHEDOP_shutdown_code, reported if the domain later shuts down. */
  shutdownCode = -1;
  dying = false;
  destroyed = false;
  /** The domain's grant table, created by the first grant operation that needs it. */
  grantTable: GrantTable | null = null;
  /** The domain's event-channel ports (event-channel.ts); port 0 is reserved. */
  evtchn: Evtchn[] = evtchnInit();

  constructor(domid: number, name: string, privileged: boolean, handle: Uint8Array) {
    this.domid = domid;
    this.name = name;
    this.privileged = privileged;
    this.handle = handle;
  }

  /** Where the domain is in its lifecycle, derived from the fields above (diagram at the top). */
  get state(): DomainState {
    if (this.destroyed) return DomainState.Destroyed;
    if (this.dying) return DomainState.Dying;
    if (this.shutdownReason >= 0) return DomainState.Shutdown;
    if (!this.started) return DomainState.Created;
    if (this.pauseCount > 0) return DomainState.Paused;
    const online = this.vcpus.filter((v) => v.online);
    if (online.length > 0 && online.every((v) => v.blocked)) return DomainState.Blocked;
    return DomainState.Running;
  }

  /** Can `v` be given a physical CPU now? */
  runnable(v: Vcpu): boolean {
    return this.state === DomainState.Running && v.online && !v.blocked;
  }

  pause(): void {
    this.pauseCount++;
  }

  /** Unpauses once; unpausing a domain that is not paused is a toolstack bug. */
  unpause(): void {
    if (this.pauseCount === 0) throw new Error(`Domain.unpause: d${this.domid} is not paused`);
    this.pauseCount--;
    if (this.pauseCount === 0) this.started = true;
  }

  /** domain_shutdown: every vCPU stops; the first reason sticks. */
  shutdown(reason: number): void {
    if (this.shutdownReason >= 0) return;
    this.shutdownReason = reason;
  }
}

/** A shutdown reason's name, e.g. "poweroff", or "reason 9" for one Xen does not define. */
export function shutdownName(reason: number): string {
  return SHUTDOWN_NAMES[reason] ?? `reason ${reason}`;
}
