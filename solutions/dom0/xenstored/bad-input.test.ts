// xenstored against bad and hostile clients: malformed messages, broken streams, guests
// attacking each other, and transactions of many clients interleaved.

import { describe, expect, test } from 'vitest';
import { Prng } from '../../../sim/host.ts';
import { dumpStore } from './store.ts';
import { malformedMessage, RawClient, writeArgs } from './testing.ts';
import {
  encodeMessage,
  splitStrings,
  strings,
  XS_ERROR,
  XS_MKDIR,
  XS_READ,
  XS_SET_PERMS,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
  XSD_ERRORS,
} from './wire.ts';
import { Xenstored } from './xenstored.ts';

/** A store with some content and two guests' homes. */
function populated() {
  const xs = new Xenstored();
  const dom0 = new RawClient(xs, 0);
  for (const domid of [3, 4]) {
    dom0.ask(XS_WRITE, writeArgs(`/local/domain/${domid}/name`, `guest${domid}`));
    dom0.ask(XS_SET_PERMS, [`/local/domain/${domid}`, `n${domid}`]);
  }
  dom0.ask(XS_WRITE, writeArgs('/vm/uuid', '1234'));
  return { xs, dom0 };
}

describe('malformed messages', () => {
  test('10,000 seeded ones each get an error reply and change nothing', () => {
    const rng = new Prng(2026);
    const { xs } = populated();
    const before = dumpStore(xs.store);
    const clients = [new RawClient(xs, 0), new RawClient(xs, 3)];
    for (let i = 0; i < 10_000; i++) {
      const client = clients[i % 2]!;
      const msg = malformedMessage(rng);
      client.sendBytes(encodeMessage(msg));
      const reply = client.received.shift();
      expect(reply, `message ${i} (type ${msg.type}) got a reply`).toBeDefined();
      expect(reply!.type, `message ${i} (type ${msg.type}) is refused`).toBe(XS_ERROR);
      expect(reply!.reqId).toBe(msg.reqId);
      expect(XSD_ERRORS).toContain(splitStrings(reply!.payload)[0]);
      expect(client.received).toEqual([]);
    }
    expect(dumpStore(xs.store)).toBe(before);
  });

  test('random byte streams in random pieces: replies or a closed connection, never a throw', () => {
    const rng = new Prng(7);
    const { xs } = populated();
    const before = dumpStore(xs.store);
    for (let c = 0; c < 500; c++) {
      const client = new RawClient(xs, c % 2 === 0 ? 0 : 3);
      const bytes = Uint8Array.from({ length: rng.below(200) }, () => rng.below(256));
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + rng.below(17);
        client.sendBytes(bytes.subarray(at, at + n));
        at += n;
      }
      for (const m of client.received) expect(m.type).toBe(XS_ERROR);
    }
    expect(dumpStore(xs.store)).toBe(before);
  });

  test('a truncated header waits; a payload over 4096 bytes closes the connection', () => {
    const { xs } = populated();
    const before = dumpStore(xs.store);
    const client = new RawClient(xs, 0);
    const msg = encodeMessage({ type: XS_READ, reqId: 1, txId: 0, payload: strings('/vm/uuid') });
    client.sendBytes(msg.subarray(0, 10));
    expect(client.received).toEqual([]);
    client.sendBytes(msg.subarray(10));
    expect(client.received.map((m) => m.type)).toEqual([XS_READ]);
    const big = encodeMessage({ type: XS_WRITE, reqId: 2, txId: 0, payload: new Uint8Array(4097) });
    client.sendBytes(big);
    expect(client.closed).toBe(true);
    const exact = new RawClient(xs, 0);
    const payload = new Uint8Array([...strings('/big'), ...new Uint8Array(4096 - 5).fill(65)]);
    expect(exact.ask(XS_WRITE, [payload])).toBe('OK');
    expect(dumpStore(xs.store)).not.toBe(before);
  });
});

describe('attacks by a guest', () => {
  test('another domain’s subtree is neither readable, writable nor listable', () => {
    const { xs, dom0 } = populated();
    const before = dumpStore(xs.store);
    const g = new RawClient(xs, 3);
    for (const [type, args] of [
      [XS_READ, ['/local/domain/4/name']],
      [XS_WRITE, writeArgs('/local/domain/4/name', 'owned')],
      [XS_WRITE, writeArgs('/local/domain/4/new/deep', 'x')],
      [XS_MKDIR, ['/local/domain/4/dir']],
      [XS_SET_PERMS, ['/local/domain/4/name', 'b3']],
      [XS_WRITE, writeArgs('/vm/uuid', 'x')],
      [XS_WRITE, writeArgs('/tool/evil', 'x')],
    ] as const) {
      expect(g.ask(type, [...args]), `${type} ${args[0]}`).toBe('ERR:EACCES');
    }
    expect(dumpStore(xs.store)).toBe(before);
    expect(dom0.ask(XS_READ, ['/local/domain/4/name'])).toBe('guest4');
  });

  test('a forged watch event is refused and reaches no one', () => {
    const { xs, dom0 } = populated();
    dom0.ask(XS_WATCH, ['/local/domain/4', 'tok']);
    dom0.events();
    const g = new RawClient(xs, 3);
    expect(g.ask(XS_WATCH_EVENT, ['/local/domain/4/name', 'tok'])).toBe('ERR:ENOSYS');
    expect(dom0.events()).toEqual([]);
  });

  test('a guest watching everything hears nothing of other domains', () => {
    const { xs, dom0 } = populated();
    const g = new RawClient(xs, 3);
    g.ask(XS_WATCH, ['/local/domain/4', 'spy']);
    expect(g.events()).toEqual(['/local/domain/4 spy']);
    dom0.ask(XS_WRITE, writeArgs('/local/domain/4/name', 'renamed'));
    expect(g.events()).toEqual([]);
  });

  test('a guest flooding the store stops at its quota, and others still work', () => {
    const { xs, dom0 } = populated();
    const g = new RawClient(xs, 3);
    let made = 0;
    while (g.ask(XS_MKDIR, [`flood/${made}`]) === 'OK') made++;
    expect(made).toBeLessThan(xs.quotas.nodes);
    expect(g.ask(XS_MKDIR, ['flood/more'])).toBe('ERR:ENOSPC');
    const g4 = new RawClient(xs, 4);
    expect(g4.ask(XS_WRITE, writeArgs('/local/domain/4/ok', '1'))).toBe('OK');
    expect(dom0.ask(XS_WRITE, writeArgs('/vm/ok', '1'))).toBe('OK');
  });
});

describe('transactions of concurrent clients', () => {
  test('seeded interleavings of read-increment-write serialise: no increment is lost', () => {
    for (const seed of [1, 2, 3]) {
      const rng = new Prng(seed);
      const xs = new Xenstored();
      const clients = Array.from({ length: 5 }, () => new RawClient(xs, 0));
      clients[0]!.ask(XS_WRITE, writeArgs('/counter', '0'));
      // Each client runs a transaction as steps: start, read, write, commit.
      const state = clients.map(() => ({ step: 0, tx: 0, value: 0, done: 0, retries: 0 }));
      const goal = 20;
      while (state.some((s) => s.done < goal)) {
        const i = rng.below(clients.length);
        const c = clients[i]!;
        const s = state[i]!;
        if (s.done >= goal) continue;
        if (s.step === 0) s.tx = Number(c.ask(XS_TRANSACTION_START, ['']));
        else if (s.step === 1) s.value = Number(c.ask(XS_READ, ['/counter'], s.tx));
        else if (s.step === 2) c.ask(XS_WRITE, writeArgs('/counter', String(s.value + 1)), s.tx);
        else {
          const r = c.ask(XS_TRANSACTION_END, ['T'], s.tx);
          if (r === 'OK') s.done++;
          else {
            expect(r).toBe('ERR:EAGAIN');
            s.retries++;
          }
        }
        s.step = (s.step + 1) % 4;
      }
      expect(clients[0]!.ask(XS_READ, ['/counter']), `seed ${seed}`).toBe(String(5 * goal));
      expect(
        state.some((s) => s.retries > 0),
        'the interleaving caused conflicts',
      ).toBe(true);
    }
  });
});
