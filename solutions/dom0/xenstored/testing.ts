// Test support: a raw xs_wire connection to an in-process xenstored, sending bytes as a client
// would and collecting every message that comes back (not staged into chapters; the chapter
// tests bring their own). Not staged.

import type { Prng } from '../../../sim/host.ts';
import type { Connection } from './connection.ts';
import {
  bytesOf,
  encodeMessage,
  MessageReader,
  splitStrings,
  strings,
  XS_CONTROL,
  XS_DIRECTORY,
  XS_DIRECTORY_PART,
  XS_ERROR,
  XS_GET_PERMS,
  XS_INTRODUCE,
  XS_INVALID,
  XS_MKDIR,
  XS_READ,
  XS_RELEASE,
  XS_RESUME,
  XS_RM,
  XS_SET_PERMS,
  XS_TRANSACTION_END,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  XS_WRITE,
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

const BAD_PATHS = ['/a b', '/x//y', '/trailing/', 'rel/', '/tab\there', '/ü', '/semi;colon', ''];

/** Bytes drawn from the seed. */
function noise(rng: Prng, max: number): Uint8Array {
  return Uint8Array.from({ length: rng.below(max + 1) }, () => rng.below(256));
}

/** A byte string with no NUL in it. */
function noNul(rng: Prng, max: number): Uint8Array {
  return Uint8Array.from({ length: 1 + rng.below(max) }, () => 1 + rng.below(255));
}

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/**
 * A well-framed request that xenstored must refuse, whoever sends it: an unknown type, an
 * unknown transaction, an argument without its NUL, a bad path, bad permissions, a wrong
 * number of arguments. None may change the store.
 */
export function malformedMessage(rng: Prng): XsMessage {
  const reqId = rng.nextU32();
  const pick = <T>(xs: readonly T[]) => xs[rng.below(xs.length)]!;
  const badPath = () => strings(pick(BAD_PATHS));
  const nodeTypes = [XS_READ, XS_WRITE, XS_MKDIR, XS_RM, XS_DIRECTORY, XS_GET_PERMS];
  const cases: (() => XsMessage)[] = [
    () => ({
      type: pick([XS_WATCH_EVENT, XS_ERROR, 20, 23 + rng.below(0xfff0), XS_INVALID]),
      reqId,
      txId: 0,
      payload: noise(rng, 64),
    }),
    () => ({
      type: pick(nodeTypes),
      reqId,
      txId: 1000 + rng.below(1 << 20),
      payload: strings('/'),
    }),
    () => ({ type: pick(nodeTypes), reqId, txId: 0, payload: noNul(rng, 40) }),
    () => ({ type: pick(nodeTypes), reqId, txId: 0, payload: badPath() }),
    () => ({ type: XS_WRITE, reqId, txId: 0, payload: concat(badPath(), noise(rng, 16)) }),
    () => ({
      type: XS_SET_PERMS,
      reqId,
      txId: 0,
      payload: concat(
        strings('/tool'),
        pick([strings('x0'), strings('r'), strings('n-1'), noNul(rng, 8)]),
      ),
    }),
    () => ({ type: XS_SET_PERMS, reqId, txId: 0, payload: strings('/tool') }),
    () => ({
      type: pick([XS_WATCH, XS_UNWATCH]),
      reqId,
      txId: 0,
      payload: pick([strings('/only'), badPath(), noNul(rng, 20)]),
    }),
    () => ({
      type: XS_TRANSACTION_END,
      reqId,
      txId: pick([0, 777]),
      payload: strings(pick(['T', 'F', 'X', ''])),
    }),
    () => ({
      type: XS_INTRODUCE,
      reqId,
      txId: 0,
      payload: pick([
        strings('1', '2'),
        strings('x', '1', '2'),
        strings('5', '1', '0'),
        strings('0', '1', '2'),
      ]),
    }),
    () => ({
      type: pick([XS_RELEASE, XS_RESUME]),
      reqId,
      txId: 0,
      payload: pick([strings('0'), strings('abc'), noNul(rng, 6), strings('4321')]),
    }),
    () => ({
      type: XS_DIRECTORY_PART,
      reqId,
      txId: 0,
      payload: pick([strings('/'), strings('/', '0', '1'), badPath()]),
    }),
    () => ({
      type: XS_CONTROL,
      reqId,
      txId: 0,
      payload: pick([strings('no-such-command'), strings('print'), noNul(rng, 10)]),
    }),
  ];
  return pick(cases)();
}
