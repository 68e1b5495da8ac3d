// xenstored over a guest's ring page: the guest's side played by the test, writing requests into
// `req` and taking replies from `rsp` as a kernel would.

import { describe, expect, test } from 'vitest';
import { PhysMemory, Prng } from '../../../sim/host.ts';
import { XsClient } from './client.ts';
import { RingTransport, XENSTORE_INTERFACE as X, XENSTORE_RING_SIZE } from './ring.ts';
import { dumpStore } from './store.ts';
import { malformedMessage } from './testing.ts';
import {
  encodeMessage,
  MessageReader,
  splitStrings,
  strings,
  XS_ERROR,
  XS_READ,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
  type XsMessage,
} from './wire.ts';
import { Xenstored } from './xenstored.ts';

const RING = 0x5000;

/** A guest and its ring, introduced to a fresh xenstored as domain 7. */
function guestRing(quotas = {}) {
  const mem = new PhysMemory(64 * 1024);
  const xs = new Xenstored(quotas);
  let kicks = 0;
  xs.ringConnector = () =>
    new RingTransport(mem, RING, () => {
      kicks++;
    });
  const dom0 = new XsClient(xs);
  dom0.write('/local/domain/7/name', 'seven');
  dom0.setPerms('/local/domain/7', ['n7']);
  dom0.setPerms('/local/domain/7/name', ['n7']);
  dom0.introduce(7, RING >> 12, 3);
  const reader = new MessageReader();
  const guest = {
    /** Puts as much of `bytes` into req as fits; returns how many. */
    write(bytes: Uint8Array): number {
      const cons = mem.read32(RING + X.req_cons);
      const prod = mem.read32(RING + X.req_prod);
      const n = Math.min(bytes.length, XENSTORE_RING_SIZE - ((prod - cons) >>> 0));
      for (let i = 0; i < n; i++) mem.write8(RING + X.req + ((prod + i) & 1023), bytes[i]!);
      mem.write32(RING + X.req_prod, (prod + n) >>> 0);
      return n;
    },
    /** Takes every reply byte in rsp. */
    read(): XsMessage[] {
      const cons = mem.read32(RING + X.rsp_cons);
      const prod = mem.read32(RING + X.rsp_prod);
      const bytes = new Uint8Array((prod - cons) >>> 0);
      for (let i = 0; i < bytes.length; i++)
        bytes[i] = mem.read8(RING + X.rsp + ((cons + i) & 1023));
      mem.write32(RING + X.rsp_cons, prod);
      return reader.feed(bytes);
    },
    ask(type: number, payload: Uint8Array, reqId = 1): XsMessage[] {
      guest.write(encodeMessage({ type, reqId, txId: 0, payload }));
      xs.serviceRings();
      return guest.read();
    },
  };
  return { mem, xs, dom0, guest, kicks: () => kicks };
}

describe('the XenStore ring', () => {
  test('a guest reads its name over the ring; xenstored kicks it', () => {
    const { guest, kicks } = guestRing();
    const [reply] = guest.ask(XS_READ, strings('name'), 9);
    expect([reply!.type, reply!.reqId, new TextDecoder().decode(reply!.payload)]).toEqual([
      XS_READ,
      9,
      'seven',
    ]);
    expect(kicks()).toBeGreaterThan(0);
  });

  test('requests in pieces and across the ring’s end; replies wait for room', () => {
    const { mem, xs, guest } = guestRing();
    // Indices near 2^32, so they wrap around too.
    for (const off of [X.req_cons, X.req_prod, X.rsp_cons, X.rsp_prod]) {
      mem.write32(RING + off, 0xfffffe00);
    }
    const value = 'v'.repeat(900);
    const replies: XsMessage[] = [];
    for (let i = 0; i < 6; i++) {
      const msg = encodeMessage({
        type: XS_WRITE,
        reqId: 100 + i,
        txId: 0,
        payload: new Uint8Array([...strings(`data${i}`), ...new TextEncoder().encode(value)]),
      });
      let at = 0;
      while (at < msg.length) {
        at += guest.write(msg.subarray(at, at + 300));
        xs.serviceRings();
        replies.push(...guest.read());
      }
    }
    expect(replies.map((r) => [r.reqId, splitStrings(r.payload)[0]])).toEqual(
      Array.from({ length: 6 }, (_, i) => [100 + i, 'OK']),
    );
    const reads = Array.from({ length: 6 }, (_, i) => guest.ask(XS_READ, strings(`data${i}`), i));
    for (const [r] of reads) expect(new TextDecoder().decode(r!.payload)).toBe(value);
  });

  test('a guest that takes no replies is not read past its outstanding quota', () => {
    const { xs, dom0, guest } = guestRing({ outstanding: 3 });
    // Replies of 900 bytes: the response ring holds one at a time.
    dom0.write('/local/domain/7/big', 'b'.repeat(900));
    for (let i = 0; i < 10; i++) {
      guest.write(encodeMessage({ type: XS_READ, reqId: i, txId: 0, payload: strings('big') }));
    }
    for (let n = 0; n < 5; n++) xs.serviceRings();
    const conn = xs.domains.get(7)!.conn!;
    expect(
      conn.pending.length,
      'one reply in the ring and three queued: the other requests wait unread',
    ).toBe(6);
    const replies: XsMessage[] = [];
    for (let n = 0; n < 20; n++) {
      replies.push(...guest.read());
      xs.serviceRings();
    }
    expect(replies.map((m) => m.reqId)).toEqual([...Array(10).keys()]);
  });

  test('watch events come on the same ring, between replies', () => {
    const { dom0, guest } = guestRing();
    const replies = guest.ask(XS_WATCH, strings('memory/target', 'balloon'));
    expect(replies.map((m) => m.type)).toEqual([XS_WATCH, XS_WATCH_EVENT]);
    dom0.write('/local/domain/7/memory/target', '4096');
    guest.ask(XS_READ, strings('name'));
    const events = guest.read();
    expect(events).toEqual([]);
    dom0.write('/local/domain/7/memory/target', '2048');
    const again = guest.ask(XS_READ, strings('name'));
    expect(again.map((m) => m.type)).toEqual([XS_WATCH_EVENT, XS_READ]);
    expect(splitStrings(again[0]!.payload)).toEqual(['memory/target', 'balloon']);
  });

  test('impossible indices drop that guest’s connection, and nothing else', () => {
    const { mem, xs, dom0, guest } = guestRing();
    mem.write32(RING + X.req_prod, 5000);
    xs.serviceRings();
    expect(guest.read()).toEqual([]);
    expect(xs.domains.get(7)?.conn?.closed).toBe(true);
    expect(dom0.read('/local/domain/7/name')).toBe('seven');
  });

  test('10,000 seeded malformed messages over the ring: errors only, store unchanged', () => {
    const { xs, guest } = guestRing({ outstanding: 1_000_000 });
    const before = dumpStore(xs.store);
    const rng = new Prng(99);
    for (let i = 0; i < 10_000; i++) {
      const m = malformedMessage(rng);
      const replies = guest.ask(m.type, m.payload, m.reqId);
      const reply = replies.find((r) => r.type !== XS_WATCH_EVENT);
      expect(reply?.reqId, `message ${i}`).toBe(m.reqId);
      expect(reply?.type, `message ${i} (type ${m.type})`).toBe(XS_ERROR);
    }
    expect(dumpStore(xs.store)).toBe(before);
  });
});
