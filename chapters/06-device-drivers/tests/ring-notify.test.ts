// 06-ring-notify: when a producer must notify, and the consumer's final check before it sleeps
// (book §6.3.2). The decision is checked against its definition — notify exactly when the event
// index lies in (old, new] — at seeded indices across the 2^32 wrap; the final check against the
// race it exists for; and the whole protocol against the ring-front guest, whose every
// notification is a hypercall, with the back end sleeping at seeded instruction boundaries.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  backRingInit,
  frontRingInit,
  ringFinalCheckForRequests,
  ringFinalCheckForResponses,
  ringNeedsNotify,
  ringPushRequestsAndCheckNotify,
  ringPushResponsesAndCheckNotify,
  ringSlot,
  ringUnconsumedRequests,
  sharedRingInit,
} from '../src/dom0/ring.ts';
import { SRING } from '../src/xen/abi.ts';
import { guestWithConsole, hex } from './world.ts';

const SRING_AT = 5 * PAGE_SIZE;

/** PhysMemory that runs `hook` just before a store to `addr` lands (once). */
class RacingMemory extends PhysMemory {
  hook: { addr: number; run: () => void } | null = null;
  override write32(addr: number, value: number): void {
    const h = this.hook;
    if (h !== null && h.addr === addr) {
      this.hook = null;
      h.run();
    }
    super.write32(addr, value);
  }
}

function ring() {
  const mem = new RacingMemory(16 * PAGE_SIZE);
  sharedRingInit(mem, SRING_AT);
  return { mem, front: frontRingInit(mem, SRING_AT, 8), back: backRingInit(mem, SRING_AT, 8) };
}

describe('06-ring-notify', () => {
  test('notify exactly when the event index lies in (old, new], across the wrap', () => {
    const rng = testRng('06-ring-notify/decision');
    for (let i = 0; i < 400; i++) {
      const old = i < 100 ? (0x1_0000_0000 - 1 - rng.below(64)) >>> 0 : rng.nextU32();
      const pushed = 1 + rng.below(64);
      const next = (old + pushed) >>> 0;
      const offset = rng.below(3) === 0 ? rng.nextU32() : rng.below(pushed + 3);
      const event = (old + offset) >>> 0;
      const inside = offset >= 1 && offset <= pushed;
      expect(
        ringNeedsNotify(old, next, event),
        `old ${hex(old)}, new ${hex(next)}, event ${hex(event)}: the consumer asked to be woken ` +
          `${inside ? 'by one of these' : 'by none of these'} messages`,
      ).toBe(inside);
    }
  });

  test('a push notifies once per request for wake-up, and publishes the index', () => {
    const rng = testRng('06-ring-notify/push');
    const { mem, front, back } = ring();
    const start = (0x1_0000_0000 - 1 - rng.below(8)) >>> 0;
    front.reqProdPvt = front.rspCons = back.reqCons = back.rspProdPvt = start;
    mem.write32(SRING_AT + SRING.req_prod, start);
    mem.write32(SRING_AT + SRING.rsp_prod, start);
    expect(ringFinalCheckForRequests(back), 'an empty ring: nothing to do').toBe(false);
    expect(mem.read32(SRING_AT + SRING.req_event) >>> 0, 'req_event = req_cons + 1').toBe(
      (start + 1) >>> 0,
    );
    front.reqProdPvt = (start + 1 + rng.below(5)) >>> 0;
    expect(ringPushRequestsAndCheckNotify(front), 'the sleeping back end is woken').toBe(true);
    expect(mem.read32(SRING_AT + SRING.req_prod) >>> 0, 'req_prod published').toBe(
      front.reqProdPvt,
    );
    front.reqProdPvt = (front.reqProdPvt + 1) >>> 0;
    expect(ringPushRequestsAndCheckNotify(front), 'it is awake already: no second event').toBe(
      false,
    );
    expect(ringFinalCheckForRequests(back), 'work is waiting, so no sleep').toBe(true);
    back.rspProdPvt = (start + 1) >>> 0;
    expect(ringFinalCheckForResponses(front), 'the front end has no response yet').toBe(false);
    expect(ringPushResponsesAndCheckNotify(back), 'the front end asked for rsp_cons + 1').toBe(
      true,
    );
    expect(ringFinalCheckForResponses(front), 'and now it has one').toBe(true);
  });

  test('the final check catches a request published while it arms the event index', () => {
    const rng = testRng('06-ring-notify/race');
    for (const side of ['requests', 'responses'] as const) {
      const { mem, front, back } = ring();
      const start = rng.nextU32();
      front.reqProdPvt = front.rspCons = back.reqCons = back.rspProdPvt = start;
      mem.write32(SRING_AT + SRING.req_prod, start);
      mem.write32(SRING_AT + SRING.rsp_prod, start);
      let notified = true;
      const event = side === 'requests' ? SRING.req_event : SRING.rsp_event;
      // The other side publishes after the first look, before the event index is written.
      mem.hook = {
        addr: SRING_AT + event,
        run: () => {
          if (side === 'requests') {
            front.reqProdPvt = (start + 1) >>> 0;
            notified = ringPushRequestsAndCheckNotify(front);
          } else {
            back.rspProdPvt = (start + 1) >>> 0;
            notified = ringPushResponsesAndCheckNotify(back);
          }
        },
      };
      const work =
        side === 'requests' ? ringFinalCheckForRequests(back) : ringFinalCheckForResponses(front);
      expect(
        mem.hook,
        `the final check for ${side} arms ${side === 'requests' ? 'req' : 'rsp'}_event`,
      ).toBeNull();
      expect(notified, 'the producer saw the old event index and did not notify').toBe(false);
      expect(
        work,
        `the message published while the event index was armed woke nobody: the final check ` +
          `for ${side} must look again after arming it (book §6.3.2)`,
      ).toBe(true);
    }
  });

  test('the ring-front guest and a back end that sleeps: every request answered, no lost wake-up', () => {
    const rng = testRng('06-ring-notify/guest');
    for (let round = 0; round < 2; round++) {
      const probe = guestWithConsole('ring-front.asm');
      const pfn = probe.layout.virtPgtabEnd / PAGE_SIZE - 1 - rng.below(8);
      const count = 300 + rng.below(1500);
      const g = guestWithConsole(
        'ring-front.asm',
        `ring=${pfn} count=${count} evtchn=${probe.port}`,
      );
      const mem = g.xen.mem;
      const sring = g.domain.p2m[pfn]! * PAGE_SIZE;
      const back = backRingInit(mem, sring, 8);
      let asleep = false;
      let wakes = 0;
      let sends = 0;
      const serve = () => {
        const sent = g.traces.filter((t) => t.name === 'event_channel_op').length;
        if (sent > sends) {
          sends = sent;
          asleep = false;
          wakes++;
        }
        if (asleep || mem.read32(sring + SRING.req_event) === 0) return;
        do {
          let n = ringUnconsumedRequests(back);
          while (n-- > 0) {
            const id = mem.read32(ringSlot(back, back.reqCons));
            const value = mem.read32(ringSlot(back, back.reqCons) + 4);
            back.reqCons = (back.reqCons + 1) >>> 0;
            mem.write32(ringSlot(back, back.rspProdPvt), id);
            mem.write32(ringSlot(back, back.rspProdPvt) + 4, value + 1);
            back.rspProdPvt = (back.rspProdPvt + 1) >>> 0;
          }
          ringPushResponsesAndCheckNotify(back);
        } while (ringFinalCheckForRequests(back));
        asleep = true;
      };
      g.interleave(rng, 1 + rng.below(80), 20_000_000, serve, () => g.domain.state === 'shutdown');
      const out = g.xen.consoleOutput.get(g.domain.domid) ?? '';
      expect(
        out,
        `${count} requests through the ring at pfn ${pfn}; the back end sleeps after each final ` +
          `check and wakes only on the guest's event (${wakes} wake-ups). A guest still ` +
          `waiting means a lost wake-up or a lost message (book §6.3.2). ${g.story()}`,
      ).toMatch(new RegExp(`^ring-front: responses ${count}, notifications ${wakes}\\r\\n$`));
    }
  });
});
