// 03-gettimeofday: the book's exercise 3.4 — the time of day in a guest: the wall clock from
// shared_info (wc_version loop) plus system time (book §3.4). dom0 sets the time from the seed.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, type Prng } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { SHARED_INFO } from '../src/xen/abi.ts';
import type { Domain } from '../src/xen/domain.ts';
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

/**
 * Writes the wall clock into `d`'s shared_info as Xen on another pCPU would (wc_version odd,
 * the fields, then `version`), and makes it Xen's time of day when `version` is even.
 */
function writeWallclock(world: TimeWorld, d: Domain, sec: number, nsec: number, version: number) {
  const si = d.sharedInfoMfn * PAGE_SIZE;
  world.xen.mem.write32(si + SHARED_INFO.wc_version, version | 1);
  world.xen.mem.write32(si + SHARED_INFO.wc_sec, sec);
  world.xen.mem.write32(si + SHARED_INFO.wc_nsec, nsec);
  world.xen.mem.write32(si + SHARED_INFO.wc_version, version);
  if (version % 2 === 0) {
    world.xen.time.wcSec = sec;
    world.xen.time.wcNsec = nsec;
  }
}

/** Starts gettimeofday and runs it until it is `extra` instructions into its first time of day. */
function untilFirstTimeOfDay(world: TimeWorld, d: Domain, extra: number, each: () => void) {
  let after = 0;
  for (let i = 0; i < fuel && after < extra; i++) {
    each();
    runDomains(world.xen, 1);
    if (world.console(d).includes(LABEL)) after++;
  }
}

const wcVersion = (world: TimeWorld, d: Domain) =>
  world.xen.mem.read32(d.sharedInfoMfn * PAGE_SIZE + SHARED_INFO.wc_version) >>> 0;

const randomSec = (rng: Prng) => 1_000_000_000 + rng.below(3_000_000_000);

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

  test('carries from wc_nsec plus system time into the high half', () => {
    const rng = testRng('03-gettimeofday/carry');
    const world = timeWorld(import.meta.url);
    // System time just under a multiple of 2^32 ns, so its low half plus wc_nsec overflows.
    world.xen.time.stimeStamp = 2 ** 32 * (1 + rng.below(200)) - 2 ** 29;
    const d = world.start('gettimeofday.asm');
    runDomains(world.xen, 1);
    writeWallclock(
      world,
      d,
      randomSec(rng),
      600_000_000 + rng.below(399_999_999),
      wcVersion(world, d) + 2,
    );
    runDomains(world.xen, fuel);
    const got = readings(world, d.domid);
    expect(got.length, `three readings expected; ${world.story(d)}`).toBe(3);
    check(
      got[0]!,
      'system time is just under a multiple of 2^32 ns and wc_nsec is over 0.6 s, so their sum ' +
        'carries into the high half (adc) before the division by 10^9',
    );
  });

  test('waits while wc_version is odd: Xen on another pCPU is setting the clock', () => {
    const rng = testRng('03-gettimeofday/odd');
    const world = timeWorld(import.meta.url);
    const d = world.start('gettimeofday.asm');
    runDomains(world.xen, 1);
    const version = wcVersion(world, d);
    const sec = randomSec(rng);
    // Mid-update: wc_version odd, wc_sec and wc_nsec garbage, for a while.
    writeWallclock(world, d, sec + 1 + rng.below(1_000_000), rng.below(1e9), version + 1);
    untilFirstTimeOfDay(world, d, 200 + rng.below(200), () => {});
    writeWallclock(world, d, sec, rng.below(1e9), version + 2);
    runDomains(world.xen, fuel);
    const got = readings(world, d.domid);
    expect(got.length, `three readings expected; ${world.story(d)}`).toBe(3);
    check(
      got[0]!,
      'Xen left wc_version odd and the fields half-written while the guest began to read: ' +
        'while wc_version is odd the reader must spin, then read the finished clock',
    );
  });

  test('reads again when wc_version changed while it read', () => {
    const rng = testRng('03-gettimeofday/changed');
    const world = timeWorld(import.meta.url);
    const d = world.start('gettimeofday.asm');
    runDomains(world.xen, 1);
    let version = wcVersion(world, d);
    const sec = randomSec(rng);
    // Xen sets the clock between every two guest instructions, each time to another time of
    // day, until the guest is well into its first reading: only a re-check of wc_version after
    // the fields can tell.
    untilFirstTimeOfDay(world, d, 40 + rng.below(60), () => {
      version += 2;
      writeWallclock(world, d, sec + 1000 * (1 + rng.below(100_000)), rng.below(1e9), version);
    });
    writeWallclock(world, d, sec, rng.below(1e9), version + 2);
    runDomains(world.xen, fuel);
    const got = readings(world, d.domid);
    expect(got.length, `three readings expected; ${world.story(d)}`).toBe(3);
    check(
      got[0]!,
      'Xen rewrote the wall clock (wc_version +2 each time) between the guest’s instructions ' +
        'while it read: compare wc_version after reading with the one before, and read again ' +
        'when they differ',
    );
  });
});
