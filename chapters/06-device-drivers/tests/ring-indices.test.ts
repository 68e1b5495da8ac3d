// 06-ring-indices: a shared ring's index arithmetic (book §6.3). The indices are free-running
// 32-bit counters: the tests start them at seeded values, just below 2^32 too, so every
// computation must hold across the wrap; slot addresses must mask; and a producer and a consumer
// passing seeded batches through the ring must never lose, repeat or reorder a message.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  backRingInit,
  frontRingInit,
  ringFreeRequests,
  ringFull,
  ringSize,
  ringSlot,
  ringUnconsumedRequests,
  ringUnconsumedResponses,
  sharedRingInit,
} from '../src/dom0/ring.ts';
import { SRING } from '../src/xen/abi.ts';
import { hex } from './world.ts';

const SRING_AT = 5 * PAGE_SIZE;

/** A ring page with its front and back views, every index starting at `start`. */
function ring(entrySize: number, start: number) {
  const mem = new PhysMemory(16 * PAGE_SIZE);
  sharedRingInit(mem, SRING_AT);
  const front = frontRingInit(mem, SRING_AT, entrySize);
  const back = backRingInit(mem, SRING_AT, entrySize);
  front.reqProdPvt = front.rspCons = start >>> 0;
  back.rspProdPvt = back.reqCons = start >>> 0;
  for (const field of [SRING.req_prod, SRING.rsp_prod]) mem.write32(SRING_AT + field, start);
  return { mem, front, back };
}

const nearWrap = (rng: ReturnType<typeof testRng>) => (0x1_0000_0000 - 1 - rng.below(600)) >>> 0;

describe('06-ring-indices', () => {
  test('an index names its slot modulo the ring size, whatever its value', () => {
    const rng = testRng('06-ring-indices/slot');
    for (const entrySize of [8, 64, 112]) {
      const { front, back } = ring(entrySize, 0);
      const size = ringSize(entrySize);
      for (const i of [
        0,
        size - 1,
        size,
        0xffffffff,
        nearWrap(rng),
        rng.nextU32(),
        rng.nextU32(),
      ]) {
        const want = SRING_AT + SRING.ring + (i % size) * entrySize;
        expect(ringSlot(front, i), `${size} slots of ${entrySize} bytes: index ${hex(i)}`).toBe(
          want,
        );
        expect(ringSlot(back, i), 'the back end’s view names the same slot').toBe(want);
      }
    }
  });

  test('free requests count down to full and up again, across the 2^32 wrap', () => {
    const rng = testRng('06-ring-indices/free');
    const start = nearWrap(rng);
    const { mem, front } = ring(8, start);
    const size = front.nrEnts;
    expect(ringFreeRequests(front), `an empty ring at ${hex(start)} has every slot free`).toBe(
      size,
    );
    const n = 1 + rng.below(size - 1);
    front.reqProdPvt = (start + n) >>> 0;
    expect(ringFreeRequests(front), `${n} requests in flight from ${hex(start)}`).toBe(size - n);
    expect(ringFull(front), 'not full yet').toBe(false);
    front.reqProdPvt = (start + size) >>> 0;
    expect(ringFreeRequests(front), `${size} in flight from ${hex(start)}: none free`).toBe(0);
    expect(ringFull(front), 'full').toBe(true);
    const answered = 1 + rng.below(size);
    mem.write32(SRING_AT + SRING.rsp_prod, (start + answered) >>> 0);
    expect(
      ringUnconsumedResponses(front),
      `rsp_prod ${hex(start + answered)}, rsp_cons ${hex(start)}: responses waiting`,
    ).toBe(answered);
    front.rspCons = (start + answered) >>> 0;
    expect(ringFreeRequests(front), 'consuming responses frees their slots').toBe(answered);
    expect(ringUnconsumedResponses(front), 'and leaves none unconsumed').toBe(0);
  });

  test('unconsumed requests never exceed the slots the back end has answered', () => {
    const rng = testRng('06-ring-indices/requests');
    const start = nearWrap(rng);
    const { mem, back } = ring(8, start);
    const size = back.nrEnts;
    const n = 1 + rng.below(size);
    mem.write32(SRING_AT + SRING.req_prod, (start + n) >>> 0);
    expect(ringUnconsumedRequests(back), `req_prod ${hex(start + n)}, req_cons ${hex(start)}`).toBe(
      n,
    );
    const wild = (start + size + 1 + rng.below(0x7fffffff)) >>> 0;
    mem.write32(SRING_AT + SRING.req_prod, wild);
    expect(
      ringUnconsumedRequests(back),
      `a front end publishing req_prod ${hex(wild)} may make the back end read at most the ` +
        `${size} slots it has answered, not more (book §6.3)`,
    ).toBe(size);
    const taken = 1 + rng.below(size);
    back.reqCons = (start + taken) >>> 0;
    expect(
      ringUnconsumedRequests(back),
      `after taking ${taken} requests and answering none, only ${size - taken} slots may be read`,
    ).toBe(size - taken);
  });

  test('seeded batches through the ring: nothing lost, repeated or reordered', () => {
    const rng = testRng('06-ring-indices/batches');
    for (const entrySize of [8, 112]) {
      const start = nearWrap(rng);
      const { mem, front, back } = ring(entrySize, start);
      const total = 3 * front.nrEnts + rng.below(1000);
      let sent = 0;
      let received = 0;
      let answered = 0;
      while (answered < total) {
        // The front end fills what it may and publishes.
        let batch = rng.below(ringFreeRequests(front) + 1);
        while (batch-- > 0 && sent < total) {
          mem.write32(ringSlot(front, front.reqProdPvt), sent++);
          front.reqProdPvt = (front.reqProdPvt + 1) >>> 0;
        }
        mem.write32(SRING_AT + SRING.req_prod, front.reqProdPvt);
        // The back end takes some requests and answers each in its slot.
        let take = rng.below(ringUnconsumedRequests(back) + 1);
        while (take-- > 0) {
          const value = mem.read32(ringSlot(back, back.reqCons));
          expect(value, `request ${received} arrives in its turn`).toBe(received);
          received++;
          back.reqCons = (back.reqCons + 1) >>> 0;
          mem.write32(ringSlot(back, back.rspProdPvt), value ^ 0xa5a5a5a5);
          back.rspProdPvt = (back.rspProdPvt + 1) >>> 0;
        }
        mem.write32(SRING_AT + SRING.rsp_prod, back.rspProdPvt);
        // The front end takes some responses.
        let got = rng.below(ringUnconsumedResponses(front) + 1);
        while (got-- > 0) {
          const value = mem.read32(ringSlot(front, front.rspCons)) >>> 0;
          expect(value, `response ${answered} (indices began at ${hex(start)})`).toBe(
            (answered ^ 0xa5a5a5a5) >>> 0,
          );
          answered++;
          front.rspCons = (front.rspCons + 1) >>> 0;
        }
      }
      expect(received, 'every request was received once').toBe(total);
    }
  });
});
