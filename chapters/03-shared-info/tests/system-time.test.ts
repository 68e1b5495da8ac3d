// 03-system-time: the guest's reading of Xen system time (lib/time.asm get_system_time): the
// version loop, the TSC and the scale (book §3.3–3.4). Several guests are switched at
// instruction boundaries drawn from the seed; the TSC scale comes from the seed too.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { runSwitchedAtRandom, timeWorld } from './fixtures.ts';

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
});
