// 03-wallclock: the wall clock in shared_info (wc_version, wc_sec, wc_nsec), published with the
// same version protocol when a domain is built and whenever dom0 sets the time (book §3.3).

import { describe, expect, test } from 'vitest';
import { minimalKernel } from '../../testing/elf.ts';
import { testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { SHARED_INFO } from '../src/xen/abi.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { sharedInfoMa } from '../src/xen/shared-info.ts';
import { getSTime } from '../src/xen/time.ts';
import { Xen } from '../src/xen/xen.ts';
import { recordStores, tornRead, WatchedMemory } from './fixtures.ts';

const WALLCLOCK_BYTES = 12; // wc_version, wc_sec, wc_nsec

function world(domains: number) {
  const xen = new Xen(new WatchedMemory(96 << 20));
  const toolstack = new Toolstack(xen);
  const list = Array.from({ length: domains }, (_, i) =>
    toolstack.create(minimalKernel(), { name: `d${i}`, memoryMiB: 8, cmdline: '' }),
  );
  for (const d of list) toolstack.start(d);
  return { xen, toolstack, mem: xen.mem as WatchedMemory, domains: list };
}

const NS = 1_000_000_000n;

describe('03-wallclock', () => {
  test('dom0 setting the time gives every domain the time of day at system time 0', () => {
    const rng = testRng('03-wallclock/settime');
    const { xen, toolstack, mem, domains } = world(3);
    for (let n = 0; n < 10; n++) {
      runDomains(xen, 1 + rng.below(50_000));
      const secs = 1_000_000_000 + rng.below(2_000_000_000);
      const nsecs = rng.below(1_000_000_000);
      const versions = domains.map((d) => mem.read32(sharedInfoMa(d) + SHARED_INFO.wc_version));
      const stime = getSTime(xen.time);
      expect(toolstack.setWallclock(secs, nsecs), 'XENPF_settime64 from dom0').toBe(0);
      const at0 = BigInt(secs) * NS + BigInt(nsecs) - BigInt(stime);
      domains.forEach((d, i) => {
        const si = sharedInfoMa(d);
        expect(
          {
            wc_version: mem.read32(si + SHARED_INFO.wc_version),
            wc_sec: mem.read32(si + SHARED_INFO.wc_sec),
            wc_nsec: mem.read32(si + SHARED_INFO.wc_nsec),
          },
          `the time was set to ${secs}.${nsecs} at system time ${stime} ns: the wall clock ` +
            'is that time minus the system time, and wc_version moves on by 2',
        ).toEqual({
          wc_version: (versions[i]! + 2) >>> 0,
          wc_sec: Number(at0 / NS),
          wc_nsec: Number(at0 % NS),
        });
      });
    }
  });

  test('a domain built after the time was set starts with the wall clock', () => {
    const rng = testRng('03-wallclock/build');
    const { xen, toolstack, mem } = world(1);
    runDomains(xen, 1 + rng.below(50_000));
    const secs = 1_000_000_000 + rng.below(2_000_000_000);
    toolstack.setWallclock(secs, 0);
    const at0 = BigInt(secs) * NS - BigInt(getSTime(xen.time));
    const late = toolstack.create(minimalKernel(), { name: 'late', memoryMiB: 8, cmdline: '' });
    const si = sharedInfoMa(late);
    expect(
      [mem.read32(si + SHARED_INFO.wc_version), mem.read32(si + SHARED_INFO.wc_sec)],
      'building a domain publishes the wall clock in its fresh shared_info (version 0 → 2)',
    ).toEqual([2, Number(at0 / NS)]);
  });

  test('a reader between any two stores never keeps a torn wall clock', () => {
    const rng = testRng('03-wallclock/torn');
    const { xen, toolstack, mem, domains } = world(2);
    for (let n = 0; n < 20; n++) {
      runDomains(xen, 1 + rng.below(10_000));
      const watched = domains[rng.below(domains.length)]!;
      const snapshots = recordStores(
        mem,
        sharedInfoMa(watched) + SHARED_INFO.wc_version,
        WALLCLOCK_BYTES,
      );
      toolstack.setWallclock(1 + rng.below(0x7fffffff), rng.below(1_000_000_000));
      mem.onStore = () => {};
      expect(snapshots.length, 'setting the time stored nothing in shared_info').toBeGreaterThan(1);
      const torn = tornRead(snapshots, 0);
      expect(
        torn,
        `${torn}. Make wc_version odd before wc_sec and wc_nsec change and even after`,
      ).toBeUndefined();
    }
  });
});
