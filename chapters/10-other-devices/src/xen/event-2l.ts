// Your working copy for chapter 10, generated from solutions/xen/event-2l.ts by npx xenlab stage.
// The 2-level event ABI: pending and mask bitmaps in shared_info, the per-vCPU selector and
// upcall flags in vcpu_info: book §7.3, §7.5; Xen xen/common/event_2l.c (evtchn_2l_set_pending,
// evtchn_2l_unmask), xen/include/xen/event.h (vcpu_mark_events_pending), docs/xen-abi.md §7.3.
//
// Port p is bit p%32 of word p/32 in shared_info's evtchn_pending and evtchn_mask. Raising it
// for the vCPU v it is bound to goes through three levels, each set only on an edge:
//
//   evtchn_pending[w] bit b   ── set; if it was set already, nothing more happens
//          │ and the port is not masked
//          ▼
//   v's evtchn_pending_sel bit w ── if it was clear:
//          ▼
//   v's evtchn_upcall_pending ── if it was clear: kick v (wake it from SCHEDOP_block)
//
// and on v's way back to the guest, Xen enters the event callback when upcall_pending is set
// and evtchn_upcall_mask is clear (callback.ts). The guest clears these bits, top level
// first; Xen clears a pending bit only when the port is closed. The guest writes the mask
// bits; Xen only reads them.

import type { PhysMemory } from '../../../../sim/host.ts';
import {
  BITS_PER_EVTCHN_WORD,
  SHARED_INFO,
  VCPU_INFO_evtchn_pending_sel,
  VCPU_INFO_evtchn_upcall_mask,
  VCPU_INFO_evtchn_upcall_pending,
} from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import { perVcpu } from './mechanism.ts';
import { sharedInfoMa, vcpuInfoMa } from './shared-info.ts';

/** Atomically sets bit `bit` of the u32 at `ma`; returns whether it was set before. */
export function testAndSetBit(mem: PhysMemory, ma: number, bit: number): boolean {
  const word = mem.read32(ma) >>> 0;
  const mask = (1 << bit) >>> 0;
  if ((word & mask) !== 0) return true;
  mem.write32(ma, (word | mask) >>> 0);
  return false;
}

/** Atomically clears bit `bit` of the u32 at `ma`; returns whether it was set before. */
export function testAndClearBit(mem: PhysMemory, ma: number, bit: number): boolean {
  const word = mem.read32(ma) >>> 0;
  const mask = (1 << bit) >>> 0;
  if ((word & mask) === 0) return false;
  mem.write32(ma, (word & ~mask) >>> 0);
  return true;
}

/** Machine address of the word holding `port`'s bit in evtchn_pending. */
export function pendingWordMa(d: Domain, port: number): number {
  return sharedInfoMa(d) + SHARED_INFO.evtchn_pending + (port >>> 5) * 4;
}

/** Machine address of the word holding `port`'s bit in evtchn_mask. */
export function maskWordMa(d: Domain, port: number): number {
  return sharedInfoMa(d) + SHARED_INFO.evtchn_mask + (port >>> 5) * 4;
}

export function evtchnIsPending(mem: PhysMemory, d: Domain, port: number): boolean {
  return ((mem.read32(pendingWordMa(d, port)) >>> (port & 31)) & 1) !== 0;
}

export function evtchnIsMasked(mem: PhysMemory, d: Domain, port: number): boolean {
  return ((mem.read32(maskWordMa(d, port)) >>> (port & 31)) & 1) !== 0;
}

/** A vCPU waiting in SCHEDOP_poll (Xen: its bit in d->poll_mask and v->poll_evtchn). */
export interface PollWait {
  polling: boolean;
  /** The one port it waits for, or -1 for any of several. */
  port: number;
}

export const pollWait = perVcpu((): PollWait => ({ polling: false, port: -1 }));

/** vcpu_unblock: a vCPU waiting in SCHEDOP_block or SCHEDOP_poll runs again. */
export function vcpuUnblock(v: Vcpu): void {
  pollWait(v).polling = false;
  v.blocked = false;
}

/**
 * vcpu_mark_events_pending: sets `v`'s evtchn_upcall_pending; on the edge from 0, kicks `v`
 * (wakes it if it is blocked; a running vCPU sees the flag on its next way back to the guest).
 */
export function vcpuMarkEventsPending(mem: PhysMemory, v: Vcpu): void {
  const at = vcpuInfoMa(v.domain, v.id) + VCPU_INFO_evtchn_upcall_pending;
  if (mem.read8(at) !== 0) return;
  mem.write8(at, 1);
  vcpuUnblock(v);
}

/** evtchn_check_pollers: `port` of `d` went pending; its pollers (and any-port pollers) wake. */
export function evtchnCheckPollers(d: Domain, port: number): void {
  for (const v of d.vcpus) {
    const wait = pollWait(v);
    if (wait.polling && (wait.port < 0 || wait.port === port)) vcpuUnblock(v);
  }
}

/**
 * evtchn_2l_set_pending: raises `port` of `v`'s domain for `v`, as in the diagram above, then
 * tells anyone polling on the port. A port pending already raises nothing new.
 */
export function evtchn2lSetPending(mem: PhysMemory, v: Vcpu, port: number): void {
  const d = v.domain;
  if (testAndSetBit(mem, pendingWordMa(d, port), port & 31)) return;
  const selector = vcpuInfoMa(d, v.id) + VCPU_INFO_evtchn_pending_sel;
  if (
    !evtchnIsMasked(mem, d, port) &&
    !testAndSetBit(mem, selector, Math.floor(port / BITS_PER_EVTCHN_WORD))
  ) {
    vcpuMarkEventsPending(mem, v);
  }
  evtchnCheckPollers(d, port);
}

/**
 * evtchn_2l_unmask: clears `port`'s mask bit; a port that went pending while masked raised no
 * selector bit then, so it is raised now for `v`, the vCPU it notifies.
 */
export function evtchn2lUnmask(mem: PhysMemory, v: Vcpu, port: number): void {
  const d = v.domain;
  if (!testAndClearBit(mem, maskWordMa(d, port), port & 31)) return;
  const selector = vcpuInfoMa(d, v.id) + VCPU_INFO_evtchn_pending_sel;
  if (
    evtchnIsPending(mem, d, port) &&
    !testAndSetBit(mem, selector, Math.floor(port / BITS_PER_EVTCHN_WORD))
  ) {
    vcpuMarkEventsPending(mem, v);
  }
}

/** evtchn_2l_clear_pending: a port being freed forgets a notification nobody took. */
export function evtchn2lClearPending(mem: PhysMemory, d: Domain, port: number): void {
  testAndClearBit(mem, pendingWordMa(d, port), port & 31);
}

/** local_events_need_delivery: an upcall is wanted and events are not masked on `v`. */
export function localEventsNeedDelivery(mem: PhysMemory, v: Vcpu): boolean {
  const info = vcpuInfoMa(v.domain, v.id);
  return (
    mem.read8(info + VCPU_INFO_evtchn_upcall_pending) !== 0 &&
    mem.read8(info + VCPU_INFO_evtchn_upcall_mask) === 0
  );
}
