// 03-time-scale: the 32.32 scale from TSC ticks to nanoseconds, as Xen's set_time_scale derives
// it (book §3.3). Frequencies come from the seed; the expected scale is computed exactly here.

import { describe, expect, test } from 'vitest';
import { PhysMemory, type Prng, TSC_HZ } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { setTimeScale } from '../src/xen/time.ts';
import { Xen } from '../src/xen/xen.ts';

const NS = 1_000_000_000n;

/** The scale by its definition: shift so r = f·2^shift lands in (1e9, 2e9], mul = ⌊1e9·2^32/r⌋. */
function expectedScale(hz: bigint): { mul: number; shift: number } {
  let rate = hz;
  let shift = 0;
  while (rate > 2n * NS) {
    rate >>= 1n; // a right shift drops the low bit, as Xen's does
    shift--;
  }
  while (rate <= NS) {
    rate <<= 1n;
    shift++;
  }
  return { mul: Number((NS << 32n) / rate), shift };
}

/**
 * Rates in (1e9, 2e9] whose exact quotient 1e9·2^32 / rate lies so close below an integer that
 * the same division in floating point (the product 1e9·2^32 is exact in a double, the quotient
 * is rounded to nearest) comes out one too high.
 */
const ROUNDED_UP_RATES = [
  1_523_979_174, 1_003_070_462, 1_012_537_834, 1_014_812_479, 1_026_794_336, 1_042_418_008,
  1_078_739_852, 1_096_048_921, 1_127_241_608, 1_175_823_520,
];

/**
 * Frequencies a TSC may run at: 1 MHz … 10 GHz, the boundaries and odd ones near them, and rates
 * where a floating-point quotient rounds up, reached with every sign of shift (the rate itself;
 * twice or four times it plus low bits the shift drops; an even rate halved).
 */
function frequencies(rng: Prng): number[] {
  const near = [1e9, 2e9, 5e8, 4e9];
  const roundedUp = ROUNDED_UP_RATES.flatMap((rate) => [
    rate,
    rate * 2 + rng.below(2),
    rate * 4 + rng.below(4),
    ...(rate % 4 === 0 ? [rate / 4] : rate % 2 === 0 ? [rate / 2] : []),
  ]);
  return [
    ...near,
    ...near.map((f) => f + 1),
    ...near.map((f) => f - 1),
    ...roundedUp,
    ...Array.from({ length: 200 }, () => 1_000_000 + rng.below(999) * 10_000_000 + rng.below(1e7)),
  ];
}

const scaled = (ticks: bigint, s: { mul: number; shift: number }) =>
  ((s.shift >= 0 ? ticks << BigInt(s.shift) : ticks >> BigInt(-s.shift)) * BigInt(s.mul)) >> 32n;

describe('03-time-scale', () => {
  test('mul and shift are exactly Xen’s for TSC frequencies drawn from the seed', () => {
    for (const hz of frequencies(testRng('03-time-scale/exact'))) {
      const got = setTimeScale(hz);
      const want = expectedScale(BigInt(hz));
      expect(
        got,
        `setTimeScale(${hz}): the shift must bring the rate into (1e9, 2e9] and mul be ` +
          '⌊1e9·2^32 / rate⌋ exactly, an integer division (BigInt): a floating-point quotient ' +
          'is rounded to nearest and can be one too high before any floor (book §3.3)',
      ).toEqual(want);
    }
  });

  test('the scale turns tick counts into nanoseconds, as exact arithmetic does', () => {
    const rng = testRng('03-time-scale/ns');
    for (const hz of frequencies(rng).slice(0, 60)) {
      const s = setTimeScale(hz);
      for (let n = 0; n < 20; n++) {
        const ticks = BigInt(rng.nextU32()) * BigInt(1 + rng.below(0x100000));
        const exactNs = (ticks * NS) / BigInt(hz);
        const error = scaled(ticks, s) - exactNs;
        const off = Number(error < 0n ? -error : error);
        // mul is truncated (under 2^-31 relative) and so is the rate (2^-30), and a negative
        // shift drops a few ticks: a few ns plus a 2^-29 share of the interval.
        const bound = exactNs / (1n << 29n) + 2n + (s.shift < 0 ? BigInt(1 << -s.shift) : 0n);
        expect(
          off,
          `${ticks} ticks at ${hz} Hz are ${exactNs} ns, the scale {mul ${s.mul}, shift ` +
            `${s.shift}} gives ${scaled(ticks, s)}: off by more than ${bound} ns`,
        ).toBeLessThanOrEqual(Number(bound));
      }
    }
  });

  test('Xen scales its own 1 GHz TSC with it', () => {
    const xen = new Xen(new PhysMemory(16 << 20));
    expect(xen.time.scale, `Xen boots with setTimeScale(TSC_HZ = ${TSC_HZ})`).toEqual(
      expectedScale(BigInt(TSC_HZ)),
    );
  });
});
