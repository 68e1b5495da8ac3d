// 07-close: EVTCHNOP_close (book §7.6). A closed interdomain port leaves its peer unbound and
// still offered to the closer; a VIRQ can be bound again; the port's pending bit goes; and the
// ports Xen refuses to close.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import {
  EVTCHNOP_bind_ipi,
  EVTCHNOP_bind_virq,
  EVTCHNOP_status,
  EVTCHNSTAT_closed,
  NR_EVENT_CHANNELS,
  VIRQ_TIMER,
} from '../src/xen/abi.ts';
import { EEXIST, EINVAL } from '../src/xen/errno.ts';
import { ECS } from '../src/xen/event-channel.ts';
import { connected, world } from './fixtures.ts';

describe('07-close', () => {
  test('closing one end of a channel leaves the other unbound, offered to the closer', () => {
    const w = connected();
    expect(w.send(w.b, w.bport)).toBe(0);
    expect(w.pending(w.a, w.aport)).toBe(1);
    expect(w.close(w.a, w.aport), 'close').toBe(0);
    expect(w.a.evtchn[w.aport]!.state, 'the closed port is free').toBe(ECS.Free);
    expect(w.pending(w.a, w.aport), 'a closed port forgets its pending bit').toBe(0);
    expect(
      w.b.evtchn[w.bport],
      'the peer’s end is unbound, still reserved for the closer',
    ).toMatchObject({
      state: ECS.Unbound,
      remoteDomid: w.a.domid,
    });
    expect(w.send(w.b, w.bport), 'sending into a half-closed channel is dropped').toBe(0);
    const st = w.op(w.a, EVTCHNOP_status, [0x7ff0, w.aport, 0, 0, 0, 0]).out;
    expect(st[2], 'status: closed').toBe(EVTCHNSTAT_closed);
  });

  test('closing a VIRQ port frees the VIRQ for a new binding', () => {
    const w = world(1);
    const d = w.domains[0]!;
    const port = w.op(d, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).out[2]!;
    expect(w.op(d, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]).rc, 'bound twice').toBe(-EEXIST);
    expect(w.close(d, port)).toBe(0);
    const again = w.op(d, EVTCHNOP_bind_virq, [VIRQ_TIMER, 0, 0]);
    expect(again.rc, 'VIRQ_TIMER can be bound again once its port is closed').toBe(0);
    expect(again.out[2], 'on the lowest free port, the one just closed').toBe(port);
  });

  test('an IPI port and an unbound port close; the port is reused', () => {
    const w = world(1);
    const d = w.domains[0]!;
    const ipi = w.op(d, EVTCHNOP_bind_ipi, [0, 0]).out[1]!;
    const unbound = w.allocUnbound(d, 0).port;
    expect(w.send(d, ipi)).toBe(0);
    expect(w.close(d, ipi)).toBe(0);
    expect(w.pending(d, ipi), 'the closed IPI port forgets its pending bit').toBe(0);
    expect(w.close(d, unbound)).toBe(0);
    expect(d.evtchn.filter((c) => c.state !== ECS.Free).map((c) => c.state)).toEqual([
      ECS.Reserved,
    ]);
    expect(w.allocUnbound(d, 0).port).toBe(Math.min(ipi, unbound));
  });

  test('a free port, port 0 and ports out of range are -EINVAL and change nothing', () => {
    const rng = testRng('07-close/refused');
    const w = connected();
    for (const port of [
      40 + rng.below(20),
      0,
      64 + rng.below(NR_EVENT_CHANNELS),
      NR_EVENT_CHANNELS + rng.below(99),
    ]) {
      const before = [JSON.stringify(w.a.evtchn), JSON.stringify(w.b.evtchn), w.bits(w.a)];
      expect(w.close(w.a, port), `closing port ${port}`).toBe(-EINVAL);
      expect([JSON.stringify(w.a.evtchn), JSON.stringify(w.b.evtchn), w.bits(w.a)]).toEqual(before);
    }
    expect(w.close(w.a, w.aport)).toBe(0);
    expect(w.close(w.a, w.aport), 'closing it twice').toBe(-EINVAL);
  });
});
