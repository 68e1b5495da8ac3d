// 03-system-time: the guest's reading of Xen system time (lib/time.asm get_system_time): the
// version loop, the TSC and the scale (book §3.3–3.4). Several guests are switched at
// instruction boundaries drawn from the seed; the TSC scale comes from the seed too.

import { describe, expect, test } from 'vitest';
import type { Prng } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { VCPU_TIME_INFO } from '../src/xen/abi.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { vcpuTimeInfoMa } from '../src/xen/shared-info.ts';
import { pcpuTsc } from '../src/xen/time.ts';
import { runSwitchedAtRandom, type TimeWorld, timeWorld } from './fixtures.ts';

const fuel = EXERCISES.find((e) => e.id === '03-system-time')!.fuel;
const LINE =
  /^read the system time (\d+) times; it went backwards (\d+) times; last reading (\d+)\.(\d{9}) s\r\n$/;
const NS = 1_000_000_000n;

/** The scale Xen would derive for a TSC at `hz` (exact, by the definition of §3.3). */
function scaleFor(hz: bigint) {
  let rate = hz;
  let shift = 0;
  while (rate > 2n * NS) {
    rate >>= 1n;
    shift--;
  }
  while (rate <= NS) {
    rate <<= 1n;
    shift++;
  }
  return { mul: Number((NS << 32n) / rate), shift };
}

const M32 = 0xffffffffn;
const M64 = (1n << 64n) - 1n;

/** A vcpu_time_info record, as the test writes it standing in for Xen on another pCPU. */
interface Record {
  tsc: bigint;
  stime: bigint;
  mul: number;
  shift: number;
}

/** What a correct reader computes from `r` at TSC `tsc`, in 64-bit arithmetic as the guest's. */
function readingAt(r: Record, tsc: bigint): bigint {
  const delta = (tsc - r.tsc) & M64;
  const shifted = r.shift >= 0 ? (delta << BigInt(r.shift)) & M64 : delta >> BigInt(-r.shift);
  return (r.stime + ((shifted * BigInt(r.mul)) >> 32n)) & M64;
}

/**
 * A record whose delta, read at `now` plus up to 2^16 ticks, is over 2^32 once shifted, makes the
 * 64-bit subtraction borrow (the TSC's low half is below the stamp's) and the product's halves
 * carry into each other when summed: every step of get_system_time matters.
 */
function wideRecord(rng: Prng, hz: number, now: bigint): Record {
  const { mul, shift } = scaleFor(BigInt(hz));
  for (;;) {
    const target =
      (BigInt(1 + rng.below(0xff)) << 32n) | BigInt(0x80000000 + rng.below(0x7c000000));
    const delta = shift >= 0 ? target >> BigInt(shift) : target << BigInt(-shift);
    const shifted = shift >= 0 ? delta << BigInt(shift) : target;
    const low = ((shifted & M32) * BigInt(mul)) >> 32n;
    const high = ((shifted >> 32n) * BigInt(mul)) & M32;
    const deltaLow = delta & M32;
    const nowLow = now & M32;
    if (low + high < (1n << 32n) + (1n << 26n)) continue;
    if (deltaLow < nowLow + (1n << 20n) || deltaLow > (1n << 32n) - (1n << 20n)) continue;
    const stime = BigInt(rng.below(2 ** 20)) * 1_000_000n;
    return { tsc: (now - delta) & M64, stime, mul, shift };
  }
}

/** Writes `r` into the vCPU's vcpu_time_info with `version`, as Xen would (version last). */
function writeRecord(world: TimeWorld, ma: number, r: Record, version: number): void {
  const mem = world.xen.mem;
  const put64 = (offset: number, v: bigint) => {
    mem.write32(ma + offset, Number(v & M32));
    mem.write32(ma + offset + 4, Number(v >> 32n));
  };
  mem.write32(ma + VCPU_TIME_INFO.version, version | 1);
  put64(VCPU_TIME_INFO.tsc_timestamp, r.tsc);
  put64(VCPU_TIME_INFO.system_time, r.stime);
  mem.write32(ma + VCPU_TIME_INFO.tsc_to_system_mul, r.mul);
  mem.write8(ma + VCPU_TIME_INFO.tsc_shift, r.shift & 0xff);
  mem.write32(ma + VCPU_TIME_INFO.version, version);
}

/**
 * Boots gettimeofday for one instruction (Xen has published its time once; as the only vCPU it
 * is never switched out again, so Xen leaves its record alone) and moves its TSC to a large
 * value whose low half is small.
 */
function oneReader(rng: Prng) {
  const world = timeWorld(import.meta.url);
  const d = world.start('gettimeofday.asm');
  runDomains(world.xen, 1);
  const v = d.vcpus[0]!;
  const now = (BigInt(1 + rng.below(0xffff)) << 32n) | BigInt(rng.below(1024));
  v.cpu.tscOffset = Number(now) - v.cpu.instructions;
  const ma = vcpuTimeInfoMa(d, 0);
  const version = world.xen.mem.read32(ma + VCPU_TIME_INFO.version) >>> 0;
  return { world, d, ma, version, now, tsc: () => BigInt(pcpuTsc(world.xen.time)) };
}

/** The first "Xen system time" the guest printed, checked against what `r` gives. */
function checkFirstReading(
  world: TimeWorld,
  d: ReturnType<typeof oneReader>['d'],
  r: Record,
  from: bigint,
  to: bigint,
  what: string,
) {
  const line = /Xen system time: (\d+)\.(\d{9}) s\r\n/.exec(world.console(d));
  expect(
    line,
    `the guest should print "Xen system time: S.NNNNNNNNN s"; ${world.story(d)}`,
  ).not.toBeNull();
  const reading = BigInt(line![1]!) * NS + BigInt(line![2]!);
  const low = readingAt(r, from);
  const high = readingAt(r, to);
  expect(
    reading >= low && reading <= high,
    `${what}. The record: tsc_timestamp ${r.tsc}, system_time ${r.stime}, mul ${r.mul}, ` +
      `tsc_shift ${r.shift}; the guest's rdtsc read between ${from} and ${to}, so system time ` +
      `is between ${low} and ${high} ns, but it printed ${reading} ns. Subtract the stamp in 64 ` +
      'bits (sub/sbb), shift by the SIGNED tsc_shift (movsx), and scale both halves of the ' +
      'delta: hi·mul + the high half of lo·mul, with the carry (book §3.3)',
  ).toBe(true);
}

/** TSC frequencies of every shift sign: below 1 GHz (left), 1–2 GHz (none), above 2 GHz (right). */
function everyShift(rng: Prng): number[] {
  return [
    200_000_000 + rng.below(799_999_999),
    1_000_000_001 + rng.below(999_999_999),
    2_000_000_001 + rng.below(2_000_000_000),
  ];
}

describe('03-system-time', () => {
  test('timeloop guests switched at seeded points never see system time go backwards', () => {
    const rng = testRng('03-system-time/switched');
    const world = timeWorld(import.meta.url);
    const guests = [0, 1, 2].map((i) => world.start('timeloop.asm', `timeloop${i}`));
    runSwitchedAtRandom(world.toolstack, guests, rng, fuel * guests.length);
    for (const d of guests) {
      const text = world.console(d);
      const m = LINE.exec(text);
      expect(
        m,
        `timeloop should print its count and last reading; ${world.story(d)}`,
      ).not.toBeNull();
      expect(
        Number(m![2]),
        'readings went backwards: re-read the version after the fields and retry while it is ' +
          'odd or has changed (if 03-publish-time is not done, Xen’s updates can be torn too)',
      ).toBe(0);
      const last = BigInt(m![3]!) * NS + BigInt(m![4]!);
      const firstWrite = world.writes.find((w) => w.domid === d.domid)!;
      expect(last > 0n, 'the last reading is a time after boot').toBe(true);
      expect(
        last <= BigInt(firstWrite.stime),
        `the last reading ${last} ns is later than Xen’s clock (${firstWrite.stime} ns) when ` +
          'the guest began to print it',
      ).toBe(true);
    }
  });

  test('a reading is within 20 µs of Xen’s clock, for a TSC scale drawn from the seed', () => {
    const rng = testRng('03-system-time/scale');
    for (let n = 0; n < 4; n++) {
      const hz = 200_000_000 + rng.below(3_800_000_000);
      const world = timeWorld(import.meta.url);
      // Xen on a host whose TSC runs at hz: system time is TSC ticks scaled for hz.
      world.xen.time.scale = scaleFor(BigInt(hz));
      const d = world.start('gettimeofday.asm');
      runSwitchedAtRandom(world.toolstack, [d], rng, fuel);
      const label = world.writes.findIndex((w) => w.text === 'Xen system time: ');
      const line = /^Xen system time: (\d+)\.(\d{9}) s\r\n/.exec(world.console(d));
      expect(
        line,
        `the guest should print "Xen system time: S.NNNNNNNNN s"; ${world.story(d)}`,
      ).not.toBeNull();
      const reading = BigInt(line![1]!) * NS + BigInt(line![2]!);
      const truth = BigInt(world.writes[label + 1]!.stime);
      expect(
        reading <= truth && truth - reading <= 20_000n,
        `with the TSC at ${hz} Hz (mul ${world.xen.time.scale.mul}, shift ` +
          `${world.xen.time.scale.shift}) the guest read ${reading} ns; Xen’s clock read ` +
          `${truth} ns as it printed: the scaled TSC delta is off (book §3.3)`,
      ).toBe(true);
    }
  });

  test('reads exactly what the record gives, for deltas over 2^32 ticks and every shift sign', () => {
    const rng = testRng('03-system-time/wide');
    for (const hz of everyShift(rng)) {
      const g = oneReader(rng);
      const r = wideRecord(rng, hz, g.now);
      writeRecord(g.world, g.ma, r, g.version + 2);
      const from = g.tsc();
      runDomains(g.world.xen, fuel);
      checkFirstReading(g.world, g.d, r, from, g.tsc(), `TSC at ${hz} Hz`);
    }
  });

  test('waits while the version is odd: Xen on another pCPU is rewriting the record', () => {
    const rng = testRng('03-system-time/odd');
    const g = oneReader(rng);
    const r = wideRecord(rng, everyShift(rng)[rng.below(3)]!, g.now);
    // Mid-update: the version is odd and the fields are half-written garbage.
    writeRecord(
      g.world,
      g.ma,
      { ...r, stime: r.stime + (1n << 45n), tsc: r.tsc ^ 0xffffn },
      g.version + 1,
    );
    runDomains(g.world.xen, 3000 + rng.below(3000));
    writeRecord(g.world, g.ma, r, g.version + 2);
    const from = g.tsc();
    runDomains(g.world.xen, fuel);
    checkFirstReading(
      g.world,
      g.d,
      r,
      from,
      g.tsc(),
      'Xen left vcpu_time_info with an odd version and half-written fields for a while, then ' +
        'finished the update: while the version is odd the reader must spin, not read',
    );
  });

  test('reads again when the version changed while it read', () => {
    const rng = testRng('03-system-time/changed');
    const g = oneReader(rng);
    const records = everyShift(rng).map((hz) => wideRecord(rng, hz, g.now));
    let version = g.version;
    // Xen rewrites the record between every two guest instructions until the guest is well into
    // its first read, each time with another scale and stamp: only a reader that re-checks the
    // version after the fields can tell.
    const label = () => g.world.console(g.d).includes('Xen system time: ');
    let after = 0;
    for (let i = 0; i < 20_000 && after < 40 + rng.below(40); i++) {
      version += 2;
      const r = records[i % records.length]!;
      writeRecord(g.world, g.ma, { ...r, stime: r.stime + BigInt(i) * (1n << 36n) }, version);
      runDomains(g.world.xen, 1);
      if (label()) after++;
    }
    const last = records[0]!;
    writeRecord(g.world, g.ma, last, version + 2);
    const from = g.tsc();
    runDomains(g.world.xen, fuel);
    checkFirstReading(
      g.world,
      g.d,
      last,
      from,
      g.tsc(),
      'Xen rewrote vcpu_time_info (version +2 each time) between the guest’s instructions while ' +
        'it read: a reader must compare the version after reading the fields with the one before, ' +
        'and read again when they differ',
    );
  });
});
