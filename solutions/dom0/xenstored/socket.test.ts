// xenstored on a real Unix socket, spoken to in xs_wire by a client of our own: the tier of
// `npm test` that needs no Xen tools (xenstore-utils.test.ts runs Debian's).

import { mkdtempSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { Prng } from '../../../sim/host.ts';
import { listenXenstored } from './socket.ts';
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

/** A socket client: sends bytes, and waits for messages. */
class SocketClient {
  private readonly reader = new MessageReader();
  private readonly inbox: XsMessage[] = [];
  private wake: (() => void) | undefined;
  closed = false;
  readonly socket: Socket;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.inbox.push(...this.reader.feed(new Uint8Array(d)));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
  }

  static open(path: string): Promise<SocketClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new SocketClient(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** The next message, or undefined once the server closed the connection. */
  async next(): Promise<XsMessage | undefined> {
    while (this.inbox.length === 0 && !this.closed) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    return this.inbox.shift();
  }

  async ask(type: number, payload: Uint8Array, reqId = 1): Promise<XsMessage> {
    this.send(encodeMessage({ type, reqId, txId: 0, payload }));
    const m = await this.next();
    if (m === undefined) throw new Error('connection closed');
    return m;
  }
}

const servers: Server[] = [];
const clients: SocketClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.socket.destroy();
  for (const s of servers.splice(0)) s.close();
});

async function serve() {
  const xs = new Xenstored();
  const path = join(mkdtempSync(join(tmpdir(), 'xenlab-xs-')), 'socket');
  servers.push(await listenXenstored(xs, path));
  const open = async () => {
    const c = await SocketClient.open(path);
    clients.push(c);
    return c;
  };
  return { xs, open };
}

describe('xenstored on a Unix socket', () => {
  test('requests and replies in xs_wire, req_id echoed', async () => {
    const { open } = await serve();
    const c = await open();
    const w = await c.ask(XS_WRITE, new Uint8Array([...strings('/sock/a'), 104, 105]), 41);
    expect([w.type, w.reqId, splitStrings(w.payload)]).toEqual([XS_WRITE, 41, ['OK']]);
    const r = await c.ask(XS_READ, strings('/sock/a'), 42);
    expect([r.type, r.reqId, new TextDecoder().decode(r.payload)]).toEqual([XS_READ, 42, 'hi']);
    const e = await c.ask(XS_READ, strings('/sock/none'), 43);
    expect([e.type, splitStrings(e.payload)]).toEqual([XS_ERROR, ['ENOENT']]);
  });

  test('a watch on one connection hears a write on another', async () => {
    const { open } = await serve();
    const watcher = await open();
    const writer = await open();
    expect((await watcher.ask(XS_WATCH, strings('/shared', 'tok'))).type).toBe(XS_WATCH);
    expect(splitStrings((await watcher.next())!.payload)).toEqual(['/shared', 'tok']);
    await writer.ask(XS_WRITE, new Uint8Array([...strings('/shared/x'), 49]));
    const event = await watcher.next();
    expect([event!.type, splitStrings(event!.payload)]).toEqual([
      XS_WATCH_EVENT,
      ['/shared/x', 'tok'],
    ]);
  });

  test('10,000 seeded malformed messages in random pieces: errors only, store unchanged', async () => {
    const { xs, open } = await serve();
    const before = dumpStore(xs.store);
    const c = await open();
    const rng = new Prng(808);
    const sent: XsMessage[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const bytes: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const m = malformedMessage(rng);
        sent.push(m);
        bytes.push(...encodeMessage(m));
      }
      for (let at = 0; at < bytes.length; ) {
        const n = 1 + rng.below(3000);
        c.send(Uint8Array.from(bytes.slice(at, at + n)));
        at += n;
      }
    }
    for (const m of sent) {
      const reply = await c.next();
      expect(reply?.reqId).toBe(m.reqId);
      expect(reply?.type, `type ${m.type} refused`).toBe(XS_ERROR);
    }
    expect(dumpStore(xs.store)).toBe(before);
  });

  test('a header announcing more than 4096 bytes closes that connection only', async () => {
    const { open } = await serve();
    const bad = await open();
    const good = await open();
    const header = new Uint8Array(16);
    new DataView(header.buffer).setUint32(12, 5000, true);
    bad.send(header);
    expect(await bad.next()).toBeUndefined();
    expect(bad.closed).toBe(true);
    expect((await good.ask(XS_READ, strings('/tool/xenstored'))).type).toBe(XS_READ);
  });
});
