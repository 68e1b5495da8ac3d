// Your working copy for chapter 10, generated from solutions/dom0/xenkbd.ts by npx xenlab stage.
// The virtual keyboard and pointer's back end in domain 0: key presses and pointer moves put on
// the front end's ring in the order they happened: book §10.2; Xen public/io/kbdif.h, QEMU
// hw/input/xenfb.c (xenfb_kbd_event, xenfb_send_key), docs/xen-abi.md §12.3.
//
// The back end is the producer of the `in` ring: it fills the slot at in_prod and only then
// moves in_prod, and never passes the front end's in_cons by a whole ring. Events that find the
// ring full wait in a bounded queue, in order, until the front end has made room (it notifies
// when it consumes); past that bound they are dropped and counted, never an exception.

import { NotImplemented } from '../exercise.ts';
import type { PhysMemory } from '../../../../sim/host.ts';
import type { Xen } from '../xen/xen.ts';
import { type EvtchnDevice, evtchnDevice } from './evtchn.ts';
import { type GrantMapping, gntdev } from './gntdev.ts';
import {
  XENKBD_IN_EVENT_SIZE,
  XENKBD_IN_RING_LEN,
  XENKBD_IN_RING_OFFS,
  XENKBD_KEY,
  XENKBD_MOTION,
  XENKBD_PAGE,
  XENKBD_POSITION,
  XENKBD_TYPE_KEY,
  XENKBD_TYPE_MOTION,
  XENKBD_TYPE_POS,
} from './kbdif.ts';

/** An input event, as the back end's user produced it. */
export type KbdEvent =
  | { type: 'key'; keycode: number; pressed: boolean }
  | { type: 'motion'; dx: number; dy: number; dz: number }
  | { type: 'position'; x: number; y: number; dz: number };

/** Events kept while the ring is full. */
export const XENKBD_QUEUE_LIMIT = 256;

/**
 * Puts `event` on the in ring of the shared page at machine address `page`: the whole 40-byte
 * slot at in_prod (modulo the ring's length) written — its fields, the rest zero — and only
 * then in_prod advanced by one. False, with nothing written, when the ring is full (in_prod is
 * a whole ring ahead of in_cons, or in_cons is not behind in_prod at all).
 */
export function xenkbdPut(mem: PhysMemory, page: number, event: KbdEvent): boolean {
  throw new NotImplemented('10-xenkbd-put', '10.2');
}

/** What the front end published in XenStore: a grant of the page (or, older, its frame). */
export interface XenkbdConnection {
  pageGref?: number;
  pageRef?: number;
  eventChannel: number;
}

/** One guest's keyboard and pointer as domain 0 feeds them. */
export class Xenkbd {
  readonly domid: number;
  /** Events waiting for room on the ring, oldest first. */
  readonly queue: KbdEvent[] = [];
  /** Events dropped because the queue was full too. */
  dropped = 0;
  /** Whether the front end asked for absolute positions (request-abs-pointer). */
  absolute = false;
  private readonly xen: Xen;
  private readonly evtchn: EvtchnDevice;
  private mapping: GrantMapping | null = null;
  private page = -1;
  private port = -1;

  constructor(xen: Xen, domid: number) {
    this.xen = xen;
    this.domid = domid;
    this.evtchn = evtchnDevice(xen);
  }

  get connected(): boolean {
    return this.page >= 0;
  }

  /** Maps the shared page (by grant, else by frame) and binds the channel. Null, or why not. */
  connect(c: XenkbdConnection, owns: (mfn: number) => number | string): string | null {
    let page: number;
    if (c.pageGref !== undefined) {
      const m = gntdev(this.xen).map(this.domid, c.pageGref);
      if (typeof m === 'number') return `page-gref ${c.pageGref}: GNTST ${m}`;
      this.mapping = m;
      page = m.address;
    } else {
      const address = owns(c.pageRef ?? -1);
      if (typeof address === 'string') return `page-ref: ${address}`;
      page = address;
    }
    try {
      this.port = this.evtchn.bindInterdomain(this.domid, c.eventChannel, () => this.flush());
    } catch (e) {
      this.unmap();
      return `event-channel ${c.eventChannel}: ${(e as Error).message}`;
    }
    this.page = page;
    return null;
  }

  disconnect(): void {
    if (this.page < 0) return;
    this.page = -1;
    this.evtchn.unbind(this.port);
    this.unmap();
    this.queue.length = 0;
  }

  private unmap(): void {
    if (this.mapping !== null) gntdev(this.xen).unmap(this.mapping);
    this.mapping = null;
  }

  /** An input event: onto the ring behind any that wait, the front end notified. */
  send(event: KbdEvent): void {
    if (this.queue.length >= XENKBD_QUEUE_LIMIT) {
      this.dropped++;
      return;
    }
    this.queue.push(event);
    this.flush();
  }

  /** Moves waiting events onto the ring while there is room; notifies if any moved. */
  flush(): void {
    if (this.page < 0) return;
    let moved = 0;
    while (moved < this.queue.length && xenkbdPut(this.xen.mem, this.page, this.queue[moved]!)) {
      moved++;
    }
    if (moved === 0) return;
    this.queue.splice(0, moved);
    this.evtchn.notify(this.port);
  }
}
