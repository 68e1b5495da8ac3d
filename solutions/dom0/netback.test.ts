// netback's two paths against a front end played from TypeScript over a guest's real grant
// table and ring pages: what crosses, what is refused, and that a bad request harms nobody.
// xenlab: file from 09
import { describe, expect, it } from 'vitest';
import { PAGE_SIZE, PhysMemory, Prng } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { buildGuest } from '../guests/index.ts';
import { GTF_permit_access, GTF_readonly, SRING } from '../xen/abi.ts';
import type { Domain } from '../xen/domain.ts';
import { Xen } from '../xen/xen.ts';
import { Bridge } from './bridge.ts';
import { mapGrantTable } from './grant-table-setup.ts';
import { RX_QUEUE_LIMIT, Vif } from './netback.ts';
import {
  NET_RX_RING_SIZE,
  NET_TX_RING_SIZE,
  NETIF_RSP_ERROR,
  NETIF_RSP_NULL,
  NETIF_RSP_OKAY,
  NETIF_RX_REQUEST,
  NETIF_RX_RESPONSE,
  NETIF_RX_SLOT,
  NETIF_TX_REQUEST,
  NETIF_TX_RESPONSE,
  NETIF_TX_SLOT,
  NETTXF_extra_info,
  NETTXF_more_data,
} from './netif.ts';
import {
  type FrontRing,
  frontRingInit,
  ringPushRequestsAndCheckNotify,
  ringSlot,
  sharedRingInit,
} from './ring.ts';
import { Toolstack } from './toolstack.ts';

const GUESTS = `${import.meta.dirname}/../guests`;
// Grant refs the front end uses: the rings, a tx buffer, rx buffers.
const TX_RING_REF = 8;
const RX_RING_REF = 9;
const TX_BUF_REF = 10;
const RX_BUF_REF = 11;

/** A guest's side of a vif, written from TypeScript into the (never run) guest's memory. */
class TsFront {
  readonly tx: FrontRing;
  readonly rx: FrontRing;
  readonly port: number;
  private readonly mem: PhysMemory;
  private readonly d: Domain;
  private readonly table: number;
  private nextPfn: number;

  constructor(ts: Toolstack, d: Domain) {
    this.mem = ts.xen.mem;
    this.d = d;
    this.table = mapGrantTable(ts.xen, d)[0]! * PAGE_SIZE;
    this.nextPfn = d.p2m.length - 32;
    const txPage = this.page(TX_RING_REF);
    const rxPage = this.page(RX_RING_REF);
    sharedRingInit(this.mem, txPage);
    sharedRingInit(this.mem, rxPage);
    this.tx = frontRingInit(this.mem, txPage, NETIF_TX_SLOT);
    this.rx = frontRingInit(this.mem, rxPage, NETIF_RX_SLOT);
    this.port = ts.evtchn.allocUnbound(d.domid, 0);
  }

  /** A fresh page of the guest granted to domain 0 through `ref`; its machine address. */
  page(ref: number, readonly = false, to = 0): number {
    const mfn = this.d.p2m[this.nextPfn++]!;
    this.grant(ref, mfn, readonly, to);
    return mfn * PAGE_SIZE;
  }

  grant(ref: number, mfn: number, readonly = false, to = 0): void {
    const entry = this.table + ref * 8;
    this.mem.write16(entry + 2, to);
    this.mem.write32(entry + 4, mfn);
    this.mem.write16(entry, GTF_permit_access | (readonly ? GTF_readonly : 0));
  }

  send(req: { gref: number; offset: number; size: number; flags?: number; id: number }): void {
    const slot = ringSlot(this.tx, this.tx.reqProdPvt++);
    this.mem.write32(slot + NETIF_TX_REQUEST.gref, req.gref);
    this.mem.write16(slot + NETIF_TX_REQUEST.offset, req.offset);
    this.mem.write16(slot + NETIF_TX_REQUEST.flags, req.flags ?? 0);
    this.mem.write16(slot + NETIF_TX_REQUEST.id, req.id);
    this.mem.write16(slot + NETIF_TX_REQUEST.size, req.size);
  }

  post(id: number, gref: number): void {
    const slot = ringSlot(this.rx, this.rx.reqProdPvt++);
    this.mem.write16(slot + NETIF_RX_REQUEST.id, id);
    this.mem.write32(slot + NETIF_RX_REQUEST.gref, gref);
  }

  push(): void {
    ringPushRequestsAndCheckNotify(this.tx);
    ringPushRequestsAndCheckNotify(this.rx);
  }

  /** Every tx response published and not yet taken: [id, status]. */
  txResponses(): [number, number][] {
    const out: [number, number][] = [];
    while (this.tx.rspCons !== this.mem.read32(this.tx.sring + SRING.rsp_prod)) {
      const slot = ringSlot(this.tx, this.tx.rspCons++);
      const status = (this.mem.read16(slot + NETIF_TX_RESPONSE.status) << 16) >> 16;
      out.push([this.mem.read16(slot + NETIF_TX_RESPONSE.id), status]);
    }
    return out;
  }

  /** Every rx response: [id, offset, flags, status]. */
  rxResponses(): number[][] {
    const out: number[][] = [];
    while (this.rx.rspCons !== this.mem.read32(this.rx.sring + SRING.rsp_prod)) {
      const slot = ringSlot(this.rx, this.rx.rspCons++);
      const f = NETIF_RX_RESPONSE;
      const status = (this.mem.read16(slot + f.status) << 16) >> 16;
      out.push([
        this.mem.read16(slot + f.id),
        this.mem.read16(slot + f.offset),
        this.mem.read16(slot + f.flags),
        status,
      ]);
    }
    return out;
  }
}

function setup() {
  const xen = new Xen(new PhysMemory(48 << 20));
  const ts = new Toolstack(xen);
  const image = buildGuest('hello.asm', asmSourcesUnder(GUESTS));
  const d = ts.create(image, { name: 'front', memoryMiB: 8, cmdline: '' });
  const other = ts.create(image, { name: 'other', memoryMiB: 8, cmdline: '' });
  const front = new TsFront(ts, d);
  const vif = new Vif(xen, d.domid, 0);
  const sent: Uint8Array[] = [];
  const log: string[] = [];
  vif.output = (_, frame) => sent.push(frame);
  vif.log = (line) => log.push(line);
  const why = vif.connect({
    txRingRef: TX_RING_REF,
    rxRingRef: RX_RING_REF,
    eventChannel: front.port,
  });
  expect(why).toBeNull();
  return { xen, ts, d, other, front, vif, sent, log };
}

const frameOf = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe('netif', () => {
  it('one page holds 256 slots on each ring (12-byte tx slots, 8-byte rx slots)', () => {
    expect([NETIF_TX_SLOT, NETIF_RX_SLOT]).toEqual([12, 8]);
    expect([NET_TX_RING_SIZE, NET_RX_RING_SIZE]).toEqual([256, 256]);
  });
});

describe('netback', () => {
  it('copies a transmitted frame out of the guest byte for byte and answers OKAY', () => {
    const { xen, front, vif, sent } = setup();
    const buf = front.page(TX_BUF_REF, true);
    const frame = frameOf(98, 7);
    xen.mem.writeBytes(buf + 200, frame);
    front.send({ gref: TX_BUF_REF, offset: 200, size: 98, id: 41 });
    front.push();
    vif.interrupt();
    expect(sent).toEqual([frame]);
    expect(front.txResponses()).toEqual([[41, NETIF_RSP_OKAY]]);
    expect(vif.stats.txFrames).toBe(1);
  });

  it('answers every malformed tx request NETIF_RSP_ERROR, forwards nothing of them, carries on', () => {
    const { xen, front, vif, sent, other } = setup();
    const buf = front.page(TX_BUF_REF, true);
    front.page(12, true, other.domid); // granted, but to another domain
    xen.mem.writeBytes(buf, frameOf(PAGE_SIZE, 1));
    front.send({ gref: 500, offset: 0, size: 60, id: 1 }); // never granted
    front.send({ gref: 1 << 20, offset: 0, size: 60, id: 2 }); // beyond the table
    front.send({ gref: 12, offset: 0, size: 60, id: 3 });
    front.send({ gref: TX_BUF_REF, offset: 4000, size: 200, id: 4 }); // leaves the page
    front.send({ gref: TX_BUF_REF, offset: 0, size: 1515, id: 5 }); // longer than Ethernet
    front.send({ gref: TX_BUF_REF, offset: 0, size: 13, id: 6 }); // shorter than a header
    front.send({ gref: TX_BUF_REF, offset: 0, size: 60, flags: NETTXF_more_data, id: 7 });
    front.send({ gref: TX_BUF_REF, offset: 60, size: 60, id: 8 }); // ... its second fragment
    front.send({ gref: TX_BUF_REF, offset: 0, size: 60, flags: NETTXF_extra_info, id: 9 });
    front.send({ gref: 0, offset: 0, size: 0, id: 10 }); // ... its extra_info slot
    front.send({ gref: TX_BUF_REF, offset: 100, size: 60, id: 11 }); // a good one after all
    front.push();
    vif.interrupt();
    const e = NETIF_RSP_ERROR;
    expect(front.txResponses()).toEqual([
      [1, e],
      [2, e],
      [3, e],
      [4, e],
      [5, e],
      [6, e],
      [7, e],
      [8, e],
      [9, e],
      [10, NETIF_RSP_NULL],
      [11, NETIF_RSP_OKAY],
    ]);
    expect(sent).toEqual([xen.mem.readBytes(buf + 100, 60)]);
    expect(vif.stats).toMatchObject({ txFrames: 1, txErrors: 8 }); // frames, not slots
  });

  it('copies a frame into the buffer the guest posted and answers {id, 0, 0, length}', () => {
    const { xen, front, vif } = setup();
    const buf = front.page(RX_BUF_REF);
    const frame = frameOf(342, 3);
    vif.deliver(frame);
    expect(vif.pendingRx).toBe(1); // no buffer posted yet: it waits
    front.post(77, RX_BUF_REF);
    front.push();
    vif.interrupt();
    expect(front.rxResponses()).toEqual([[77, 0, 0, 342]]);
    expect(xen.mem.readBytes(buf, 342)).toEqual(frame);
    expect(xen.mem.read8(buf + 342)).toBe(0); // not a byte more
    expect(vif.pendingRx).toBe(0);
  });

  it('answers a read-only or foreign rx buffer NETIF_RSP_ERROR and writes nothing there', () => {
    const { xen, front, vif, other } = setup();
    const ro = front.page(RX_BUF_REF, true);
    const foreign = front.page(12, false, other.domid);
    front.post(1, RX_BUF_REF);
    front.post(2, 12);
    front.post(3, 999);
    front.push();
    for (let i = 0; i < 3; i++) vif.deliver(frameOf(60, i + 1));
    expect(front.rxResponses()).toEqual([
      [1, 0, 0, NETIF_RSP_ERROR],
      [2, 0, 0, NETIF_RSP_ERROR],
      [3, 0, 0, NETIF_RSP_ERROR],
    ]);
    expect(xen.mem.readBytes(ro, 60).every((b) => b === 0)).toBe(true);
    expect(xen.mem.readBytes(foreign, 60).every((b) => b === 0)).toBe(true);
    expect(vif.stats).toMatchObject({ rxFrames: 0, rxErrors: 3 });
  });

  it(`keeps at most ${RX_QUEUE_LIMIT} frames for a guest that posts no buffers`, () => {
    const { vif } = setup();
    for (let i = 0; i < RX_QUEUE_LIMIT + 5; i++) vif.deliver(frameOf(60, i));
    expect(vif.pendingRx).toBe(RX_QUEUE_LIMIT);
    expect(vif.stats.rxDropped).toBe(5);
  });

  it('a front end whose req_prod runs a ring ahead loses its vif, with a reason; no throw', () => {
    const { xen, front, vif, log } = setup();
    xen.mem.write32(front.tx.sring + SRING.req_prod, NET_TX_RING_SIZE + 1);
    expect(() => vif.interrupt()).not.toThrow();
    expect(vif.connected).toBe(false);
    expect(log).toEqual([
      `${vif.name}: tx req_prod runs more than a ring ahead of the responses; disconnected`,
    ]);
    expect(() => vif.deliver(frameOf(60, 0))).not.toThrow();
  });

  it('refuses to connect to a ring page the guest did not grant, leaving nothing mapped', () => {
    const { ts, d } = setup();
    const vif = new Vif(ts.xen, d.domid, 1);
    const why = vif.connect({ txRingRef: 300, rxRingRef: RX_RING_REF, eventChannel: 1 });
    expect(why).toMatch(/^tx-ring-ref 300: GNTST -/);
    expect(vif.connected).toBe(false);
  });

  it('a seeded mix of frames among four guests on a bridge: each arrives whole, only where it should', () => {
    const rng = new Prng(921);
    const xen = new Xen(new PhysMemory(96 << 20));
    const ts = new Toolstack(xen);
    const image = buildGuest('hello.asm', asmSourcesUnder(GUESTS));
    const bridge = new Bridge();
    const guests = Array.from({ length: 4 }, (_, i) => {
      const d = ts.create(image, { name: `g${i}`, memoryMiB: 8, cmdline: '' });
      const front = new TsFront(ts, d);
      const txBuf = front.page(TX_BUF_REF, true);
      const rxBufs = [0, 1, 2, 3].map((b) => front.page(RX_BUF_REF + b));
      for (let b = 0; b < rxBufs.length; b++) front.post(b, RX_BUF_REF + b);
      front.push();
      const vif = new Vif(xen, d.domid, 0);
      expect(
        vif.connect({ txRingRef: TX_RING_REF, rxRingRef: RX_RING_REF, eventChannel: front.port }),
      ).toBeNull();
      vif.output = (from, frame) => bridge.input(from, frame);
      bridge.addPort(vif);
      const mac = [0x00, 0x16, 0x3e, 0, d.domid, 0];
      return {
        d,
        front,
        vif,
        txBuf,
        rxBufs,
        mac,
        got: [] as Uint8Array[],
        want: [] as Uint8Array[],
      };
    });
    const learned = new Set<number>();
    for (let n = 0; n < 200; n++) {
      const from = rng.below(4);
      const to = rng.below(5); // 4: broadcast
      const src = guests[from]!;
      const dst = to === 4 ? [255, 255, 255, 255, 255, 255] : guests[to]!.mac;
      const length = 60 + rng.below(1455);
      const frame = Uint8Array.from({ length }, (_, i) =>
        i < 6 ? dst[i]! : i < 12 ? src.mac[i - 6]! : rng.below(256),
      );
      // Where it must go: the bridge learns the source first, then sends the frame to every
      // other guest for a broadcast or an address not yet learned, else to its owner only.
      learned.add(from);
      guests.forEach((g, i) => {
        if (i === from) return;
        if (to === 4 || to === i || !learned.has(to)) g.want.push(frame);
      });
      xen.mem.writeBytes(src.txBuf, frame);
      src.front.send({ gref: TX_BUF_REF, offset: 0, size: length, id: n });
      src.front.push();
      src.vif.interrupt();
      expect(src.front.txResponses()).toEqual([[n, NETIF_RSP_OKAY]]);
      // Each guest takes what arrived and lends the buffers again.
      for (const g of guests) {
        for (const [id, offset, , status] of g.front.rxResponses()) {
          g.got.push(xen.mem.readBytes(g.rxBufs[id]! + offset, status));
          g.front.post(id, RX_BUF_REF + id);
        }
        g.front.push();
        g.vif.interrupt();
      }
    }
    for (const g of guests) {
      expect(g.got.length, `guest d${g.d.domid}`).toBe(g.want.length);
      expect(g.got).toEqual(g.want);
    }
  });
});
