// The composition tier, guests: every PV guest of solutions/guests, and every scenario, booted
// as `xenlab run` boots them on the whole reference hypervisor, with every invariant checked
// after each hypercall, after the toolstack's steps and after teardown.

import { describe, expect, it } from 'vitest';
import { GUESTS } from '../guests/index.ts';
import { OWNER_FREE, OWNER_XEN } from '../xen/heap.ts';
import { runDomains } from '../xen/schedule.ts';
import { checkedXen, guestImage } from './checked.ts';

/** Instructions each guest may run: enough for every one of them to finish or settle. */
const FUEL = 3_000_000;

describe('composition: guests and scenarios', () => {
  for (const guest of GUESTS.filter((g) => g.monitor === undefined)) {
    it(`${guest.name}: every invariant holds after each hypercall and after teardown`, () => {
      const c = checkedXen(48);
      const domains = c.toolstack.boot(guest.name, guestImage, { memoryMiB: 8 });
      c.check(`starting ${guest.name}`);
      const run = runDomains(c.xen, FUEL);
      expect(c.xen.panicReport, 'Xen panicked').toBeNull();
      expect(c.checked, `${guest.name} made hypercalls (${run.outcome})`).toBeGreaterThan(0);
      for (const d of domains) c.toolstack.destroy(d);
      // As libxl waits for a dead domain's back ends: domain 0 takes its turn, the back ends see
      // the devices go and let go of the pages they had mapped (a vif's rings).
      for (const service of c.xen.dom0Services) service();
      c.check(`destroying ${guest.name}`);
      expect(c.violation).toBeNull();
      const held = [...c.xen.heap.owner].filter(
        (o) => o !== OWNER_FREE && o !== OWNER_XEN && o !== 0,
      );
      expect(held, 'every frame of a destroyed domain is back in the heap').toEqual([]);
    });
  }
});
