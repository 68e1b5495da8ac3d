// A network front end's receive side written in the test, acting for a guest that does not run:
// it grants the guest's pages, lays netif rx requests into a shared ring and reads the
// responses, with the wire format written out here from Xen's public/io/netif.h and io/ring.h
// (x86_32), not taken from the tree under test — so a back end that lays a response out wrongly
// fails. The tree provides only what a guest kernel gets from Xen: its memory and grant table.

import type { PhysMemory } from '../../sim/host.ts';
import { grantAccess, PAGE, REQ_PROD, RING, RSP_PROD, sharedRingInit } from './front-end.ts';

/** netif.h: an rx slot is 8 bytes; 256 fit one page. */
export const RX_SLOT = 8;
export const RX_RING_SIZE = 256;

export const NETIF_RSP_ERROR = -1;

/** What a guest kernel has: its memory, its grant table's frames, pages of its own to use. */
export interface NetGuest {
  readonly mem: PhysMemory;
  readonly domid: number;
  readonly grantFrames: readonly number[];
  /** Machine frames of the guest's own the front end may use as its pages. */
  readonly pages: readonly number[];
}

/** One rx response as the front end reads it. */
export interface RxResponse {
  id: number;
  offset: number;
  flags: number;
  status: number;
}

/** The rx ring of a vif, from the guest's side, with indices starting at `start`. */
export class RxFront {
  readonly guest: NetGuest;
  /** Machine address of the ring page. */
  readonly sring: number;
  private next = 1;
  reqProd: number;
  rspCons: number;

  constructor(guest: NetGuest, start: number) {
    this.guest = guest;
    this.sring = this.takePage() * PAGE;
    sharedRingInit(guest.mem, this.sring, start);
    this.reqProd = start >>> 0;
    this.rspCons = start >>> 0;
  }

  /** A fresh page of the guest's (the ring page is the first). */
  takePage(): number {
    const mfn = this.guest.pages[this.next++ - 1];
    if (mfn === undefined) throw new Error('netfront: the guest has no pages left');
    return mfn;
  }

  /** Grant entry `ref` of the guest: `mfn` for domain `to`, read-only or writable. */
  grant(ref: number, mfn: number, to: number, readonly: boolean): void {
    grantAccess(this.guest.mem, this.guest.grantFrames, ref, mfn, to, readonly);
  }

  /** The address of the slot index `i` names. */
  slot(i: number): number {
    return this.sring + RING + (i & (RX_RING_SIZE - 1)) * RX_SLOT;
  }

  /** Posts an rx request {id, gref} and publishes it. */
  post(id: number, gref: number): void {
    const s = this.slot(this.reqProd);
    this.guest.mem.write16(s, id);
    this.guest.mem.write16(s + 2, 0);
    this.guest.mem.write32(s + 4, gref);
    this.reqProd = (this.reqProd + 1) >>> 0;
    this.guest.mem.write32(this.sring + REQ_PROD, this.reqProd);
  }

  /** The response in the slot index `i` names, whether or not it is published. */
  responseAt(i: number): RxResponse {
    const s = this.slot(i);
    const mem = this.guest.mem;
    return {
      id: mem.read16(s),
      offset: mem.read16(s + 2),
      flags: mem.read16(s + 4),
      status: (mem.read16(s + 6) << 16) >> 16,
    };
  }

  /** rsp_prod as the back end published it. */
  get rspProd(): number {
    return this.guest.mem.read32(this.sring + RSP_PROD) >>> 0;
  }
}
