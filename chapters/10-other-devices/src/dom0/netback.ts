// Your working copy for chapter 10, generated from solutions/dom0/netback.ts by npx xenlab stage.
// The network back end in domain 0, one per vif: the guest's transmitted frames taken off its
// tx ring by grant copy, frames for it copied into the pages it posted on its rx ring: book
// §9.2.2–9.2.3; Linux drivers/net/xen-netback (netback.c: xenvif_tx_build_gops,
// xenvif_rx_action; interface.c), Xen public/io/netif.h, docs/xen-abi.md §12.2.
//
// Domain 0 never maps a guest's packet pages: each frame crosses by one GNTTABOP_copy, which
// checks the guest's grant each time (gntdev.ts). Only the two ring pages are mapped, for as
// long as the vif is connected. A frame the guest sends goes to `output` (the bridge); a frame
// for the guest waits in a short queue until the guest has posted an rx buffer. A request that
// is wrong — a grant the guest did not give, a frame that leaves its page, too short or too long
// for Ethernet, split over slots this back end did not offer — is answered NETIF_RSP_ERROR and
// the vif carries on; a front end that breaks the ring itself loses its vif, and nothing else.

import type { PhysMemory } from '../../../../sim/host.ts';
import { PAGE_SIZE } from '../../../../sim/host.ts';
import { GNTST_okay, SRING } from '../xen/abi.ts';
import type { Xen } from '../xen/xen.ts';
import { type EvtchnDevice, evtchnDevice } from './evtchn.ts';
import { type Gntdev, type GrantMapping, gntdev } from './gntdev.ts';
import {
  ETH_FRAME_LEN,
  ETH_HLEN,
  NETIF_RSP_ERROR,
  NETIF_RSP_NULL,
  NETIF_RSP_OKAY,
  NETIF_RX_REQUEST,
  NETIF_RX_RESPONSE,
  NETIF_RX_SLOT,
  NETIF_TX_REQUEST,
  NETIF_TX_RESPONSE,
  NETIF_TX_SLOT,
  NETTXF_extra_info,
  NETTXF_more_data,
} from './netif.ts';
import {
  type BackRing,
  backRingInit,
  ringFinalCheckForRequests,
  ringPushResponsesAndCheckNotify,
  ringRequestProdOverflow,
  ringSlot,
  ringUnconsumedRequests,
} from './ring.ts';

/** Frames a vif holds for its guest while no rx buffer is posted; more are dropped. */
export const RX_QUEUE_LIMIT = 64;

/** What the front end published in XenStore: its rings' grants and its event channel. */
export interface VifConnection {
  txRingRef: number;
  rxRingRef: number;
  eventChannel: number;
}

/** Counters `xl network-list` and the tests read. */
export interface VifStats {
  txFrames: number;
  txErrors: number;
  rxFrames: number;
  rxErrors: number;
  rxDropped: number;
}

/** One connected tx request, as read from its slot. */
interface TxRequest {
  gref: number;
  offset: number;
  flags: number;
  id: number;
  size: number;
}

/** The back end of vif `handle` of domain `domid`. */
export class Vif {
  readonly domid: number;
  readonly handle: number;
  /** Where the guest's frames go (the bridge's input). */
  output: (vif: Vif, frame: Uint8Array) => void = () => {};
  /** Why the vif stopped, once it has. */
  log: (line: string) => void = () => {};
  readonly stats: VifStats = { txFrames: 0, txErrors: 0, rxFrames: 0, rxErrors: 0, rxDropped: 0 };
  private readonly mem: PhysMemory;
  private readonly grants: Gntdev;
  private readonly evtchn: EvtchnDevice;
  private tx: BackRing | null = null;
  private rx: BackRing | null = null;
  private rings: GrantMapping[] = [];
  private port = 0;
  private readonly rxQueue: Uint8Array[] = [];

  constructor(xen: Xen, domid: number, handle: number) {
    this.mem = xen.mem;
    this.grants = gntdev(xen);
    this.evtchn = evtchnDevice(xen);
    this.domid = domid;
    this.handle = handle;
  }

  get name(): string {
    return `vif${this.domid}.${this.handle}`;
  }

  get connected(): boolean {
    return this.tx !== null;
  }

  /**
   * Maps the front end's two ring pages and binds its event channel (xenvif_connect_data).
   * Returns null, or why it could not connect (nothing is left half done).
   */
  connect(c: VifConnection): string | null {
    const tx = this.grants.map(this.domid, c.txRingRef);
    if (typeof tx === 'number') return `tx-ring-ref ${c.txRingRef}: GNTST ${tx}`;
    const rx = this.grants.map(this.domid, c.rxRingRef);
    if (typeof rx === 'number') {
      this.grants.unmap(tx);
      return `rx-ring-ref ${c.rxRingRef}: GNTST ${rx}`;
    }
    try {
      this.port = this.evtchn.bindInterdomain(this.domid, c.eventChannel, () => this.interrupt());
    } catch (e) {
      this.grants.unmap(tx);
      this.grants.unmap(rx);
      return `event-channel ${c.eventChannel}: ${(e as Error).message}`;
    }
    this.rings = [tx, rx];
    this.tx = backRingInit(this.mem, tx.address, NETIF_TX_SLOT);
    this.rx = backRingInit(this.mem, rx.address, NETIF_RX_SLOT);
    return null;
  }

  /** Unbinds the channel and unmaps the rings (xenvif_disconnect_data); queued frames go. */
  disconnect(): void {
    if (this.tx === null) return;
    this.tx = null;
    this.rx = null;
    this.rxQueue.length = 0;
    this.evtchn.unbind(this.port);
    for (const m of this.rings) this.grants.unmap(m);
    this.rings = [];
  }

  /** The guest sent on its channel: new tx requests, perhaps new rx buffers. */
  interrupt(): void {
    this.txAction();
    this.rxAction();
  }

  /** A frame for the guest (from the bridge): queued, then copied when a buffer is posted. */
  deliver(frame: Uint8Array): void {
    if (this.rx === null) return;
    if (this.rxQueue.length >= RX_QUEUE_LIMIT) {
      this.stats.rxDropped++;
      return;
    }
    this.rxQueue.push(frame);
    this.rxAction();
  }

  /** Frames waiting for an rx buffer. */
  get pendingRx(): number {
    return this.rxQueue.length;
  }

  /**
   * xenvif_tx_action: every published tx request is answered, in order; a good one's frame is
   * copied out of the guest's page and handed to `output` after its response is queued.
   */
  private txAction(): void {
    const ring = this.tx;
    if (ring === null) return;
    const frames: Uint8Array[] = [];
    do {
      if (ringRequestProdOverflow(ring, ring.mem.read32(ring.sring + SRING.req_prod))) {
        this.fail('tx req_prod runs more than a ring ahead of the responses');
        return;
      }
      while (ringUnconsumedRequests(ring) > 0) {
        const req = readTxRequest(ring, ring.reqCons++);
        if ((req.flags & (NETTXF_more_data | NETTXF_extra_info)) !== 0) {
          this.skipUnoffered(ring, req);
          continue;
        }
        const frame = this.txCopy(req);
        if (frame === null) this.stats.txErrors++;
        else frames.push(frame);
        this.txRespond(ring, req.id, frame === null ? NETIF_RSP_ERROR : NETIF_RSP_OKAY);
      }
    } while (ringFinalCheckForRequests(ring));
    if (ringPushResponsesAndCheckNotify(ring)) this.evtchn.notify(this.port);
    for (const frame of frames) {
      this.stats.txFrames++;
      this.output(this, frame);
    }
  }

  /** The frame a tx request names, copied out of the guest's grant; null when it is wrong. */
  private txCopy(req: TxRequest): Uint8Array | null {
    if (req.size < ETH_HLEN || req.size > ETH_FRAME_LEN) return null;
    if (req.offset + req.size > PAGE_SIZE) return null;
    const bytes = this.grants.copyFrom(this.domid, req.gref, req.offset, req.size);
    return typeof bytes === 'number' ? null : bytes;
  }

  /**
   * A request that needs a feature this back end does not offer (feature-sg, GSO): it and the
   * slots that belong to it are answered — the fragments NETIF_RSP_ERROR, an extra_info slot
   * NETIF_RSP_NULL, as netif.h has extras answered.
   */
  private skipUnoffered(ring: BackRing, first: TxRequest): void {
    this.stats.txErrors++;
    this.txRespond(ring, first.id, NETIF_RSP_ERROR);
    let flags = first.flags;
    while ((flags & (NETTXF_more_data | NETTXF_extra_info)) !== 0) {
      if (ringUnconsumedRequests(ring) === 0) return;
      const next = readTxRequest(ring, ring.reqCons++);
      if ((flags & NETTXF_extra_info) !== 0) {
        this.txRespond(ring, next.id, NETIF_RSP_NULL);
        flags &= ~NETTXF_extra_info;
      } else {
        this.txRespond(ring, next.id, NETIF_RSP_ERROR);
        flags = next.flags;
      }
    }
  }

  private txRespond(ring: BackRing, id: number, status: number): void {
    const slot = ringSlot(ring, ring.rspProdPvt++);
    ring.mem.write16(slot + NETIF_TX_RESPONSE.id, id);
    ring.mem.write16(slot + NETIF_TX_RESPONSE.status, status & 0xffff);
  }

  /**
   * xenvif_rx_action: while frames wait and the guest has posted buffers, each frame goes into
   * the next buffer (netbackRxOne); the responses are published together.
   */
  private rxAction(): void {
    const ring = this.rx;
    if (ring === null || this.rxQueue.length === 0) return;
    if (ringRequestProdOverflow(ring, ring.mem.read32(ring.sring + SRING.req_prod))) {
      this.fail('rx req_prod runs more than a ring ahead of the responses');
      return;
    }
    let answered = false;
    // With no buffer posted, ask to be woken by the next one (req_event), then look again.
    while (this.rxQueue.length > 0 && ringFinalCheckForRequests(ring)) {
      if (netbackRxOne(this.grants, this.domid, ring, this.rxQueue.shift()!)) this.stats.rxFrames++;
      else this.stats.rxErrors++;
      answered = true;
    }
    if (answered && ringPushResponsesAndCheckNotify(ring)) this.evtchn.notify(this.port);
  }

  /** The front end broke the ring: the vif goes, as xenvif_fatal_tx_err disables it. */
  private fail(why: string): void {
    this.log(`${this.name}: ${why}; disconnected`);
    this.disconnect();
  }
}

/** How netback moves bytes into a guest's granted page (gntdev.ts, through Xen). */
export interface GrantCopyTo {
  /** GNTTABOP_copy of `bytes` into grant `ref` of `domid` at `offset`; the GNTST_* status. */
  copyTo(domid: number, ref: number, offset: number, bytes: Uint8Array): number;
}

/**
 * The receive path for one frame: take the guest's next rx request {id, gref} (at req_cons),
 * copy the frame into that granted page at offset 0 with one grant copy — Xen checks the grant:
 * the guest's, for domain 0, writable — and answer in the next response slot {id, offset 0,
 * flags 0, status}: the frame's length, or NETIF_RSP_ERROR when the copy was refused (the frame
 * is lost; the buffer goes back to the guest unused). True when the frame reached the guest.
 */
export function netbackRxOne(
  grants: GrantCopyTo,
  domid: number,
  ring: BackRing,
  frame: Uint8Array,
): boolean {
  const slot = ringSlot(ring, ring.reqCons++);
  const id = ring.mem.read16(slot + NETIF_RX_REQUEST.id);
  const gref = ring.mem.read32(slot + NETIF_RX_REQUEST.gref) >>> 0;
  const copied = grants.copyTo(domid, gref, 0, frame) === GNTST_okay;
  const out = ringSlot(ring, ring.rspProdPvt++);
  ring.mem.write16(out + NETIF_RX_RESPONSE.id, id);
  ring.mem.write16(out + NETIF_RX_RESPONSE.offset, 0);
  ring.mem.write16(out + NETIF_RX_RESPONSE.flags, 0);
  ring.mem.write16(
    out + NETIF_RX_RESPONSE.status,
    copied ? frame.length : NETIF_RSP_ERROR & 0xffff,
  );
  return copied;
}

/** The tx request in slot `index` of the ring. */
function readTxRequest(ring: BackRing, index: number): TxRequest {
  const slot = ringSlot(ring, index);
  const f = NETIF_TX_REQUEST;
  return {
    gref: ring.mem.read32(slot + f.gref) >>> 0,
    offset: ring.mem.read16(slot + f.offset),
    flags: ring.mem.read16(slot + f.flags),
    id: ring.mem.read16(slot + f.id),
    size: ring.mem.read16(slot + f.size),
  };
}
