// 07-bind-interdomain: connecting a new local port to a port another domain offered
// (book §7.4): both ends interdomain, the new port raised; and every refusal Xen makes, with
// its errno, leaving both domains' ports as they were.

import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { DOMID_SELF, EVTCHNOP_bind_ipi, NR_EVENT_CHANNELS } from '../src/xen/abi.ts';
import { EINVAL, ESRCH } from '../src/xen/errno.ts';
import { ECS } from '../src/xen/event-channel.ts';
import { world } from './fixtures.ts';

const ports = (d: { evtchn: unknown[] }) => JSON.stringify(d.evtchn);

describe('07-bind-interdomain', () => {
  test('binding an offered port connects both ends and raises the new one', () => {
    const rng = testRng('07-bind-interdomain/ok');
    const w = world(2);
    const [a, b] = w.domains as [(typeof w.domains)[0], (typeof w.domains)[0]];
    // Some ports in use on both sides first, so the numbers differ.
    for (let i = rng.below(5); i > 0; i--) w.allocUnbound(a!, 0);
    for (let i = rng.below(5); i > 0; i--) w.allocUnbound(b!, 0);
    const offer = w.allocUnbound(b!, a!.domid).port;
    const r = w.bindInterdomain(a!, b!.domid, offer);
    expect(r.rc, 'bind_interdomain returns 0').toBe(0);
    const lport = r.port;
    expect(a!.evtchn[lport], 'the lowest free port of the binder').toMatchObject({
      state: ECS.Interdomain,
      remoteDomid: b!.domid,
      remotePort: offer,
    });
    expect(
      a!.evtchn.findIndex((c) => c.state === ECS.Free),
      'local_port is the lowest free',
    ).toBe(lport + 1);
    expect(b!.evtchn[offer], 'the offered port now names the binder').toMatchObject({
      state: ECS.Interdomain,
      remoteDomid: a!.domid,
      remotePort: lport,
    });
    expect(
      w.pending(a!, lport),
      'the new local port is pending: a send on the unbound end was dropped, so Xen raises it',
    ).toBe(1);
    expect(w.upcallPending(a!)).toBe(1);
  });

  test('DOMID_SELF binds a loopback channel within one domain', () => {
    const w = world(1);
    const d = w.domains[0]!;
    const offer = w.allocUnbound(d, DOMID_SELF).port;
    const r = w.bindInterdomain(d, DOMID_SELF, offer);
    expect(r.rc).toBe(0);
    expect(d.evtchn[offer]).toMatchObject({ state: ECS.Interdomain, remotePort: r.port });
    expect(d.evtchn[r.port]).toMatchObject({ state: ECS.Interdomain, remotePort: offer });
  });

  test('refusals: not offered to us, not unbound, bad port, no such domain', () => {
    const rng = testRng('07-bind-interdomain/refused');
    const w = world(3);
    const [a, b, c] = w.domains as [
      (typeof w.domains)[0],
      (typeof w.domains)[0],
      (typeof w.domains)[0],
    ];
    const forC = w.allocUnbound(b!, c!.domid).port;
    const forA = w.allocUnbound(b!, a!.domid).port;
    expect(w.bindInterdomain(a!, b!.domid, forA).rc).toBe(0);
    const ipi = w.op(b!, EVTCHNOP_bind_ipi, [0, 0]).out[1]!;
    const cases: Array<[number, number, number, string]> = [
      [b!.domid, forC, -EINVAL, 'a port b offered to another domain'],
      [b!.domid, forA, -EINVAL, 'a port already bound (interdomain)'],
      [b!.domid, ipi, -EINVAL, 'an IPI port'],
      [b!.domid, 40 + rng.below(20), -EINVAL, 'a free port'],
      [b!.domid, 0, -EINVAL, 'the reserved port 0'],
      [b!.domid, 64 + rng.below(NR_EVENT_CHANNELS), -EINVAL, 'a port past the allocated bucket'],
      [500 + rng.below(1000), 1, -ESRCH, 'a domain that does not exist'],
    ];
    for (const [dom, port, rc, what] of cases) {
      const before = [ports(a!), ports(b!), ports(c!), w.bits(a!), w.bits(b!)];
      expect(w.bindInterdomain(a!, dom, port).rc, `binding ${what}`).toBe(rc);
      expect(
        [ports(a!), ports(b!), ports(c!), w.bits(a!), w.bits(b!)],
        `binding ${what} must change nothing: no port taken, no bit set`,
      ).toEqual(before);
    }
  });
});
