// 03-publish-time: vcpu_time_info published with the version protocol, so that a reader on
// another pCPU never keeps a torn record, and refreshed whenever a vCPU is switched in
// (book §3.3). Records, versions and switch points come from the seed.

import { describe, expect, test } from 'vitest';
import type { Prng } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { VCPU_TIME_INFO, VCPU_TIME_INFO_SIZE } from '../src/xen/abi.ts';
import { vcpuTimeInfoMa } from '../src/xen/shared-info.ts';
import { minimalKernel } from '../src/xen/testing/boot.ts';
import {
  getSTime,
  publishVcpuTimeInfo,
  read64,
  scaleDelta,
  type VcpuTimeRecord,
} from '../src/xen/time.ts';
import { Xen } from '../src/xen/xen.ts';
import { recordStores, runSwitchedAtRandom, tornRead, WatchedMemory } from './fixtures.ts';

const TIME = VCPU_TIME_INFO;

function randomRecord(rng: Prng): VcpuTimeRecord {
  return {
    tscTimestamp: rng.below(0x200000) * 0x100000000 + rng.nextU32(),
    systemTime: rng.below(0x200000) * 0x100000000 + rng.nextU32(),
    mul: 0x80000000 + rng.below(0x80000000),
    shift: rng.below(8) - 4,
    flags: rng.below(2),
  };
}

function readRecord(mem: WatchedMemory, ma: number) {
  return {
    version: mem.read32(ma + TIME.version),
    tscTimestamp: read64(mem, ma + TIME.tsc_timestamp),
    systemTime: read64(mem, ma + TIME.system_time),
    mul: mem.read32(ma + TIME.tsc_to_system_mul),
    shift: (mem.read8(ma + TIME.tsc_shift) << 24) >> 24,
    flags: mem.read8(ma + TIME.flags),
  };
}

/** A vcpu_time_info somewhere in a fresh memory, holding an even version from the seed. */
function timeInfoAt(rng: Prng) {
  const mem = new WatchedMemory(4 << 20);
  const ma = 0x1000 * (1 + rng.below(1000)) + 64 * rng.below(32) + 32;
  mem.write32(ma + TIME.version, 2 * rng.below(0x7fffffff));
  return { mem, ma };
}

describe('03-publish-time', () => {
  test('a reader between any two of Xen’s stores never keeps a torn record', () => {
    const rng = testRng('03-publish-time/torn');
    for (let n = 0; n < 50; n++) {
      const { mem, ma } = timeInfoAt(rng);
      const snapshots = recordStores(mem, ma, VCPU_TIME_INFO_SIZE);
      publishVcpuTimeInfo(mem, ma, randomRecord(rng));
      expect(snapshots.length, 'publishVcpuTimeInfo wrote nothing').toBeGreaterThan(1);
      const torn = tornRead(snapshots, TIME.version);
      expect(
        torn,
        `${torn}. Make the version odd before the first field changes and even after the ` +
          'last (book §3.3)',
      ).toBeUndefined();
    }
  });

  test('after an update the version is even, two past the old one, and the fields are the record', () => {
    const rng = testRng('03-publish-time/fields');
    for (let n = 0; n < 50; n++) {
      const { mem, ma } = timeInfoAt(rng);
      const before = mem.read32(ma + TIME.version);
      const record = randomRecord(rng);
      publishVcpuTimeInfo(mem, ma, record);
      publishVcpuTimeInfo(mem, ma, record);
      expect(
        readRecord(mem, ma),
        'two updates move the version from v to v + 4 (odd during each, even after)',
      ).toEqual({ version: (before + 4) >>> 0, ...record });
    }
  });

  test('vCPUs switched in at seeded points get a fresh time base that extrapolates to Xen’s clock', () => {
    const rng = testRng('03-publish-time/switch');
    const xen = new Xen(new WatchedMemory(96 << 20));
    const toolstack = new Toolstack(xen);
    const domains = Array.from({ length: 3 }, (_, i) => {
      const d = toolstack.create(minimalKernel(), { name: `spin${i}`, memoryMiB: 8, cmdline: '' });
      toolstack.start(d);
      return d;
    });
    const mem = xen.mem as WatchedMemory;
    let previous = domains.map(() => ({ version: 0, systemTime: 0 }));
    for (let round = 0; round < 40; round++) {
      runSwitchedAtRandom(toolstack, domains, rng, 1 + rng.below(2000));
      const running = xen.time.current;
      expect(running, 'Xen records which vCPU is running').not.toBeNull();
      const v = running!;
      const info = readRecord(mem, vcpuTimeInfoMa(v.domain, v.id));
      const tsc = v.cpu.tscOffset + v.cpu.instructions;
      expect(info.version % 2, 'a finished update leaves the version even').toBe(0);
      expect(info.version, 'each switch-in publishes with the version protocol').toBeGreaterThan(0);
      // The virtual clock's truth: every instruction any vCPU retired is a nanosecond.
      const elapsed = domains.reduce((sum, d) => sum + d.vcpus[0]!.cpu.instructions, 0);
      expect(
        info.systemTime + scaleDelta(tsc - info.tscTimestamp, info),
        'system_time + scale(TSC − tsc_timestamp) must be Xen’s system time now: the ns the ' +
          'machine has run since boot',
      ).toBe(elapsed);
      expect(getSTime(xen.time), 'Xen’s own clock').toBe(elapsed);
      const i = domains.indexOf(v.domain);
      expect(info.version, 'the version never goes back').toBeGreaterThanOrEqual(
        previous[i]!.version,
      );
      expect(info.systemTime, 'system_time never goes back').toBeGreaterThanOrEqual(
        previous[i]!.systemTime,
      );
      previous = previous.map((p, n) => (n === i ? info : p));
    }
  });
});
