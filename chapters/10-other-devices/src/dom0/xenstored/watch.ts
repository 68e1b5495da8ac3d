// Your working copy for chapter 10, generated from solutions/dom0/xenstored/watch.ts by npx xenlab stage.
// Watches: a connection asks to hear about changes at or below a path: book §8.4.2; Xen
// tools/xenstored/watch.c, docs/misc/xenstore.txt (WATCH, WATCH_EVENT).
//
// A watch is a path and a token the client chooses. When a node at or below the path changes
// (written, made, removed, given new permissions) the client gets a WATCH_EVENT carrying the
// node's path and the token, so one client can tell its watches apart. A watch set with a
// relative path reports relative paths. Events are hints, not a log: a client reads the store
// to learn what changed. "@introduceDomain" and "@releaseDomain" are watched like paths and
// fire when the toolstack introduces or releases a domain.

import { isChild } from './store.ts';

export interface Watch {
  /** The canonical (absolute) path watched. */
  path: string;
  token: string;
  /** Characters cut from the front of event paths: the home prefix of a relative watch. */
  prefixLength: number;
}

/** What a WATCH_EVENT carries. */
export interface WatchEvent {
  path: string;
  token: string;
}

/**
 * The events one connection's `watches` produce for a change of node `path` (fire_watches).
 * Normally a watch fires for a change at its own path or anywhere below it; `exact` (the nodes
 * below the root of a removal) fires only watches on `path` itself. Each event carries `path`
 * as the watch's client named it (without its prefix) and the watch's token, in the order the
 * watches were set.
 */
export function watchEvents(watches: readonly Watch[], path: string, exact: boolean): WatchEvent[] {
  return watches
    .filter((w) => (exact ? path === w.path : isChild(path, w.path)))
    .map((w) => ({ path: path.slice(w.prefixLength), token: w.token }));
}
