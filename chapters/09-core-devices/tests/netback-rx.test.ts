// 09-netback-rx: netback's receive path for one frame — the guest's next rx request, one grant
// copy into the page it names, the response in that request's slot (book §9.2.3; Xen
// public/io/netif.h, Linux xen-netback's xenvif_rx_action).

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { minimalKernel } from '../../testing/elf.ts';
import { testRng } from '../../testing/index.ts';
import {
  NETIF_RSP_ERROR,
  type NetGuest,
  RX_RING_SIZE,
  RX_SLOT,
  RxFront,
} from '../../testing/netfront.ts';
import { gntdev } from '../src/dom0/gntdev.ts';
import { mapGrantTable } from '../src/dom0/grant-table-setup.ts';
import { netbackRxOne } from '../src/dom0/netback.ts';
import type { BackRing } from '../src/dom0/ring.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { Xen } from '../src/xen/xen.ts';

/** A guest that never runs, its grant table set up, and another domain beside it. */
function setup(label: string) {
  const rng = testRng(label);
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const image = minimalKernel();
  const d = ts.create(image, { name: 'front', memoryMiB: 8, cmdline: '' });
  const other = ts.create(image, { name: 'other', memoryMiB: 8, cmdline: '' });
  const guest: NetGuest = {
    mem: xen.mem,
    domid: d.domid,
    grantFrames: mapGrantTable(xen, d),
    pages: d.p2m.slice(d.p2m.length - 40),
  };
  // Free-running indices: start where the ring's slots and the 2^32 wrap are crossed.
  const start = (0x100000000 - RX_RING_SIZE * rng.below(3) - rng.below(8)) >>> 0;
  const front = new RxFront(guest, start);
  const ring: BackRing = {
    mem: xen.mem,
    sring: front.sring,
    nrEnts: RX_RING_SIZE,
    entrySize: RX_SLOT,
    rspProdPvt: start,
    reqCons: start,
  };
  return { rng, xen, d, other, front, ring, copier: gntdev(xen) };
}

const frameOf = (rng: { below(n: number): number }, length: number) =>
  Uint8Array.from({ length }, () => rng.below(256));

describe('09-netback-rx', () => {
  test('each frame lands in the buffer its request names; the response is {id, 0, 0, length}', () => {
    const { rng, xen, d, front, ring, copier } = setup('09-netback-rx/frames');
    const count = 3 + rng.below(6);
    for (let i = 0; i < count; i++) {
      const mfn = front.takePage();
      xen.mem.fill(mfn * PAGE_SIZE, PAGE_SIZE, 0xa5);
      const ref = 8 + rng.below(400);
      front.grant(ref, mfn, 0, false);
      const id = rng.below(0x10000);
      const index = front.reqProd;
      front.post(id, ref);
      const frame = frameOf(rng, 14 + rng.below(1501));
      const landed = netbackRxOne(copier, d.domid, ring, frame);
      expect(landed, 'a frame copied into a writable grant reached the guest: true').toBe(true);
      expect(
        front.responseAt(index),
        `the response goes in the request's own slot (index ${index >>> 0}): its id, offset 0, flags 0, status = the length`,
      ).toEqual({ id, offset: 0, flags: 0, status: frame.length });
      expect(
        xen.mem.readBytes(mfn * PAGE_SIZE, frame.length),
        'the frame at offset 0, byte for byte',
      ).toEqual(frame);
      expect(xen.mem.read8(mfn * PAGE_SIZE + frame.length), 'not a byte more is written').toBe(
        0xa5,
      );
      expect(
        [ring.reqCons >>> 0, ring.rspProdPvt >>> 0],
        'one request taken, one response made',
      ).toEqual([(index + 1) >>> 0, (index + 1) >>> 0]);
    }
  });

  test('a buffer it may not write gets NETIF_RSP_ERROR, stays untouched, and the next frame lands', () => {
    const { rng, xen, d, other, front, ring, copier } = setup('09-netback-rx/refused');
    const readOnly = front.takePage();
    const foreign = front.takePage();
    front.grant(20, readOnly, 0, true);
    front.grant(21, foreign, other.domid, false);
    const bad: [string, number][] = [
      ['a ref the guest never granted', 22 + rng.below(100)],
      ['a read-only grant', 20],
      ['a grant for another domain', 21],
      ['a ref beyond the grant table', 1 << 20],
    ];
    for (const [what, ref] of bad) {
      const id = rng.below(0x10000);
      const index = front.reqProd;
      front.post(id, ref);
      const landed = netbackRxOne(copier, d.domid, ring, frameOf(rng, 60));
      expect(landed, `${what}: the frame did not reach the guest`).toBe(false);
      expect(front.responseAt(index), `${what}: NETIF_RSP_ERROR in the request's slot`).toEqual({
        id,
        offset: 0,
        flags: 0,
        status: NETIF_RSP_ERROR,
      });
    }
    for (const mfn of [readOnly, foreign]) {
      expect(
        xen.mem.readBytes(mfn * PAGE_SIZE, 60).every((b) => b === 0),
        'nothing written there',
      ).toBe(true);
    }
    const good = front.takePage();
    front.grant(30, good, 0, false);
    front.post(7, 30);
    const frame = frameOf(rng, 98);
    expect(netbackRxOne(copier, d.domid, ring, frame)).toBe(true);
    expect(xen.mem.readBytes(good * PAGE_SIZE, 98)).toEqual(frame);
  });

  test('the copy is Xen’s: the grant is checked and released, the ring is left to publish', () => {
    const { rng, xen, d, front, ring, copier } = setup('09-netback-rx/grant');
    const mfn = front.takePage();
    const ref = 8 + rng.below(100);
    front.grant(ref, mfn, 0, false);
    const before = front.rspProd;
    front.post(1, ref);
    netbackRxOne(copier, d.domid, ring, frameOf(rng, 200));
    const entry = front.guest.grantFrames[0]! * PAGE_SIZE + ref * 8;
    expect(xen.mem.read16(entry), 'after the copy the entry shows no GTF_reading/GTF_writing').toBe(
      1,
    );
    expect(front.rspProd, 'publishing (rsp_prod) is the caller’s, once for all the frames').toBe(
      before,
    );
  });
});
