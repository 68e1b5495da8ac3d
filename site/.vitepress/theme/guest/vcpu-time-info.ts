// The `vcpu-time-info` inspector (chapter 03, book §3.2–3.3): vCPU 0's vcpu_time_info and the
// wall clock as Xen published them in the guest's shared info page, the system time a guest
// computes from them at the vCPU's TSC now, and Xen's own clock beside it.

import { SHARED_INFO, VCPU_TIME_INFO } from '../../../../solutions/xen/abi.ts';
import { sharedInfoMa, vcpuTimeInfoMa } from '../../../../solutions/xen/shared-info.ts';
import { getSTime, read64, scaleDelta } from '../../../../solutions/xen/time.ts';
import { type GuestSession, PvSession } from './session.ts';

/**
 * vCPU 0's vcpu_time_info and the wall clock as Xen published them in shared_info (chapter 03),
 * the system time a guest computes from them at the vCPU's TSC now, and Xen's own clock.
 */
export interface VcpuTimeInfoView {
  version: number;
  tscTimestamp: number;
  systemTime: number;
  mul: number;
  shift: number;
  flags: number;
  /** The vCPU's TSC now. */
  tsc: number;
  /** system_time + scale(TSC − tsc_timestamp), in ns. */
  guestSystemTime: number;
  /** Xen's NOW(), in ns. */
  xenSystemTime: number;
  wcVersion: number;
  wcSec: number;
  wcNsec: number;
  /** The wall clock plus the guest's system time: seconds and ns since 1970. */
  timeOfDaySec: number;
  timeOfDayNsec: number;
}

/** The records of a PV guest's shared info page; null for a guest without one. */
export function vcpuTimeInfo(session: GuestSession): VcpuTimeInfoView | null {
  if (!(session instanceof PvSession)) return null;
  const { domain, xen } = session;
  const mem = xen.mem;
  const time = vcpuTimeInfoMa(domain, 0);
  const si = sharedInfoMa(domain);
  const scale = {
    mul: mem.read32(time + VCPU_TIME_INFO.tsc_to_system_mul),
    shift: (mem.read8(time + VCPU_TIME_INFO.tsc_shift) << 24) >> 24,
  };
  const tscTimestamp = read64(mem, time + VCPU_TIME_INFO.tsc_timestamp);
  const systemTime = read64(mem, time + VCPU_TIME_INFO.system_time);
  const cpu = session.cpu;
  const tsc = cpu.tscOffset + cpu.instructions;
  const guestSystemTime = systemTime + scaleDelta(Math.max(0, tsc - tscTimestamp), scale);
  const wcSec = mem.read32(si + SHARED_INFO.wc_sec);
  const wcNsec = mem.read32(si + SHARED_INFO.wc_nsec);
  const ns = BigInt(wcSec) * 1_000_000_000n + BigInt(wcNsec) + BigInt(guestSystemTime);
  return {
    version: mem.read32(time + VCPU_TIME_INFO.version),
    tscTimestamp,
    systemTime,
    ...scale,
    flags: mem.read8(time + VCPU_TIME_INFO.flags),
    tsc,
    guestSystemTime,
    xenSystemTime: getSTime(xen.time),
    wcVersion: mem.read32(si + SHARED_INFO.wc_version),
    wcSec,
    wcNsec,
    timeOfDaySec: Number(ns / 1_000_000_000n),
    timeOfDayNsec: Number(ns % 1_000_000_000n),
  };
}
