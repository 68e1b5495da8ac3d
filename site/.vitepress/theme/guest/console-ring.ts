// The `console-ring` inspector (chapter 06, book §6.7): the guest's console page as both ends
// see it — the four indices of xencons_interface, which slots of `out` and `in` hold bytes not
// yet taken, and those bytes — and what domain 0's back end has drained and still holds.

import { PAGE_SIZE } from '../../../../sim/host.ts';
import {
  START_INFO,
  XENCONS,
  XENCONS_IN_SIZE,
  XENCONS_OUT_SIZE,
} from '../../../../solutions/xen/abi.ts';
import { type GuestSession, PvSession } from './session.ts';

/** One byte ring of the console page. */
export interface ByteRingView {
  size: number;
  cons: number;
  prod: number;
  /** prod − cons modulo 2^32: bytes published and not yet taken (more than size: broken). */
  pending: number;
  /** The pending bytes in order, at most `size` of them. */
  bytes: number[];
}

export interface ConsoleRingView {
  /** Machine address of the page. */
  ring: number;
  /** The guest's console port (start_info.console.domU.evtchn). */
  port: number;
  out: ByteRingView;
  in: ByteRingView;
  /** Typed bytes the back end holds until `in` has room. */
  waitingInput: number;
  /** Why the back end closed this console, or null. */
  closed: string | null;
}

function byteRing(session: PvSession, ring: number, at: number, size: number, consAt: number) {
  const mem = session.xen.mem;
  const cons = mem.read32(ring + consAt) >>> 0;
  const prod = mem.read32(ring + consAt + 4) >>> 0;
  const pending = (prod - cons) >>> 0;
  const bytes = Array.from({ length: Math.min(pending, size) }, (_, i) =>
    mem.read8(ring + at + (((cons + i) >>> 0) & (size - 1))),
  );
  return { size, cons, prod, pending, bytes };
}

/** The leader domain's console page and its back end's state; null for a guest without one. */
export function consoleRing(session: GuestSession): ConsoleRingView | null {
  if (!(session instanceof PvSession)) return null;
  const { domain, xen, toolstack } = session;
  const startInfo = domain.p2m[domain.startInfoPfn]! * PAGE_SIZE;
  const ring = xen.mem.read32(startInfo + START_INFO.console_domU_mfn) * PAGE_SIZE;
  return {
    ring,
    port: xen.mem.read32(startInfo + START_INFO.console_domU_evtchn),
    out: byteRing(session, ring, XENCONS.out, XENCONS_OUT_SIZE, XENCONS.out_cons),
    in: byteRing(session, ring, XENCONS.in, XENCONS_IN_SIZE, XENCONS.in_cons),
    waitingInput: toolstack.consoled.pendingInput(domain.domid),
    closed: toolstack.consoled.closedReason(domain.domid),
  };
}
