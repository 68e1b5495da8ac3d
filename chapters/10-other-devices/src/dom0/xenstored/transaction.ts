// Your working copy for chapter 10, generated from solutions/dom0/xenstored/transaction.ts by npx xenlab stage.
// Transactions: a private view of the store, committed only if nothing it read has changed:
// book §8.4.1; Xen tools/xenstored/transaction.c, docs/misc/xenstore.txt (TRANSACTION_*).
//
// A transaction reads through to the store and keeps the changes it makes to itself. For every
// node it touches it remembers the generation it saw (NO_GENERATION for a node that did not
// exist). At TRANSACTION_END "T" the store must still hold each of those nodes at that
// generation; if any changed — a write, a new or removed child, new permissions — the commit
// fails with EAGAIN and the client runs the whole transaction again. Nothing is locked, so a
// transaction never waits and never blocks anyone: optimistic concurrency.

import { NO_GENERATION, type NodeView, type Store, type XsNode } from './store.ts';

/** A change a transaction made, whose watches fire when it commits. */
export interface QueuedWatch {
  path: string;
  exact: boolean;
}

export class Transaction implements NodeView {
  readonly id: number;
  private readonly store: Store;
  /** Generation of every node the transaction read or changed, as it first saw it. */
  readonly accessed = new Map<string, number>();
  /** The transaction's own nodes: a changed copy, or null for a node it removed. */
  readonly changes = new Map<string, XsNode | null>();
  /** Watches to fire on commit, in the order the changes were made. */
  readonly watches: QueuedWatch[] = [];

  constructor(id: number, store: Store) {
    this.id = id;
    this.store = store;
  }

  get(path: string): XsNode | undefined {
    const own = this.changes.get(path);
    if (own !== undefined) return own ?? undefined;
    const node = this.store.get(path);
    if (!this.accessed.has(path)) this.accessed.set(path, node?.generation ?? NO_GENERATION);
    return node;
  }

  put(node: XsNode): void {
    this.get(node.path);
    this.changes.set(node.path, node);
  }

  remove(path: string): void {
    this.get(path);
    this.changes.set(path, null);
  }

  *nodes(): Iterable<XsNode> {
    for (const node of this.store.nodes()) {
      if (!this.changes.has(node.path)) yield node;
    }
    for (const node of this.changes.values()) if (node !== null) yield node;
  }
}

/**
 * Whether committing `tx` now would lose someone else's change: some node it accessed is not,
 * in `store`, at the generation the transaction saw (a node that did not exist then must still
 * not exist). Then the commit fails with EAGAIN.
 */
export function transactionConflict(tx: Transaction, store: NodeView): boolean {
  for (const [path, seen] of tx.accessed) {
    if ((store.get(path)?.generation ?? NO_GENERATION) !== seen) return true;
  }
  return false;
}

/** Applies a transaction's changes to the store (after transactionConflict said none). */
export function commitTransaction(tx: Transaction, store: Store): void {
  for (const [path, node] of tx.changes) {
    if (node === null) store.remove(path);
    else store.put(node);
  }
}
