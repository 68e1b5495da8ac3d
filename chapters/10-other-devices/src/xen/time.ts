// Your working copy for chapter 10, generated from solutions/xen/time.ts by npx xenlab stage.
// Keeping time: the TSC scale, Xen system time, per-vCPU vcpu_time_info and the wall clock in
// shared_info: book §3.3; Xen xen/arch/x86/time.c (set_time_scale, get_s_time,
// update_vcpu_system_time), xen/common/time.c (do_settime, update_domain_wallclock_time).
//
// The machine's clock is its TSC: one tick per retired instruction, 1 GHz (sim/machine.ts). Xen
// turns TSC ticks into nanoseconds of *system time* (time since Xen booted) with a 32.32 fixed
// point scale, and tells every vCPU how to do the same: vcpu_time_info holds a (TSC, system
// time) pair taken together, plus the scale. A guest reads the TSC and extrapolates from the
// pair. The wall clock is the time of day at system time 0; now = wall clock + system time.
//
// Both records are published with a version counter: odd while Xen rewrites them, even and
// advanced by two once done. A reader that sees the same even version before and after copying
// the fields copied one consistent record. We run one pCPU and the guest cannot run while Xen
// writes, but a Xen on several pCPUs updates a record that another pCPU may be reading; the
// tests play that reader between each of our writes, so the order of the writes is the lesson.
//
// Single-shot timers (set_timer_op) and the periodic VIRQ_TIMER deliver events: they arrive
// with event channels in chapter 07, built on getSTime below.

import { type Cpu, type PhysMemory, TSC_HZ } from '../../../../sim/host.ts';
import { SHARED_INFO, VCPU_TIME_INFO, XEN_PVCLOCK_TSC_STABLE_BIT } from './abi.ts';
import type { Domain, Vcpu } from './domain.ts';
import type { Mechanism } from './mechanism.ts';
import { sharedInfoMa, vcpuTimeInfoMa } from './shared-info.ts';

const NS_PER_SEC = 1_000_000_000;
const TWO_32 = 0x1_0000_0000;

/** A 32.32 fixed-point scale from TSC ticks to ns: ns = ((ticks << shift) * mul) >> 32. */
export interface TimeScale {
  /** tsc_to_system_mul: the fraction, in [2^31, 2^32) for any real frequency. */
  mul: number;
  /** tsc_shift: applied to the tick count first; negative shifts right. */
  shift: number;
}

/**
 * set_time_scale: the scale for a counter ticking `ticksPerSec` times a second. The frequency is
 * halved (shift − 1) while above 2 GHz, then doubled (shift + 1) while at or below 1 GHz, so the
 * scaled rate r lies in (1e9, 2e9] and mul = ⌊1e9 · 2^32 / r⌋ fits 32 bits. Halving drops the
 * low bit each time, as Xen's 64-bit shifts do.
 */
export function setTimeScale(ticksPerSec: number): TimeScale {
  let rate = BigInt(ticksPerSec);
  let shift = 0;
  while (rate > 2n * BigInt(NS_PER_SEC)) {
    rate >>= 1n;
    shift--;
  }
  while (rate <= BigInt(NS_PER_SEC)) {
    rate <<= 1n;
    shift++;
  }
  const mul = (BigInt(NS_PER_SEC) << 32n) / rate;
  return { mul: Number(mul), shift };
}

/**
 * scale_delta: `ticks` TSC ticks (a non-negative safe integer) in ns. The product of a 64-bit
 * count and the 32-bit fraction needs 96 bits; BigInt keeps it exact.
 */
export function scaleDelta(ticks: number, scale: TimeScale): number {
  let t = BigInt(ticks);
  t = scale.shift >= 0 ? t << BigInt(scale.shift) : t >> BigInt(-scale.shift);
  return Number((t * BigInt(scale.mul)) >> 32n);
}

/**
 * Xen's clock on our one pCPU (struct cpu_time): the TSC scale, the (TSC, system time) pair
 * the scale extrapolates from, the pCPU's TSC as the last vCPU left it, the vCPU running now,
 * and the wall clock at system time 0.
 */
export interface XenTime {
  scale: TimeScale;
  /** local_tsc_stamp and stime_local_stamp: a TSC value and the system time it stands for. */
  tscStamp: number;
  stimeStamp: number;
  /** The pCPU's TSC when no vCPU is running (the running vCPU's own TSC otherwise). */
  tsc: number;
  current: Vcpu | null;
  /** wc_sec / wc_nsec: the time of day (UTC, since 1970) at system time 0. */
  wcSec: number;
  wcNsec: number;
}

/** init_xen_time: the TSC and system time both start at 0 when Xen boots; no time of day yet. */
export function initXenTime(): XenTime {
  return {
    scale: setTimeScale(TSC_HZ),
    tscStamp: 0,
    stimeStamp: 0,
    tsc: 0,
    current: null,
    wcSec: 0,
    wcNsec: 0,
  };
}

/** The pCPU's TSC now: the running vCPU's TSC is the pCPU's (Xen does not offset it for PV). */
export function pcpuTsc(time: XenTime): number {
  const v = time.current;
  return v === null ? time.tsc : v.cpu.tscOffset + v.cpu.instructions;
}

/** get_s_time (NOW()): system time in ns, extrapolated from the stamp with the TSC. */
export function getSTime(time: XenTime): number {
  return time.stimeStamp + scaleDelta(pcpuTsc(time) - time.tscStamp, time.scale);
}

/** version_update_begin: odd, so a reader knows the record is being rewritten. */
export function versionUpdateBegin(version: number): number {
  return ((version + 1) | 1) >>> 0;
}

/** version_update_end: even again, two past where the update began. */
export function versionUpdateEnd(version: number): number {
  return (version + 1) >>> 0;
}

/** The fields of vcpu_time_info other than its version. */
export interface VcpuTimeRecord {
  tscTimestamp: number;
  systemTime: number;
  mul: number;
  shift: number;
  flags: number;
}

/** A little-endian u64 (a non-negative safe integer) at machine address `ma`. */
export function write64(mem: PhysMemory, ma: number, value: number): void {
  mem.write32(ma, value % TWO_32);
  mem.write32(ma + 4, Math.floor(value / TWO_32));
}

export function read64(mem: PhysMemory, ma: number): number {
  return mem.read32(ma + 4) * TWO_32 + mem.read32(ma);
}

/**
 * Publishes `t` in the vcpu_time_info at machine address `ma` with the version protocol: the
 * version goes odd before any field changes and even (two past the old one) after the last,
 * each step ordered after the one before (Xen's smp_wmb; here, program order of the writes).
 */
export function publishVcpuTimeInfo(mem: PhysMemory, ma: number, t: VcpuTimeRecord): void {
  const version = versionUpdateBegin(mem.read32(ma + VCPU_TIME_INFO.version));
  mem.write32(ma + VCPU_TIME_INFO.version, version);
  write64(mem, ma + VCPU_TIME_INFO.tsc_timestamp, t.tscTimestamp);
  write64(mem, ma + VCPU_TIME_INFO.system_time, t.systemTime);
  mem.write32(ma + VCPU_TIME_INFO.tsc_to_system_mul, t.mul);
  mem.write8(ma + VCPU_TIME_INFO.tsc_shift, t.shift & 0xff);
  mem.write8(ma + VCPU_TIME_INFO.flags, t.flags);
  mem.write32(ma + VCPU_TIME_INFO.version, versionUpdateEnd(version));
}

/**
 * update_vcpu_system_time: gives `v` a fresh (TSC, system time) pair and the scale. Xen copies
 * its pCPU's calibration stamp, refreshed once a second; our one pCPU's TSC never drifts, so
 * we take the stamp now, which also exercises the version protocol at every switch.
 */
export function updateVcpuSystemTime(time: XenTime, mem: PhysMemory, v: Vcpu): void {
  const stime = getSTime(time);
  time.tscStamp = pcpuTsc(time);
  time.stimeStamp = stime;
  publishVcpuTimeInfo(mem, vcpuTimeInfoMa(v.domain, v.id), {
    tscTimestamp: time.tscStamp,
    systemTime: time.stimeStamp,
    mul: time.scale.mul,
    shift: time.scale.shift,
    flags: XEN_PVCLOCK_TSC_STABLE_BIT,
  });
}

/**
 * What schedule() does for time when `next` gets the pCPU (a switch from another vCPU): the
 * pCPU's TSC carries on from where the last vCPU left it, and `next` gets an up-to-date time
 * base. The same vCPU running on is left alone, as Xen's continue_running is.
 */
export function scheduleTime(time: XenTime, mem: PhysMemory, next: Vcpu): void {
  if (time.current === next) return;
  time.tsc = pcpuTsc(time);
  setTsc(next.cpu, time.tsc);
  time.current = next;
  updateVcpuSystemTime(time, mem, next);
}

/** A vCPU's TSC reads `tsc` from now on (each vCPU is a whole Cpu with its own counter). */
function setTsc(cpu: Cpu, tsc: number): void {
  cpu.tscOffset = tsc - cpu.instructions;
}

/**
 * update_domain_wallclock_time: publishes the wall clock in `d`'s shared_info with wc_version,
 * the same odd/even protocol as vcpu_time_info.
 */
export function updateDomainWallclockTime(time: XenTime, mem: PhysMemory, d: Domain): void {
  const si = sharedInfoMa(d);
  const version = versionUpdateBegin(mem.read32(si + SHARED_INFO.wc_version));
  mem.write32(si + SHARED_INFO.wc_version, version);
  mem.write32(si + SHARED_INFO.wc_sec, time.wcSec);
  mem.write32(si + SHARED_INFO.wc_nsec, time.wcNsec);
  mem.write32(si + SHARED_INFO.wc_version, versionUpdateEnd(version));
}

/**
 * do_settime: the clock reads `secs`.`nsecs` (since 1970) at system time `systemTime`, so the
 * wall clock at system time 0 is that minus `systemTime`. Every live domain sees it.
 */
export function doSettime(
  time: XenTime,
  mem: PhysMemory,
  domains: Iterable<Domain>,
  secs: number,
  nsecs: number,
  systemTime: number,
): void {
  // Xen's arithmetic is unsigned 64-bit and wc_sec is 32 bits wide: a time before the epoch
  // wraps rather than failing, as it does in Xen.
  const ns = BigInt(NS_PER_SEC);
  const at0 = BigInt.asUintN(64, BigInt(secs) * ns + BigInt(nsecs) - BigInt(systemTime));
  time.wcSec = Number(BigInt.asUintN(32, at0 / ns));
  time.wcNsec = Number(at0 % ns);
  // A destroyed domain's shared_info frame is back in the heap, perhaps another domain's now.
  for (const d of domains) {
    if (d.sharedInfoMfn >= 0 && !d.destroyed) updateDomainWallclockTime(time, mem, d);
  }
}

/** Time reaches each new domain's wall clock and each vCPU as it gets the pCPU. */
export const TIME_MECHANISM: Mechanism = {
  name: 'time',
  // Setting vCPU 0's context gives the domain the wall clock (arch_set_info_guest).
  domainBuilt: (xen, d) => updateDomainWallclockTime(xen.time, xen.mem, d),
  vcpuSwitchIn: (xen, v) => scheduleTime(xen.time, xen.mem, v),
};
