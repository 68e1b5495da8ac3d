// 02-sched-op: sched_op(cmd, arg) — yield, block, shutdown and its variants (book §2.7). The
// handler is called directly; its argument structures sit in pages the test maps.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  SCHEDOP_block,
  SCHEDOP_poll,
  SCHEDOP_remote_shutdown,
  SCHEDOP_shutdown,
  SCHEDOP_shutdown_code,
  SCHEDOP_watchdog,
  SCHEDOP_yield,
  SHUTDOWN_NAMES,
} from '../src/xen/abi.ts';
import { Domain } from '../src/xen/domain.ts';
import { EFAULT, ENOSYS, EPERM, ESRCH } from '../src/xen/errno.ts';
import { doSchedOp } from '../src/xen/sched.ts';
import { randomPageVa, testGuest } from './fixtures.ts';

type Guest = ReturnType<typeof testGuest>;
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;
const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];

const schedOp = (g: Guest, cmd: number, arg: number) =>
  doSchedOp(g.ctx, new Uint32Array([cmd, arg, 0, 0, 0, 0]));

/** Maps a page at a random address and puts `bytes` somewhere in it; returns the address. */
function struct(g: Guest, rng: ReturnType<typeof testRng>, bytes: number[]): number {
  const page = randomPageVa(rng);
  g.map(page);
  const va = page + 4 * rng.below((PAGE_SIZE - bytes.length) / 4);
  g.poke(va, bytes);
  return va;
}

const upcallByte = (g: Guest, offset: number) =>
  g.xen.mem.read8(g.domain.sharedInfoMfn * PAGE_SIZE + offset);

describe('02-sched-op', () => {
  test('SCHEDOP_shutdown reads the reason from struct sched_shutdown and shuts down', () => {
    const rng = testRng('02-sched-op/shutdown');
    for (let i = 0; i < 6; i++) {
      const g = testGuest();
      const reason = rng.below(SHUTDOWN_NAMES.length);
      const va = struct(g, rng, le32(reason));
      expect(schedOp(g, SCHEDOP_shutdown, va), 'SCHEDOP_shutdown returns 0').toBe(0);
      expect(
        g.domain.shutdownReason,
        `sched_op(SCHEDOP_shutdown, ${hex(va)}) where ${hex(va)} holds reason ${reason} ` +
          `(${SHUTDOWN_NAMES[reason]}): the argument is a POINTER to the reason; read it from ` +
          'guest memory and call ctx.xen.shutdownDomain (book §2.7)',
      ).toBe(reason);
    }
  });

  test('SCHEDOP_shutdown keeps the low byte of the reason, as Xen does', () => {
    const rng = testRng('02-sched-op/reason-byte');
    const g = testGuest();
    const reason = (rng.nextU32() & ~0xff) | rng.below(5) | 0x100;
    schedOp(g, SCHEDOP_shutdown, struct(g, rng, le32(reason)));
    expect(g.domain.shutdownReason, `reason ${hex(reason)} is recorded as its low byte`).toBe(
      reason & 0xff,
    );
  });

  test('SCHEDOP_shutdown with a bad pointer answers -EFAULT and leaves the domain alone', () => {
    const rng = testRng('02-sched-op/efault');
    const g = testGuest();
    const va = randomPageVa(rng);
    expect(schedOp(g, SCHEDOP_shutdown, va), `${hex(va)} is not mapped: -EFAULT`).toBe(-EFAULT);
    expect(g.domain.shutdownReason, 'nothing may change when the argument is bad').toBe(-1);
    expect(schedOp(g, SCHEDOP_shutdown_code, va), 'shutdown_code too: -EFAULT').toBe(-EFAULT);
  });

  test('SCHEDOP_shutdown_code records a reason without shutting down', () => {
    const rng = testRng('02-sched-op/shutdown-code');
    const g = testGuest();
    const reason = rng.below(5);
    expect(schedOp(g, SCHEDOP_shutdown_code, struct(g, rng, le32(reason)))).toBe(0);
    expect(g.domain.shutdownCode, 'SCHEDOP_shutdown_code stores the reason in shutdownCode').toBe(
      reason,
    );
    expect(g.domain.shutdownReason, 'the domain keeps running: no shutdown yet').toBe(-1);
  });

  test('SCHEDOP_shutdown_code: the first code recorded sticks', () => {
    const rng = testRng('02-sched-op/shutdown-code-sticks');
    const g = testGuest();
    const first = rng.below(5);
    const later = (first + 1 + rng.below(4)) % 5;
    expect(schedOp(g, SCHEDOP_shutdown_code, struct(g, rng, le32(first)))).toBe(0);
    expect(
      schedOp(g, SCHEDOP_shutdown_code, struct(g, rng, le32(later))),
      'a second SCHEDOP_shutdown_code still returns 0',
    ).toBe(0);
    expect(
      g.domain.shutdownCode,
      `after shutdown_code(${SHUTDOWN_NAMES[first]}) then shutdown_code(${SHUTDOWN_NAMES[later]}) ` +
        'the first code stays: Xen records a shutdown code only while none is set (book §2.7)',
    ).toBe(first);
  });

  test('SCHEDOP_yield gives up the time slice; SCHEDOP_block unmasks events and sleeps', () => {
    const g = testGuest();
    expect(schedOp(g, SCHEDOP_yield, 0), 'yield returns 0').toBe(0);
    expect(g.vcpu.yielded, 'SCHEDOP_yield marks the vCPU as having yielded').toBe(true);
    expect(schedOp(g, SCHEDOP_block, 0), 'block returns 0').toBe(0);
    expect(
      [upcallByte(g, 1), g.vcpu.blocked],
      'SCHEDOP_block clears vcpu_info.evtchn_upcall_mask (byte 1) and, with nothing pending, ' +
        'blocks the vCPU: both in one call, so no event can slip in between (book §2.4)',
    ).toEqual([0, true]);
    const pending = testGuest();
    pending.xen.mem.write8(pending.domain.sharedInfoMfn * PAGE_SIZE, 1);
    schedOp(pending, SCHEDOP_block, 0);
    expect(
      [upcallByte(pending, 1), pending.vcpu.blocked],
      'with evtchn_upcall_pending already set, SCHEDOP_block unmasks but does not sleep',
    ).toEqual([0, false]);
  });

  test('SCHEDOP_remote_shutdown lets a privileged domain shut down another', () => {
    const rng = testRng('02-sched-op/remote');
    const g = testGuest(1, true);
    const targetId = 2 + rng.below(100);
    const target = new Domain(targetId, 'target', false, new Uint8Array(16));
    g.xen.domains.set(targetId, target);
    const reason = rng.below(5);
    // struct sched_remote_shutdown { domid_t domain_id; uint32 reason } : id @0, reason @4;
    // bytes 2–3 are padding, and a guest may leave anything there.
    const op = [
      targetId & 0xff,
      targetId >>> 8,
      1 + rng.below(255),
      rng.below(256),
      ...le32(reason),
    ];
    expect(schedOp(g, SCHEDOP_remote_shutdown, struct(g, rng, op)), 'returns 0').toBe(0);
    expect(
      target.shutdownReason,
      `domain ${targetId} is shut down with reason ${reason}, read at offset 4 of the struct`,
    ).toBe(reason);
    expect(g.domain.shutdownReason, 'the caller itself keeps running').toBe(-1);

    const missing = [targetId + 1, 0, 0, 0, ...le32(reason)];
    missing[1] = (targetId + 1) >>> 8;
    expect(
      schedOp(g, SCHEDOP_remote_shutdown, struct(g, rng, missing)),
      'no such domain: -ESRCH',
    ).toBe(-ESRCH);

    const u = testGuest(1, false);
    u.xen.domains.set(targetId, new Domain(targetId, 'target', false, new Uint8Array(16)));
    expect(
      schedOp(u, SCHEDOP_remote_shutdown, struct(u, rng, op)),
      'an unprivileged domain may not shut down another: -EPERM',
    ).toBe(-EPERM);
    expect(
      schedOp(u, SCHEDOP_remote_shutdown, struct(u, rng, missing)),
      'Xen looks the domain up before it checks privilege: a domain that does not exist is ' +
        '-ESRCH for an unprivileged caller too',
    ).toBe(-ESRCH);
  });

  test('answers -ENOSYS for commands it does not implement', () => {
    const rng = testRng('02-sched-op/enosys');
    const g = testGuest();
    const cmds = [
      SCHEDOP_poll,
      SCHEDOP_watchdog,
      ...Array.from({ length: 6 }, () => 7 + rng.below(1000)),
    ];
    for (const cmd of cmds) {
      expect(schedOp(g, cmd, 0), `sched_op command ${cmd} is not implemented: -ENOSYS`).toBe(
        -ENOSYS,
      );
    }
    expect(g.domain.shutdownReason, 'and nothing happened').toBe(-1);
  });
});
