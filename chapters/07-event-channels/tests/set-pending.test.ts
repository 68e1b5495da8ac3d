// 07-set-pending: Xen raising a port through the 2-level ABI (book §7.1, §7.8): the pending bit, the
// selector bit and upcall_pending, each on an edge only; a masked port stops at its pending
// bit; the vCPU wakes on the upcall. Then a seeded storm over several domains against a model
// of a guest that takes its events by the book: none lost, none delivered while masked.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  __HYPERVISOR_sched_op,
  EVTCHNOP_unmask,
  NR_EVENT_CHANNELS,
  SCHEDOP_poll,
} from '../src/xen/abi.ts';
import { evtchn2lSetPending } from '../src/xen/event-2l.ts';
import { OP, world } from './fixtures.ts';

describe('07-set-pending', () => {
  test('a first notification sets pending, the selector bit, upcall_pending, and wakes', () => {
    const rng = testRng('07-set-pending/first');
    for (let i = 0; i < 8; i++) {
      const w = world(1);
      const d = w.domains[0]!;
      const v = d.vcpus[0]!;
      const port = 1 + rng.below(NR_EVENT_CHANNELS - 1);
      v.blocked = true;
      evtchn2lSetPending(w.mem, v, port);
      expect(w.pending(d, port), `evtchn_pending bit of port ${port}`).toBe(1);
      expect(w.selector(d), `evtchn_pending_sel names word ${port >>> 5} (port / 32)`).toBe(
        (1 << (port >>> 5)) >>> 0,
      );
      expect(w.upcallPending(d), 'evtchn_upcall_pending').toBe(1);
      expect(v.blocked, 'the vCPU blocked in SCHEDOP_block is woken (vcpu_kick)').toBe(false);
      // The guest takes the upcall: it clears the flag and the selector, not yet the port.
      w.setSelector(d, 0, 0);
      w.setUpcallPending(d, 0, 0);
      evtchn2lSetPending(w.mem, v, port);
      expect(
        [w.selector(d), w.upcallPending(d)],
        'a second notification while the port is still pending raises nothing (§7.1)',
      ).toEqual([0, 0]);
    }
  });

  test('a port pending already raises nothing: no selector bit, no upcall, no wake-up', () => {
    const rng = testRng('07-set-pending/again');
    const w = world(1);
    const d = w.domains[0]!;
    const v = d.vcpus[0]!;
    const port = 1 + rng.below(NR_EVENT_CHANNELS - 1);
    evtchn2lSetPending(w.mem, v, port);
    // The guest took the upcall and cleared the upper levels, not yet the port's bit.
    w.setSelector(d, 0, 0);
    w.setUpcallPending(d, 0, 0);
    v.blocked = true;
    evtchn2lSetPending(w.mem, v, port);
    expect(
      [w.selector(d), w.upcallPending(d), v.blocked],
      'a notification on a port still pending is no new edge: it merges with the first (§7.1)',
    ).toEqual([0, 0, true]);
  });

  test('a masked port gets its pending bit only, and the vCPU sleeps on', () => {
    const rng = testRng('07-set-pending/masked');
    const w = world(1);
    const d = w.domains[0]!;
    const v = d.vcpus[0]!;
    const port = 1 + rng.below(NR_EVENT_CHANNELS - 1);
    w.setMask(d, port, true);
    v.blocked = true;
    evtchn2lSetPending(w.mem, v, port);
    expect(w.pending(d, port), 'the pending bit is set even when masked').toBe(1);
    expect(
      [w.selector(d), w.upcallPending(d), v.blocked],
      'a masked port raises no selector bit and no upcall, so it wakes nobody',
    ).toEqual([0, 0, true]);
  });

  test('a selector bit set already means the upcall was asked for: no second edge', () => {
    const rng = testRng('07-set-pending/selector');
    const w = world(1);
    const d = w.domains[0]!;
    const v = d.vcpus[0]!;
    const word = rng.below(32);
    // The guest cleared upcall_pending but has not yet swapped the selector out.
    w.setSelector(d, 0, (1 << word) >>> 0);
    w.setUpcallPending(d, 0, 0);
    const port = word * 32 + rng.below(32) || 1;
    evtchn2lSetPending(w.mem, v, port);
    expect(w.pending(d, port)).toBe(1);
    expect(
      w.upcallPending(d),
      'upcall_pending is set only on the selector bit’s edge from 0 to 1; the guest will find ' +
        'the port when it reads the selector it has not read yet',
    ).toBe(0);
  });

  test('a vCPU polling on a port wakes when it goes pending, even masked', () => {
    const rng = testRng('07-set-pending/poll');
    const w = world(1);
    const d = w.domains[0]!;
    const v = d.vcpus[0]!;
    const port = 1 + rng.below(63);
    const other = port === 63 ? 1 : port + 1;
    w.setMask(d, port, true);
    w.setMask(d, other, true);
    // sched_poll at OP: ports → OP + 64 (one port), nr_ports 1, no timeout.
    w.write(d, OP, [OP + 64, 1, 0, 0]);
    w.write(d, OP + 64, [port]);
    expect(w.call(v, __HYPERVISOR_sched_op, [SCHEDOP_poll, OP])).toBe(0);
    expect(v.blocked, 'SCHEDOP_poll put the vCPU to sleep').toBe(true);
    evtchn2lSetPending(w.mem, v, other);
    expect(v.blocked, 'a port it does not poll on leaves it asleep').toBe(true);
    evtchn2lSetPending(w.mem, v, port);
    expect(
      v.blocked,
      'its port went pending: the poller wakes (evtchn_check_pollers), masked or not',
    ).toBe(false);
  });

  test('a seeded storm across domains loses no event and delivers none while masked', () => {
    const rng = testRng('07-set-pending/storm');
    const w = world(3);
    // Ports in four words of the bitmaps; the domains get ports up to 127 (two buckets).
    const ports = [1, 2, 5, 31, 32, 33, 63, 64, 100, 127];
    for (const d of w.domains) {
      for (let p = 1; p <= 127; p++) w.allocUnbound(d, 0);
    }
    // The model: what each domain's guest has yet to receive, and what it received.
    const owed = w.domains.map(() => new Set<number>());
    /** The guest's upcall handler, by the book: top level first, each before the one below. */
    const handle = (i: number) => {
      const d = w.domains[i]!;
      if (w.upcallPending(d) === 0) return;
      w.setUpcallPending(d, 0, 0);
      const sel = w.selector(d);
      w.setSelector(d, 0, 0);
      for (let word = 0; word < 32; word++) {
        if (((sel >>> word) & 1) === 0) continue;
        for (let b = 0; b < 32; b++) {
          const port = word * 32 + b;
          if (w.pending(d, port) === 1 && w.masked(d, port) === 0) {
            w.clearPending(d, port);
            expect(owed[i]!.has(port), `port ${port} of d${d.domid} delivered twice`).toBe(true);
            owed[i]!.delete(port);
          }
        }
      }
    };
    for (let step = 0; step < 2000; step++) {
      const i = rng.below(w.domains.length);
      const d = w.domains[i]!;
      const port = ports[rng.below(ports.length)]!;
      const what = rng.below(10);
      if (what < 6) {
        const before = [w.selector(d), w.upcallPending(d)];
        evtchn2lSetPending(w.mem, d.vcpus[0]!, port);
        owed[i]!.add(port);
        if (w.masked(d, port) === 1) {
          expect(
            [w.selector(d), w.upcallPending(d)],
            `port ${port} of d${d.domid} is masked: raising it touches only its pending bit`,
          ).toEqual(before);
        }
      } else if (what < 7) {
        w.setMask(d, port, true);
      } else if (what < 8) {
        expect(w.op(d, EVTCHNOP_unmask, [port]).rc).toBe(0);
      } else {
        handle(i);
      }
    }
    // Unmask everything and take the last upcalls: every owed event arrives.
    for (const [i, d] of w.domains.entries()) {
      for (const p of ports) expect(w.op(d, EVTCHNOP_unmask, [p]).rc).toBe(0);
      handle(i);
      expect(
        [...owed[i]!],
        `events raised on d${d.domid} that its guest never received: a notification whose ` +
          'selector bit or upcall edge went missing is lost for good (§7.1)',
      ).toEqual([]);
    }
  });
});
