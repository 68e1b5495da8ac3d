// Your working copy for chapter 10, generated from solutions/dom0/xenstored/quota.ts by npx xenlab stage.
// Per-domain quotas: what one guest may take of xenstored: book §8.4; Xen tools/xenstored
// (domain.c hard_quotas, the --quota options of xenstored).
//
// xenstored serves every domain from one process, so a guest that could fill the store or queue
// endless replies would deny the service to all. Each guest is held to limits; domain 0 is not.
// Exceeding one is refused with the error Xen gives: ENOSPC for nodes, node size, permissions
// and transactions, E2BIG for watches. Outstanding requests are not refused but left unread:
// xenstored stops taking a domain's requests while that many replies wait in its ring.

import { XENSTORE_ABS_PATH_MAX, XENSTORE_REL_PATH_MAX } from './wire.ts';

export interface Quotas {
  /** Nodes a domain may own. */
  nodes: number;
  /** Bytes one node may take (nodeSize). */
  nodeSize: number;
  /** Entries one permission list may have. */
  permissions: number;
  watches: number;
  /** Transactions open at once. */
  transactions: number;
  /** Replies and events waiting for the guest before its next request is read. */
  outstanding: number;
  /** Longest path below /local/domain/N/. */
  pathLength: number;
}

/** Xen's defaults. */
export const DEFAULT_QUOTAS: Readonly<Quotas> = {
  nodes: 1000,
  nodeSize: 2048,
  permissions: 5,
  watches: 128,
  transactions: 10,
  outstanding: 20,
  pathLength: XENSTORE_REL_PATH_MAX,
};

/** The path limits of a guest, and of a privileged connection (none but the payload's). */
export function pathLimits(privileged: boolean, quotas: Quotas) {
  return privileged
    ? { relative: Number.POSITIVE_INFINITY, absolute: Number.POSITIVE_INFINITY }
    : { relative: quotas.pathLength, absolute: XENSTORE_ABS_PATH_MAX };
}
