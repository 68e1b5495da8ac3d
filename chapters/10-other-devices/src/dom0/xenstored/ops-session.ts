// Your working copy for chapter 10, generated from solutions/dom0/xenstored/ops-session.ts by npx xenlab stage.
// A connection's own state: WATCH, UNWATCH, RESET_WATCHES, TRANSACTION_START and
// TRANSACTION_END: book §8.4; Xen tools/xenstored/watch.c, transaction.c.

import { pathLimits } from './quota.ts';
import { canonicalize, domainPath } from './store.ts';
import { commitTransaction, Transaction, transactionConflict } from './transaction.ts';
import {
  oneArg,
  splitStrings,
  strings,
  XS_RESET_WATCHES,
  XS_TRANSACTION_END,
  XS_TRANSACTION_START,
  XS_UNWATCH,
  XS_WATCH,
  XS_WATCH_EVENT,
  type XsError,
} from './wire.ts';
import type { Request, WireFunc } from './xenstored.ts';

const OK = strings('OK');

/** A watch's path and token, the path canonical; how much of it is the home prefix. */
function watchArgs(r: Request): { path: string; token: string; prefixLength: number } | XsError {
  const args = splitStrings(r.msg.payload);
  if (args.length !== 2) return 'EINVAL';
  const [name, token] = args as [string, string];
  const limits = pathLimits(r.conn.privileged, r.xs.quotas);
  const path = canonicalize(name, r.conn.domid, true, limits);
  if (path === undefined) return 'EINVAL';
  const relative = !name.startsWith('/') && !name.startsWith('@');
  return { path, token, prefixLength: relative ? domainPath(r.conn.domid).length + 1 : 0 };
}

/** Sets a watch; its first event follows the reply at once (do_watch). */
function doWatch(r: Request): Uint8Array | XsError {
  const watch = watchArgs(r);
  if (typeof watch === 'string') return watch;
  const { watches } = r.conn;
  if (watches.some((w) => w.path === watch.path && w.token === watch.token)) return 'EEXIST';
  if (!r.conn.privileged && watches.length >= r.xs.quotas.watches) return 'E2BIG';
  watches.push(watch);
  const event = strings(watch.path.slice(watch.prefixLength), watch.token);
  r.after.push({ type: XS_WATCH_EVENT, reqId: 0, txId: 0, payload: event });
  return OK;
}

function doUnwatch(r: Request): Uint8Array | XsError {
  const watch = watchArgs(r);
  if (typeof watch === 'string') return watch;
  const { watches } = r.conn;
  const i = watches.findIndex((w) => w.path === watch.path && w.token === watch.token);
  if (i < 0) return 'ENOENT';
  watches.splice(i, 1);
  return OK;
}

/** Drops every watch and transaction of the connection (a guest's kexec, a fresh start). */
function doResetWatches(r: Request): Uint8Array | XsError {
  r.conn.watches.length = 0;
  r.conn.transactions.clear();
  return OK;
}

function doTransactionStart(r: Request): Uint8Array | XsError {
  if (r.tx !== undefined) return 'EBUSY';
  const { conn } = r;
  if (!conn.privileged && conn.transactions.size >= r.xs.quotas.transactions) return 'ENOSPC';
  const id = conn.nextTransactionId;
  conn.nextTransactionId = id >= 0xfffffffe ? 1 : id + 1;
  conn.transactions.set(id, new Transaction(id, r.xs.store));
  return strings(String(id));
}

/**
 * Ends the transaction named by tx_id: "F" drops it, "T" commits it unless a node it used
 * changed meanwhile (EAGAIN: the client starts over). The watches of its changes fire on commit.
 */
function doTransactionEnd(r: Request): Uint8Array | XsError {
  const arg = oneArg(r.msg.payload);
  if (arg !== 'T' && arg !== 'F') return 'EINVAL';
  const { tx } = r;
  if (tx === undefined) return 'ENOENT';
  r.conn.transactions.delete(tx.id);
  if (arg === 'F') return OK;
  if (transactionConflict(tx, r.xs.store)) return 'EAGAIN';
  commitTransaction(tx, r.xs.store);
  for (const change of tx.watches) r.xs.fireWatches(undefined, change);
  return OK;
}

export const SESSION_OPS: ReadonlyArray<[number, WireFunc]> = [
  [XS_WATCH, { handler: doWatch, noTransaction: true }],
  [XS_UNWATCH, { handler: doUnwatch, noTransaction: true }],
  [XS_TRANSACTION_START, { handler: doTransactionStart }],
  [XS_TRANSACTION_END, { handler: doTransactionEnd }],
  [XS_RESET_WATCHES, { handler: doResetWatches }],
];
