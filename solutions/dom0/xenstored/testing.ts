// Test support: a raw xs_wire connection to an in-process xenstored, sending bytes as a client
// would and collecting every message that comes back (not staged into chapters; the chapter
// tests bring their own). Not staged.

import type { Connection } from './connection.ts';
import {
  bytesOf,
  encodeMessage,
  MessageReader,
  splitStrings,
  strings,
  XS_ERROR,
  XS_WATCH_EVENT,
  type XsMessage,
} from './wire.ts';
import type { Xenstored } from './xenstored.ts';

export class RawClient {
  readonly conn: Connection;
  private readonly xs: Xenstored;
  private readonly reader = new MessageReader();
  readonly received: XsMessage[] = [];
  closed = false;
  private reqId = 1;

  constructor(xs: Xenstored, domid: number) {
    this.xs = xs;
    this.conn = xs.connect(domid, {
      send: (bytes) => this.received.push(...this.reader.feed(bytes)),
      backlog: () => 0,
      close: () => {
        this.closed = true;
      },
    });
  }

  sendBytes(bytes: Uint8Array): void {
    this.xs.receive(this.conn, bytes);
  }

  /** Sends a request; returns what came back for it: "OK", a value, or "ERR:ENOENT". */
  ask(type: number, args: (string | Uint8Array)[], txId = 0): string {
    const reqId = this.reqId++;
    const payload = args.map((a) => (typeof a === 'string' ? strings(a) : a));
    const bytes = new Uint8Array(payload.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of payload) {
      bytes.set(p, at);
      at += p.length;
    }
    this.sendBytes(encodeMessage({ type, reqId, txId, payload: bytes }));
    const reply = this.received.find((m) => m.reqId === reqId && m.type !== XS_WATCH_EVENT);
    if (reply === undefined) return 'NO REPLY';
    this.received.splice(this.received.indexOf(reply), 1);
    const text = splitStrings(reply.payload);
    if (reply.type === XS_ERROR) return `ERR:${text[0]}`;
    return text.length === 0 ? new TextDecoder().decode(reply.payload) : text.join('|');
  }

  /** Watch events received so far, as "path token", taken. */
  events(): string[] {
    const out: string[] = [];
    for (const m of this.received.filter((x) => x.type === XS_WATCH_EVENT)) {
      out.push(splitStrings(m.payload).join(' '));
      this.received.splice(this.received.indexOf(m), 1);
    }
    return out;
  }
}

/** A write request's two arguments: the path, NUL, then the value without one. */
export function writeArgs(path: string, value: string): Uint8Array[] {
  return [strings(path), bytesOf(value)];
}
