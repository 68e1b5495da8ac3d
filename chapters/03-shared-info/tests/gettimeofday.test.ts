// 03-gettimeofday: the book's exercise 3.4 — the time of day in a guest: the wall clock from
// shared_info (wc_version loop) plus system time (book §3.4). dom0 sets the time from the seed.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { runSwitchedAtRandom, type TimeWorld, timeWorld } from './fixtures.ts';

const fuel = EXERCISES.find((e) => e.id === '03-gettimeofday')!.fuel;
const NS = 1_000_000_000n;
const LABEL = 'Time of day:     ';

/** Each "Time of day" the guest printed, as ns since 1970, with Xen's time of day then. */
function readings(world: TimeWorld, domid: number) {
  const out: { printed: bigint; truth: bigint; text: string }[] = [];
  const writes = world.writes.filter((w) => w.domid === domid);
  writes.forEach((w, i) => {
    if (w.text !== LABEL) return;
    const text = writes
      .slice(i + 1, i + 4)
      .map((x) => x.text)
      .join('');
    const m = /^(\d+)\.(\d{6})$/.exec(text);
    out.push({
      printed: m === null ? -1n : BigInt(m[1]!) * NS + BigInt(m[2]!) * 1000n,
      truth: writes[i + 1]?.timeOfDay ?? 0n,
      text,
    });
  });
  return out;
}

function check(reading: { printed: bigint; truth: bigint; text: string }, what: string) {
  const late = reading.truth - reading.printed;
  expect(
    late >= 0n && late <= 20_000n,
    `${what}: the guest printed ${JSON.stringify(reading.text)}; Xen’s time of day was ` +
      `${reading.truth / NS}.${(reading.truth % NS).toString().padStart(9, '0')} as it printed ` +
      '(it may lag by at most 20 µs): add wc_sec.wc_nsec to the system time (book §3.4)',
  ).toBe(true);
}

describe('03-gettimeofday', () => {
  test('the time of day is the wall clock dom0 set plus system time, within 20 µs', () => {
    const rng = testRng('03-gettimeofday/settime');
    const world = timeWorld(import.meta.url);
    runDomains(world.xen, 1 + rng.below(1_000_000));
    world.toolstack.setWallclock(1_000_000_000 + rng.below(3_000_000_000), rng.below(1e9));
    const d = world.start('gettimeofday.asm');
    runSwitchedAtRandom(world.toolstack, [d], rng, fuel);
    const got = readings(world, d.domid);
    expect(got.length, `three readings expected; ${world.story(d)}`).toBe(3);
    for (const r of got) check(r, 'time of day');
  });

  test('when dom0 sets the time while the guest runs, its next reading follows', () => {
    const rng = testRng('03-gettimeofday/reset');
    const world = timeWorld(import.meta.url);
    const secs = 1_000_000_000 + rng.below(1_000_000_000);
    world.toolstack.setWallclock(secs, rng.below(1e9));
    const d = world.start('gettimeofday.asm');
    // Run until the first reading is out (within the fuel), then move the clock by a seeded amount.
    for (let spent = 0; spent < fuel && readings(world, d.domid).length < 1; spent += 500) {
      if (d.shutdownReason >= 0) break;
      runDomains(world.xen, 500);
    }
    expect(
      readings(world, d.domid).length,
      `a first reading expected; ${world.story(d)}`,
    ).toBeGreaterThan(0);
    const jump = 3600 + rng.below(86_400 * 365);
    world.toolstack.setWallclock(secs + jump, rng.below(1e9));
    runDomains(world.xen, fuel);
    const got = readings(world, d.domid);
    expect(got.length, `three readings expected; ${world.story(d)}`).toBe(3);
    check(got[1]!, `after dom0 moved the clock by ${jump} s`);
    check(got[2]!, 'third reading');
  });
});
