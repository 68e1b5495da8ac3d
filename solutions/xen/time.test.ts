// xenlab: file from 03
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { SHARED_INFO, VCPU_TIME_INFO } from './abi.ts';
import { runDomains } from './schedule.ts';
import { sharedInfoMa, vcpuTimeInfoMa } from './shared-info.ts';
import { minimalKernel } from './testing/boot.ts';
import {
  getSTime,
  publishVcpuTimeInfo,
  read64,
  scaleDelta,
  setTimeScale,
  versionUpdateBegin,
  versionUpdateEnd,
} from './time.ts';
import { Xen } from './xen.ts';

function twoDomains() {
  const xen = new Xen(new PhysMemory(64 << 20));
  const ts = new Toolstack(xen);
  const [a, b] = ['a', 'b'].map((name) => {
    const d = ts.create(minimalKernel(), { name, memoryMiB: 8, cmdline: '' });
    ts.start(d);
    return d;
  });
  return { xen, ts, a: a!, b: b! };
}

describe('the TSC scale (set_time_scale)', () => {
  it('is exact for a 1 GHz TSC and keeps mul in [2^31, 2^32)', () => {
    expect(setTimeScale(1_000_000_000)).toEqual({ mul: 2 ** 31, shift: 1 });
    expect(setTimeScale(2_000_000_000)).toEqual({ mul: 2 ** 31, shift: 0 });
    expect(setTimeScale(3_000_000_000)).toEqual({ mul: Math.floor(2 ** 32 / 1.5), shift: -1 });
    for (const hz of [1e6, 33_333_333, 999_999_999, 1e9 + 1, 2e9 + 1, 7.3e9]) {
      const { mul } = setTimeScale(hz);
      expect(mul).toBeGreaterThanOrEqual(2 ** 31);
      expect(mul).toBeLessThan(2 ** 32);
    }
  });

  it('scales tick counts with a 96-bit product', () => {
    const s = setTimeScale(2_400_000_000);
    const ticks = 2 ** 52 + 12345;
    const exact = ((BigInt(ticks) >> 1n) * BigInt(s.mul)) >> 32n;
    expect(scaleDelta(ticks, s)).toBe(Number(exact));
    expect(scaleDelta(1_000_000, setTimeScale(1_000_000_000))).toBe(1_000_000);
  });
});

describe('the version protocol', () => {
  it('goes odd to begin and two past the start to end, across the 32-bit wrap', () => {
    expect(versionUpdateBegin(4)).toBe(5);
    expect(versionUpdateEnd(5)).toBe(6);
    expect(versionUpdateBegin(5)).toBe(7); // an update interrupted mid-way still ends even
    expect(versionUpdateBegin(0xfffffffe)).toBe(0xffffffff);
    expect(versionUpdateEnd(0xffffffff)).toBe(0);
  });

  it('publishes every field of vcpu_time_info at Xen’s offsets', () => {
    const mem = new PhysMemory(1 << 20);
    const ma = 0x3000 + 32;
    mem.write32(ma, 8);
    const record = {
      tscTimestamp: 2 ** 40 + 7,
      systemTime: 2 ** 33 + 9,
      mul: 0xabcdef12,
      shift: -2,
      flags: 1,
    };
    publishVcpuTimeInfo(mem, ma, record);
    expect(mem.read32(ma + VCPU_TIME_INFO.version)).toBe(10);
    expect(read64(mem, ma + VCPU_TIME_INFO.tsc_timestamp)).toBe(record.tscTimestamp);
    expect(read64(mem, ma + VCPU_TIME_INFO.system_time)).toBe(record.systemTime);
    expect(mem.read32(ma + VCPU_TIME_INFO.tsc_to_system_mul)).toBe(record.mul);
    expect(mem.read8(ma + VCPU_TIME_INFO.tsc_shift)).toBe(0xfe);
    expect(mem.read8(ma + VCPU_TIME_INFO.flags)).toBe(1);
  });
});

describe('system time across vCPU switches', () => {
  it('keeps one TSC for the pCPU and gives each switched-in vCPU a fresh time base', () => {
    const { xen, ts, a, b } = twoDomains();
    ts.pause(b);
    runDomains(xen, 3000);
    ts.unpause(b);
    ts.pause(a);
    runDomains(xen, 500);
    const vb = b.vcpus[0]!;
    expect(xen.time.current).toBe(vb);
    expect(vb.cpu.tscOffset + vb.cpu.instructions).toBe(3500);
    expect(getSTime(xen.time)).toBe(3500);
    const info = vcpuTimeInfoMa(b, 0);
    expect(read64(xen.mem, info + VCPU_TIME_INFO.tsc_timestamp)).toBe(3000);
    expect(read64(xen.mem, info + VCPU_TIME_INFO.system_time)).toBe(3000);
    expect(xen.mem.read32(info + VCPU_TIME_INFO.version)).toBe(2);
  });

  it('leaves a vCPU that keeps the pCPU alone (continue_running)', () => {
    const { xen, ts, a, b } = twoDomains();
    ts.pause(b);
    runDomains(xen, 100_000);
    expect(xen.mem.read32(vcpuTimeInfoMa(a, 0) + VCPU_TIME_INFO.version)).toBe(2);
    expect(getSTime(xen.time)).toBe(100_000);
  });
});

describe('the wall clock (do_settime)', () => {
  it('is the time of day at system time 0, in every domain, and in domains built later', () => {
    const { xen, ts, a, b } = twoDomains();
    runDomains(xen, 12_345);
    expect(ts.setWallclock(1_700_000_000, 500)).toBe(0);
    const c = ts.create(minimalKernel(), { name: 'c', memoryMiB: 8, cmdline: '' });
    for (const d of [a, b, c]) {
      const si = sharedInfoMa(d);
      expect(xen.mem.read32(si + SHARED_INFO.wc_version)).toBe(d === c ? 2 : 4);
      expect(xen.mem.read32(si + SHARED_INFO.wc_sec)).toBe(1_699_999_999);
      expect(xen.mem.read32(si + SHARED_INFO.wc_nsec)).toBe(1e9 + 500 - 12_345);
    }
  });

  it('leaves a destroyed domain’s old shared_info frame alone', () => {
    const { xen, ts, a, b } = twoDomains();
    ts.destroy(a);
    const freed = sharedInfoMa(a);
    const before = xen.mem.readBytes(freed, 4096);
    ts.setWallclock(1_700_000_000, 0);
    expect(xen.mem.readBytes(freed, 4096)).toEqual(before);
    expect(xen.mem.read32(sharedInfoMa(b) + SHARED_INFO.wc_sec)).toBe(1_700_000_000);
  });

  it('wraps a time before the epoch as Xen’s unsigned arithmetic does, without failing', () => {
    const { xen, ts, a } = twoDomains();
    runDomains(xen, 2_000_000_000 % 1_000_003);
    expect(ts.setWallclock(0, 0)).toBe(0);
    const si = sharedInfoMa(a);
    const at0 = BigInt.asUintN(64, -BigInt(getSTime(xen.time)));
    expect(xen.mem.read32(si + SHARED_INFO.wc_nsec)).toBe(Number(at0 % 1_000_000_000n));
  });
});
