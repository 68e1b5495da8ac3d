// 07-send: EVTCHNOP_send (book §7.6). Interdomain: the peer's port is raised, on the peer's
// vCPU; IPI: the port itself; unbound: dropped without error; any other port, a closed one,
// a VIRQ, one past the allocated buckets: -EINVAL, and nothing changes anywhere.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_virq,
  NR_EVENT_CHANNELS,
  VIRQ_TIMER,
} from '../src/xen/abi.ts';
import { EINVAL } from '../src/xen/errno.ts';
import { connected, world } from './fixtures.ts';

describe('07-send', () => {
  test('an interdomain send raises the peer’s port, not the sender’s', () => {
    const w = connected();
    w.b.vcpus[0]!.blocked = true;
    expect(w.send(w.a, w.aport), 'send on a connected port').toBe(0);
    expect(w.pending(w.b, w.bport), `the peer’s port ${w.bport} is pending`).toBe(1);
    expect([w.selector(w.b), w.upcallPending(w.b)]).toEqual([(1 << (w.bport >>> 5)) >>> 0, 1]);
    expect(w.b.vcpus[0]!.blocked, 'the peer’s vCPU is woken').toBe(false);
    expect(w.pending(w.a, w.aport), 'the sender’s own port stays quiet').toBe(0);
    expect(w.send(w.b, w.bport), 'and back').toBe(0);
    expect(w.pending(w.a, w.aport)).toBe(1);
    const ipi = w.op(w.a, EVTCHNOP_bind_ipi, [0, 0]).out[1]!;
    expect(w.send(w.a, ipi), 'and an IPI port of the same domain').toBe(0);
    expect(w.pending(w.a, ipi), 'which raises itself').toBe(1);
  });

  test('an IPI port raises itself', () => {
    const w = world(1);
    const d = w.domains[0]!;
    const r = w.op(d, EVTCHNOP_bind_ipi, [0, 0]);
    expect(r.rc).toBe(0);
    expect(w.send(d, r.out[1]!)).toBe(0);
    expect(w.pending(d, r.out[1]!)).toBe(1);
  });

  test('an unbound port drops the notification and says 0', () => {
    const w = world(2);
    const [a, b] = w.domains as [(typeof w.domains)[0], (typeof w.domains)[0]];
    const port = w.allocUnbound(a, b!.domid).port;
    const before = [w.bits(a), w.bits(b!)];
    expect(w.send(a, port), 'nobody listens yet: not an error').toBe(0);
    expect([w.bits(a), w.bits(b!)], 'and no bit anywhere changed').toEqual(before);
  });

  test('closed, VIRQ, out-of-range ports are -EINVAL and change nothing', () => {
    const rng = testRng('07-send/refused');
    const w = connected();
    const virq = w.op(w.a, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).out[2]!;
    const free = 2 + rng.below(60);
    const cases = [
      [free === w.aport || free === virq ? 63 : free, 'a free port'],
      [0, 'the reserved port 0'],
      [virq, 'a VIRQ port (Xen raises those)'],
      [64 + rng.below(NR_EVENT_CHANNELS - 64), 'a port past the allocated bucket'],
      [NR_EVENT_CHANNELS + rng.below(1000), 'a port past NR_EVENT_CHANNELS'],
      [0xffffffff, 'port 0xffffffff'],
    ] as const;
    for (const [port, what] of cases) {
      const before = [w.bits(w.a), w.bits(w.b)];
      expect(w.send(w.a, port), `send on ${what} (${port})`).toBe(-EINVAL);
      expect([w.bits(w.a), w.bits(w.b)], `send on ${what} changed some bit`).toEqual(before);
    }
  });
});
