// 07-set-timer: set_timer_op (book §7.9): the single-shot timer's deadline, its cancellation,
// Xen's fix for deadlines that wrapped; then the timer guest, which sleeps in SCHEDOP_block
// and must wake at each deadline it set, without spending instructions asleep.

import { describe, expect, test } from 'vitest';
import { PhysMemory } from '../../../sim/host.ts';
import { guestSources, testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { buildGuest } from '../src/guests/index.ts';
import { __HYPERVISOR_set_timer_op } from '../src/xen/abi.ts';
import { RunOutcome, runDomains } from '../src/xen/schedule.ts';
import { getSTime } from '../src/xen/time.ts';
import { vcpuTimers } from '../src/xen/timer.ts';
import { Xen } from '../src/xen/xen.ts';
import { world } from './fixtures.ts';

const fuel = EXERCISES.find((e) => e.id === '07-set-timer')!.fuel;
const MS_100 = 100_000_000;

describe('07-set-timer', () => {
  test('the deadline is absolute system time, EBX low and ECX high; 0 stops the timer', () => {
    const rng = testRng('07-set-timer/deadline');
    const w = world(1);
    const v = w.domains[0]!.vcpus[0]!;
    w.xen.time.tsc = rng.below(2 ** 30);
    const now = getSTime(w.xen.time);
    const timer = vcpuTimers(v).singleshot;
    for (let i = 0; i < 5; i++) {
      const deadline = now + 1 + rng.below(2 ** 20) * 2 ** rng.below(24);
      const lo = deadline % 2 ** 32;
      const hi = Math.floor(deadline / 2 ** 32);
      expect(w.call(v, __HYPERVISOR_set_timer_op, [lo, hi]), 'set_timer_op returns 0').toBe(0);
      expect(timer.expires, `set_timer_op(${deadline} ns): the timer’s deadline`).toBe(deadline);
    }
    const past = Math.max(1, now - rng.below(1000));
    expect(w.call(v, __HYPERVISOR_set_timer_op, [past, 0])).toBe(0);
    expect(timer.expires, 'a deadline already passed is kept: it fires at once').toBe(past);
    expect(w.call(v, __HYPERVISOR_set_timer_op, [0, 0])).toBe(0);
    expect(timer.expires, 'a timeout of 0 stops the timer (expires −1)').toBe(-1);
  });

  test('a negative or absurdly far deadline fires in 100 ms instead', () => {
    const rng = testRng('07-set-timer/wrapped');
    const w = world(1);
    const v = w.domains[0]!.vcpus[0]!;
    w.xen.time.tsc = rng.below(2 ** 30);
    const now = getSTime(w.xen.time);
    const timer = vcpuTimers(v).singleshot;
    expect(w.call(v, __HYPERVISOR_set_timer_op, [rng.nextU32(), 0x80000000 | rng.nextU32()])).toBe(
      0,
    );
    expect(timer.expires, 'a deadline with bit 63 set (negative): now + 100 ms').toBe(now + MS_100);
    const far = now + 2 ** 50 + 1 + rng.below(2 ** 20);
    expect(w.call(v, __HYPERVISOR_set_timer_op, [far % 2 ** 32, Math.floor(far / 2 ** 32)])).toBe(
      0,
    );
    expect(timer.expires, 'a deadline more than 2^50 ns ahead: now + 100 ms').toBe(now + MS_100);
    const near = now + 2 ** 50;
    expect(w.call(v, __HYPERVISOR_set_timer_op, [near % 2 ** 32, Math.floor(near / 2 ** 32)])).toBe(
      0,
    );
    expect(timer.expires, 'exactly 2^50 ns ahead is still taken as it is').toBe(near);
  });

  test('the timer guest wakes at each deadline, and sleeping costs no instructions', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const image = buildGuest('timer.asm', guestSources(import.meta.url));
    const d = xen.createDomain(image, { name: 'timer', memoryMiB: 8, cmdline: '' }).domain;
    xen.unpauseDomain(d);
    const result = runDomains(xen, fuel);
    const text = xen.consoleOutput.get(d.domid) ?? '';
    const lines = text.split('\r\n').filter((l) => l.startsWith('woke'));
    expect(lines, `five wake-ups; the console said:\n${text}`).toHaveLength(5);
    const ns = (s: string) => Math.round(Number(s) * 1e9);
    for (const line of lines) {
      const [, woke, deadline] = line.match(/^woke at (\d+\.\d+) s, deadline (\d+\.\d+) s$/) ?? [];
      const late = ns(woke ?? 'NaN') - ns(deadline ?? 'NaN');
      expect(
        late >= 0 && late < 200,
        `"${line}": the handler runs a few dozen instructions after the deadline, not before ` +
          'it and not a time slice later',
      ).toBe(true);
    }
    expect(result.outcome, 'then nothing is left to run').toBe(RunOutcome.Idle);
    expect(
      result.instructions,
      'five sleeps of 1 ms would be 5,000,000 instructions if blocking cost fuel',
    ).toBeLessThan(200_000);
  });
});
