// Your working copy for chapter 10, generated from solutions/xen/timer.ts by npx xenlab stage.
// Xen's timers on virtual time, and the vCPU timers a guest sets: set_timer_op and the
// single-shot timer: book §7.7; Xen xen/common/timer.c (set_timer, stop_timer,
// timer_softirq_action), xen/common/sched/core.c (do_set_timer_op, vcpu_singleshot_timer_fn,
// vcpu_periodic_timer_work, vcpu_set_periodic_timer), xen/arch/x86/pv/domain.c
// (pv_vcpu_initialise: the 10 ms default), docs/xen-abi.md §8.2.
//
// A timer is a deadline in Xen system time (ns since boot, time.ts) and what to do then. Time
// advances as vCPUs run instructions; the scheduler cuts a slice short at the next deadline,
// and when no vCPU can run it moves the clock straight to the next deadline: an idle machine
// waits without running anything, so a blocked guest costs no fuel.
//
// A vCPU's single-shot timer raises VIRQ_TIMER on it. Every PV vCPU also has a periodic timer,
// 10 ms unless the guest changes or stops it (VCPUOP_set_periodic_timer, stop_periodic_timer;
// Linux stops it and asks for each tick with the single-shot timer). The periodic timer runs
// only while its vCPU has the CPU: the scheduler stops it when the vCPU leaves and, when it
// comes back, raises the tick at once if a period has passed since the last one (runstate.ts).

import { __HYPERVISOR_set_timer_op, VIRQ_TIMER } from './abi.ts';
import type { Vcpu } from './domain.ts';
import { pollWait, vcpuUnblock } from './event-2l.ts';
import { sendGuestVcpuVirq } from './event-channel.ts';
import type { HypercallContext } from './hypercall.ts';
import { type Mechanism, perVcpu } from './mechanism.ts';
import { getSTime, pcpuTsc, type XenTime } from './time.ts';
import type { Xen } from './xen.ts';

/** struct timer: a deadline in system time, or inactive. */
export interface Timer {
  /** System time (ns) it fires at; -1 when it is not set. */
  expires: number;
  /** What it does when it fires, at system time `now`. */
  readonly fn: (now: number) => void;
}

/** What 100 ms is in ns: where an out-of-range set_timer_op deadline goes instead. */
const MILLISECS_100 = 100_000_000;
/** A deadline more than 2^50 ns (about 13 days) ahead is taken for a wrapped value. */
const TIMEOUT_LIMIT = 2 ** 50;

/** What a PV vCPU's periodic timer starts at (pv_vcpu_initialise: "a 100Hz ticker"). */
export const PERIODIC_DEFAULT_NS = 10_000_000;

/**
 * The timers of each vCPU: its single-shot timer, its SCHEDOP_poll timeout, and its periodic
 * timer with the period (ns, 0 when stopped) and the system time of its last tick.
 */
export interface VcpuTimers {
  singleshot: Timer;
  poll: Timer;
  periodic: Timer;
  periodicPeriod: number;
  periodicLastEvent: number;
}

/** Every vCPU's timers. A poll that times out wakes its vCPU, as SCHEDOP_poll promised. */
export const vcpuTimers = perVcpu(
  (v: Vcpu): VcpuTimers => ({
    singleshot: { expires: -1, fn: () => sendGuestVcpuVirq(v, VIRQ_TIMER) },
    poll: {
      expires: -1,
      fn: () => {
        if (pollWait(v).polling) vcpuUnblock(v);
      },
    },
    periodic: { expires: -1, fn: (now) => vcpuPeriodicTimerWork(v, now) },
    periodicPeriod: PERIODIC_DEFAULT_NS,
    periodicLastEvent: 0,
  }),
);

/**
 * vcpu_periodic_timer_work: when a period has passed since the last tick, VIRQ_TIMER now and
 * the next period counts from now; the timer is set for the end of the current period.
 */
export function vcpuPeriodicTimerWork(v: Vcpu, now: number): void {
  const t = vcpuTimers(v);
  if (t.periodicPeriod === 0) return;
  let next = t.periodicLastEvent + t.periodicPeriod;
  if (now >= next) {
    sendGuestVcpuVirq(v, VIRQ_TIMER);
    t.periodicLastEvent = now;
    next = now + t.periodicPeriod;
  }
  setTimer(t.periodic, next);
}

/** vcpu_set_periodic_timer: a new period (0 stops it), the timer re-armed from the last tick. */
export function vcpuSetPeriodicTimer(v: Vcpu, period: number, now: number): void {
  const t = vcpuTimers(v);
  stopTimer(t.periodic);
  t.periodicPeriod = period;
  if (period !== 0) vcpuPeriodicTimerWork(v, now);
}

export function setTimer(t: Timer, expires: number): void {
  t.expires = expires;
}

export function stopTimer(t: Timer): void {
  t.expires = -1;
}

/** `t` if it is set and due before `best` (or `best` is null), else `best`. */
function earlier(best: Timer | null, t: Timer): Timer | null {
  return t.expires >= 0 && (best === null || t.expires < best.expires) ? t : best;
}

/** The earliest active timer of a live vCPU (ties: domain, then vCPU order), or null. */
function nextTimer(xen: Xen): Timer | null {
  let best: Timer | null = null;
  for (const d of xen.domains.values()) {
    if (d.destroyed || d.dying) continue;
    for (const v of d.vcpus) {
      const t = vcpuTimers(v);
      best = earlier(best, t.singleshot);
      best = earlier(best, t.poll);
      best = earlier(best, t.periodic);
    }
  }
  return best;
}

/** timer_softirq_action: every timer whose deadline has come fires, earliest first. */
export function timerSoftirq(xen: Xen, now = getSTime(xen.time)): void {
  for (let t = nextTimer(xen); t !== null && t.expires <= now; t = nextTimer(xen)) {
    t.expires = -1;
    t.fn(now);
  }
}

/** TSC ticks from now until the next deadline (at least 1), or Infinity when none is set. */
export function ticksToNextTimer(xen: Xen): number {
  const next = nextTimer(xen);
  if (next === null) return Number.POSITIVE_INFINITY;
  return Math.max(1, tscAt(xen.time, next.expires) - pcpuTsc(xen.time));
}

/**
 * The idle vCPU: nothing can run, so the clock moves to the next deadline and its timers
 * fire. Returns false when no timer is set (the machine would wait forever).
 */
export function idleToNextTimer(xen: Xen): boolean {
  const next = nextTimer(xen);
  if (next === null) return false;
  const time = xen.time;
  time.tsc = Math.max(pcpuTsc(time), tscAt(time, next.expires));
  time.current = null;
  timerSoftirq(xen, Math.max(getSTime(time), next.expires));
  return true;
}

/** The first TSC value at which system time reaches `stime` (the inverse of the scale). */
function tscAt(time: XenTime, stime: number): number {
  const ns = Math.max(0, stime - time.stimeStamp);
  const { mul, shift } = time.scale;
  let ticks = Number((BigInt(ns) * 2n ** 32n + BigInt(mul) - 1n) / BigInt(mul));
  ticks = shift >= 0 ? Math.ceil(ticks / 2 ** shift) : ticks * 2 ** -shift;
  return time.tscStamp + ticks;
}

/**
 * set_timer_op(timeout): the vCPU's single-shot timer fires at system time `timeout` (ns, EBX
 * low, ECX high); 0 stops it. A deadline that wrapped negative or lies more than 2^50 ns ahead
 * is taken as a guest bug: Xen fires in 100 ms instead. A deadline passed already fires on the
 * way back to the guest. Always 0.
 */
export function doSetTimerOp(ctx: HypercallContext, args: Uint32Array): number {
  const lo = args[0]! >>> 0;
  const hi = args[1]! >>> 0;
  const timer = vcpuTimers(ctx.vcpu).singleshot;
  const now = getSTime(ctx.xen.time);
  if (lo === 0 && hi === 0) {
    stopTimer(timer);
  } else if (hi >= 0x80000000 || hi * 2 ** 32 + lo - now > TIMEOUT_LIMIT) {
    setTimer(timer, now + MILLISECS_100);
  } else {
    setTimer(timer, hi * 2 ** 32 + lo);
  }
  return 0;
}

export const TIMER_MECHANISM: Mechanism = {
  name: 'timers',
  hypercalls: { [__HYPERVISOR_set_timer_op]: doSetTimerOp },
};
