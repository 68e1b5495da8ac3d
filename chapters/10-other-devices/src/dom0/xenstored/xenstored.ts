// Your working copy for chapter 10, generated from solutions/dom0/xenstored/xenstored.ts by npx xenlab stage.
// xenstored: domain 0's store daemon, one store for every connection: book §8.1–8.4; Xen
// tools/xenstored/core.c (process_message, wire_funcs), docs/misc/xenstore.txt.
//
// xenstored takes messages from its connections — guests' rings, the toolstack's socket — one
// at a time, to completion: look the handler up by type, refuse what a guest may not ask, find
// the transaction named by tx_id, run the handler on the store (or the transaction's view of
// it), and reply. It never throws at a client: every bad request gets an error reply, and a
// stream it cannot follow any more (a header announcing too long a payload) is closed.
// Nothing here is Node-specific: the socket lives in socket.ts, a guest's ring in ring.ts.

import { Connection as Conn, type Connection, type Transport } from './connection.ts';
import { DOMAIN_OPS, type IntroducedDomain, type RingConnector } from './ops-domains.ts';
import { NODE_OPS } from './ops-nodes.ts';
import { SESSION_OPS } from './ops-session.ts';
import { permForConn, XS_PERM_READ, type XsPermission } from './permissions.ts';
import { DEFAULT_QUOTAS, type Quotas } from './quota.ts';
import type { RingTransport } from './ring.ts';
import { type NodeView, parentOf, Store, type XsNode } from './store.ts';
import type { Transaction } from './transaction.ts';
import { watchEvents } from './watch.ts';
import {
  encodeMessage,
  strings,
  XENSTORE_PAYLOAD_MAX,
  XS_ERROR,
  XS_WATCH_EVENT,
  type XsError,
  type XsMessage,
} from './wire.ts';

/** What a handler works on: the request, who sent it, and the store as they see it. */
export interface Request {
  readonly xs: Xenstored;
  readonly conn: Connection;
  readonly msg: XsMessage;
  readonly tx: Transaction | undefined;
  /** The store, or the transaction's view of it. */
  readonly view: NodeView;
  /** Messages to send this connection after the reply (a new watch's first event). */
  readonly after: XsMessage[];
}

/** A handler's answer: the reply's payload, or an error. */
export type Handler = (r: Request) => Uint8Array | XsError;

export interface WireFunc {
  handler: Handler;
  /** Only domain 0 may ask (XS_FLAG_PRIV). */
  privileged?: boolean;
  /** tx_id is not looked up (XS_FLAG_NOTID). */
  noTransaction?: boolean;
}

/** wire_funcs: the handlers by message type. Types without one are answered ENOSYS. */
const WIRE_FUNCS: ReadonlyMap<number, WireFunc> = new Map([
  ...NODE_OPS,
  ...SESSION_OPS,
  ...DOMAIN_OPS,
]);

/** A change of a node, whose watches fire (queued inside a transaction). */
export interface NodeChange {
  path: string;
  /** Only watches on the path itself (the nodes below the root of a removal). */
  exact: boolean;
  /** The node as it was when it changed (removed nodes are gone by the time watches fire). */
  node?: XsNode;
  /** Its permissions before the change: a watcher who just lost access still hears of it. */
  oldPerms?: readonly XsPermission[];
}

export class Xenstored {
  readonly store = new Store();
  /** Every open connection, in the order they came; events go out in this order. */
  readonly connections: Connection[] = [];
  /** Introduced domains by domid; domain 0 is always introduced. */
  readonly domains = new Map<number, IntroducedDomain>();
  readonly quotas: Quotas;
  /** What XS_CONTROL print and the daemon's own warnings say. */
  readonly log: string[] = [];
  /** How INTRODUCE reaches a domain's ring (set by whoever runs xenstored beside Xen). */
  ringConnector: RingConnector | undefined;

  constructor(quotas: Partial<Quotas> = {}) {
    this.quotas = { ...DEFAULT_QUOTAS, ...quotas };
  }

  /** A new connection of domain `domid` over `transport` (domain 0's are privileged). */
  connect(domid: number, transport: Transport): Connection {
    const conn = new Conn(domid, domid === 0, transport);
    this.connections.push(conn);
    return conn;
  }

  /** Ends a connection: its watches and transactions go with it. */
  disconnect(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    conn.watches.length = 0;
    conn.transactions.clear();
    this.connections.splice(this.connections.indexOf(conn), 1);
    conn.transport.close();
  }

  /**
   * Bytes from a connection: every message they complete is processed in order. A broken
   * stream closes the connection.
   */
  receive(conn: Connection, bytes: Uint8Array): void {
    for (const msg of conn.reader.feed(bytes)) {
      if (conn.closed) return;
      this.process(conn, msg);
    }
    if (conn.reader.broken) this.disconnect(conn);
  }

  /** One request, to completion (process_message). */
  process(conn: Connection, msg: XsMessage): void {
    const after: XsMessage[] = [];
    this.reply(conn, msg, this.handle(conn, msg, after));
    for (const m of after) this.send(conn, m);
  }

  /** The handler's answer to `msg`, once the request may be handled at all. */
  private handle(conn: Connection, msg: XsMessage, after: XsMessage[]): Uint8Array | XsError {
    const func = WIRE_FUNCS.get(msg.type);
    if (func === undefined) return 'ENOSYS';
    if (func.privileged && !conn.privileged) return 'EACCES';
    let tx: Transaction | undefined;
    if (!func.noTransaction && msg.txId !== 0) {
      tx = conn.transactions.get(msg.txId);
      if (tx === undefined) return 'ENOENT';
    }
    return func.handler({ xs: this, conn, msg, tx, view: tx ?? this.store, after });
  }

  /** The reply to `msg`: its type, req_id and tx_id, with `result` or an error. */
  private reply(conn: Connection, msg: XsMessage, result: Uint8Array | XsError): void {
    const error = typeof result === 'string';
    let payload = error ? strings(result) : result;
    let type = error ? XS_ERROR : msg.type;
    if (payload.length > XENSTORE_PAYLOAD_MAX) {
      payload = strings('E2BIG');
      type = XS_ERROR;
    }
    this.send(conn, { type, reqId: msg.reqId, txId: msg.txId, payload });
  }

  send(conn: Connection, msg: XsMessage): void {
    if (!conn.closed) conn.transport.send(encodeMessage(msg));
  }

  /**
   * A node changed: inside a transaction its watches wait for the commit; otherwise every
   * connection allowed to see the node gets the events of its watches (fire_watches).
   */
  fireWatches(tx: Transaction | undefined, change: NodeChange): void {
    if (tx !== undefined) {
      tx.watches.push(change);
      return;
    }
    for (const conn of [...this.connections]) {
      if (!this.watchPermitted(conn, change)) continue;
      for (const event of watchEvents(conn.watches, change.path, change.exact)) {
        this.sendEvent(conn, event.path, event.token);
      }
    }
  }

  sendEvent(conn: Connection, path: string, token: string): void {
    const payload = strings(path, token);
    if (payload.length > XENSTORE_PAYLOAD_MAX) return;
    this.send(conn, { type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload });
  }

  /**
   * A connection hears of a change only if it may read the node, or its parent, or could read
   * the node before its permissions changed (watch_permitted).
   */
  private watchPermitted(conn: Connection, change: NodeChange): boolean {
    const reads = (perms: readonly XsPermission[]) =>
      (permForConn(conn, perms) & XS_PERM_READ) !== 0;
    if (change.oldPerms !== undefined && reads(change.oldPerms)) return true;
    const node = change.node ?? this.store.get(change.path);
    if (node === undefined) return false;
    if (reads(node.perms)) return true;
    const parent = this.store.get(parentOf(node.path));
    return parent !== undefined && reads(parent.perms);
  }

  /**
   * Serves every introduced domain's ring once (domain.c's handle_input/handle_output): queued
   * replies out as room allows, new requests in and processed — but a guest with as many
   * replies waiting as its outstanding-requests quota is not read until it takes some.
   */
  serviceRings(): void {
    for (const d of [...this.domains.values()]) {
      if (d.conn !== undefined && d.ring !== undefined && !d.conn.closed)
        this.serviceRing(d.conn, d.ring);
    }
  }

  private serviceRing(conn: Connection, ring: RingTransport): void {
    if (!this.readRing(conn, ring)) {
      this.disconnect(conn);
      return;
    }
    const limit = conn.privileged ? Number.POSITIVE_INFINITY : this.quotas.outstanding;
    while (conn.pending.length > 0 && !conn.closed && ring.backlog() < limit) {
      this.process(conn, conn.pending.shift()!);
    }
    if (!ring.flush()) this.disconnect(conn);
  }

  /** Replies out, then (unless requests still wait) new ones in; false if the ring is broken. */
  private readRing(conn: Connection, ring: RingTransport): boolean {
    if (!ring.flush()) return false;
    if (conn.pending.length > 0) return true;
    const bytes = ring.takeRequests();
    if (bytes === undefined) return false;
    conn.pending.push(...conn.reader.feed(bytes));
    return !conn.reader.broken;
  }

  /** Whether domain `domid` has been introduced (domain 0 always is). */
  introduced(domid: number): boolean {
    return domid === 0 || this.domains.has(domid);
  }
}
