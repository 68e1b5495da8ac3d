// The `xenstore` inspector (chapter 08, book §8.1–8.5): domain 0's store as xenstored keeps it —
// every node with its value and permission list, each connection's watches, and the
// transactions open, with how many nodes each has used so far.

import { formatPermission } from '../../../../solutions/dom0/xenstored/permissions.ts';
import { stringOf } from '../../../../solutions/dom0/xenstored/wire.ts';
import { type GuestSession, PvSession } from './session.ts';

/** Longest value shown; the rest is cut. */
const VALUE_MAX = 64;

export interface XenStoreNodeView {
  path: string;
  value: string;
  perms: string;
  generation: number;
}

export interface XenStoreConnectionView {
  domid: number;
  watches: { path: string; token: string }[];
  transactions: { id: number; accessed: number; changed: number }[];
}

export interface XenStoreView {
  generation: number;
  nodes: XenStoreNodeView[];
  connections: XenStoreConnectionView[];
}

export function xenstore(session: GuestSession): XenStoreView | null {
  if (!(session instanceof PvSession)) return null;
  const xs = session.toolstack.xenstored;
  const nodes = [...xs.store.nodes()]
    .map((n) => {
      const value = stringOf(n.value);
      return {
        path: n.path,
        value: value.length > VALUE_MAX ? `${value.slice(0, VALUE_MAX)}…` : value,
        perms: n.perms.map(formatPermission).join(' '),
        generation: n.generation,
      };
    })
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const connections = xs.connections.map((c) => ({
    domid: c.domid,
    watches: c.watches.map((w) => ({ path: w.path, token: w.token })),
    transactions: [...c.transactions.values()].map((t) => ({
      id: t.id,
      accessed: t.accessed.size,
      changed: t.changes.size,
    })),
  }));
  return { generation: xs.store.generation, nodes, connections };
}
