// Your working copy for chapter 10, generated from solutions/dom0/xenstored/connection.ts by npx xenlab stage.
// A client of xenstored: a guest's ring or a socket, with its watches and transactions: book
// §8.2; Xen tools/xenstored/core.h (struct connection).

import type { Requester } from './permissions.ts';
import type { Transaction } from './transaction.ts';
import type { Watch } from './watch.ts';
import { MessageReader, type XsMessage } from './wire.ts';

/** How a connection's bytes leave xenstored: the socket edge, or a guest's ring (ring.ts). */
export interface Transport {
  send(bytes: Uint8Array): void;
  /** Replies and events not yet taken by the client (the outstanding-requests quota). */
  backlog(): number;
  close(): void;
}

export class Connection implements Requester {
  readonly domid: number;
  readonly privileged: boolean;
  target: number | undefined;
  readonly transport: Transport;
  readonly reader = new MessageReader();
  /** Requests read but not yet processed (a guest over its outstanding-requests quota). */
  readonly pending: XsMessage[] = [];
  readonly watches: Watch[] = [];
  readonly transactions = new Map<number, Transaction>();
  nextTransactionId = 1;
  closed = false;

  constructor(domid: number, privileged: boolean, transport: Transport) {
    this.domid = domid;
    this.privileged = privileged;
    this.transport = transport;
  }
}
