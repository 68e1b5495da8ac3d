// Your working copy for chapter 10, generated from solutions/xen/runstate.ts by npx xenlab stage.
// Runstate accounting: how long each vCPU has been running, runnable, blocked and offline, and
// the copy a guest may ask Xen to keep in its own memory: book §7.9; Xen xen/common/sched/core.c
// (vcpu_runstate_change, vcpu_runstate_get, schedule), xen/arch/x86/domain.c (context_switch,
// update_runstate_area), xen/arch/x86/x86_64/domain.c (arch_compat_vcpu_op), public/vcpu.h,
// docs/xen-abi.md §8.3.
//
// A vCPU is always in one of four states: running (it has the CPU), runnable (it could run but
// another vCPU has the CPU), blocked (it waits for an event) or offline (down, paused, or its
// domain stopped). Each change adds the time since the last one to the state being left, so the
// four totals always add up to the time since the vCPU was created, in virtual system time.
//
// Xen changes the state where it happens (schedule, vcpu_wake, vcpu_sleep). Here the state is
// derived from the scheduler's flags, and the scheduler calls runstateSync at every point one may
// have changed (after each exit from a vCPU, after a switch, before the idle clock moves), so
// each change is recorded at the virtual time it happened.
//
// When a vCPU gets or leaves the CPU (a switch, not a vCPU running on after its slice) its
// periodic timer starts or stops, and Xen rewrites its registered runstate area: a guest reads
// its own totals from memory without a hypercall (Linux's steal time).

import {
  RUNSTATE_blocked,
  RUNSTATE_offline,
  RUNSTATE_runnable,
  RUNSTATE_running,
  VCPU_REGISTER_RUNSTATE_MEMORY_AREA,
  VCPU_RUNSTATE_INFO,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { EFAULT } from './errno.ts';
import { accessOk, copyToGuest, readGuestU32 } from './guest-access.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { getSTime, type XenTime } from './time.ts';
import { stopTimer, vcpuPeriodicTimerWork, vcpuTimers } from './timer.ts';
import type { Xen } from './xen.ts';

/** struct vcpu_runstate_info as Xen keeps it, and the guest address of the registered copy. */
export interface Runstate {
  state: number;
  /** System time (ns) the current state was entered. */
  entryTime: number;
  /** ns spent in each RUNSTATE_*, up to entryTime. */
  readonly time: [number, number, number, number];
  /** runstate_guest: the guest virtual address of its copy, 0 when none is registered. */
  area: number;
}

/** Every vCPU's runstate; a vCPU starts offline (vcpu_create), at its domain's creation time. */
export const runstate = perVcpu(
  (): Runstate => ({ state: RUNSTATE_offline, entryTime: 0, time: [0, 0, 0, 0], area: 0 }),
);

/** The state `v` is in now. RUNSTATE_blocked dominates offline, as in Xen. */
function stateNow(time: XenTime, v: Vcpu): number {
  const runnable = v.domain.runnable(v);
  if (runnable && time.current === v) return RUNSTATE_running;
  if (runnable) return RUNSTATE_runnable;
  return v.blocked ? RUNSTATE_blocked : RUNSTATE_offline;
}

/** vcpu_runstate_change: the time since the last change goes to the state being left. */
function runstateChange(rs: Runstate, state: number, now: number): void {
  const delta = now - rs.entryTime;
  if (delta > 0) {
    rs.time[rs.state]! += delta;
    rs.entryTime = now;
  }
  rs.state = state;
}

/**
 * Records every state change since the last call, at the current system time. A vCPU leaving
 * the CPU stops its periodic timer; one getting it runs the periodic timer's work (a tick now
 * if a period has passed). Either way its runstate area is rewritten (context_switch).
 */
export function runstateSync(xen: Xen): void {
  for (const d of xen.domains.values()) {
    if (d.dying || d.destroyed) continue;
    for (const v of d.vcpus) runstateSyncVcpu(xen.time, v);
  }
}

function runstateSyncVcpu(time: XenTime, v: Vcpu): void {
  const rs = runstate(v);
  const state = stateNow(time, v);
  if (state === rs.state) return;
  const now = getSTime(time);
  const switched = state === RUNSTATE_running || rs.state === RUNSTATE_running;
  runstateChange(rs, state, now);
  if (!switched) return;
  if (state === RUNSTATE_running) vcpuPeriodicTimerWork(v, now);
  else stopTimer(vcpuTimers(v).periodic);
  updateRunstateArea(v);
}

/** vcpu_runstate_get: the runstate with the time in the current state counted up to now. */
export function vcpuRunstateGet(time: XenTime, v: Vcpu): Runstate {
  runstateSyncVcpu(time, v);
  const rs = runstate(v);
  const total: Runstate['time'] = [...rs.time];
  const delta = getSTime(time) - rs.entryTime;
  if (delta > 0) total[rs.state]! += delta;
  return { state: rs.state, entryTime: rs.entryTime, time: total, area: rs.area };
}

/** struct vcpu_runstate_info in a 32-bit guest's layout (44 bytes). */
export function runstateBytes(rs: Runstate): Uint8Array {
  const b = new Uint8Array(VCPU_RUNSTATE_INFO.size);
  const view = new DataView(b.buffer);
  view.setInt32(VCPU_RUNSTATE_INFO.state, rs.state, true);
  view.setBigUint64(VCPU_RUNSTATE_INFO.state_entry_time, BigInt(rs.entryTime), true);
  rs.time.forEach((ns, i) => {
    view.setBigUint64(VCPU_RUNSTATE_INFO.time + 8 * i, BigInt(ns), true);
  });
  return b;
}

/**
 * update_runstate_area: writes `v`'s runstate into its registered area through its own page
 * tables. A write that faults is dropped (the guest unmapped its area; Xen ignores it too).
 */
function updateRunstateArea(v: Vcpu): void {
  const rs = runstate(v);
  if (rs.area !== 0) copyToGuest(v.cpu, rs.area, runstateBytes(rs));
}

/** VCPUOP_get_runstate_info: any vCPU of the caller's domain; -EFAULT if `arg` cannot be written. */
export function getRunstateInfo(ctx: HypercallContext, v: Vcpu, arg: number): number {
  return copyToGuest(ctx.vcpu.cpu, arg, runstateBytes(vcpuRunstateGet(ctx.xen.time, v)));
}

/**
 * VCPUOP_register_runstate_memory_area (the compat form, arch_compat_vcpu_op): a 32-bit guest's
 * handle is 4 bytes; the area must lie below the hypervisor hole (compat_handle_okay), else
 * -EFAULT. It is written at once, and on every switch from then on; 0 unregisters.
 */
export function registerRunstateArea(ctx: HypercallContext, v: Vcpu, arg: number): number {
  const addr = readGuestU32(ctx.vcpu.cpu, arg + VCPU_REGISTER_RUNSTATE_MEMORY_AREA.addr);
  if (addr === null || !accessOk(addr, VCPU_RUNSTATE_INFO.size)) return -EFAULT;
  // The caller's own record as it stands; another vCPU's counted up to now.
  const rs = v === ctx.vcpu ? runstate(v) : vcpuRunstateGet(ctx.xen.time, v);
  runstate(v).area = addr;
  // Written through the caller's page tables, as Xen's copy runs in the caller's address space.
  if (addr !== 0) copyToGuest(ctx.vcpu.cpu, addr, runstateBytes(rs));
  return 0;
}

/** A new domain's vCPUs enter RUNSTATE_offline at the domain's creation time. */
function runstateInit(xen: Xen, d: Domain): void {
  for (const v of d.vcpus) runstate(v).entryTime = getSTime(xen.time);
}

export const RUNSTATE_MECHANISM: Mechanism = {
  name: 'runstate',
  domainBuilt: runstateInit,
  vcpuSwitchIn: (xen) => runstateSync(xen),
};
